// The joint search over both multipliers: (log s, log μ) with (E[Δ], φ) = (D, P) by a damped
// quasi-Newton (Broyden) iteration, tried before the nested root searches of
// multiplier_search.cpp.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "engine.hpp"

namespace rdp::ba {

namespace {

// The relative misses ((E[Δ] − D)/D, (φ − P)/P) at one point, with the inner-gap allowance the
// next solve may use: a fraction of what the miss costs in the Lagrangian, as in the slope search.
struct JointProbe {
  Engine& en;
  double dnorm, pnorm;
  double slack = 1e-4;
  int used = 0;

  bool operator()(const Eigen::Vector2d& z, Eigen::Vector2d& f) {
    const double D = en.query.D, P = en.query.P;
    ++used;
    const Eval e = evaluate(en, std::exp(z[0]), std::exp(z[1]), Mode::tilted, slack);
    if (!e.ok || !std::isfinite(e.ed) || !std::isfinite(e.phi)) return false;
    f << (e.ed - D) / dnorm, (e.phi - P) / pnorm;
    slack = std::min(1e-2 * (e.s * std::abs(e.ed - D) + e.mu * std::abs(e.phi - P)), 1e-4);
    return true;
  }
};

}  // namespace

// Why: the nested search runs a whole slope search (bracket and refine, 2–10 inner solves) for
// every μ it tries, and near the root each inner solve is one at the full gap. Both residuals are
// smooth in (log s, log μ) where the Lagrangian's minimiser is unique, so a 2-D secant iteration
// moves both multipliers at once. The iterates scatter around the root, which is what the pool's
// mixtures need for the upper bound. Every evaluation counts for both bounds whatever happens;
// the search gives up (false) after max_evaluations or a failed solve, and leaves the warm start
// at the point with the smallest residual for the nested search that follows.
bool search_jointly(Engine& en, int max_evaluations) {
  const double D = en.query.D, P = en.query.P, dscale = en.data.dscale;
  WarmStart& warm = en.warm;
  const LogMultiplierBox box = search_box(en.data);
  JointProbe probe{en, std::max(D, 1e-12 * dscale), std::max(P, 1e-12)};
  Eigen::Vector2d z(start_log_slope(en, box), start_log_mu(en, box));
  Eigen::Vector2d f;
  if (!probe(z, f) || en.stop()) return en.stop();
  // The first Jacobian by forward differences of 0.05 in each log-multiplier (wide enough that
  // the inner solves' own inexactness, ~1e-4 relative in E[Δ], does not dominate), then
  // Broyden's rank-one updates.
  Eigen::Matrix2d jac;
  constexpr double h = 0.05;
  for (int c = 0; c < 2; ++c) {
    Eigen::Vector2d zc = z, fc;
    zc[c] += h;
    if (!probe(zc, fc) || en.stop()) return en.stop();
    jac.col(c) = (fc - f) / h;
  }
  Eigen::Vector2d best_z = z;
  double best_norm = f.norm();
  while (probe.used < max_evaluations && !en.stop()) {
    Eigen::Vector2d step = -jac.fullPivLu().solve(f);
    if (!step.allFinite()) break;
    // Damped to 0.5 in log s and 1 in log μ: far from the root the secant model is poor, and a
    // large jump in s collapses the output onto a few atoms (evaluate.cpp).
    step *= std::min({1.0, 0.5 / std::max(std::abs(step[0]), 1e-300),
                      1.0 / std::max(std::abs(step[1]), 1e-300)});
    Eigen::Vector2d next = z + step, f_next;
    next[0] = std::clamp(next[0], box.x_lo, box.x_hi);
    next[1] = std::clamp(next[1], box.y_lo, box.y_hi);
    step = next - z;
    if (!probe(next, f_next)) break;
    if (step.squaredNorm() > 0.0)
      jac += (f_next - f - jac * step) * step.transpose() / step.squaredNorm();
    z = next, f = f_next;
    if (f.norm() < best_norm) best_norm = f.norm(), best_z = z;
  }
  warm.s_warm = std::exp(best_z[0]);
  warm.mu_warm = std::exp(best_z[1]);
  return en.stop();
}

}  // namespace rdp::ba
