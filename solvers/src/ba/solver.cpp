// Certified R(D,P) on finite alphabets.
//
// Algorithm (why this one). For multipliers s >= 0 (distortion) and μ >= 0 (perception) the
// Lagrangian  min_W I(W) + s E[Δ] + μ φ(q_W),  φ = d(p_X, ·) convex, q_W the output pmf, has the
// stationarity condition  W(x̂|x) ∝ q(x̂) t(x̂) exp(−s Δ(x,x̂))  with the tilt t = exp(−μ g),
// g ∈ ∂φ(q). So for fixed multipliers the problem is a classical rate-distortion problem whose
// kernel is tilted by a function of x̂ only, and Blahut's iteration applies with one extra O(n)
// step per iteration (recompute the tilt from the current output). The O(m·n) work stays a plain
// scaled-kernel pass K = exp(−sΔ) (two mat-vecs fused into one sweep over K), so the perception
// constraint costs nothing on the hot path, and any divergence plugs in through its subgradient.
// Alternatives considered: the entropic/Sinkhorn coupling formulation (Chen et al. ISIT 2023)
// needs a second m×n kernel per iteration and is only exact as its temperature goes to zero; the
// relaxed alternating minimisation of Serra et al. (ISIT 2023) puts the divergence on the
// auxiliary output pmf, which solves a relaxed problem unless it is corrected.
//
// Certificate. Lower bound, for any s, μ >= 0 and any λ > 0 (here λ_i = 1/Z_i from the last
// pass): with ℓ(x̂) = log Σ_x p(x) λ(x) exp(−sΔ(x,x̂)),
//     R(D,P) >= Σ_x p(x) log λ(x) − sD − μP − μ φ*(ℓ/μ),
// where φ* is the conjugate of φ on the simplex (the divergence provides μφ*(ℓ/μ) exactly). This
// is Blahut's lower bound (Blahut 1972, Thm. 8) with the perception constraint dualised through
// φ = φ**; it needs no normalisation of λ because the tilt is chosen optimally inside φ*. Upper
// bound: I(W) of a channel whose E[Δ] and φ(q_W) are recomputed from it and meet the targets.
//
// Targets. First μ = 0 (Shannon's R(D)): s from a bracketed root search (TOMS 748 in log s) on
// E[Δ] = D; if that channel meets P the perception constraint is inactive. That phase does not
// depend on P, so a solver remembers it for the last D (a sweep over P pays for it once).
// Otherwise a 2-D secant search on (log s, log μ) for (E[Δ], φ) = (D, P) runs first, then a
// nested root search on (μ, s) from its best point: where the Lagrangian's minimiser is unique
// they close the certificate in one or a few dozen inner solves. Where it
// has several (TV's flat pieces, low rates) E[Δ] and φ jump as the multipliers move and the roots
// do not exist, so the fallback maximises the dual function ψ(s, μ) (jointly concave) by nested
// Brent searches in (log s, log μ). The upper bound is the best convex combination (up to three)
// of the channels seen, since E[Δ] is linear and I, φ convex in the channel; tiny problems also
// polish both bounds directly (polish_dual_jointly, polish_primal_jointly). Every search stops as
// soon as the global certificate meets the requested gap. Queries on one BaSolver warm-start from
// each other and fall back to a cold start if the warm one runs out of budget.
//
// Acceleration: SQUAREM extrapolation of the Blahut–Arimoto map (see inner()); Blahut's λ
// repaired row by row where near-empty tail cells hold the bound back
// (repaired_shannon_conjugate()); a kernel rebuilt from the exponentials of its distinct
// exponents (index_excess()).
//
// TV, both KLs and the line transports (W1, W2²) have an exact entropic prox and converge
// fastest; a general cost matrix uses a damped subgradient tilt, which is markedly slower — the
// certificate stays valid, the gap may not close within the budget.
//
// P = 0 (q must equal the divergence's zero point): the tilt becomes a Sinkhorn scaling that
// matches the output marginal, and the upper-bound channel is rounded onto the exact marginal.
//
// Layout (solvers/src/ba/): problem_data (the problem as the solver keeps it), scaled_kernel (K
// at one slope), iterate (a pass and the weight update), inner (the fixed-multiplier solve with
// SQUAREM), pool (channels and their mixtures), bounds (the certificate being built, the Shannon
// record), channel (materialise, round, audit), polish (the Brent and NLopt polishers),
// evaluate, joint_search, slope_search and multiplier_search (the phases over the multipliers,
// on the whole state, engine.hpp), certificate (the result, and the queries settled without a
// search); this file: the order of the phases of one query, and the warm attempt with its cold
// restart.
#include "rdp/solvers/ba/solver.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>

#include "certificate.hpp"
#include "engine.hpp"
#include "polish.hpp"
#include "rdp/error.hpp"

namespace rdp {

namespace ba {

namespace {
const BaOptions& validated(const BaOptions& options) {
  options.validate();
  return options;
}
}  // namespace

Engine::Engine(FiniteRdpProblem problem, BaOptions options)
    : opt(validated(options)),
      data(std::move(problem), opt),
      kernel(data.excess),
      it(data.m, data.n, data.ncell),
      pool(data.n, data.ncell) {}

}  // namespace ba

using ba::Eval;
using ba::kInf;
using ba::kLn2;
using ba::Mode;

// One solve attempt is this list of phases on the engine's state (ba::Engine).
struct BaSolver::Impl : ba::Engine {
  using Engine::Engine;

  // A new query's targets, bounds and budget; the weights keep the warm start.
  void begin_query(double dist, double perc) {
    query.D = dist;
    query.P = data.has_perc ? perc : kInf;
    query.tol_d = opt.constraint_tolerance * std::max(query.D, data.dscale);
    query.tol_p = opt.constraint_tolerance * std::max(data.has_perc ? query.P : 0.0, 1.0);
    query.gap_target = opt.gap_bits * kLn2;
    bounds.reset();
    pool.clear();
    budget.iterations = 0;
    budget.evaluations = 0;
    budget.failed = budget.limit = budget.underflow = false;
    // Blahut–Arimoto never revives a zero weight, so a warm start is mixed with a little of the
    // uniform pmf. Little: at low rates re-absorbing a 10% share took thousands of passes, and
    // the slope searches re-spread the weights themselves when s jumps (evaluate()).
    Eigen::VectorXd& w = it.w;
    w = (1.0 - 1e-6) * w + Eigen::VectorXd::Constant(data.n, 1e-6 / double(data.n));
    w /= w.sum();
    it.tilt.gbar.setZero();
  }

  void remember_shannon(const Eval& nearest, bool infeasible) {
    shannon.valid = true;
    shannon.D = query.D;
    shannon.lb = bounds.lower.shannon_lb;
    shannon.lb_s = bounds.lower.shannon_s;
    shannon.log_lambda = bounds.lower.shannon_log_lambda;
    shannon.pool = pool.entries();
    shannon.nearest = nearest;
    shannon.weights = it.w;
    shannon.infeasible = infeasible;
  }

  // The μ = 0 phase from the record: every remembered channel re-enters the pool (its mixtures
  // are re-formed against this query's P) and the R(D) lower bound is reinstated.
  Eval restore_shannon(bool& infeasible) {
    for (const ba::PoolEntry& e : shannon.pool) pool.add(e, data, query, bounds.upper);
    ba::LowerBound& lower = bounds.lower;
    if (shannon.lb > lower.lb) {
      lower.lb = shannon.lb;
      lower.s = shannon.lb_s;
      lower.mu = 0.0;
      lower.form = BaDualForm::shannon;
      lower.log_lambda = shannon.log_lambda;
    }
    infeasible = shannon.infeasible;
    // A query without a warm slope continues from where the phase ended, as if it had just
    // been solved.
    if (warm.s_warm <= 0.0 && shannon.nearest.ok) {
      warm.s_warm = shannon.nearest.s;
      it.w = shannon.weights;
    }
    return shannon.nearest;
  }

  // The cold restart: forget every warm start.
  void forget_warm_start() {
    warm.cold = true;
    it.w.setConstant(1.0 / double(data.n));
    warm.s_warm = warm.mu_warm = -1.0;
    warm.s_step = warm.mu_step = 1.0;
    // Truly cold: a remembered R(D) would steer the retry down the path that just failed.
    shannon.valid = false;
    warm.prev_eval_s = -1.0;
    it.prox_state.resize(0);
  }

  BaResult solve(double dist, double perc) {
    require_nonnegative("D", dist);
    if (data.has_perc) require_nonnegative("P", perc);
    begin_query(dist, perc);
    if (auto settled = ba::settle_without_search(data, query, opt)) return *settled;
    const double D = query.D, P = query.P, tol_d = query.tol_d, tol_p = query.tol_p;
    bool infeasible = false;  // the last slope search found E[Δ] > D at every slope

    // In a sweep whose previous point had the perception constraint active, it is most likely
    // active here too: go straight to the multiplier search from the previous multipliers. The
    // Shannon solve below would cost thousands of passes at low rate only to learn that its
    // output misses P. If the search does not close the certificate, the full path follows.
    const bool cached = data.has_perc && shannon.valid && shannon.D == D;
    if (!cached && data.has_perc && P > tol_p && warm.mu_warm > 0.0 && warm.s_warm > 0.0 &&
        ba::search_multiplier(*this))
      return ba::certify(*this, BaStatus::iteration_limit);
    // μ = 0: Shannon's R(D). If its channel meets P the perception constraint is inactive.
    auto inactive = [&](const Eval& e) { return e.ok && e.phi <= P + tol_p && e.ed <= D + tol_d; };
    Eval e0;
    if (cached) e0 = restore_shannon(infeasible);
    // A remembered phase that another P's certificate cut short may be too loose to certify
    // R(D) here: then solve it again.
    if (!cached || (!stop() && inactive(e0))) {
      const ba::SlopeSearch found = ba::search_slope(*this, 0.0, Mode::shannon);
      e0 = found.nearest, infeasible = found.infeasible;
      if (data.has_perc && !budget.limit && !budget.failed) remember_shannon(e0, infeasible);
    }
    // The perception constraint is inactive only if the Shannon channel meets both targets: where
    // the Lagrangian has several minimisers (R(D) = 0 at small s) the evaluation nearest to D can
    // miss it, and concluding from its perception alone would stop without an upper bound.
    if (stop() || !data.has_perc || inactive(e0)) {
      // R(D,P) = R(D) here: the next query's multiplier search must not start from the μ of a
      // polished bound (near 0 there), where the tilted solves are as slow as Shannon's.
      warm.mu_warm = -1.0;
      return ba::certify(*this, infeasible ? BaStatus::infeasible : BaStatus::iteration_limit,
                         false);
    }

    if (P <= tol_p && data.zero_point.size() > 0) {
      // P = 0: the output must be the zero point; Sinkhorn-scale the output marginal.
      it.w = Eigen::VectorXd::Zero(data.n);
      for (Eigen::Index j = 0; j < data.n; ++j)
        it.w[j] = data.zero_point[data.pb.cell_of[j]] + 1e-300;
      it.w /= it.w.sum();
      infeasible = ba::search_slope(*this, 0.0, Mode::marginal).infeasible;
      return ba::certify(*this, infeasible ? BaStatus::infeasible : BaStatus::iteration_limit);
    }

    // μ > 0. First the cheap route: nested root searches, μ with φ = P (φ is non-increasing in
    // μ) around s with E[Δ] = D. Where the Lagrangian's minimiser is unique (smooth divergences:
    // KL, reverse KL, transport costs on a fine grid) E[Δ] and φ move continuously with the
    // multipliers, this meets both targets in a few dozen inner solves, and the certificate
    // closes. Where it has several minimisers (piecewise-linear divergences such as TV, low
    // rates) E[Δ] and φ jump as the multipliers cross, and the roots do not exist; then maximise
    // the concave dual ψ(s, μ) = min_W [I + s(E[Δ] − D) + μ(φ − P)] directly, by nested Brent
    // searches on (log s, log μ) (derivative-free, robust to ψ's kinks); its maximum is R(D,P)
    // (strong duality), and the upper bound comes from mixing pool channels on both sides.
    // Before the nested searches, a 2-D secant iteration on both multipliers at once (at most 12
    // inner solves; where it does not close the certificate it leaves the nested search a warm
    // start at its best point). Measured on 1024-cell N(0,1), one thread, default gap, seven W1
    // and W2² queries with P ∈ {0.0025, 0.05}: 74 s in all against 136 s, each one faster
    // (W1 at D = 0.1, P = 0.0025: 11 s against 33 s).
    if (ba::search_jointly(*this, 12) || ba::search_multiplier(*this))
      return ba::certify(*this, BaStatus::iteration_limit);
    ba::maximise_dual(*this);
    // Also when a budget ran out: the polish costs no Blahut–Arimoto passes.
    if (!budget.failed && bounds.gap() > query.gap_target)
      ba::polish_dual_jointly(data, query, bounds.lower);
    if (!budget.failed && bounds.gap() > query.gap_target)
      ba::polish_primal_jointly(data, query, bounds.upper);
    return ba::certify(*this, BaStatus::iteration_limit);
  }
};

BaSolver::BaSolver(FiniteRdpProblem problem, BaOptions options)
    : impl_(std::make_unique<Impl>(std::move(problem), options)) {}
BaSolver::~BaSolver() = default;
BaSolver::BaSolver(BaSolver&&) noexcept = default;
BaSolver& BaSolver::operator=(BaSolver&&) noexcept = default;
BaResult BaSolver::solve(double distortion, double perception) {
  // The warm start (previous query's weights and multipliers) usually saves most of the work,
  // but from a distant neighbour it can trap the multiplier search (across a kink of the dual,
  // or from a perception-inactive point into an active one); measured on a 256-cell Gaussian
  // surface, such points ran to the 400k-pass cap warm and converged in 14k passes cold. So the
  // warm attempt gets a twentieth of the budget, and a cold restart follows whenever it does not
  // converge. Both certificates are valid, so the better upper bound is kept with the larger
  // lower bound (a numerical failure's bounds are not used).
  const BaOptions full = impl_->opt;
  ba::Budget& budget = impl_->budget;
  // Beyond 1e9 s (32 years) the deadline would overflow the clock's nanosecond count; no budget.
  budget.timed = full.max_seconds < 1e9;
  budget.out_of_time = false;
  if (budget.timed)
    budget.deadline = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(full.max_seconds));
  // A solver with nothing to warm-start from (a fresh one, as for every `rdp rate` query) is in
  // the very state the cold restart would reset it to, and the restart would repeat the first
  // attempt pass for pass: then one attempt gets the whole budget (it saved the 20k passes the
  // 256-cell W2² query at D = 0.1, P = 0.0025 spent twice, 100k passes in all).
  const bool cold_already = impl_->warm.cold;
  BaOptions warm_options = full;
  if (!cold_already) warm_options.max_iterations = std::max(1L, full.max_iterations / 20);
  impl_->opt = warm_options;
  BaResult warm;
  try {
    warm = impl_->solve(distortion, perception);
  } catch (...) {
    impl_->opt = full;
    throw;
  }
  impl_->opt = full;
  impl_->warm.cold = false;
  // Out of time, a cold restart could only hit the same deadline at once.
  if (cold_already || warm.status == BaStatus::converged || warm.status == BaStatus::infeasible ||
      budget.out_of_time)
    return warm;
  impl_->forget_warm_start();
  // max_iterations caps both attempts together.
  BaOptions cold_options = full;
  cold_options.max_iterations = std::max(1L, full.max_iterations - warm.iterations);
  impl_->opt = cold_options;
  BaResult cold;
  try {
    cold = impl_->solve(distortion, perception);
  } catch (...) {
    impl_->opt = full;
    throw;
  }
  impl_->opt = full;
  impl_->warm.cold = false;
  return merge_ba_attempts(std::move(warm), std::move(cold), full.gap_bits);
}

const FiniteRdpProblem& BaSolver::problem() const { return impl_->data.pb; }
const BaOptions& BaSolver::options() const { return impl_->opt; }
void BaSolver::set_options(const BaOptions& options) {
  options.validate();
  impl_->opt = options;
  impl_->shannon.valid = false;  // it was solved to the old gap
}

BaResult solve_rdp_ba(const FiniteRdpProblem& problem, double distortion, double perception,
                      const BaOptions& options) {
  BaSolver solver(problem, options);
  return solver.solve(distortion, perception);
}

}  // namespace rdp
