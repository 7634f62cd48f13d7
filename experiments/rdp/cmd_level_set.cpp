// `rdp level-set`, `rdp surface` and `rdp section`: R(D,P) as curves and grids, CSV on stdout,
// from the closed forms or from the certified Blahut–Arimoto solver (--method ba).
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "command.hpp"
#include "grid_ranges.hpp"
#include "problem.hpp"
#include "rdp/error.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/solvers/level_set.hpp"

namespace rdp::cli {
namespace {

struct GridOptions {
  ProblemOptions problem;
  double rate = std::nan("");
  GridRanges ranges;
  std::string method = "auto";
  int grid = 256;
  double gap = 1e-4;
  double max_seconds = std::nan("");  // per solver query; NaN: no budget
  // section: which quantity is held fixed ("D", "P" or "R") and its value.
  std::string fixed;
  double value = std::nan("");
};

// Whether to use the numerical solver: --method ba, or auto without a closed form.
bool use_ba(const Problem& pb, const GridOptions& o) {
  if (o.method == "ba") return true;
  if (o.method == "closed") return false;
  return !closed_form_unavailable_reason(*pb.source, pb.distortion, pb.perception).empty();
}

FiniteRdpProblem ba_problem(const Problem& pb, const GridOptions& o) {
  check_ba_grid(o.grid);
  require_in_interval("gap", o.gap, 0.0, 1.0, true, false);
  return make_problem_for_source(*pb.source, pb.distortion, pb.perception, o.grid);
}

BaOptions ba_options(const GridOptions& o) {
  BaOptions options;
  options.gap_bits = o.gap;
  if (!std::isnan(o.max_seconds)) options.max_seconds = o.max_seconds;
  return options;
}

void check_perception(const Problem& pb) {
  if (pb.perception == Perception::none)
    throw InvalidArgument("perception", "one of tv, w1, w2sq, kl, rkl", "'none'");
}

const char* kBaColumns = "D,P,rate_bits,region,lower_bits,upper_bits,gap_bits,iterations,status\n";

std::string ba_row(double d, double p, const BaResult& r) {
  auto num = [](double x) { return std::isfinite(x) ? format_number(x) : std::string("inf"); };
  return format_number(d) + "," + format_number(p) + "," + num(r.rate_bits) + ",numerical," +
         num(r.lower_bits) + "," + num(r.upper_bits) + "," + num(r.gap_bits) + "," +
         std::to_string(r.iterations) + "," + std::string(ba_status_name(r.status)) + "\n";
}

// R(D,P) from the numerical solver as a rate function: the midpoint of the certified bounds
// (within gap/2 of R). One warm-started solver, so the root search in D reuses its solutions.
RateFunction ba_rate(const FiniteRdpProblem& fp, const GridOptions& o) {
  auto solver = std::make_shared<BaSolver>(fp, ba_options(o));
  return [solver](double d, double p) {
    const BaResult r = solver->solve(d, p);
    return std::isfinite(r.rate_bits) ? r.rate_bits : 1e300;
  };
}

// The problem, and whether the numerical solver computes it, with the options each path needs
// checked.
std::pair<Problem, bool> prepare(const GridOptions& o) {
  Problem pb = resolve_problem(o.problem);
  const bool ba = use_ba(pb, o);
  if (ba)
    check_perception(pb);
  else
    check_closed_surface(pb);
  return {std::move(pb), ba};
}

// The equi-rate curve at o.rate over the P grid (o's ranges resolved here).
std::vector<LevelSetPoint> level_set_points(const Problem& pb, bool ba, GridOptions& o) {
  resolve_ranges(pb, o.ranges);
  const RateFunction rate = ba ? ba_rate(ba_problem(pb, o), o) : closed_rate(pb);
  return equi_rate_curve(rate, o.rate, o.ranges);
}

void run_level_set(GridOptions o) {
  const auto [pb, ba] = prepare(o);
  require_positive("rate", o.rate);
  const auto points = level_set_points(pb, ba, o);
  std::ostringstream out;
  out << "D,P\n";
  for (const auto& pt : points)
    out << format_number(pt.distortion) << "," << format_number(pt.perception) << "\n";
  std::cout << out.str();
}

void run_surface(GridOptions o) {
  const auto [pb, ba] = prepare(o);
  GridRanges& g = o.ranges;
  resolve_ranges(pb, g);
  std::ostringstream out;
  if (ba) {
    const auto ds = linspace(g.d_min, g.d_max, g.d_points);
    const auto ps = linspace(g.p_min, g.p_max, g.p_points);
    const auto results = ba_surface(ba_problem(pb, o), ds, ps, ba_options(o));
    out << kBaColumns;
    for (std::size_t i = 0; i < ds.size(); ++i)
      for (std::size_t j = 0; j < ps.size(); ++j)
        out << ba_row(ds[i], ps[j], results[i * ps.size() + j]);
    std::cout << out.str();
    return;
  }
  out << "D,P,rate_bits,region\n";
  for (double d : linspace(g.d_min, g.d_max, g.d_points)) {
    for (double p : linspace(g.p_min, g.p_max, g.p_points)) {
      const auto r = closed_form_rate(*pb.source, pb.distortion, pb.perception, d, p);
      out << format_number(d) << "," << format_number(p) << "," << format_number(r.rate_bits) << ","
          << r.region << "\n";
    }
  }
  std::cout << out.str();
}

// Cross-sections: R–D at fixed P, R–P at fixed D (rows of the surface), and P–D at fixed R
// (the equi-rate level set), all in the surface's CSV columns.
void run_section(GridOptions o) {
  const auto [pb, ba] = prepare(o);
  if (o.fixed == "R") {
    o.rate = o.value;
    require_positive("value (rate)", o.rate);
    const auto points = level_set_points(pb, ba, o);
    std::ostringstream out;
    out << "D,P,rate_bits\n";
    for (const auto& pt : points)
      out << format_number(pt.distortion) << "," << format_number(pt.perception) << ","
          << format_number(o.rate) << "\n";
    std::cout << out.str();
    return;
  }
  const auto [ds, ps] = section_grid(pb, o.fixed, o.value, o.ranges);
  std::ostringstream out;
  if (ba) {
    const FiniteRdpProblem fp = ba_problem(pb, o);
    const auto results = o.fixed == "D"
                             ? ba_rate_perception_section(fp, o.value, ps, ba_options(o))
                             : ba_rate_distortion_section(fp, ds, o.value, ba_options(o));
    out << kBaColumns;
    for (std::size_t k = 0; k < results.size(); ++k)
      out << ba_row(o.fixed == "D" ? o.value : ds[k], o.fixed == "D" ? ps[k] : o.value, results[k]);
  } else {
    out << "D,P,rate_bits,region\n";
    for (double d : ds)
      for (double p : ps) {
        const auto r = closed_form_rate(*pb.source, pb.distortion, pb.perception, d, p);
        out << format_number(d) << "," << format_number(p) << "," << format_number(r.rate_bits)
            << "," << r.region << "\n";
      }
  }
  std::cout << out.str();
}

// The text a range option of the command line was given as, or nullopt.
std::optional<std::string> given_range(const CLI::App* cmd, const std::string& fixed,
                                       const std::string& suffix) {
  const std::string flag = "--" + fixed + suffix;
  if (cmd->count(flag) == 0) return std::nullopt;
  return cmd->get_option(flag)->results().back();
}

void add_method_options(CLI::App* cmd, GridOptions& o) {
  experiments::add_choice(
      cmd, "--method", o.method, {"closed", "ba", "auto"},
      "closed | ba (certified Blahut-Arimoto) | auto (closed form where one exists)");
  experiments::add_integer(cmd, "--grid", o.grid, 2, static_cast<int>(ba_max_square_points()),
                           "grid points for a continuous source with ba (default 256; the upper "
                           "end is the solver's 4 GiB memory cap, which also bounds a finite "
                           "source's alphabet)");
  experiments::add_real(cmd, "--gap", o.gap, {0.0, 1.0, true, false},
                        "certified gap target per point for ba, bits (default 1e-4)");
  experiments::add_real(cmd, "--max-seconds", o.max_seconds, {0.0, 1e9, true, false},
                        "wall-clock budget per ba point, seconds (default: none); a point that "
                        "runs out reports status iteration_limit with its valid bounds");
}

const experiments::Interval kNonnegative{0.0, INFINITY, false, true};

void add_range_options(CLI::App* cmd, GridRanges& o) {
  auto keep = [&o](const char* name) {
    return [&o, name](const std::string& text) { o.typed[name] = text; };
  };
  experiments::add_real(cmd, "--P-min", o.p_min, kNonnegative, "smallest P (default 0)")
      ->each(keep("P-min"));
  experiments::add_real(cmd, "--P-max", o.p_max, kNonnegative,
                        "largest P (default: where the constraint saturates)")
      ->each(keep("P-max"));
  experiments::add_integer(cmd, "--P-points", o.p_points, 1, 100000,
                           "number of P values (default 101)");
  experiments::add_real(cmd, "--D-min", o.d_min, kNonnegative,
                        "smallest D (default 0, or 1e-3 of D-max if continuous)")
      ->each(keep("D-min"));
  experiments::add_real(cmd, "--D-max", o.d_max, kNonnegative,
                        "largest D (default: where R reaches 0)")
      ->each(keep("D-max"));
}

void add_d_points(CLI::App* cmd, GridRanges& o) {
  experiments::add_integer(cmd, "--D-points", o.d_points, 1, 100000,
                           "number of D values (default 50)");
}

void setup(CLI::App& app) {
  {
    auto o = std::make_shared<GridOptions>();
    auto* cmd = app.add_subcommand(
        "level-set", "equi-rate curve {(D,P): R(D,P) = R} by root finding; CSV columns D,P");
    add_problem_options(cmd, o->problem, true);
    experiments::add_real(cmd, "--rate", o->rate, {0.0, INFINITY, true, true}, "the rate R, bits")
        ->required();
    add_range_options(cmd, o->ranges);
    add_method_options(cmd, *o);
    cmd->callback([o] { run_level_set(*o); });
  }
  {
    auto o = std::make_shared<GridOptions>();
    o->ranges.p_points = 50;
    auto* cmd =
        app.add_subcommand("surface", "R(D,P) on a D x P grid; CSV columns D,P,rate_bits,region");
    add_problem_options(cmd, o->problem, true);
    add_range_options(cmd, o->ranges);
    add_d_points(cmd, o->ranges);
    add_method_options(cmd, *o);
    cmd->callback([o] { run_surface(*o); });
  }
  {
    auto o = std::make_shared<GridOptions>();
    auto* cmd = app.add_subcommand(
        "section",
        "cross-section of R(D,P): R-D at fixed P, R-P at fixed D, or P-D at fixed R; CSV");
    add_problem_options(cmd, o->problem, true);
    experiments::add_choice(cmd, "--fixed", o->fixed, {"P", "D", "R"},
                            "the quantity held fixed: P, D or R")
        ->required();
    experiments::add_real(cmd, "--value", o->value, kNonnegative, "its value (bits for R)")
        ->required();
    add_range_options(cmd, o->ranges);
    add_d_points(cmd, o->ranges);
    add_method_options(cmd, *o);
    cmd->callback([o, cmd] {
      reject_ranges_of_fixed(o->fixed, [cmd, o](const std::string& suffix) {
        return given_range(cmd, o->fixed, suffix);
      });
      run_section(*o);
    });
  }
}

const bool registered = register_command(&setup);

}  // namespace
}  // namespace rdp::cli
