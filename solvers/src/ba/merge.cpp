// Combining two certificates of one query (BaSolver's warm attempt and its cold restart).
#include <cmath>
#include <string>
#include <utility>

#include "rdp/error.hpp"
#include "rdp/solvers/ba/solver.hpp"

namespace rdp {

BaResult merge_ba_attempts(BaResult first, BaResult second, double gap_bits) {
  const long iterations = first.iterations + second.iterations;
  const int evaluations = first.evaluations + second.evaluations;
  const auto usable = [](const BaResult& r) { return r.status != BaStatus::numerical_failure; };
  BaResult out;
  if (!usable(first) || !usable(second) || first.status == BaStatus::infeasible ||
      second.status == BaStatus::infeasible) {
    // One attempt cannot be combined: keep the other (the second if both are such).
    const bool keep_first = usable(first) &&
                            (!usable(second) || second.status == BaStatus::infeasible) &&
                            first.status != BaStatus::infeasible;
    out = keep_first ? std::move(first) : std::move(second);
  } else {
    // The smaller upper bound with its channel and figures, the larger lower bound with its dual
    // point and slopes: each number stays with what certifies it.
    const bool upper_from_second = second.upper_bits <= first.upper_bits;
    const bool lower_from_second = second.lower_bits > first.lower_bits;
    BaResult& upper = upper_from_second ? second : first;
    BaResult& lower = lower_from_second ? second : first;
    out.upper_bits = upper.upper_bits;
    out.distortion_achieved = upper.distortion_achieved;
    out.perception_achieved = upper.perception_achieved;
    out.channel = std::move(upper.channel);
    out.output_pmf = std::move(upper.output_pmf);
    out.lower_bits = lower.lower_bits;
    out.slope_distortion_bits = lower.slope_distortion_bits;
    out.slope_perception_bits = lower.slope_perception_bits;
    out.dual = std::move(lower.dual);
    out.gap_bits = out.upper_bits - out.lower_bits;
    out.rate_bits =
        std::isfinite(out.upper_bits) ? 0.5 * (out.lower_bits + out.upper_bits) : out.lower_bits;
    if (out.gap_bits <= gap_bits * (1.0 + 1e-9)) {
      out.status = BaStatus::converged;
      out.message = "certified gap " + format_number(out.gap_bits) + " bits (after a cold restart)";
    } else {
      out.status = BaStatus::iteration_limit;
      out.message = upper.message;
    }
  }
  out.iterations = iterations;
  out.evaluations = evaluations;
  return out;
}
}  // namespace rdp
