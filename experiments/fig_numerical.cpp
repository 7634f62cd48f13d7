// Figure 4 and the numerical overlays of Figures 2–3, from the certified Blahut–Arimoto solver:
//   fig4_<case>_surface.csv     R(D,P) with its certified bounds and gap on a grid;
//   fig4_<case>_level_sets.csv  equi-rate curves: at each P, the D where the certified midpoint
//                               crosses R (root finding in D on solver evaluations);
// for <case> = laplace_rkl (Laplace(b=1) discretised, MSE, KL(p_X̂‖p_X)) and ternary_w1 (a 3-letter
// source on {0,1,2}, MSE, W1), which have no closed form; and
//   fig2_bernoulli_tv_ba_{rate_perception,level_sets}.csv,
//   fig3_gaussian_{rkl,w2sq}_ba_{rate_perception,level_sets}.csv
// R–P cross-sections at the closed-form figures' fixed D and equi-rate level sets at their level
// rates, from the solver, to overlay on them.
#include <cmath>
#include <iostream>
#include <limits>

#include "closed_form_figures.hpp"
#include "experiment.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/source_registry.hpp"
#include "rdp/sources.hpp"

namespace {

using rdp::experiments::CsvTable;

void add_result_row(CsvTable& t, double d, double p, const rdp::BaResult& r) {
  t.add_row({CsvTable::cell(d), CsvTable::cell(p), CsvTable::cell(r.rate_bits),
             CsvTable::cell(r.lower_bits), CsvTable::cell(r.upper_bits), CsvTable::cell(r.gap_bits),
             std::string(rdp::ba_status_name(r.status)),
             CsvTable::cell(static_cast<long long>(r.iterations))});
}

std::vector<std::string> result_columns() {
  return {"D", "P", "rate_bits", "lower_bits", "upper_bits", "gap_bits", "status", "iterations"};
}

// The solver's level sets as the figure's CSV: found points only, in (rate, P) order. The points
// left out are counted by status in `omitted` (for the sidecar), so that a short curve says why.
CsvTable level_set_table(const rdp::FiniteRdpProblem& problem, const rdp::BaOptions& options,
                         const std::vector<double>& rates, const std::vector<double>& ps,
                         double d_lo, double d_hi, int max_solves, nlohmann::json& omitted) {
  rdp::BaLevelSetOptions lo;
  lo.max_solves = max_solves;
  CsvTable levels({"rate_bits", "D", "P", "gap_bits"});
  omitted = nlohmann::json::object();
  for (const auto& pt : rdp::ba_level_set(problem, rates, ps, d_lo, d_hi, options, lo)) {
    if (pt.status == rdp::BaLevelSetPoint::Status::found) {
      levels.add_row({CsvTable::cell(pt.rate_bits), CsvTable::cell(pt.distortion),
                      CsvTable::cell(pt.perception), CsvTable::cell(pt.gap_bits)});
    } else {
      const std::string key(rdp::ba_level_set_status_name(pt.status));
      omitted[key] = omitted.value(key, 0) + 1;
    }
  }
  return levels;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace rdp;
  using namespace rdp::experiments;
  return run_experiment(
      argc, argv, "fig_numerical",
      "Certified numerical R(D,P) on sources without closed forms, and overlays on the closed "
      "forms",
      [](CLI::App&) {},
      [](const ExperimentOptions& opt) {
        const int grid = opt.quick ? 48 : 128;     // discretisation of continuous sources
        const int surface_n = opt.quick ? 6 : 14;  // surface grid per axis
        BaOptions surface_options;
        surface_options.gap_bits = 1e-4;
        surface_options.keep_channel = false;
        // A per-query budget keeps the figure within minutes; points that hit it are reported
        // with status iteration_limit and their (still valid) wider bounds.
        surface_options.max_iterations = opt.quick ? 20000 : 60000;
        nlohmann::json params;
        params["grid_points"] = grid;
        params["surface_points_per_axis"] = surface_n;
        params["gap_target_bits"] = surface_options.gap_bits;
        params["max_iterations_per_query"] = surface_options.max_iterations;

        struct Case {
          std::string name, source, distortion;
          Perception perception;
          double d_max, p_max;
          std::vector<double> rates;
        };
        const std::vector<Case> cases = {
            {"laplace_rkl", "laplace:b=1", "mse", Perception::rkl, 2.0, 1.0, {0.25, 0.5, 1.0}},
            {"ternary_w1",
             "finite:points=0/1/2,pmf=0.5/0.3/0.2",
             "mse",
             Perception::w1,
             0.8,
             0.5,
             {0.1, 0.3, 0.6}},
        };
        // Solver calls per level-set point: the two ends of [d_lo, d_hi] and the root search.
        const int level_solves = opt.quick ? 14 : 22;
        params["level_set_solves_per_point"] = level_solves;
        // Per case a surface and a level-set table, per overlay one tick for both of its tables.
        Progress progress("fig_numerical", cases.size() * 2 + 3);
        // Each CSV's own sidecar: the run's solver settings and the CSV's case.
        const nlohmann::json settings = params;
        auto describe = [&settings](const nlohmann::json& entry) {
          nlohmann::json d = settings;
          d.update(entry);
          return d;
        };
        for (const auto& c : cases) {
          const auto src = make_source(c.source);
          const nlohmann::json entry = {{"name", c.name},
                                        {"source", src->spec()},
                                        {"distortion", c.distortion},
                                        {"perception", std::string(perception_name(c.perception))},
                                        {"level_rates_bits", c.rates}};
          const auto problem =
              make_problem_for_source(*src, parse_distortion(c.distortion), c.perception, grid);
          const auto ds = linspace(c.d_max / surface_n, c.d_max, surface_n);
          const auto ps = linspace(0.0, c.p_max, surface_n);
          const auto results = ba_surface(problem, ds, ps, surface_options);
          CsvTable surface(result_columns());
          for (std::size_t i = 0; i < ds.size(); ++i)
            for (std::size_t j = 0; j < ps.size(); ++j)
              add_result_row(surface, ds[i], ps[j], results[i * ps.size() + j]);
          surface.write(opt.out_dir, "fig4_" + c.name + "_surface", describe(entry));
          progress.tick();

          const auto level_ps = linspace(0.0, c.p_max, opt.quick ? 3 : 7);
          const std::string level_file = "fig4_" + c.name + "_level_sets";
          nlohmann::json& omitted = params["level_set_points_omitted"][level_file];
          const CsvTable levels = level_set_table(problem, surface_options, c.rates, level_ps,
                                                  c.d_max * 1e-3, c.d_max, level_solves, omitted);
          nlohmann::json level_entry = describe(entry);
          level_entry["level_set_points_omitted"] = omitted;
          levels.write(opt.out_dir, level_file, level_entry);
          progress.tick();
          params["cases"].push_back(entry);
        }

        // Overlays on the closed-form figures (fig_theory): R–P cross-sections at its fixed D
        // and equi-rate level sets at its level rates, on the same axes.
        // The solver's root search needs D > 0 (d_lo), and on the 128-cell grid the 2-bit level
        // falls below the discretisation's resolution, so the Gaussian overlays stop at 1.5 bits.
        struct Overlay {
          std::string name;
          double solver_d_lo, max_level_rate;
        };
        const std::vector<Overlay> overlays = {
            {"bernoulli_tv", 1e-4, 1.0}, {"gaussian_rkl", 1e-2, 1.5}, {"gaussian_w2sq", 1e-2, 1.5}};
        for (const auto& overlay : overlays) {
          const ClosedFormFigure& o = closed_form_figure(overlay.name);
          const auto src = make_source(o.source);
          const auto problem = make_problem_for_source(*src, parse_distortion(o.distortion),
                                                       parse_perception(o.perception), grid);
          const std::string file = o.figure + "_" + o.name;
          std::vector<double> level_rates;
          for (double r : o.level_rates)
            if (r <= overlay.max_level_rate) level_rates.push_back(r);
          // Named like the CSVs' stem, as the plots look an overlay's problem up.
          const nlohmann::json entry = {{"name", file},
                                        {"figure", o.figure},
                                        {"source", src->spec()},
                                        {"distortion", o.distortion},
                                        {"perception", o.perception},
                                        {"fixed_D", o.fixed_distortions},
                                        {"level_rates_bits", level_rates}};
          CsvTable t(result_columns());
          const auto ps = linspace(0.0, o.p_hi, opt.quick ? 6 : 16);
          for (double d : o.fixed_distortions) {
            const auto section = ba_rate_perception_section(problem, d, ps, surface_options);
            for (std::size_t j = 0; j < ps.size(); ++j) add_result_row(t, d, ps[j], section[j]);
          }
          t.write(opt.out_dir, file + "_ba_rate_perception", describe(entry));
          // Denser near P = 0, where the level sets bend (as in fig_theory).
          std::vector<double> level_ps;
          for (double t : linspace(0.0, 1.0, opt.quick ? 4 : 8)) level_ps.push_back(o.p_hi * t * t);
          const std::string level_file = file + "_ba_level_sets";
          nlohmann::json& omitted = params["level_set_points_omitted"][level_file];
          const CsvTable levels =
              level_set_table(problem, surface_options, level_rates, level_ps, overlay.solver_d_lo,
                              o.d_hi, level_solves, omitted);
          nlohmann::json level_entry = describe(entry);
          level_entry["level_set_points_omitted"] = omitted;
          levels.write(opt.out_dir, level_file, level_entry);
          params["cases"].push_back(entry);
          progress.tick();
        }
        write_sidecar(opt.out_dir, "fig_numerical", opt, params);
      });
}
