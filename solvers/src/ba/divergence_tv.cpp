// Total variation ½‖p_X − p_X̂‖₁: closed-form conjugate, exact prox, and the linear minimiser
// that detects R = 0 without iteration.
#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "rdp/solvers/ba/divergence.hpp"

namespace rdp {
namespace {

// Sum of a nondecreasing function of β in [lo, hi] equal to one, by TOMS 748 to full precision.
template <class F>
double solve_mass(F total, double lo, double hi) {
  auto f = [&](double b) { return total(b) - 1.0; };
  double flo = f(lo), fhi = f(hi);
  if (flo >= 0.0) return lo;
  for (int i = 0; fhi < 0.0 && i < 60; ++i) hi *= 2.0, fhi = f(hi);
  if (fhi <= 0.0) return hi;
  std::uintmax_t it = 100;
  const auto r = boost::math::tools::toms748_solve(
      f, lo, hi, flo, fhi, boost::math::tools::eps_tolerance<double>(52), it);
  return 0.5 * (r.first + r.second);
}

class TvDivergence final : public PerceptionDivergence {
 public:
  explicit TvDivergence(CellReference r) : r_(std::move(r)) {
    if (r_.unmatched == 0.0) zero_ = r_.ref;
  }
  std::string name() const override { return "tv"; }
  Eigen::Index cells() const override { return r_.ref.size(); }
  double value(const Eigen::Ref<const Eigen::VectorXd>& q) const override {
    return 0.5 * (r_.unmatched + (q - r_.ref).cwiseAbs().sum());
  }
  void subgradient(const Eigen::Ref<const Eigen::VectorXd>& q,
                   Eigen::Ref<Eigen::VectorXd> g) const override {
    for (Eigen::Index k = 0; k < q.size(); ++k)
      g[k] = q[k] > r_.ref[k] ? 0.5 : (q[k] < r_.ref[k] ? -0.5 : 0.0);
  }
  // φ*(G) = Σ_k ref_k max(G_k, Gmax − 1) + u (Gmax − 1): start from Q = ref, put the unmatched
  // mass on the best cell and move any mass whose cell is worse than the best by more than 1
  // (the TV price of moving a unit of mass).
  double perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                               double mu) const override {
    const double top = ell.maxCoeff();
    const double floor = top - mu;
    double out = r_.unmatched * floor;
    for (Eigen::Index k = 0; k < ell.size(); ++k) out += r_.ref[k] * std::max(ell[k], floor);
    return out;
  }
  const Eigen::VectorXd& zero_point() const override { return zero_; }
  double minimum_value() const override { return r_.unmatched; }
  // Stationarity of KL(u‖a) + (μ/2)Σ|u − ref| gives u_k = median(β a_k e^{−μ/2}, ref_k,
  // β a_k e^{μ/2}) with β fixing Σu = 1: cells whose weight straddles ref stick to it exactly,
  // which is what a subgradient step cannot do at the kink.
  bool exact_prox() const override { return true; }
  void prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
            Eigen::Ref<Eigen::VectorXd> u) const override {
    const double total_a = a.sum();
    const double lo_f = std::exp(-0.5 * mu) / total_a, hi_f = std::exp(0.5 * mu) / total_a;
    auto fill = [&](double beta) {
      double sum = 0.0;
      for (Eigen::Index k = 0; k < a.size(); ++k) {
        u[k] = std::clamp(r_.ref[k], beta * a[k] * lo_f, beta * a[k] * hi_f);
        sum += u[k];
      }
      return sum;
    };
    const double beta = solve_mass(fill, 0.0, 1.0);
    u /= fill(beta);
  }
  bool linear_minimizer(const Eigen::Ref<const Eigen::VectorXd>& a, double budget,
                        Eigen::Ref<Eigen::VectorXd> q) const override {
    if (budget < r_.unmatched) return false;
    Eigen::Index best = 0;
    a.minCoeff(&best);
    q = r_.ref;
    q[best] += r_.unmatched;
    double movable = budget - r_.unmatched;
    std::vector<Eigen::Index> order(a.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto x, auto y) { return a[x] > a[y]; });
    for (Eigen::Index k : order) {
      if (movable <= 0.0 || k == best) break;
      const double m = std::min(movable, q[k]);
      q[k] -= m;
      q[best] += m;
      movable -= m;
    }
    return true;
  }

 private:
  CellReference r_;
  Eigen::VectorXd zero_;
};

}  // namespace

DivergencePtr make_tv_divergence(const CellReference& reference) {
  return std::make_shared<TvDivergence>(reference);
}

}  // namespace rdp
