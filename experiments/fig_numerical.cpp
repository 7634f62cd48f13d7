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
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>

#include "experiment.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/detail/roots.hpp"
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

// Equi-rate level sets from the solver: R(·,P) is non-increasing in D, so at each P the D where
// the certified midpoint crosses R is a root (TOMS 748, `iterations` solver calls at most, to a
// D tolerance far below the plots' resolution; the midpoint is within gap/2 of R). Points whose
// level does not cross [d_lo, d_hi] are skipped. The (R, P) pairs are independent root searches,
// spread over the OpenMP threads with one solver each; rows come out in (R, P) order whatever
// the thread count. `tick` is called once per rate.
template <class Tick>
CsvTable level_set_table(const rdp::FiniteRdpProblem& problem, const rdp::BaOptions& options,
                         const std::vector<double>& rates, const std::vector<double>& ps,
                         double d_lo, double d_hi, std::uintmax_t iterations, Tick tick) {
  struct Point {
    bool found = false;
    double d = 0.0, gap = 0.0;
  };
  const long pairs = static_cast<long>(rates.size() * ps.size());
  std::vector<Point> points(static_cast<std::size_t>(pairs));
#pragma omp parallel
  {
    rdp::BaSolver solver(problem, options);
#pragma omp for schedule(dynamic)
    for (long k = 0; k < pairs; ++k) {
      const double r = rates[static_cast<std::size_t>(k) / ps.size()];
      const double p = ps[static_cast<std::size_t>(k) % ps.size()];
      // The certified gap of the solve nearest to the level (the one the root stands on).
      double gap = 0.0, nearest = std::numeric_limits<double>::infinity();
      auto f = [&](double d) {
        const auto res = solver.solve(d, p);
        if (std::abs(res.rate_bits - r) < nearest)
          nearest = std::abs(res.rate_bits - r), gap = res.gap_bits;
        return res.rate_bits - r;
      };
      // No exception may leave an OpenMP region: a failed search is a missing point.
      try {
        const double f_lo = f(d_lo), f_hi = f(d_hi);
        if (f_lo < 0.0 || f_hi > 0.0) continue;
        std::uintmax_t it = iterations;
        const auto root = boost::math::tools::toms748_solve(
            f, d_lo, d_hi, f_lo, f_hi, boost::math::tools::eps_tolerance<double>(20), it);
        // A bracket the budget could not shrink below 0.2% of the range is not a point of the
        // curve; leave it out rather than plot its midpoint.
        if (root.second - root.first > 2e-3 * (d_hi - d_lo)) continue;
        points[static_cast<std::size_t>(k)] = {true, 0.5 * (root.first + root.second), gap};
      } catch (const std::exception&) {
        continue;
      }
    }
  }
  CsvTable levels({"rate_bits", "D", "P", "gap_bits"});
  for (std::size_t i = 0; i < rates.size(); ++i) {
    for (std::size_t j = 0; j < ps.size(); ++j) {
      const Point& pt = points[i * ps.size() + j];
      if (pt.found)
        levels.add_row({CsvTable::cell(rates[i]), CsvTable::cell(pt.d), CsvTable::cell(ps[j]),
                        CsvTable::cell(pt.gap)});
    }
    tick();
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
        const auto t0 = std::chrono::steady_clock::now();
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
        Progress progress("fig_numerical", cases.size() * (1 + 3) + 3);
        for (const auto& c : cases) {
          const auto src = make_source(c.source);
          const auto problem =
              make_problem_for_source(*src, parse_distortion(c.distortion), c.perception, grid);
          const auto ds = linspace(c.d_max / surface_n, c.d_max, surface_n);
          const auto ps = linspace(0.0, c.p_max, surface_n);
          const auto results = ba_surface(problem, ds, ps, surface_options);
          CsvTable surface(result_columns());
          for (std::size_t i = 0; i < ds.size(); ++i)
            for (std::size_t j = 0; j < ps.size(); ++j)
              add_result_row(surface, ds[i], ps[j], results[i * ps.size() + j]);
          surface.write(opt.out_dir, "fig4_" + c.name + "_surface");
          progress.tick();

          const auto level_ps = linspace(0.0, c.p_max, opt.quick ? 3 : 7);
          CsvTable levels =
              level_set_table(problem, surface_options, c.rates, level_ps, c.d_max * 1e-3, c.d_max,
                              opt.quick ? 12 : 20, [&] { progress.tick(); });
          levels.write(opt.out_dir, "fig4_" + c.name + "_level_sets");
          params["cases"].push_back({{"name", c.name},
                                     {"source", src->spec()},
                                     {"distortion", c.distortion},
                                     {"perception", std::string(perception_name(c.perception))},
                                     {"level_rates_bits", c.rates}});
        }

        // Overlays: the solver's R–P cross-sections at the closed-form figures' fixed D.
        // Overlays on the closed-form figures (fig_theory): R–P cross-sections at its fixed D
        // and equi-rate level sets at its level rates, on the same axes.
        struct Overlay {
          std::string file, source;
          Perception perception;
          std::vector<double> fixed_d;
          double p_max;
          std::vector<double> level_rates;
          double d_lo, d_hi;
        };
        const std::vector<Overlay> overlays = {
            {"fig2_bernoulli_tv",
             "bernoulli:p=0.1",
             Perception::tv,
             {0.02, 0.05, 0.1, 0.14},
             0.1,
             {0.05, 0.1, 0.2, 0.3, 0.4},
             1e-4,
             0.18},
            {"fig3_gaussian_rkl",
             "gaussian:sigma=1",
             Perception::rkl,
             {0.1, 0.3, 0.6, 1.0},
             1.0,
             {0.25, 0.5, 1.0, 1.5},
             1e-2,
             2.0},
            {"fig3_gaussian_w2sq",
             "gaussian:sigma=1",
             Perception::w2sq,
             {0.1, 0.3, 0.6, 1.0},
             1.0,
             {0.25, 0.5, 1.0, 1.5},
             1e-2,
             2.0},
        };
        for (const auto& o : overlays) {
          const auto src = make_source(o.source);
          const Distortion dist = default_distortion(*src);
          const auto problem = make_problem_for_source(*src, dist, o.perception, grid);
          CsvTable t(result_columns());
          const auto ps = linspace(0.0, o.p_max, opt.quick ? 6 : 16);
          for (double d : o.fixed_d) {
            const auto section = ba_rate_perception_section(problem, d, ps, surface_options);
            for (std::size_t j = 0; j < ps.size(); ++j) add_result_row(t, d, ps[j], section[j]);
          }
          t.write(opt.out_dir, o.file + "_ba_rate_perception");
          // Denser near P = 0, where the level sets bend (as in fig_theory).
          std::vector<double> level_ps;
          for (double t : linspace(0.0, 1.0, opt.quick ? 4 : 8))
            level_ps.push_back(o.p_max * t * t);
          level_set_table(problem, surface_options, o.level_rates, level_ps, o.d_lo, o.d_hi,
                          opt.quick ? 12 : 20, [] {})
              .write(opt.out_dir, o.file + "_ba_level_sets");
          progress.tick();
        }
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        write_sidecar(opt.out_dir, "fig_numerical", opt, params, wall);
      });
}
