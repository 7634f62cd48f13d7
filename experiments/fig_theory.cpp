// Figures 1–3 from the closed forms (docs/THEORY.md §2, §3):
//   fig1_bernoulli_rd.csv          Bernoulli–Hamming–TV R–D curves at several P, and Shannon's
//                                  R(D) (Blau & Michaeli 2019, Fig. 2 analogue);
//   fig{2,3}_<case>_surface.csv     R(D,P) on a grid;
//   fig{2,3}_<case>_level_sets.csv  equi-rate curves {(D,P): R(D,P) = R} by root finding;
//   fig{2,3}_<case>_rate_perception.csv  R–P cross-sections at fixed D
// for <case> in bernoulli_tv, gaussian_w2sq, gaussian_kl, gaussian_rkl (Fig. 3 analogue);
//   fig3_gaussian_kl_explicit_channel.csv  for forward KL, where the perception binds, the rate of
//                                  an explicit heavy-tailed channel (a certified upper bound on
//                                  R(D,P), below the jointly Gaussian surface; THEORY §3.5).
#include <cmath>
#include <string>

#include "closed_form_figures.hpp"
#include "experiment.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/solvers/gaussian_kl_channel.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/source_registry.hpp"

namespace {

using rdp::experiments::CsvTable;

}  // namespace

int main(int argc, char** argv) {
  using namespace rdp;
  using namespace rdp::experiments;
  return run_experiment(
      argc, argv, "fig_theory",
      "Closed-form R(D,P): R-D curves, surfaces, level sets, cross-sections", [](CLI::App&) {},
      [](const ExperimentOptions& opt) {
        const int grid = opt.quick ? 40 : 120;
        // Figure 1: R–D at fixed P for the Bernoulli source of Figure 2.
        const ClosedFormFigure& fig2 = closed_form_figure("bernoulli_tv");
        const auto bernoulli = make_source(fig2.source);
        const Distortion hamming = parse_distortion(fig2.distortion);
        CsvTable rd({"curve", "P", "D", "rate_bits"});
        for (double d : linspace(0.0, 0.2, 4 * grid + 1))
          rd.add_row(
              {"shannon", "inf", CsvTable::cell(d),
               CsvTable::cell(
                   closed_form_rate(*bernoulli, hamming, Perception::none, d, 0.0).rate_bits)});
        const std::vector<double> fig1_perceptions = {0.0, 0.01, 0.02, 0.04, 0.07};
        for (double pp : fig1_perceptions) {
          for (double d : linspace(0.0, 0.2, 4 * grid + 1))
            rd.add_row(
                {"tv", CsvTable::cell(pp), CsvTable::cell(d),
                 CsvTable::cell(
                     closed_form_rate(*bernoulli, hamming, Perception::tv, d, pp).rate_bits)});
        }
        // Each CSV's own sidecar carries its case, so that it describes the file on its own.
        nlohmann::json params;
        params["grid"] = grid;
        const nlohmann::json fig1 = {{"name", "bernoulli_rd"},
                                     {"figure", "fig1"},
                                     {"grid", grid},
                                     {"source", bernoulli->spec()},
                                     {"distortion", fig2.distortion},
                                     {"perception", "tv"},
                                     {"P_values", fig1_perceptions}};
        rd.write(opt.out_dir, "fig1_bernoulli_rd", fig1);
        params["cases"].push_back(fig1);
        for (const auto& c : closed_form_figures()) {
          // The closed form through the one dispatcher `rdp rate` uses (closed_form.hpp).
          const auto src = make_source(c.source);
          const Distortion dist = parse_distortion(c.distortion);
          const Perception perc = parse_perception(c.perception);
          const auto rate = [&](double d, double pp) {
            return closed_form_rate(*src, dist, perc, d, pp).rate_bits;
          };
          const nlohmann::json case_params = {{"name", c.name},
                                              {"figure", c.figure},
                                              {"grid", grid},
                                              {"source", src->spec()},
                                              {"distortion", c.distortion},
                                              {"perception", c.perception},
                                              {"D_range", {c.d_lo, c.d_hi}},
                                              {"P_max", c.p_hi},
                                              {"level_rates_bits", c.level_rates},
                                              {"fixed_D", c.fixed_distortions}};
          CsvTable surface({"D", "P", "rate_bits"});
          for (double d : linspace(std::max(c.d_lo, c.d_hi / grid), c.d_hi, grid))
            for (double pp : linspace(0.0, c.p_hi, grid))
              surface.add_row({CsvTable::cell(d), CsvTable::cell(pp), CsvTable::cell(rate(d, pp))});
          surface.write(opt.out_dir, c.figure + "_" + c.name + "_surface", case_params);

          CsvTable levels({"rate_bits", "D", "P"});
          // Denser near P = 0, where the level sets bend.
          std::vector<double> ps;
          for (double t : linspace(0.0, 1.0, 2 * grid + 1)) ps.push_back(c.p_hi * t * t);
          for (double r : c.level_rates)
            for (const auto& pt : equi_rate_level_set(rate, r, ps, c.d_lo, c.d_hi))
              levels.add_row({CsvTable::cell(r), CsvTable::cell(pt.distortion),
                              CsvTable::cell(pt.perception)});
          levels.write(opt.out_dir, c.figure + "_" + c.name + "_level_sets", case_params);

          CsvTable rp({"D", "P", "rate_bits"});
          for (double d : c.fixed_distortions)
            for (double t : linspace(0.0, 1.0, 2 * grid + 1))
              rp.add_row({CsvTable::cell(d), CsvTable::cell(c.p_hi * t * t),
                          CsvTable::cell(rate(d, c.p_hi * t * t))});
          rp.write(opt.out_dir, c.figure + "_" + c.name + "_rate_perception", case_params);
          params["cases"].push_back(case_params);
          if (c.perception == "kl") {
            // The certified values beside the jointly Gaussian surface: explicit channels at the
            // cross-sections' D, where the perception constraint binds (elsewhere the closed form
            // is R(D) itself). Points are independent: parallel, written in order.
            const std::vector<double> p_values =
                opt.quick ? std::vector<double>{0.05} : std::vector<double>{0.01, 0.03, 0.1, 0.3};
            struct Point {
              double d, p, jointly_gaussian;
              ExplicitKlChannel channel;
            };
            std::vector<Point> points;
            for (double d : c.fixed_distortions) {
              if (opt.quick && d != c.fixed_distortions.front() && d != c.fixed_distortions.back())
                continue;
              for (double pp : p_values) {
                const ClosedFormRate cf = closed_form_rate(*src, dist, perc, d, pp);
                if (cf.region == "perception_active") points.push_back({d, pp, cf.rate_bits, {}});
              }
            }
#pragma omp parallel for schedule(dynamic, 1)
            for (std::size_t i = 0; i < points.size(); ++i)
              points[i].channel = best_heavy_tail_kl_channel(1.0, points[i].d, points[i].p);
            CsvTable explicit_channel({"D", "P", "rate_bits", "jointly_gaussian_bits", "a", "c",
                                       "k", "rho", "distortion", "perception_nats"});
            for (const Point& pt : points)
              explicit_channel.add_row(
                  {CsvTable::cell(pt.d), CsvTable::cell(pt.p), CsvTable::cell(pt.channel.rate_bits),
                   CsvTable::cell(pt.jointly_gaussian), CsvTable::cell(pt.channel.output.a),
                   CsvTable::cell(pt.channel.output.c), CsvTable::cell(pt.channel.output.k),
                   CsvTable::cell(pt.channel.rho), CsvTable::cell(pt.channel.distortion_mse),
                   CsvTable::cell(pt.channel.perception_kl_nats)});
            explicit_channel.write(opt.out_dir, c.figure + "_" + c.name + "_explicit_channel",
                                   case_params);
          }
        }
        write_sidecar(opt.out_dir, "fig_theory", opt, params);
      });
}
