// `rdp level-set` and `rdp surface`: R(D,P) as curves and grids, CSV on stdout.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "command.hpp"
#include "problem.hpp"
#include "rdp/error.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/solvers/level_set.hpp"

namespace rdp::cli {
namespace {

struct GridOptions {
  ProblemOptions problem;
  double rate = std::nan("");
  double p_min = 0.0, p_max = std::nan(""), d_min = std::nan(""), d_max = std::nan("");
  int p_points = 101, d_points = 50;
};

void check_closed(const Problem& pb) {
  if (pb.perception == Perception::none)
    throw InvalidArgument("perception", "one of tv, w1, w2sq, kl, rkl", "'none'");
  if (const auto why = closed_form_unavailable_reason(*pb.source, pb.distortion, pb.perception);
      !why.empty())
    throw InvalidArgument("perception", "a combination with a closed form in this build",
                          "'" + std::string(perception_name(pb.perception)) + "': " + why);
}

// Fills unset ranges from the problem's own scales and validates them.
void resolve_ranges(const Problem& pb, GridOptions& o) {
  const double d_sat = distortion_saturation(*pb.source, pb.distortion);
  const bool continuous = pb.source->kind() == SourceKind::continuous;
  if (std::isnan(o.p_max)) o.p_max = perception_saturation(*pb.source, pb.perception);
  if (std::isnan(o.d_max)) o.d_max = d_sat;
  if (std::isnan(o.d_min)) o.d_min = continuous ? d_sat * 1e-3 : 0.0;
  require_nonnegative("P-min", o.p_min);
  require_in_interval("P-max", o.p_max, o.p_min, INFINITY, false, true);
  if (continuous)
    require_positive("D-min", o.d_min);
  else
    require_nonnegative("D-min", o.d_min);
  require_in_interval("D-max", o.d_max, o.d_min, INFINITY, true, true);
  if (o.p_points < 1 || o.p_points > 100000)
    throw InvalidArgument("P-points", "[1, 100000]", std::to_string(o.p_points));
  if (o.d_points < 1 || o.d_points > 100000)
    throw InvalidArgument("D-points", "[1, 100000]", std::to_string(o.d_points));
}

RateFunction closed_rate(const Problem& pb) {
  return [pb](double d, double p) {
    return closed_form_rate(*pb.source, pb.distortion, pb.perception, d, p).rate_bits;
  };
}

void run_level_set(GridOptions o) {
  const Problem pb = resolve_problem(o.problem);
  check_closed(pb);
  require_positive("rate", o.rate);
  resolve_ranges(pb, o);
  // D slightly above 0 for continuous sources, where R(0,P) = inf.
  const double d_lo = o.d_min > 0.0 ? o.d_min : 0.0;
  const auto points = equi_rate_level_set(closed_rate(pb), o.rate,
                                          linspace(o.p_min, o.p_max, o.p_points), d_lo, o.d_max);
  std::ostringstream out;
  out << "D,P\n";
  for (const auto& pt : points)
    out << format_number(pt.distortion) << "," << format_number(pt.perception) << "\n";
  std::cout << out.str();
}

void run_surface(GridOptions o) {
  const Problem pb = resolve_problem(o.problem);
  check_closed(pb);
  resolve_ranges(pb, o);
  std::ostringstream out;
  out << "D,P,rate_bits,region\n";
  for (double d : linspace(o.d_min, o.d_max, o.d_points)) {
    for (double p : linspace(o.p_min, o.p_max, o.p_points)) {
      const auto r = closed_form_rate(*pb.source, pb.distortion, pb.perception, d, p);
      out << format_number(d) << "," << format_number(p) << "," << format_number(r.rate_bits)
          << "," << r.region << "\n";
    }
  }
  std::cout << out.str();
}

void add_range_options(CLI::App* cmd, GridOptions& o) {
  cmd->add_option("--P-min", o.p_min, "smallest P (default 0)");
  cmd->add_option("--P-max", o.p_max, "largest P (default: where the constraint saturates)");
  cmd->add_option("--P-points", o.p_points, "number of P values (default 101)");
  cmd->add_option("--D-min", o.d_min, "smallest D (default 0, or 1e-3 of D-max if continuous)");
  cmd->add_option("--D-max", o.d_max, "largest D (default: where R reaches 0)");
}

void setup(CLI::App& app) {
  {
    auto o = std::make_shared<GridOptions>();
    auto* cmd = app.add_subcommand(
        "level-set", "equi-rate curve {(D,P): R(D,P) = R} by root finding; CSV columns D,P");
    add_problem_options(cmd, o->problem, true);
    cmd->add_option("--rate", o->rate, "the rate R > 0, bits")->required();
    add_range_options(cmd, *o);
    cmd->callback([o] { run_level_set(*o); });
  }
  {
    auto o = std::make_shared<GridOptions>();
    o->p_points = 50;
    auto* cmd = app.add_subcommand(
        "surface", "R(D,P) on a D x P grid; CSV columns D,P,rate_bits,region");
    add_problem_options(cmd, o->problem, true);
    add_range_options(cmd, *o);
    cmd->add_option("--D-points", o->d_points, "number of D values (default 50)");
    cmd->callback([o] { run_surface(*o); });
  }
}

const bool registered = register_command(&setup);

}  // namespace
}  // namespace rdp::cli
