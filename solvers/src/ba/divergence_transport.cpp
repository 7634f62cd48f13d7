// Optimal transport between p_X and p_X̂: the base both transport divergences share (Kantorovich
// conjugate) and the divergence of a general cost matrix, valued through a rounded entropic
// coupling.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "divergence_common.hpp"
#include "log_sum_exp.hpp"
#include "rdp/error.hpp"

namespace rdp {

namespace detail {

TransportBase::TransportBase(Eigen::VectorXd p, Eigen::MatrixXd cost)
    : p_(std::move(p)), cost_(std::move(cost)), cost_rows_(cost_) {}

double TransportBase::perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                                            double mu) const {
  double out = 0.0;
  for (Eigen::Index i = 0; i < cost_.rows(); ++i) {
    if (p_[i] <= 0.0) continue;
    double best = -kInf;
    for (Eigen::Index k = 0; k < cost_.cols(); ++k)
      best = std::max(best, ell[k] - mu * cost_rows_(i, k));
    out += p_[i] * best;
  }
  return out;
}

double TransportBase::minimum_value() const {
  double out = 0.0;
  for (Eigen::Index i = 0; i < cost_.rows(); ++i) out += p_[i] * cost_rows_.row(i).minCoeff();
  return out;
}

}  // namespace detail

namespace {

using detail::kInf;

// The cost of the coupling p_i q_k e^{(f_i + g_k − C_ik)/ε} of the entropic potentials f, g,
// rounded onto the exact marginals p and q (Altschuler, Weed, Rigollet, Alg. 2): rows and columns
// scaled down to their marginal, the missing mass spread as a product of the deficits.
double rounded_coupling_cost(const Eigen::VectorXd& p, const Eigen::Ref<const Eigen::VectorXd>& q,
                             const Eigen::MatrixXd& cost, const Eigen::VectorXd& f,
                             const Eigen::VectorXd& g, double eps) {
  const Eigen::Index m = cost.rows(), n = cost.cols();
  Eigen::MatrixXd pi(m, n);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index k = 0; k < n; ++k)
      pi(i, k) = (p[i] > 0.0 && q[k] > 0.0)
                     ? p[i] * q[k] * std::exp((f[i] + g[k] - cost(i, k)) / eps)
                     : 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    const double rs = pi.row(i).sum();
    if (rs > p[i]) pi.row(i) *= p[i] / rs;
  }
  for (Eigen::Index k = 0; k < n; ++k) {
    const double cs = pi.col(k).sum();
    if (cs > q[k]) pi.col(k) *= q[k] / cs;
  }
  const Eigen::VectorXd er = p - pi.rowwise().sum();
  const Eigen::VectorXd ec = q - pi.colwise().sum().transpose();
  const double missing = er.sum();
  if (missing > 0.0) pi += er.cwiseMax(0.0) * ec.cwiseMax(0.0).transpose() / missing;
  return (pi.array() * cost.array()).sum();
}

// Any cost matrix: the value comes from a log-domain Sinkhorn coupling at a small temperature,
// rounded onto the exact marginals (Altschuler, Weed, Rigollet, NeurIPS 2017, Alg. 2). Any
// coupling's cost bounds the optimum from above, so feasibility checks based on it are safe.
class WassersteinCost final : public detail::TransportBase {
 public:
  WassersteinCost(Eigen::VectorXd p, Eigen::MatrixXd cost, double tol)
      : TransportBase(std::move(p), std::move(cost)), tol_(tol) {}
  std::string name() const override { return "ot"; }
  double value(const Eigen::Ref<const Eigen::VectorXd>& q) const override {
    Eigen::VectorXd f, g;
    return sinkhorn(q, f, g);
  }
  void subgradient(const Eigen::Ref<const Eigen::VectorXd>& q,
                   Eigen::Ref<Eigen::VectorXd> gout) const override {
    Eigen::VectorXd f, g;
    sinkhorn(q, f, g);
    // c-transform makes the potentials feasible: g_k = min_i C_ik − f_i.
    for (Eigen::Index k = 0; k < cost_.cols(); ++k) {
      double best = kInf;
      for (Eigen::Index i = 0; i < cost_.rows(); ++i)
        if (p_[i] > 0.0) best = std::min(best, cost_(i, k) - f[i]);
      gout[k] = best;
    }
  }

 private:
  // The entropic potentials f, g (written) at the final temperature, and the cost of their
  // coupling rounded onto the exact marginals.
  double sinkhorn(const Eigen::Ref<const Eigen::VectorXd>& q, Eigen::VectorXd& f,
                  Eigen::VectorXd& g) const {
    const Eigen::Index m = cost_.rows(), n = cost_.cols();
    f = Eigen::VectorXd::Zero(m);
    g = Eigen::VectorXd::Zero(n);
    const double scale = std::max(cost_.maxCoeff(), 1e-300);
    // ε log Σ_k q_k e^{(g_k − C_ik)/ε} over the cells with mass, and its column counterpart.
    auto lse_row = [&](Eigen::Index i, double eps) {
      return eps * detail::log_sum_exp(
                       n, [&](Eigen::Index k) { return q[k] > 0.0; },
                       [&](Eigen::Index k) { return (g[k] - cost_(i, k)) / eps + std::log(q[k]); });
    };
    auto lse_col = [&](Eigen::Index k, double eps) {
      return eps *
             detail::log_sum_exp(
                 m, [&](Eigen::Index i) { return p_[i] > 0.0; },
                 [&](Eigen::Index i) { return (f[i] - cost_(i, k)) / eps + std::log(p_[i]); });
    };
    // ε annealed down to tol·scale/log(mn): the entropic bias is at most ε log(mn).
    const double eps_final = tol_ * scale / std::log(double(m * n) + 2.0);
    for (double eps = scale;; eps = std::max(eps * 0.5, eps_final)) {
      for (int it = 0; it < 50; ++it) {
        for (Eigen::Index i = 0; i < m; ++i) f[i] = p_[i] > 0.0 ? -lse_row(i, eps) : 0.0;
        for (Eigen::Index k = 0; k < n; ++k) g[k] = q[k] > 0.0 ? -lse_col(k, eps) : 0.0;
      }
      if (eps <= eps_final) return rounded_coupling_cost(p_, q, cost_, f, g, eps);
    }
  }
  double tol_;
};

}  // namespace

DivergencePtr make_wasserstein_cost_divergence(const Eigen::Ref<const Eigen::VectorXd>& source_pmf,
                                               const Eigen::Ref<const Eigen::MatrixXd>& cost,
                                               double entropic_tolerance) {
  if (cost.rows() != source_pmf.size() || cost.cols() < 1)
    throw InvalidArgument("cost matrix", "source points x cells",
                          std::to_string(cost.rows()) + "x" + std::to_string(cost.cols()));
  if (!(cost.array() >= 0.0).all() || !cost.allFinite())
    throw InvalidArgument("cost matrix", "finite entries >= 0", "a negative or non-finite entry");
  require_in_interval("entropic tolerance", entropic_tolerance, 0.0, 1.0, true, true);
  return std::make_shared<WassersteinCost>(source_pmf, cost, entropic_tolerance);
}

}  // namespace rdp
