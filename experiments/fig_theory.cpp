// Figures 1–3 from the closed forms (docs/THEORY.md §2, §3):
//   fig1_bernoulli_rd.csv          Bernoulli–Hamming–TV R–D curves at several P, and Shannon's
//                                  R(D) (Blau & Michaeli 2019, Fig. 2 analogue);
//   fig{2,3}_<case>_surface.csv     R(D,P) on a grid;
//   fig{2,3}_<case>_level_sets.csv  equi-rate curves {(D,P): R(D,P) = R} by root finding;
//   fig{2,3}_<case>_rate_perception.csv  R–P cross-sections at fixed D
// for <case> in bernoulli_tv, gaussian_w2sq, gaussian_kl, gaussian_rkl (Fig. 3 analogue).
#include <chrono>
#include <cmath>
#include <functional>
#include <string>

#include "experiment.hpp"
#include "rdp/solvers/bernoulli_tv.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/solvers/shannon.hpp"
#include "rdp/sources.hpp"

namespace {

using rdp::experiments::CsvTable;

struct TheoryCase {
  std::string name, figure;
  // What the sidecar records about the problem, so that plots title it from the run itself.
  std::string source, distortion, perception;
  rdp::RateFunction rate;
  double d_lo, d_hi, p_hi;
  std::vector<double> level_rates, fixed_distortions;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace rdp;
  using namespace rdp::experiments;
  return run_experiment(
      argc, argv, "fig_theory",
      "Closed-form R(D,P): R-D curves, surfaces, level sets, cross-sections", [](CLI::App&) {},
      [](const ExperimentOptions& opt) {
        const auto t0 = std::chrono::steady_clock::now();
        const int grid = opt.quick ? 40 : 120;
        const double p = 0.1;      // Bernoulli(p)
        const double sigma = 1.0;  // N(0, σ²)
        const std::string bernoulli = Bernoulli(p).spec();
        const std::string gaussian = Gaussian(0.0, sigma).spec();

        // Figure 1: R–D at fixed P for Bernoulli(p).
        CsvTable rd({"curve", "P", "D", "rate_bits"});
        for (double d : linspace(0.0, 0.2, 4 * grid + 1))
          rd.add_row({"shannon", "inf", CsvTable::cell(d),
                      CsvTable::cell(shannon_rate_bernoulli_hamming(p, d))});
        const std::vector<double> fig1_perceptions = {0.0, 0.01, 0.02, 0.04, 0.07};
        for (double pp : fig1_perceptions) {
          for (double d : linspace(0.0, 0.2, 4 * grid + 1))
            rd.add_row(
                {"tv", CsvTable::cell(pp), CsvTable::cell(d),
                 CsvTable::cell(rate_distortion_perception_bernoulli_tv(p, d, pp).rate_bits)});
        }
        rd.write(opt.out_dir, "fig1_bernoulli_rd");

        const std::vector<TheoryCase> cases = {
            {"bernoulli_tv",
             "fig2",
             bernoulli,
             "hamming",
             "tv",
             [p](double d, double pp) {
               return rate_distortion_perception_bernoulli_tv(p, d, pp).rate_bits;
             },
             0.0,
             0.18,
             0.1,
             {0.05, 0.1, 0.2, 0.3, 0.4},
             {0.02, 0.05, 0.1, 0.14}},
            {"gaussian_w2sq",
             "fig3",
             gaussian,
             "mse",
             "w2sq",
             [sigma](double d, double pp) {
               return rate_distortion_perception_gaussian_w2sq(sigma, d, pp).rate_bits;
             },
             1e-3,
             2.0,
             1.0,
             {0.25, 0.5, 1.0, 1.5, 2.0},
             {0.1, 0.3, 0.6, 1.0}},
            {"gaussian_kl",
             "fig3",
             gaussian,
             "mse",
             "kl",
             [sigma](double d, double pp) {
               return rate_distortion_perception_gaussian_kl(sigma, d, pp, KlDirection::forward)
                   .rate_bits;
             },
             1e-3,
             2.0,
             1.0,
             {0.25, 0.5, 1.0, 1.5, 2.0},
             {0.1, 0.3, 0.6, 1.0}},
            {"gaussian_rkl",
             "fig3",
             gaussian,
             "mse",
             "rkl",
             [sigma](double d, double pp) {
               return rate_distortion_perception_gaussian_kl(sigma, d, pp, KlDirection::reverse)
                   .rate_bits;
             },
             1e-3,
             2.0,
             1.0,
             {0.25, 0.5, 1.0, 1.5, 2.0},
             {0.1, 0.3, 0.6, 1.0}},
        };
        nlohmann::json params;
        params["bernoulli_p"] = p;
        params["gaussian_sigma"] = sigma;
        params["grid"] = grid;
        params["cases"].push_back({{"name", "bernoulli_rd"},
                                   {"figure", "fig1"},
                                   {"source", bernoulli},
                                   {"distortion", "hamming"},
                                   {"perception", "tv"},
                                   {"P_values", fig1_perceptions}});
        for (const auto& c : cases) {
          CsvTable surface({"D", "P", "rate_bits"});
          for (double d : linspace(std::max(c.d_lo, c.d_hi / grid), c.d_hi, grid))
            for (double pp : linspace(0.0, c.p_hi, grid))
              surface.add_row(
                  {CsvTable::cell(d), CsvTable::cell(pp), CsvTable::cell(c.rate(d, pp))});
          surface.write(opt.out_dir, c.figure + "_" + c.name + "_surface");

          CsvTable levels({"rate_bits", "D", "P"});
          // Denser near P = 0, where the level sets bend.
          std::vector<double> ps;
          for (double t : linspace(0.0, 1.0, 2 * grid + 1)) ps.push_back(c.p_hi * t * t);
          for (double r : c.level_rates)
            for (const auto& pt : equi_rate_level_set(c.rate, r, ps, c.d_lo, c.d_hi))
              levels.add_row({CsvTable::cell(r), CsvTable::cell(pt.distortion),
                              CsvTable::cell(pt.perception)});
          levels.write(opt.out_dir, c.figure + "_" + c.name + "_level_sets");

          CsvTable rp({"D", "P", "rate_bits"});
          for (double d : c.fixed_distortions)
            for (double t : linspace(0.0, 1.0, 2 * grid + 1))
              rp.add_row({CsvTable::cell(d), CsvTable::cell(c.p_hi * t * t),
                          CsvTable::cell(c.rate(d, c.p_hi * t * t))});
          rp.write(opt.out_dir, c.figure + "_" + c.name + "_rate_perception");
          params["cases"].push_back({{"name", c.name},
                                     {"figure", c.figure},
                                     {"source", c.source},
                                     {"distortion", c.distortion},
                                     {"perception", c.perception},
                                     {"D_range", {c.d_lo, c.d_hi}},
                                     {"P_max", c.p_hi},
                                     {"level_rates_bits", c.level_rates},
                                     {"fixed_D", c.fixed_distortions}});
        }
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        write_sidecar(opt.out_dir, "fig_theory", opt, params, wall);
      });
}
