// KL(p_X ‖ p_X̂), nats: the conjugate by a scalar Newton root, and the exact prox by one
// Lambert W per cell.
#include <algorithm>
#include <boost/math/special_functions/lambert_w.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "divergence_common.hpp"
#include "rdp/error.hpp"

namespace rdp {
namespace {

using detail::kInf;
using detail::kZeroMass;

// W₀(e^{lz}) without overflow: Boost below e^700, Newton on t + log t = lz above.
double lambert_of_log(double lz) {
  if (lz < 700.0) return boost::math::lambert_w0(std::exp(lz));
  double t = lz - std::log(lz);
  for (int i = 0; i < 4; ++i) t -= (t + std::log(t) - lz) / (1.0 + 1.0 / t);
  return t;
}

class KlForwardDivergence final : public PerceptionDivergence {
 public:
  explicit KlForwardDivergence(CellReference r) : r_(std::move(r)) {
    if (r_.unmatched > 0.0)
      throw InvalidArgument("perception", "a reconstruction alphabet containing every source value",
                            "kl with source mass " + format_number(r_.unmatched) +
                                " on values that are not reconstruction points (KL = inf)");
    zero_ = r_.ref;
  }
  std::string name() const override { return "kl"; }
  Eigen::Index cells() const override { return r_.ref.size(); }
  double value(const Eigen::Ref<const Eigen::VectorXd>& q) const override {
    double kl = 0.0;
    for (Eigen::Index k = 0; k < q.size(); ++k) {
      if (r_.ref[k] <= 0.0) continue;
      if (q[k] <= 0.0) return kInf;
      kl += r_.ref[k] * std::log(r_.ref[k] / q[k]);
    }
    return std::max(kl, 0.0);
  }
  void subgradient(const Eigen::Ref<const Eigen::VectorXd>& q,
                   Eigen::Ref<Eigen::VectorXd> g) const override {
    for (Eigen::Index k = 0; k < q.size(); ++k)
      g[k] = r_.ref[k] > 0.0 ? -r_.ref[k] / std::max(q[k], kZeroMass) : 0.0;
  }
  // sup_Q ⟨G,Q⟩ + Σ ref_k log(Q_k/ref_k): stationarity gives Q_k = ref_k/(ν − G_k) on the
  // support, with ν the root of Σ ref_k/(ν − G_k) = 1 above max G (a convex decreasing function,
  // so Newton from the left end of the bracket converges monotonically). Cells off the support
  // take the leftover mass only when their G reaches ν.
  double perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                               double mu) const override {
    const Eigen::Index n = ell.size();
    double top_in = -kInf, top_out = -kInf, ref_at_top = 0.0;
    for (Eigen::Index k = 0; k < n; ++k) {
      if (r_.ref[k] > 0.0) {
        if (ell[k] > top_in) top_in = ell[k], ref_at_top = r_.ref[k];
      } else {
        top_out = std::max(top_out, ell[k]);
      }
    }
    if (mu <= 0.0) return std::max(top_in, top_out);
    // Work with G = ℓ/μ shifted by its support maximum, then scale back: μφ*(ℓ/μ) is
    // μ·(shift + φ*(G − shift)) because Q sums to one.
    const double shift = top_in / mu;
    auto sum_at = [&](double nu) {
      double f = 0.0, df = 0.0;
      for (Eigen::Index k = 0; k < n; ++k) {
        if (r_.ref[k] <= 0.0) continue;
        const double d = nu - (ell[k] / mu - shift);
        f += r_.ref[k] / d;
        df -= r_.ref[k] / (d * d);
      }
      return std::make_pair(f - 1.0, df);
    };
    double nu = ref_at_top;  // lower end of the bracket [ref_at_top, 1] (G shifted: max G = 0)
    for (int it = 0; it < 200; ++it) {
      const auto [f, df] = sum_at(nu);
      const double step = f / df;
      nu -= step;
      if (std::abs(step) <= 1e-15 * std::max(1.0, std::abs(nu))) break;
    }
    nu = std::clamp(nu, ref_at_top, 1.0);
    const double out_level = top_out / mu - shift;
    double inner = 0.0, mass = 0.0;
    const double level = std::max(nu, out_level);
    for (Eigen::Index k = 0; k < n; ++k) {
      if (r_.ref[k] <= 0.0) continue;
      const double g = ell[k] / mu - shift;
      const double qk = r_.ref[k] / (level - g);
      inner += qk * g + r_.ref[k] * std::log(qk / r_.ref[k]);
      mass += qk;
    }
    if (out_level > nu) inner += (1.0 - mass) * out_level;
    return mu * (inner + shift);
  }
  const Eigen::VectorXd& zero_point() const override { return zero_; }

  // The exact entropic prox u = argmin KL(u ‖ y) + μ KL(ref ‖ u), y = a/Σa. Stationarity,
  // log(u_k/y_k) + 1 + λ = μ ref_k/u_k, is one monotone equation per cell given β = e^{−1−λ}:
  // u_k = y_k β off the support, and with t = μ ref_k/u_k, t e^t = μ ref_k/(y_k β), so
  // u_k = μ ref_k / W₀(μ ref_k/(y_k β)) (Lambert W, Boost.Math). Σu_k is increasing in β,
  // so log β is found by a bracketed root search, warm-started from the previous call's root
  // (kept in `state`). This replaces the subgradient tilt −μ ref/q, which
  // oscillates wherever q is small.
  bool exact_prox() const override { return true; }
  void prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
            Eigen::Ref<Eigen::VectorXd> u) const override {
    Eigen::VectorXd state;
    prox_warm(a, mu, u, state);
  }
  void prox_warm(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
                 Eigen::Ref<Eigen::VectorXd> u, Eigen::VectorXd& state) const override {
    const Eigen::Index n = a.size();
    const double total_a = a.sum();
    if (mu <= 0.0) {
      u = a / total_a;
      return;
    }
    // log(μ ref_k / y_k), with y_k floored so that a cell the prediction lost can come back.
    thread_local std::vector<double> log_ratio;
    log_ratio.assign(n, 0.0);
    for (Eigen::Index k = 0; k < n; ++k)
      if (r_.ref[k] > 0.0)
        log_ratio[k] = std::log(mu * r_.ref[k]) - std::log(std::max(a[k] / total_a, 1e-300));
    auto fill = [&](double log_beta) {
      double sum = 0.0;
      for (Eigen::Index k = 0; k < n; ++k) {
        u[k] = r_.ref[k] > 0.0 ? mu * r_.ref[k] / lambert_of_log(log_ratio[k] - log_beta)
                               : a[k] / total_a * std::exp(std::min(log_beta, 700.0));
        sum += u[k];
      }
      return sum - 1.0;
    };
    // Bracket the root around the warm start by doubling steps, then TOMS 748 to full precision
    // (Newton alone stalls where the sum is flat in log β, e.g. μ = 1000 with a tiny y_k).
    const double guess = state.size() == 1 && std::isfinite(state[0]) ? state[0] : 0.0;
    // log β ≈ −(1 + λ) and λ grows like μ, so the search range scales with μ.
    const double range = 1400.0 + 2.0 * mu;
    double lo = guess - 1.0, hi = guess + 1.0, flo = fill(lo), fhi = fill(hi);
    for (double step = 2.0; flo > 0.0 && lo > -range; step *= 2.0)
      hi = lo, fhi = flo, lo = std::max(lo - step, -range), flo = fill(lo);
    for (double step = 2.0; fhi < 0.0 && hi < range; step *= 2.0)
      lo = hi, flo = fhi, hi = std::min(hi + step, range), fhi = fill(hi);
    double log_beta = flo >= 0.0 ? lo : hi;
    if (flo < 0.0 && fhi > 0.0) {
      std::uintmax_t it = 100;
      const auto r = boost::math::tools::toms748_solve(
          fill, lo, hi, flo, fhi, boost::math::tools::eps_tolerance<double>(52), it);
      log_beta = 0.5 * (r.first + r.second);
    }
    fill(log_beta);
    u /= u.sum();
    state = Eigen::VectorXd::Constant(1, log_beta);
  }

 private:
  CellReference r_;
  Eigen::VectorXd zero_;
};

}  // namespace

DivergencePtr make_kl_forward_divergence(const CellReference& reference) {
  return std::make_shared<KlForwardDivergence>(reference);
}

}  // namespace rdp
