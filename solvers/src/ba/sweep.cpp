#include "rdp/solvers/ba/sweep.hpp"

#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <exception>
#include <limits>

#include "rdp/error.hpp"
#include "rdp/sources.hpp"

namespace rdp {

long ba_max_square_points(double max_memory_bytes) {
  long k = static_cast<long>(std::sqrt(max_memory_bytes / ba_memory_bytes(1.0, 1.0)));
  while (k > 0 && ba_memory_bytes(double(k), double(k)) > max_memory_bytes) --k;
  while (ba_memory_bytes(double(k + 1), double(k + 1)) <= max_memory_bytes) ++k;
  return k;
}

namespace {
// The range note of the memory checks: where their upper limits come from.
std::string memory_note(double max_memory_bytes) {
  return "the solver's " + format_number(ba_memory_bytes(1.0, 1.0)) +
         " bytes per m x n entry within " + format_number(max_memory_bytes / 1073741824.0) + " GiB";
}
}  // namespace

void check_ba_grid(long grid_points, double max_memory_bytes) {
  const long largest = ba_max_square_points(max_memory_bytes);
  if (grid_points < 2 || grid_points > largest)
    throw InvalidArgument(
        "grid", "[2, " + std::to_string(largest) + "] (" + memory_note(max_memory_bytes) + ")",
        std::to_string(grid_points));
}

FiniteRdpProblem make_problem_for_source(const Source& source, const Distortion& distortion,
                                         Perception perception, int grid_points,
                                         double max_memory_bytes) {
  // Square problems: a finite source reconstructs on its own support, a grid on itself.
  if (source.kind() == SourceKind::finite) {
    const auto& finite = dynamic_cast<const FiniteSource&>(source);
    const long size = static_cast<long>(finite.support().size());
    const long largest = ba_max_square_points(max_memory_bytes);
    if (size > largest)
      throw InvalidArgument(
          "source alphabet size",
          "[1, " + std::to_string(largest) + "] (" + memory_note(max_memory_bytes) + ")",
          std::to_string(size));
    return make_finite_problem(finite, distortion, perception);
  }
  check_ba_grid(grid_points, max_memory_bytes);
  DiscretizeOptions o;
  o.points = grid_points;
  const FinitePmf grid = discretize(dynamic_cast<const ContinuousSource&>(source), o);
  return make_finite_problem(grid, distortion, perception);
}

std::vector<BaResult> ba_surface(const FiniteRdpProblem& problem,
                                 const std::vector<double>& distortions,
                                 const std::vector<double>& perceptions, BaOptions options) {
  options.keep_channel = false;
  options.validate();
  // Here, where they can throw to the caller; inside the parallel loop a throw would terminate.
  problem.validate();
  check_ba_memory(problem, options);
  for (double d : distortions) require_nonnegative("D", d);
  for (double p : perceptions) require_nonnegative("P", p);
  const long nd = static_cast<long>(distortions.size()), np = static_cast<long>(perceptions.size());
  std::vector<BaResult> out(static_cast<std::size_t>(nd * np));
  // One column (fixed D) per task, swept along P from the largest down: Shannon's R(D), the
  // costly part at low rates, is solved once per column (the solver remembers it across P), the
  // first points are usually those where the perception constraint is inactive, and each later
  // point starts from its neighbour's multipliers. Dynamic scheduling balances unequal columns.
  // A fresh solver per column: each point's warm start depends only on its column, so the output
  // is the same whatever the number of threads and the order they take columns in.
#pragma omp parallel for schedule(dynamic, 1)
  for (long i = 0; i < nd; ++i) {
    BaSolver solver(problem, options);
    for (long j = np - 1; j >= 0; --j)
      out[i * np + j] = solver.solve(distortions[i], perceptions[j]);
  }
  return out;
}

std::vector<BaResult> ba_rate_distortion_section(const FiniteRdpProblem& problem,
                                                 const std::vector<double>& distortions,
                                                 double perception, BaOptions options) {
  options.keep_channel = false;
  BaSolver solver(problem, options);
  std::vector<BaResult> out;
  for (double d : distortions) out.push_back(solver.solve(d, perception));
  return out;
}

std::vector<BaResult> ba_rate_perception_section(const FiniteRdpProblem& problem, double distortion,
                                                 const std::vector<double>& perceptions,
                                                 BaOptions options) {
  options.keep_channel = false;
  BaSolver solver(problem, options);
  std::vector<BaResult> out;
  for (double p : perceptions) out.push_back(solver.solve(distortion, p));
  return out;
}

std::string_view ba_level_set_status_name(BaLevelSetPoint::Status status) {
  switch (status) {
    case BaLevelSetPoint::Status::found:
      return "found";
    case BaLevelSetPoint::Status::no_crossing:
      return "no_crossing";
    case BaLevelSetPoint::Status::not_resolved:
      return "not_resolved";
    case BaLevelSetPoint::Status::failed:
      return "failed";
  }
  return "?";
}

namespace {

// The crossing of the level `rate` at P = p on `solver`, whose warm state carries over from the
// previous point of its row.
BaLevelSetPoint level_point(BaSolver& solver, double rate, double p, double d_lo, double d_hi,
                            const BaLevelSetOptions& lo) {
  BaLevelSetPoint pt;
  pt.rate_bits = rate;
  pt.perception = p;
  auto f = [&](double d) {
    const BaResult r = solver.solve(d, p);
    ++pt.solves;
    pt.gap_bits = std::max(pt.gap_bits, r.gap_bits);
    return r.rate_bits - rate;
  };
  // No exception may leave the OpenMP region of the caller: a failed search is a failed point.
  try {
    const double f_lo = f(d_lo), f_hi = f(d_hi);
    if (f_lo < 0.0 || f_hi > 0.0) return pt;  // no_crossing
    std::uintmax_t budget = static_cast<std::uintmax_t>(std::max(lo.max_solves - 2, 1));
    const auto root = boost::math::tools::toms748_solve(
        f, d_lo, d_hi, f_lo, f_hi, boost::math::tools::eps_tolerance<double>(20), budget);
    pt.distortion = 0.5 * (root.first + root.second);
    pt.bracket = root.second - root.first;
    // A bracket the budget could not shrink is not a point of the curve; its midpoint would be
    // plotted as one.
    pt.status = pt.bracket <= lo.resolution * (d_hi - d_lo) ? BaLevelSetPoint::Status::found
                                                            : BaLevelSetPoint::Status::not_resolved;
  } catch (const std::exception& e) {
    pt.status = BaLevelSetPoint::Status::failed;
    pt.message = e.what();
  }
  return pt;
}

}  // namespace

std::vector<BaLevelSetPoint> ba_level_set(const FiniteRdpProblem& problem,
                                          const std::vector<double>& rates,
                                          const std::vector<double>& perceptions, double d_lo,
                                          double d_hi, BaOptions options,
                                          const BaLevelSetOptions& level_options) {
  options.keep_channel = false;
  options.validate();
  require_nonnegative("D low", d_lo);
  require_in_interval("D high", d_hi, d_lo, std::numeric_limits<double>::infinity(), true, true);
  for (double r : rates) require_positive("rate", r);
  for (double p : perceptions) require_nonnegative("P", p);
  if (level_options.max_solves < 3)
    throw InvalidArgument("level-set max solves", "[3, inf)",
                          std::to_string(level_options.max_solves));
  require_in_interval("level-set resolution", level_options.resolution, 0.0, 1.0, true, false);
  const long nr = static_cast<long>(rates.size()), np = static_cast<long>(perceptions.size());
  std::vector<BaLevelSetPoint> out(static_cast<std::size_t>(nr * np));
  // One row (fixed rate) per task on a fresh solver: every solve's warm start comes from its own
  // row only, so no result depends on which thread ran which row, or after what. (One solver per
  // thread, as before, made each root search start from whatever that thread had solved last.)
  // Here, where they can throw to the caller.
  problem.validate();
  check_ba_memory(problem, options);
#pragma omp parallel for schedule(dynamic, 1)
  for (long i = 0; i < nr; ++i) {
    const std::size_t row = static_cast<std::size_t>(i * np);
    try {
      BaSolver solver(problem, options);
      for (long j = 0; j < np; ++j)
        out[row + j] =
            level_point(solver, rates[static_cast<std::size_t>(i)],
                        perceptions[static_cast<std::size_t>(j)], d_lo, d_hi, level_options);
    } catch (const std::exception& e) {  // e.g. std::bad_alloc building the solver
      for (long j = 0; j < np; ++j) {
        out[row + j].rate_bits = rates[static_cast<std::size_t>(i)];
        out[row + j].perception = perceptions[static_cast<std::size_t>(j)];
        out[row + j].status = BaLevelSetPoint::Status::failed;
        out[row + j].message = e.what();
      }
    }
  }
  return out;
}

}  // namespace rdp
