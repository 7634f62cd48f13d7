// KL(p_X̂ ‖ p_X), nats: the Gibbs conjugate (a log-sum-exp) and the exact prox, a geometric
// mixture.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "divergence_common.hpp"
#include "log_sum_exp.hpp"

namespace rdp {
namespace {

using detail::kInf;
using detail::kZeroMass;

class KlReverseDivergence final : public PerceptionDivergence {
 public:
  explicit KlReverseDivergence(CellReference r) : r_(std::move(r)) {
    if (r_.unmatched == 0.0) zero_ = r_.ref;
  }
  std::string name() const override { return "rkl"; }
  Eigen::Index cells() const override { return r_.ref.size(); }
  double value(const Eigen::Ref<const Eigen::VectorXd>& q) const override {
    double kl = 0.0;
    for (Eigen::Index k = 0; k < q.size(); ++k) {
      if (q[k] <= 0.0) continue;
      if (r_.ref[k] <= 0.0) return kInf;
      kl += q[k] * std::log(q[k] / r_.ref[k]);
    }
    return std::max(kl, minimum_value());
  }
  void subgradient(const Eigen::Ref<const Eigen::VectorXd>& q,
                   Eigen::Ref<Eigen::VectorXd> g) const override {
    for (Eigen::Index k = 0; k < q.size(); ++k)
      g[k] = r_.ref[k] > 0.0 ? std::log(std::max(q[k], kZeroMass) / r_.ref[k]) : kInf;
  }
  // φ*(G) = log Σ ref_k e^{G_k} (Gibbs variational principle), so μφ*(ℓ/μ) is a log-sum-exp.
  double perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                               double mu) const override {
    if (mu > 0.0)
      return detail::tempered_log_sum_exp(
          ell.size(), [&](Eigen::Index k) { return r_.ref[k]; },
          [&](Eigen::Index k) { return ell[k]; }, mu);
    double top = -kInf;
    for (Eigen::Index k = 0; k < ell.size(); ++k)
      if (r_.ref[k] > 0.0) top = std::max(top, ell[k]);
    return top;
  }
  const Eigen::VectorXd& zero_point() const override { return zero_; }
  double minimum_value() const override { return -std::log1p(-r_.unmatched); }
  // KL(u‖a) + μ KL(u‖ref) is minimised by the geometric mixture u ∝ a^{1/(1+μ)} ref^{μ/(1+μ)}.
  bool exact_prox() const override { return true; }
  void prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
            Eigen::Ref<Eigen::VectorXd> u) const override {
    const double wa = 1.0 / (1.0 + mu), wr = mu / (1.0 + mu);
    double top = -kInf;
    for (Eigen::Index k = 0; k < a.size(); ++k) {
      u[k] =
          (r_.ref[k] > 0.0 && a[k] > 0.0) ? wa * std::log(a[k]) + wr * std::log(r_.ref[k]) : -kInf;
      top = std::max(top, u[k]);
    }
    for (Eigen::Index k = 0; k < a.size(); ++k) u[k] = std::exp(u[k] - top);
    u /= u.sum();
  }

 private:
  CellReference r_;
  Eigen::VectorXd zero_;
};

}  // namespace

DivergencePtr make_kl_reverse_divergence(const CellReference& reference) {
  return std::make_shared<KlReverseDivergence>(reference);
}

}  // namespace rdp
