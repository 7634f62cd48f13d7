#include "rdp/solvers/ba/sweep.hpp"

#include "rdp/error.hpp"
#include "rdp/sources.hpp"

namespace rdp {

FiniteRdpProblem make_problem_for_source(const Source& source, const Distortion& distortion,
                                         Perception perception, int grid_points) {
  if (source.kind() == SourceKind::finite)
    return make_finite_problem(dynamic_cast<const FiniteSource&>(source), distortion, perception);
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

}  // namespace rdp
