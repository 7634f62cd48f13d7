// The slope search: s with E[Δ] = D at fixed μ.
#include <algorithm>
#include <cmath>

#include "engine.hpp"
#include "sign_search.hpp"

namespace rdp::ba {

// The first slope of a cold search: 1/(2(D − D_min)), the slope of R(D) for squared error on a
// Gaussian (1/(2D)) and within a factor of a few of Hamming's log((1−D)/D) on [0.01, 0.45].
// Starting at 1/max Δ instead walked up from rates near 0, where the output collapses to a
// few atoms that the later, larger slopes needed thousands of passes to spread out again.
double cold_slope(const ProblemData& data, double D) {
  const double excess = D - data.p.dot(data.dmin);
  return excess > 0.0 ? std::min(0.5 / excess, 1e6 / data.dscale) : 1.0 / data.dscale;
}

LogMultiplierBox search_box(const ProblemData& data) {
  return {std::log(1e-9 / data.dscale), std::log(1e9 / data.dscale), -40.0, 40.0};
}

double start_log_slope(const Engine& en, const LogMultiplierBox& box) {
  const double s = en.warm.s_warm > 0.0 ? en.warm.s_warm : cold_slope(en.data, en.query.D);
  return std::clamp(std::log(s), box.x_lo, box.x_hi);
}

double start_log_mu(const Engine& en, const LogMultiplierBox& box) {
  return std::clamp(std::log(en.warm.mu_warm > 0.0 ? en.warm.mu_warm : 1.0), box.y_lo, box.y_hi);
}

// The first bracketing step of the next search from a warm start (log units): twice the last
// move, within [0.02, 1]. Steps of 1 cost a sweep of nearby targets ~30 evaluations per point,
// most of them spent shrinking a bracket far wider than the move.
double bracket_step(double last_move) { return std::clamp(2.0 * std::abs(last_move), 0.02, 1.0); }

namespace {

// The root function of the slope search, (E[Δ] − D)/D at s = e^x, with what the search keeps of
// its evaluations: the nearest to D overall and on either side, and the inner gap allowance.
struct SlopeProbe {
  Engine& en;
  double mu;
  Mode mode;
  double dnorm;
  Eval nearest{}, below{}, above{};
  double nearest_err = kInf;
  double inner_slack = 0.0;  // extra inner-gap allowance while far from the target (nats)

  double operator()(double x) {
    const double D = en.query.D;
    const Eval e = evaluate(en, std::exp(x), mu, mode, inner_slack);
    if (!e.ok) return e.ed == -kInf ? -1.0 : 0.0;  // underflow, or stop() is set
    const double err = std::abs(e.ed - D);
    inner_slack = std::min(1e-2 * e.s * err, 1e-4);
    if (err < nearest_err) nearest_err = err, nearest = e;
    if (e.ed <= D && (!below.ok || e.ed > below.ed)) below = e;
    if (e.ed > D && (!above.ok || e.ed < above.ed)) above = e;
    return (e.ed - D) / dnorm;
  }
};

}  // namespace

SlopeSearch search_slope(Engine& en, double mu, Mode mode, bool sign_of_p) {
  const ProblemData& data = en.data;
  const double D = en.query.D, dscale = data.dscale;
  SlopeSearch out;
  SlopeProbe probe{en, mu, mode, std::max(D, 1e-12 * dscale)};
  // Boost copies the function it is given: every copy must reach the one probe.
  auto f = [&probe](double x) { return probe(x); };
  const Eval& nearest = probe.nearest;
  auto stop = [&] { return en.stop(); };
  const LogMultiplierBox box = search_box(data);
  const double x_lo = box.x_lo, x_hi = box.x_hi;
  double x0 = start_log_slope(en, box);
  const double x_start = x0;
  double f0 = f(x0);
  if (stop() || f0 == 0.0) return out.nearest = nearest, out;
  // The first step: the relative miss of E[Δ] itself when that is smaller (E[Δ] has an
  // elasticity near 1 in s: 1/(2s) for squared error), so that a start already close to the
  // root is not thrown to a distant slope, where the output collapses to a few atoms that the
  // way back needs thousands of passes to spread out again.
  const double step = std::min(en.warm.s_step, std::max(2.0 * std::abs(f0), 1e-6));
  const SignChange bracket =
      walk_to_sign_change(f, x0, f0, f0 > 0.0 ? step : -step, x_lo, x_hi, stop);
  if (bracket.outcome == SignChange::aborted) return out.nearest = nearest, out;
  if (bracket.outcome == SignChange::at_limit) {
    // At the largest slope E[Δ] is still above D: infeasible at this μ. At the smallest it is
    // already below: the rate is near 0 and the pool has the channel.
    if (bracket.limit == x_hi) out.infeasible = true;
    return out.nearest = nearest, out;
  }
  // Stop once E[Δ] is hit to 1e-10 relative: the pool mixes channels on both sides of D, and
  // the rate moves by s·ΔD, far below any gap target; closer hits only cost evaluations. Stop
  // too once the bracket is 1e-7 wide in log s. The inner solves are inexact (a warm one may
  // be a single pass, and an ε-optimal channel pins E[Δ] only to O(√ε)), so E[Δ] at a fixed
  // s drifts as they converge and a tighter bracket only chases the drift (measured: 40
  // one-pass evaluations at one s). Missing the root by δ in log s costs the dual bound
  // O(s·D·δ²) ≈ 1e-14, and the mixtures of channels on both sides of D bound the rate above.
  // With μ > 0 (tilted) the bracket stops at 1e-4 (a dual loss of O(s·D·1e-8), below 1e-8 bits
  // for the slopes of D ≥ 0.05 on N(0,1)): there each evaluation near the root is an inner solve
  // at the full gap that the transports finish only at the 3000-pass cap, and the μ search
  // repeats the slope search a dozen times. Measured on 1024-cell N(0,1), one thread, default
  // gap (W1 at (D, P) = (0.05, 0.0025), (0.1, 0.0025), (0.5, 0.05), (0.5, 0.0025), W2² at
  // (0.1, 0.0025)): 60.2, 38.9, 49.7, 16.8, 28.2 s with 1e-7; 26.0, 29.7, 30.9, 7.9, 18.1 s with
  // 1e-4; 1e-3 took one of them to the 60 s cap.
  const double bracket_width = mode == Mode::tilted ? 1e-4 : 1e-7;
  //
  // With sign_of_p the caller (the μ search while it brackets) only reads the sign of φ − P:
  // once E[Δ] is within 1e-4 of D and φ is 25% or more away from P, no closer slope can change
  // that sign (φ moves with E[Δ] at an elasticity of order one), and the refinement stops. Far
  // from the root in μ the transport's inner solves are the slowest (measured at μ = 20 on 1024
  // cells: ten 3000-pass evaluations at one slope chasing E[Δ]'s drift, 20 s of a 26 s query).
  const double P = en.query.P;
  auto sign_settled = [&] {
    return sign_of_p && nearest.ok && probe.nearest_err <= 1e-4 * probe.dnorm &&
           std::abs(nearest.phi - P) >= 0.25 * P;
  };
  refine_sign_change(
      f, bracket,
      [&](double lo, double hi) {
        return stop() || probe.nearest_err <= 1e-10 * probe.dnorm || hi - lo <= bracket_width ||
               sign_settled();
      },
      80);
  // With μ fixed for good (Shannon's phase, P = 0), the bracket can close before the
  // certificate does: each inner solve stops at max_inner_iterations. Then keep iterating at
  // the slopes on either side of D, each evaluation continuing from the current weights, while
  // the gap keeps shrinking (the global budget still applies). Measured on 64-cell Gaussian
  // R(D): at D = 0.1 a 1e-8 gap now closes (it stopped at 1.9e-8), at D = 0.3 a 1e-7 one gets
  // to 1.2e-7 (it stopped at 2.3e-7); Blahut–Arimoto's own slow tail limits the rest.
  for (int round = 0;
       mode != Mode::tilted && round < 64 && !stop() && probe.below.ok && probe.above.ok; ++round) {
    const double before = en.bounds.gap();
    f(std::log(probe.below.s));
    f(std::log(probe.above.s));
    if (!(en.bounds.gap() < 0.95 * before)) break;
  }
  if (nearest.ok) {
    en.warm.s_warm = nearest.s;
    en.warm.s_step = bracket_step(std::log(nearest.s) - x_start);
  }
  out.nearest = nearest;
  return out;
}

}  // namespace rdp::ba
