// BaOptions, the status and dual-form names and the memory check: what a caller sets and reads
// around a solve.
#include <cmath>
#include <string>

#include "rdp/error.hpp"
#include "rdp/solvers/ba/solver.hpp"

namespace rdp {

std::string_view ba_dual_form_name(BaDualForm form) {
  switch (form) {
    case BaDualForm::shannon:
      return "shannon";
    case BaDualForm::tilted:
      return "tilted";
    case BaDualForm::perfect_realism:
      return "perfect_realism";
  }
  return "?";
}

std::string_view ba_status_name(BaStatus status) {
  switch (status) {
    case BaStatus::converged:
      return "converged";
    case BaStatus::iteration_limit:
      return "iteration_limit";
    case BaStatus::infeasible:
      return "infeasible";
    case BaStatus::numerical_failure:
      return "numerical_failure";
  }
  return "?";
}

void BaOptions::validate() const {
  require_in_interval("gap bits", gap_bits, 0.0, 1.0, true, false);
  if (max_iterations < 1)
    throw InvalidArgument("max iterations", "[1, inf)", std::to_string(max_iterations));
  if (max_inner_iterations < 1)
    throw InvalidArgument("max inner iterations", "[1, inf)", std::to_string(max_inner_iterations));
  if (max_evaluations < 1)
    throw InvalidArgument("max evaluations", "[1, inf)", std::to_string(max_evaluations));
  require_in_interval("constraint tolerance", constraint_tolerance, 0.0, 1e-3, false, false);
  require_in_interval("tilt damping", tilt_damping, 0.0, 1.0, true, false);
  require_in_interval("inner gap fraction", inner_gap_fraction, 0.0, 1.0, true, false);
  if (!(max_seconds > 0.0))  // NaN too; infinity means no budget
    throw InvalidArgument("max seconds", "(0, inf]", format_number(max_seconds));
  if (!(max_memory_bytes > 0.0))
    throw InvalidArgument("max memory bytes", "(0, inf]", format_number(max_memory_bytes));
}

double ba_memory_bytes(double m, double n) { return 120.0 * m * n; }

void check_ba_memory(const FiniteRdpProblem& problem, const BaOptions& options) {
  const double m = static_cast<double>(problem.source_pmf.size());
  const double n = static_cast<double>(problem.reconstruction_points.size());
  if (ba_memory_bytes(m, n) > options.max_memory_bytes)
    throw InvalidArgument("problem size",
                          "m x n at " + format_number(ba_memory_bytes(1.0, 1.0)) +
                              " bytes per entry within max memory " +
                              format_number(options.max_memory_bytes) + " bytes",
                          format_number(m) + " x " + format_number(n) + " (about " +
                              format_number(ba_memory_bytes(m, n)) + " bytes)");
}

}  // namespace rdp
