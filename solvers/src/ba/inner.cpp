#include "inner.hpp"

#include <algorithm>
#include <cmath>

#include "newton.hpp"

namespace rdp::ba {

namespace {

// The SQUAREM point from the three iterates w0 → w1 → w2 (see inner()), written into it.w; false
// (it.w untouched) when the differences vanish and the plain step stands.
bool extrapolate(Iterate& it, Eigen::Index n) {
  const Eigen::VectorXd &w0 = it.w0, &w1 = it.w1, &w2 = it.w2;
  Eigen::VectorXd &w = it.w, &wx = it.wx;
  // Extrapolate in log-weights over the cells that carry weight in all three iterates.
  double rr = 0.0, vv = 0.0;
  for (Eigen::Index j = 0; j < n; ++j) {
    if (!(w0[j] > 0.0 && w1[j] > 0.0 && w2[j] > 0.0)) continue;
    const double l0 = std::log(w0[j]), l1 = std::log(w1[j]), l2 = std::log(w2[j]);
    const double r = l1 - l0, vdiff = l2 - 2.0 * l1 + l0;
    rr += r * r;
    vv += vdiff * vdiff;
  }
  if (!(vv > 0.0) || !(rr > 0.0)) return false;  // w = w2: a plain step
  const double alpha = std::min(-std::sqrt(rr / vv), -1.0);
  double top = -kInf;
  for (Eigen::Index j = 0; j < n; ++j) {
    if (!(w0[j] > 0.0 && w1[j] > 0.0 && w2[j] > 0.0)) {
      wx[j] = -kInf;
      continue;
    }
    const double l0 = std::log(w0[j]), l1 = std::log(w1[j]), l2 = std::log(w2[j]);
    wx[j] = l0 - 2.0 * alpha * (l1 - l0) + alpha * alpha * (l2 - 2.0 * l1 + l0);
    top = std::max(top, wx[j]);
  }
  for (Eigen::Index j = 0; j < n; ++j) w[j] = std::exp(wx[j] - top);
  w /= w.sum();
  return true;
}

// One pass on the current w with its convergence and budget checks; true when converged or out
// of budget (the outcome in `status`: 1 converged or budget, −1 failure). With `fast` the passes
// go through the FFT (toeplitz.hpp) and only steer: an exact pass decides convergence, repairs
// Shannon's bound and ends the solve, so that what inner() returns is always an exact pass.
struct CheckedPass {
  const ProblemData& data;
  const ScaledKernel& kernel;
  const BaOptions& opt;
  Iterate& it;
  Budget& budget;
  double mu, tol;
  Mode mode;
  bool fast;
  const bool started_fast = fast;
  long passes = 0, repair_every = 4, since_repair = 0, since_exact = 0;
  int misled = 0;  // fast passes that looked converged where the exact one was not
  double prev_gap = kInf;
  int status = 0;  // 0 running, 1 converged/budget, -1 failure

  // At 1024 cells an exact pass with its Shannon repair costs about as much as 20–30 FFT passes, so
  // checking every 64 keeps the checks near a quarter of the work while a converged solve
  // overshoots by 63 cheap passes at most (every 16 made Shannon's R(0.5) 3.9 s instead of 0.7 s).
  static constexpr long kExactEvery = 64;

  bool out_of_budget() const {
    return passes >= opt.max_inner_iterations || budget.iterations >= opt.max_iterations ||
           (budget.timed && std::chrono::steady_clock::now() >= budget.deadline);
  }

  bool operator()() {
    if (!(fast ? fft_pass(data, kernel, it, budget) : pass(data, kernel, it, budget)))
      return status = -1, true;
    ++passes, ++since_repair;
    double gap = lagrangian_gap(data, kernel.slope, mu, mode, it.pass);
    bool exact = !fast;
    if (fast && (gap <= tol || ++since_exact >= kExactEvery || out_of_budget())) {
      const bool looked_converged = gap <= tol;
      if (!pass(data, kernel, it, budget)) return status = -1, true;
      gap = lagrangian_gap(data, kernel.slope, mu, mode, it.pass);
      exact = true, since_exact = 0;
      // Twice misled: the FFT's fixed point is not close enough to the exact one here.
      if (looked_converged && !(gap <= tol) && ++misled >= 2) fast = false;
    }
    // Dense solves repair on every repair_every-th pass; FFT solves at the first exact pass after.
    const bool repair_due =
        started_fast ? since_repair >= repair_every : passes % repair_every == 0;
    if (exact && mode == Mode::shannon && !(gap <= tol) && repair_due) {
      // The repair costs two passes; where the gap is not a tail effect (low rates, where the
      // whole output is still moving) it gains nothing, so it backs off there.
      since_repair = 0;
      const double repaired =
          gap - it.pass.conjugate + repaired_shannon_conjugate(data, kernel, it.pass);
      repair_every = repaired < 0.5 * gap ? 4 : std::min(2 * repair_every, 64L);
      gap = std::min(gap, repaired);
    }
    if (exact && std::isfinite(gap) && gap <= tol) return status = 1, true;
    if (mode == Mode::tilted && gap > prev_gap * (1.0 + 1e-9))
      it.tilt.theta = std::max(it.tilt.theta * 0.5, 1e-3);
    prev_gap = gap;
    if (!exact) return false;
    if (passes >= opt.max_inner_iterations) return status = 1, true;
    if (budget.iterations >= opt.max_iterations) return budget.limit = true, status = 1, true;
    if (budget.timed && std::chrono::steady_clock::now() >= budget.deadline)
      return budget.out_of_time = budget.limit = true, status = 1, true;
    return false;
  }
};

// Whether the passes of this inner solve may go through the FFT: a Toeplitz kernel large enough
// that the FFT pays. Measured: at 512 cells Shannon's R(0.5) takes 0.7 s against 1.7 s dense; at
// 256 cells (a dense pass ~30 µs) the 64×64 reverse-KL surface took 9.1 s against 7.4 s dense.
bool fast_passes(const ScaledKernel& kernel, const BaOptions& opt) {
  return opt.fft_pass && kernel.spectra.ready() && kernel.k.rows() >= 512 && kernel.k.cols() >= 512;
}

}  // namespace

// Plain Blahut–Arimoto contracts slowly where the kernel is flat (low rates) or sharp, so the
// iteration is accelerated by SQUAREM (Varadhan & Roland, Scand. J. Stat. 2008): two plain steps
// w0 → w1 → w2 in log-weights give r = w1 − w0 and v = w2 − 2w1 + w0, and the extrapolated
// point w0 − 2αr + α²v (α = −‖r‖/‖v‖) is kept only if its Lagrangian value does not exceed the
// plain iterate's, so the scheme never does worse than Blahut–Arimoto by more than one pass.
bool inner(const ProblemData& data, const ScaledKernel& kernel, const BaOptions& opt,
           double gap_target, double inner_slack, double mu, Mode mode, Iterate& it,
           Budget& budget) {
  const Eigen::Index n = data.n;
  Eigen::VectorXd& w = it.w;
  // Far from the target an evaluation only needs the sign of E[Δ] − D (and of d − P), so the
  // inner gap may be as loose as a fraction of what the previous miss costs in the Lagrangian.
  const double tol = std::max(opt.inner_gap_fraction * gap_target, inner_slack);
  it.tilt.theta = opt.tilt_damping;
  if (mode == Mode::tilted && mu > 0.0 && it.tilt.gbar.isZero()) {
    data.merge_to_cells(w, it.pass.qc);
    data.pb.perception->subgradient(it.pass.qc, it.tilt.gc);
    for (Eigen::Index j = 0; j < n; ++j) it.tilt.gbar[j] = it.tilt.gc[data.pb.cell_of[j]];
  }
  if (newton_applies(data, opt, mode, mu)) {
    if (newton_inner(data, kernel, opt, mu, mode, tol, it, budget)) return true;
    if (budget.limit) {
      // Out of budget inside the Newton run: the best channel it met, with a consistent pass.
      if (!pass(data, kernel, it, budget)) return false;
      lagrangian_gap(data, kernel.slope, mu, mode, it.pass);
      return true;
    }
    if (budget.underflow) return false;
  }
  CheckedPass checked_pass{data, kernel, opt, it, budget, mu, tol, mode, fast_passes(kernel, opt)};
  const int& status = checked_pass.status;
  const bool accelerate = mode != Mode::marginal;
  for (;;) {
    if (!accelerate) {
      if (checked_pass()) return status > 0;
      update_weights(data, mu, mode, it);
      continue;
    }
    it.w0 = w;
    if (checked_pass()) return status > 0;
    update_weights(data, mu, mode, it);
    it.w1 = w;
    if (checked_pass()) return status > 0;
    const double j1 = it.pass.objective;
    update_weights(data, mu, mode, it);
    it.w2 = w;
    if (!extrapolate(it, n)) continue;
    const bool underflow_before = budget.underflow;
    if (checked_pass()) {
      if (status < 0 && budget.underflow && !underflow_before) {
        // The extrapolation emptied the neighbourhood of some source point (weights that
        // underflow to zero); that says nothing about the slope, so step back to the plain
        // iterate instead of failing the evaluation.
        budget.underflow = false;
        budget.failure.clear();
        checked_pass.status = 0;
        w = it.w2;
        continue;
      }
      if (status < 0) return false;
      if (it.pass.objective <= j1 || !std::isfinite(j1)) return true;
      // The extrapolated point was worse; finish from the plain iterate.
      w = it.w2;
      if (!pass(data, kernel, it, budget)) return false;
      lagrangian_gap(data, kernel.slope, mu, mode, it.pass);
      return true;
    }
    if (it.pass.objective > j1) {
      w = it.w2;
      continue;
    }
    update_weights(data, mu, mode, it);
  }
}

}  // namespace rdp::ba
