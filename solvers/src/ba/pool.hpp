#pragma once
// The channels seen during a query and the best convex combination of them that meets the
// targets: the upper bound.
#include <Eigen/Core>
#include <cstddef>
#include <utility>
#include <vector>

#include "common.hpp"
#include "problem_data.hpp"

namespace rdp::ba {

// A channel seen during the search, kept compactly (weights and slope) with its exact figures.
struct PoolEntry {
  Eigen::VectorXd w, q;
  double s = 0.0, info = 0.0, ed = 0.0, phi = 0.0;  // info in nats
  bool marginal = false;
};

using MixtureParts = std::vector<std::pair<const PoolEntry*, double>>;

// The best upper bound of a query (nats) and its channel. The upper-bound channel is a convex
// combination of up to three pool channels: where the Lagrangian has several minimisers (TV's
// flat pieces, low rates) E[Δ] jumps as s crosses the multiplier, and only a mixture meets D and
// P exactly. E[Δ] is linear in the channel, and I and d(p_X, q) are convex, so Σα_k I_k bounds
// the mixture's rate from above.
struct UpperBound {
  double ub = kInf;
  std::vector<std::pair<std::size_t, double>> mix;  // (index into parts, weight)
  std::vector<PoolEntry> parts;
  Eigen::MatrixXd explicit_channel;  // set when polish_primal_jointly() beat every mixture
};

// d(p_X, Σ α_k q_k) of a mixture (0 without a perception divergence); q and cells are scratch.
double mixture_phi(const ProblemData& data, const MixtureParts& parts, Eigen::VectorXd& q,
                   Eigen::VectorXd& cells);

// The last kPoolSize channels of a query (lifetime: one query, or one D for the Shannon record).
class ChannelPool {
 public:
  static constexpr std::size_t kPoolSize = 10;
  ChannelPool(Eigen::Index n, Eigen::Index ncell);
  void clear() { entries_.clear(); }
  const std::vector<PoolEntry>& entries() const { return entries_; }
  // Adds a channel (replacing the oldest when full) and offers best every mixture containing it.
  void add(PoolEntry entry, const ProblemData& data, const Query& query, UpperBound& best);

 private:
  void consider(const MixtureParts& parts, const ProblemData& data, const Query& query,
                UpperBound& best);
  std::vector<PoolEntry> entries_;
  std::size_t next_ = 0;
  Eigen::VectorXd mix_q_, mix_cells_;  // scratch of mixture_phi
};

}  // namespace rdp::ba
