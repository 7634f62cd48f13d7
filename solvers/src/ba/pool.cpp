#include "pool.hpp"

#include <cmath>

namespace rdp::ba {

double mixture_phi(const ProblemData& data, const MixtureParts& parts, Eigen::VectorXd& q,
                   Eigen::VectorXd& cells) {
  if (!data.has_perc) return 0.0;
  q.setZero();
  for (const auto& [e, a] : parts) q += a * e->q;
  data.merge_to_cells(q, cells);
  return data.pb.perception->value(cells);
}

ChannelPool::ChannelPool(Eigen::Index n, Eigen::Index ncell) : mix_q_(n), mix_cells_(ncell) {}

void ChannelPool::consider(const MixtureParts& parts, const ProblemData& data, const Query& query,
                           UpperBound& best) {
  double info = 0.0, ed = 0.0;
  for (const auto& [e, a] : parts) {
    if (a < 0.0) return;
    info += a * e->info, ed += a * e->ed;
  }
  if (!(info < best.ub) || !(ed <= query.D + query.tol_d)) return;  // also rejects NaN
  if (!(mixture_phi(data, parts, mix_q_, mix_cells_) <= query.P + query.tol_p)) return;
  best.ub = info;
  best.parts.clear();
  best.mix.clear();
  best.explicit_channel.resize(0, 0);
  for (const auto& [e, a] : parts) {
    best.mix.emplace_back(best.parts.size(), a);
    best.parts.push_back(*e);
  }
}

// Best mixture containing the new entry: alone, with one other (E[Δ] = D or d = P, linearised
// in d, active), or with two others (both active). The exact d of the mixture is rechecked.
void ChannelPool::add(PoolEntry entry, const ProblemData& data, const Query& query,
                      UpperBound& best) {
  std::vector<PoolEntry>& pool = entries_;
  std::size_t& pool_next = next_;
  const double D = query.D;
  const bool has_perc = data.has_perc;
  if (pool.size() < kPoolSize) {
    pool.push_back(std::move(entry));
    pool_next = pool.size() - 1;
  } else {
    pool_next = (pool_next + 1) % kPoolSize;
    pool[pool_next] = std::move(entry);
  }
  const PoolEntry& a = pool[pool_next];
  consider({{&a, 1.0}}, data, query, best);
  const double pcap = has_perc ? query.P : 0.0;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    if (i == pool_next) continue;
    const PoolEntry& b = pool[i];
    if (a.marginal != b.marginal) continue;
    // Pairs: make one constraint tight.
    if (a.ed != b.ed) {
      const double t = (D - b.ed) / (a.ed - b.ed);
      if (t > 0.0 && t < 1.0) consider({{&a, t}, {&b, 1.0 - t}}, data, query, best);
    }
    if (has_perc && a.phi != b.phi) {
      const double t = (pcap - b.phi) / (a.phi - b.phi);
      if (t > 0.0 && t < 1.0) consider({{&a, t}, {&b, 1.0 - t}}, data, query, best);
    }
    if (!has_perc) continue;
    for (std::size_t j = i + 1; j < pool.size(); ++j) {
      if (j == pool_next) continue;
      const PoolEntry& c3 = pool[j];
      if (c3.marginal != a.marginal) continue;
      // α_a + α_b + α_c = 1, Σα ed = D, Σα φ = P (Cramer's rule).
      const double m11 = a.ed - c3.ed, m12 = b.ed - c3.ed, m21 = a.phi - c3.phi,
                   m22 = b.phi - c3.phi;
      const double det = m11 * m22 - m12 * m21;
      if (std::abs(det) < 1e-300) continue;
      const double r1 = D - c3.ed, r2 = pcap - c3.phi;
      const double ta = (r1 * m22 - m12 * r2) / det, tb = (m11 * r2 - r1 * m21) / det;
      consider({{&a, ta}, {&b, tb}, {&c3, 1.0 - ta - tb}}, data, query, best);
    }
  }
}

}  // namespace rdp::ba
