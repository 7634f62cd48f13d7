#pragma once
// Explicit channels: materialised from weights and a slope, mixed, rounded onto a marginal, and
// audited (their I, E[Δ] and d recomputed from the m×n matrix).
#include <Eigen/Core>

#include "pool.hpp"
#include "problem_data.hpp"

namespace rdp::ba {

// The channel W_ij ∝ w_j exp(−sΔ_ij) on all source rows (zero-mass rows go to their nearest
// point); with `round_marginal`, rounded onto the exact output marginal (the zero point).
Eigen::MatrixXd channel_of(const ProblemData& data, const Eigen::VectorXd& weights, double s,
                           bool round_marginal);

// The channel of an upper bound: the mixture Σ α_k W_k of its pool channels.
Eigen::MatrixXd mixture_channel(const ProblemData& data, const UpperBound& best);

// I (bits), E[Δ] and d of an explicit channel, with its output pmf.
struct Audit {
  double info_bits, ed, phi;
  Eigen::VectorXd output;
};
Audit audit(const ProblemData& data, const Eigen::MatrixXd& ch);

}  // namespace rdp::ba
