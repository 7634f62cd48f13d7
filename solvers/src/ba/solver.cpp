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
// Otherwise a nested root search on (μ, s) for (φ, E[Δ]) = (P, D) runs first: where the
// Lagrangian's minimiser is unique it closes the certificate in a few dozen inner solves. Where it
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
#include "rdp/solvers/ba/solver.hpp"

#include <algorithm>
#include <boost/math/tools/minima.hpp>
#include <boost/math/tools/roots.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlopt.hpp>

#include "rdp/error.hpp"
#include "rdp/information.hpp"
#include "rdp/solvers/ba/detail/kernel.hpp"
#include "sign_search.hpp"

namespace rdp {

namespace {

using ba::refine_sign_change;
using ba::SignChange;
using ba::walk_to_sign_change;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLn2 = 0.69314718055994530942;
// The largest tilt exponent kept; beyond it a weight is zero to double precision anyway.
constexpr double kMaxTiltExponent = 700.0;

enum class Mode { shannon, tilted, marginal };

struct Eval {
  double s = 0.0, mu = 0.0, ed = kInf, phi = kInf, lb = -kInf;
  bool ok = false;
};

}  // namespace

// A channel seen during the search, kept compactly (weights and slope) with its exact figures.
struct PoolEntry {
  Eigen::VectorXd w, q;
  double s = 0.0, info = 0.0, ed = 0.0, phi = 0.0;  // info in nats
  bool marginal = false;
};

struct BaSolver::Impl {
  FiniteRdpProblem pb;
  BaOptions opt;
  Eigen::Index m_full = 0, m = 0, n = 0, ncell = 0;
  std::vector<Eigen::Index> rows;  // kept (positive-mass) source rows
  Eigen::VectorXd p;
  RowMatrix d, k;
  std::vector<Eigen::Index> nearest_of;  // per source point (all m_full): its nearest column
  RowMatrix excess;  // Δ_ij − min_j Δ_ij, the exponent of the scaled kernel per unit slope
  // The distinct values of `excess` and each entry's index among them (row-major), when there
  // are few: then a new slope costs one exponential per distinct value and a gather, not m·n
  // exponentials. Grids have few (the 256-cell Gaussian with squared error: 848 of 65536), and
  // the kernel stays exact: the same doubles go through the same exp.
  std::vector<double> excess_values, excess_exp;
  std::vector<std::int32_t> excess_index;
  Eigen::VectorXd dmin;
  double slope = -1.0;
  double dscale = 1.0;
  bool has_perc = false;
  Eigen::VectorXd zero_point;  // over cells; empty if none
  // iteration state
  Eigen::VectorXd w, z, v, c, q, logc, gbar, w0, w1, w2, wx, w_safe;
  double last_objective = 0.0;   // primal Lagrangian value of the last pass (nats)
  double inner_slack = 0.0;      // extra inner-gap allowance while far from the target (nats)
  Eigen::VectorXd qc, gc, ellc;  // over cells
  // The repaired Shannon dual, two rounds (rows, rows, columns).
  Eigen::VectorXd rep_log_m, rep_v, rep_c, rep_log_m2, rep_v2, rep_c2;
  Eigen::VectorXd prox_state;  // the divergence's warm start for prox_warm()
  double theta = 1.0;
  double conjugate_of_pass = 0.0;  // the conjugate term of the last lagrangian_gap()
  bool repaired_of_pass = false;   // repaired_conjugate belongs to the last pass
  double repaired_conjugate = 0.0;
  double base = 0.0;  // Σ p_i (s dmin_i − log Z_i) of the last pass
  // warm start across queries
  double s_warm = -1.0, mu_warm = -1.0;
  double s_step = 1.0, mu_step = 1.0;  // first bracketing steps in log s and log μ
  double prev_eval_s = -1.0;
  // per query
  double D = 0.0, P = 0.0, tol_d = 0.0, tol_p = 0.0, gap_target = 0.0;
  double best_lb = 0.0, best_ub = kInf, lb_s = 0.0, lb_mu = 0.0;
  Eigen::VectorXd lb_log_lambda;             // over kept rows: the λ of the best lower bound
  BaDualForm lb_form = BaDualForm::shannon;  // which conjugate term that bound used
  // The upper-bound channel is a convex combination of up to three pool channels: where the
  // Lagrangian has several minimisers (TV's flat pieces, low rates) E[Δ] jumps as s crosses the
  // multiplier, and only a mixture meets D and P exactly. E[Δ] is linear in the channel, and I
  // and d(p_X, q) are convex, so Σα_k I_k bounds the mixture's rate from above.
  std::vector<PoolEntry> pool;
  std::size_t pool_next = 0;
  static constexpr std::size_t kPoolSize = 10;
  std::vector<std::pair<std::size_t, double>> best_mix;  // (pool entry copy index, weight)
  std::vector<PoolEntry> best_parts;
  Eigen::MatrixXd best_explicit;  // set when polish_primal_jointly() beat every mixture
  Eigen::VectorXd ell_at_lb;      // ℓ over cells and base of the best lower bound (for polishing)
  double base_at_lb = 0.0;
  // Shannon's R(D) does not depend on P, so the μ = 0 phase of a query is remembered for its D:
  // a sweep over P at fixed D (a column of a surface, an R–P section) pays for it once. Kept:
  // the pool after the phase (exact figures of explicit channels, valid for any P), the best
  // μ = 0 lower bound (Blahut's bound on R(D) <= R(D,P)), and the nearest evaluation.
  struct ShannonRecord {
    bool valid = false;
    double D = 0.0, lb = 0.0, lb_s = 0.0;
    Eigen::VectorXd log_lambda;
    std::vector<PoolEntry> pool;
    Eval nearest;
    Eigen::VectorXd weights;  // the weights the phase ended with
    bool infeasible = false;
  } shannon_cache;
  double shannon_lb = 0.0, shannon_lb_s = 0.0;  // best μ = 0 bound of this query (nats)
  Eigen::VectorXd shannon_log_lambda;
  long iterations = 0;
  int evaluations = 0;
  bool failed = false, limit = false, infeasible_at_mu = false, underflow = false;
  std::string failure;
  // The wall-clock budget (BaOptions::max_seconds) of the current solve() call, warm attempt and
  // cold restart together; `timed` false means no budget and no clock is read.
  bool timed = false, out_of_time = false;
  std::chrono::steady_clock::time_point deadline;

  Impl(FiniteRdpProblem problem, BaOptions options) : pb(std::move(problem)), opt(options) {
    opt.validate();
    // Before the m×n arrays below (the caller's problem exists already; make_problem_for_source
    // checks before building it).
    check_ba_memory(pb, opt);
    pb.validate();
    m_full = pb.source_pmf.size();
    n = static_cast<Eigen::Index>(pb.reconstruction_points.size());
    for (Eigen::Index i = 0; i < m_full; ++i)
      if (pb.source_pmf[i] > 0.0) rows.push_back(i);
    m = static_cast<Eigen::Index>(rows.size());
    p.resize(m);
    d.resize(m, n);
    for (Eigen::Index r = 0; r < m; ++r) {
      p[r] = pb.source_pmf[rows[r]];
      d.row(r) = pb.distortion.row(rows[r]);
    }
    p /= p.sum();
    dmin = d.rowwise().minCoeff();
    dscale = std::max(d.maxCoeff(), 1e-300);
    has_perc = static_cast<bool>(pb.perception);
    ncell = has_perc ? pb.perception->cells() : 0;
    if (has_perc) zero_point = pb.perception->zero_point();
    k.resize(m, n);
    excess = d.colwise() - dmin;
    index_excess();
    nearest_of.resize(static_cast<std::size_t>(m_full));
    for (Eigen::Index i = 0; i < m_full; ++i) pb.distortion.row(i).minCoeff(&nearest_of[i]);
    w = Eigen::VectorXd::Constant(n, 1.0 / double(n));
    z.resize(m);
    v.resize(m);
    c.resize(n);
    q.resize(n);
    logc.resize(n);
    gbar = Eigen::VectorXd::Zero(n);
    w0.resize(n);
    w1.resize(n);
    w2.resize(n);
    wx.resize(n);
    qc.resize(ncell);
    gc.resize(ncell);
    ellc.resize(ncell);
    rep_log_m.resize(m);
    rep_v.resize(m);
    rep_c.resize(n);
    rep_log_m2.resize(m);
    rep_v2.resize(m);
    rep_c2.resize(n);
  }

  void index_excess() {
    const long count = static_cast<long>(m * n);
    excess_values.assign(excess.data(), excess.data() + count);
    std::sort(excess_values.begin(), excess_values.end());
    excess_values.erase(std::unique(excess_values.begin(), excess_values.end()),
                        excess_values.end());
    // A gather costs about a fifth of an exponential; past m·n/8 distinct values it stops paying.
    if (static_cast<long>(excess_values.size()) > count / 8) {
      std::vector<double>().swap(excess_values);  // clear() would keep the m·n capacity
      return;
    }
    excess_values.shrink_to_fit();
    excess_exp.resize(excess_values.size());
    excess_index.resize(static_cast<std::size_t>(count));
    const double* e = excess.data();
    for (long t = 0; t < count; ++t)
      excess_index[t] = static_cast<std::int32_t>(
          std::lower_bound(excess_values.begin(), excess_values.end(), e[t]) -
          excess_values.begin());
  }

  bool stop() const { return failed || limit || best_ub - best_lb <= gap_target; }

  void set_slope(double s) {
    if (s == slope) return;
    slope = s;
    if (!excess_values.empty()) {
      for (std::size_t u = 0; u < excess_values.size(); ++u)
        excess_exp[u] = std::exp(-s * excess_values[u]);
      detail::gather(excess_exp.data(), excess_index.data(), static_cast<long>(m * n), k.data());
    } else {
      // Otherwise m·n exponentials, about 20 passes' worth.
      k.array() = (excess.array() * (-s)).exp();
    }
  }

  void merge_to_cells(const Eigen::VectorXd& x, Eigen::VectorXd& cells) const {
    cells.setZero();
    for (Eigen::Index j = 0; j < n; ++j) cells[pb.cell_of[j]] += x[j];
  }

  bool pass() {
    detail::fused_kernel_pass(k.data(), m, n, w.data(), p.data(), z.data(), v.data(), c.data());
    ++iterations;
    repaired_of_pass = false;
    q = w.cwiseProduct(c);
    if (!(z.minCoeff() > 1e-290) || !c.allFinite()) {
      // Too sharp a kernel for this slope: the evaluation is discarded (the searches treat it as
      // "slope too large"); the query only fails if nothing else works.
      underflow = true;
      failure = "kernel underflow at slope s = " + format_number(slope) +
                " (distortions too sharp for the scaled kernel); raise D or coarsen the grid";
      return false;
    }
    return true;
  }

  // Lagrangian bounds (nats) of the last pass: returns the conjugate term used by the lower bound
  // and fills logc, ellc, base.
  double conjugate_term(double mu, Mode mode) {
    base = 0.0;
    for (Eigen::Index i = 0; i < m; ++i) base += p[i] * (slope * dmin[i] - std::log(z[i]));
    for (Eigen::Index j = 0; j < n; ++j) logc[j] = std::log(c[j]);
    if (!has_perc) return logc.maxCoeff();
    ellc.setConstant(-kInf);
    for (Eigen::Index j = 0; j < n; ++j)
      ellc[pb.cell_of[j]] = std::max(ellc[pb.cell_of[j]], logc[j]);
    if (mode == Mode::marginal) return ellc.dot(zero_point);
    if (mode == Mode::shannon) return ellc.maxCoeff();
    return pb.perception->perspective_conjugate(ellc, mu);
  }

  // Duality gap of the fixed-multiplier problem (nats).
  double lagrangian_gap(double mu, Mode mode) {
    const double conj = conjugate_term(mu, mode);
    double ub = -q.dot(logc);
    if (mode == Mode::tilted) {
      merge_to_cells(q, qc);
      ub += mu * pb.perception->value(qc);
    }
    last_objective = base + ub;
    conjugate_of_pass = conj;
    if (mode == Mode::marginal) {
      merge_to_cells(q, qc);
      const double spread = ellc.maxCoeff() - ellc.minCoeff();
      return std::abs(ub - (-conj)) + (qc - zero_point).cwiseAbs().sum() * (1.0 + spread);
    }
    return ub + conj;
  }

  // Blahut's λ_i = 1/Z_i is accurate where the output has mass, but in the tails of a fine grid
  // the weights of near-empty cells converge like 1/t, and the bound pays for their c_j > 1 in
  // full (log max_j c_j) although the rows there carry almost no mass. Any λ > 0 gives a valid
  // bound, so each row is scaled down by the largest c_j among the columns it mainly reaches,
  // λ'_i = λ_i / max(1, max{c_j : K_ij >= τ}) (K's rows peak at 1), twice. The objective loses
  // Σ p_i log M_i, small exactly because the rows that need a large M_i have little mass, and the
  // bound is then evaluated exactly with c' = Σ_i p_i λ'_i K_ij (its max, not 1), so it is valid
  // whatever M and τ. τ = 1e-2 and two rounds were the best of τ ∈ {1e-1, ..., 1e-12} and one to
  // three rounds on the 256-cell Gaussian, s from 0.6 to 20. There, at s = 5 (D = 0.1), Blahut's
  // gap is 7e-3 bits after 30 passes and still 2.5e-4 after 3000; the repaired one is 1.6e-7
  // after 100. Returns the repaired Shannon conjugate term (shift included): the lower bound is
  // base − it − sD. Costs about two passes.
  double repaired_shannon_conjugate() {
    // Once per pass: the inner loop's last check and evaluate() ask for the same pass.
    if (repaired_of_pass) return repaired_conjugate;
    constexpr double tau = 1e-2;
    double shift = detail::repair_rows(k.data(), m, n, c.data(), p.data(), v.data(), tau,
                                       rep_log_m.data(), rep_v.data(), rep_c.data());
    shift += detail::repair_rows(k.data(), m, n, rep_c.data(), p.data(), rep_v.data(), tau,
                                 rep_log_m2.data(), rep_v2.data(), rep_c2.data());
    rep_log_m += rep_log_m2;
    repaired_of_pass = true;
    repaired_conjugate = shift + std::log(rep_c2.maxCoeff());
    return repaired_conjugate;
  }

  // Next weights. Blahut's step predicts the next output as y = q ⊙ c (the output of the channel
  // with weights q); the perception enters through the entropic prox of that prediction,
  //   u = argmin_u KL(u ‖ y) + μ φ(u),
  // and the new weights are w' = u ⊘ c, so the next channel's output is u to first order. At a
  // fixed point u = q and c·exp(−μ g(q)) is constant with g ∈ ∂φ(q): exactly the stationarity
  // condition of the Lagrangian. With φ = 0 this is Blahut's step (w' = q); with φ the indicator
  // of the zero point it is Sinkhorn's scaling (w' = p̃ ⊘ c), used for P = 0.
  void update_weights(double mu, Mode mode) {
    if (mode == Mode::shannon || (mode == Mode::tilted && mu == 0.0)) {
      w = q;
    } else if (mode == Mode::tilted && !pb.perception->exact_prox()) {
      // No exact prox (a general transport cost matrix, or a user's divergence; TV, both KLs
      // and the line transports have one): the linearised step with the tilt taken from a
      // running average of subgradients at the predicted output. The average's weight θ is
      // halved whenever the fixed-multiplier gap grows, which tames the oscillation of
      // subgradients at kinks and of steep gradients near empty cells.
      for (Eigen::Index j = 0; j < n; ++j) wx[j] = q[j] * c[j];
      merge_to_cells(wx, qc);
      qc /= qc.sum();
      pb.perception->subgradient(qc, gc);
      double hmin = kInf;
      for (Eigen::Index j = 0; j < n; ++j) {
        const double g = gc[pb.cell_of[j]];
        if (std::isinf(g) || std::isinf(gbar[j]))
          gbar[j] = g;
        else
          gbar[j] = (1.0 - theta) * gbar[j] + theta * g;
        if (std::isfinite(gbar[j])) hmin = std::min(hmin, mu * gbar[j]);
      }
      for (Eigen::Index j = 0; j < n; ++j) {
        const double e = std::isfinite(gbar[j]) ? mu * gbar[j] - hmin : kInf;
        // A finite tilt never zeroes a weight (a zero can never regrow, and rows whose only
        // near points lost their weight would underflow); +inf (outside the domain) does.
        w[j] = std::isinf(e) ? 0.0 : q[j] * std::exp(-std::min(e, kMaxTiltExponent));
      }
    } else {
      for (Eigen::Index j = 0; j < n; ++j) wx[j] = q[j] * c[j];  // predicted output y
      merge_to_cells(wx, qc);
      if (mode == Mode::marginal)
        gc = zero_point;
      else
        pb.perception->prox_warm(qc, mu, gc, prox_state);
      for (Eigen::Index j = 0; j < n; ++j) {
        const int cell = pb.cell_of[j];
        w[j] = qc[cell] > 0.0 ? wx[j] * (gc[cell] / qc[cell]) / c[j] : 0.0;
      }
    }
    const double total = w.sum();
    if (total > 0.0 && std::isfinite(total)) w /= total;
  }

  // Fixed-multiplier solve, warm-started from w. Leaves a consistent last pass.
  //
  // Plain Blahut–Arimoto contracts slowly where the kernel is flat (low rates) or sharp, so the
  // iteration is accelerated by SQUAREM (Varadhan & Roland, Scand. J. Stat. 2008): two plain steps
  // w0 → w1 → w2 in log-weights give r = w1 − w0 and v = w2 − 2w1 + w0, and the extrapolated
  // point w0 − 2αr + α²v (α = −‖r‖/‖v‖) is kept only if its Lagrangian value does not exceed the
  // plain iterate's, so the scheme never does worse than Blahut–Arimoto by more than one pass.
  bool inner(double mu, Mode mode) {
    // Far from the target an evaluation only needs the sign of E[Δ] − D (and of d − P), so the
    // inner gap may be as loose as a fraction of what the previous miss costs in the Lagrangian.
    const double tol = std::max(opt.inner_gap_fraction * gap_target, inner_slack);
    theta = opt.tilt_damping;
    if (mode == Mode::tilted && mu > 0.0 && gbar.isZero()) {
      merge_to_cells(w, qc);
      pb.perception->subgradient(qc, gc);
      for (Eigen::Index j = 0; j < n; ++j) gbar[j] = gc[pb.cell_of[j]];
    }
    long passes = 0, repair_every = 4;
    double prev_gap = kInf;
    // One pass on the current w; true when converged or out of budget (result in `status`).
    int status = 0;  // 0 running, 1 converged/budget, -1 failure
    auto checked_pass = [&]() {
      if (!pass()) return status = -1, true;
      ++passes;
      double gap = lagrangian_gap(mu, mode);
      if (mode == Mode::shannon && !(gap <= tol) && passes % repair_every == 0) {
        // The repair costs two passes; where the gap is not a tail effect (low rates, where the
        // whole output is still moving) it gains nothing, so it backs off there.
        const double repaired = gap - conjugate_of_pass + repaired_shannon_conjugate();
        repair_every = repaired < 0.5 * gap ? 4 : std::min(2 * repair_every, 64L);
        gap = std::min(gap, repaired);
      }
      if (std::isfinite(gap) && gap <= tol) return status = 1, true;
      if (mode == Mode::tilted && gap > prev_gap * (1.0 + 1e-9))
        theta = std::max(theta * 0.5, 1e-3);
      prev_gap = gap;
      if (passes >= opt.max_inner_iterations) return status = 1, true;
      if (iterations >= opt.max_iterations) return limit = true, status = 1, true;
      if (timed && std::chrono::steady_clock::now() >= deadline)
        return out_of_time = limit = true, status = 1, true;
      return false;
    };
    const bool accelerate = mode != Mode::marginal;
    for (;;) {
      if (!accelerate) {
        if (checked_pass()) return status > 0;
        update_weights(mu, mode);
        continue;
      }
      w0 = w;
      if (checked_pass()) return status > 0;
      update_weights(mu, mode);
      w1 = w;
      if (checked_pass()) return status > 0;
      const double j1 = last_objective;
      update_weights(mu, mode);
      w2 = w;
      // Extrapolate in log-weights over the cells that carry weight in all three iterates.
      double rr = 0.0, vv = 0.0;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (!(w0[j] > 0.0 && w1[j] > 0.0 && w2[j] > 0.0)) continue;
        const double l0 = std::log(w0[j]), l1 = std::log(w1[j]), l2 = std::log(w2[j]);
        const double r = l1 - l0, vdiff = l2 - 2.0 * l1 + l0;
        rr += r * r;
        vv += vdiff * vdiff;
      }
      if (!(vv > 0.0) || !(rr > 0.0)) continue;  // w = w2: a plain step
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
      const bool underflow_before = underflow;
      if (checked_pass()) {
        if (status < 0 && underflow && !underflow_before) {
          // The extrapolation emptied the neighbourhood of some source point (weights that
          // underflow to zero); that says nothing about the slope, so step back to the plain
          // iterate instead of failing the evaluation.
          underflow = false;
          failure.clear();
          status = 0;
          w = w2;
          continue;
        }
        if (status < 0) return false;
        if (last_objective <= j1 || !std::isfinite(j1)) return true;
        // The extrapolated point was worse; finish from the plain iterate.
        w = w2;
        if (!pass()) return false;
        lagrangian_gap(mu, mode);
        return true;
      }
      if (last_objective > j1) {
        w = w2;
        continue;
      }
      update_weights(mu, mode);
    }
  }

  double lower_bound_at(double mu, Mode mode, double conj) const {
    (void)mode;
    // μ = 0 with no perception constraint (P = ∞) must not make 0·∞ = NaN.
    return base - conj - slope * D - (mu > 0.0 ? mu * P : 0.0);
  }

  // Best μ' for the lower bound with the current λ (concave in μ'), by Brent's method.
  double polish_lower_bound(double mu_hint) {
    if (!has_perc || P <= 0.0) return -kInf;
    auto negative_lb = [&](double mu) {
      return -(base - pb.perception->perspective_conjugate(ellc, mu) - slope * D - mu * P);
    };
    const double hi = std::max(4.0 * mu_hint, 1.0);
    std::uintmax_t iters = 40;
    const auto r = boost::math::tools::brent_find_minima(negative_lb, 0.0, hi, 30, iters);
    if (-r.second > best_lb) {
      best_lb = -r.second;
      lb_s = slope;
      lb_mu = r.first;
      lb_form = BaDualForm::tilted;
      log_lambda_of_pass(lb_log_lambda, false);
    }
    return -r.second;
  }

  // log λ_i = s·dmin_i − log Z_i of the last pass (− log M_i if the repaired bound was used):
  // the λ of the lower bound just recorded.
  void log_lambda_of_pass(Eigen::VectorXd& out, bool repaired) const {
    out.resize(m);
    for (Eigen::Index i = 0; i < m; ++i)
      out[i] = slope * dmin[i] - std::log(z[i]) - (repaired ? rep_log_m[i] : 0.0);
  }

  // The lower bound is jointly concave in (log λ, s, μ): Σ p log λ is linear, and
  // ℓ_j = log Σ_i p_i λ_i e^{−sΔ_ij} is a log-sum-exp of affine functions, composed with the
  // perspective conjugate (convex, nondecreasing in ℓ). Where the Blahut–Arimoto λ lags (near
  // R = 0 the dual is flat and the inner iteration crawls, while the primal channel is already
  // optimal), maximising it directly over all m + 2 variables closes the certificate. Any point
  // gives a valid bound, so a derivative-free local search (NLopt's Nelder–Mead from the best
  // multipliers so far) is safe. Small problems only (m <= 16): it costs O(m·n) per evaluation
  // and Nelder–Mead scales badly with the dimension.
  void polish_dual_jointly() {
    if (!has_perc || P <= tol_p || m > 16 || lb_log_lambda.size() != m || lb_s <= 0.0) return;
    const Eigen::Index dim = m + 2;
    Eigen::VectorXd logp = p.array().log();
    Eigen::VectorXd ell(n), ell_cells(ncell);
    double best = best_lb;
    std::vector<double> best_x;
    auto lower = [&](const std::vector<double>& x) {
      const double s = std::exp(x[m]), mu = std::exp(x[m + 1]);
      for (Eigen::Index j = 0; j < n; ++j) {
        double top = -kInf;
        for (Eigen::Index i = 0; i < m; ++i) top = std::max(top, logp[i] + x[i] - s * d(i, j));
        double sum = 0.0;
        for (Eigen::Index i = 0; i < m; ++i) sum += std::exp(logp[i] + x[i] - s * d(i, j) - top);
        ell[j] = top + std::log(sum);
      }
      ell_cells.setConstant(-kInf);
      for (Eigen::Index j = 0; j < n; ++j)
        ell_cells[pb.cell_of[j]] = std::max(ell_cells[pb.cell_of[j]], ell[j]);
      double value = -s * D - mu * P - pb.perception->perspective_conjugate(ell_cells, mu);
      for (Eigen::Index i = 0; i < m; ++i) value += p[i] * x[i];
      if (std::isfinite(value) && value > best) best = value, best_x = x;
      return std::isfinite(value) ? value : -1e300;
    };
    std::vector<double> x(static_cast<std::size_t>(dim));
    for (Eigen::Index i = 0; i < m; ++i) x[i] = lb_log_lambda[i];
    x[m] = std::log(lb_s);
    x[m + 1] = std::log(lb_mu > 0.0 ? lb_mu : 1e-8);
    nlopt::opt opt(nlopt::LN_NELDERMEAD, static_cast<unsigned>(dim));
    opt.set_max_objective([](const std::vector<double>& xs, std::vector<double>&,
                             void* data) { return (*static_cast<decltype(lower)*>(data))(xs); },
                          &lower);
    opt.set_xtol_abs(1e-15);
    opt.set_ftol_abs(1e-16);
    opt.set_maxeval(4000 * static_cast<int>(dim));
    opt.set_initial_step(1e-3);
    double found = 0.0;
    // Restarts from the best point: Nelder–Mead's simplex can collapse on a kink (TV).
    for (int round = 0; round < 4; ++round) {
      try {
        opt.optimize(x, found);
      } catch (const std::exception&) {
      }
      if (best_x.empty()) break;
      x = best_x;
    }
    if (best > best_lb && !best_x.empty()) {
      best_lb = best;
      lb_s = std::exp(best_x[m]);
      lb_mu = std::exp(best_x[m + 1]);
      lb_form = BaDualForm::tilted;
      for (Eigen::Index i = 0; i < m; ++i) lb_log_lambda[i] = best_x[i];
    }
  }

  // Materialises the channel W_ij ∝ w_j exp(−sΔ_ij) on all source rows (zero-mass rows go to
  // their nearest point); with `round_marginal`, rounds it onto the exact output marginal.
  Eigen::MatrixXd channel_of(const Eigen::VectorXd& weights, double s, bool round_marginal) const {
    // Built row by row in row-major storage (contiguous writes), returned column-major.
    RowMatrix ch = RowMatrix::Zero(m_full, n);
    for (Eigen::Index i = 0; i < m_full; ++i)
      if (!(pb.source_pmf[i] > 0.0)) ch(i, nearest_of[i]) = 1.0;
    // In the log domain, shifted by each row's maximum: far-tail rows whose nearby weights
    // decayed to ~1e-300 would otherwise underflow to an all-zero row (0/0, then a NaN rate).
    Eigen::VectorXd log_w(n);
    for (Eigen::Index j = 0; j < n; ++j) log_w[j] = weights[j] > 0.0 ? std::log(weights[j]) : -kInf;
    for (Eigen::Index r = 0; r < m; ++r) {
      auto row = ch.row(rows[r]);
      double top = -kInf;
      for (Eigen::Index j = 0; j < n; ++j) {
        row[j] = log_w[j] - s * excess(r, j);
        top = std::max(top, row[j]);
      }
      double total = 0.0;
      for (Eigen::Index j = 0; j < n; ++j) {
        row[j] = std::exp(row[j] - top);
        total += row[j];
      }
      row /= total;
    }
    if (round_marginal) {
      // Altschuler–Weed–Rigollet rounding on the joint, cell by cell: shrink over-full cells,
      // then give the rows' deficits to the under-full cells in proportion.
      Eigen::MatrixXd joint = pb.source_pmf.asDiagonal() * ch;
      Eigen::VectorXd cellmass = Eigen::VectorXd::Zero(ncell);
      for (Eigen::Index j = 0; j < n; ++j) cellmass[pb.cell_of[j]] += joint.col(j).sum();
      for (Eigen::Index j = 0; j < n; ++j) {
        const int cell = pb.cell_of[j];
        if (cellmass[cell] > zero_point[cell]) joint.col(j) *= zero_point[cell] / cellmass[cell];
      }
      Eigen::VectorXd row_def = pb.source_pmf - joint.rowwise().sum();
      row_def = row_def.cwiseMax(0.0);
      cellmass.setZero();
      for (Eigen::Index j = 0; j < n; ++j) cellmass[pb.cell_of[j]] += joint.col(j).sum();
      Eigen::VectorXd col_def = Eigen::VectorXd::Zero(n);
      std::vector<char> seen(ncell, 0);
      for (Eigen::Index j = 0; j < n; ++j) {
        const int cell = pb.cell_of[j];
        if (seen[cell]) continue;
        seen[cell] = 1;
        col_def[j] = std::max(zero_point[cell] - cellmass[cell], 0.0);
      }
      const double missing = col_def.sum();
      if (missing > 0.0) joint += row_def * col_def.transpose() / missing;
      for (Eigen::Index i = 0; i < m_full; ++i)
        if (pb.source_pmf[i] > 0.0) ch.row(i) = joint.row(i) / joint.row(i).sum();
    }
    return Eigen::MatrixXd(ch);
  }

  // The channel of the best upper bound: the mixture Σ α_k W_k of its pool channels.
  Eigen::MatrixXd best_mixture_channel() const {
    Eigen::MatrixXd ch = Eigen::MatrixXd::Zero(m_full, n);
    for (const auto& [idx, alpha] : best_mix) {
      const PoolEntry& e = best_parts[idx];
      ch += alpha * channel_of(e.w, e.s, e.marginal);
    }
    return ch;
  }

  struct Audit {
    double info_bits, ed, phi;
    Eigen::VectorXd output;
  };
  Audit audit(const Eigen::MatrixXd& ch) const {
    Audit a;
    a.info_bits = mutual_information_bits(pb.source_pmf, ch);
    a.ed = (pb.source_pmf.asDiagonal() * ch).cwiseProduct(pb.distortion).sum();
    a.output = ch.transpose() * pb.source_pmf;
    a.phi = 0.0;
    if (has_perc) {
      Eigen::VectorXd cells = Eigen::VectorXd::Zero(ncell);
      for (Eigen::Index j = 0; j < n; ++j) cells[pb.cell_of[j]] += a.output[j];
      a.phi = pb.perception->value(cells);
    }
    return a;
  }

  double mixture_phi(const std::vector<std::pair<const PoolEntry*, double>>& parts) {
    if (!has_perc) return 0.0;
    wx.setZero();
    for (const auto& [e, a] : parts) wx += a * e->q;
    merge_to_cells(wx, qc);
    return pb.perception->value(qc);
  }

  void consider(const std::vector<std::pair<const PoolEntry*, double>>& parts) {
    double info = 0.0, ed = 0.0;
    for (const auto& [e, a] : parts) {
      if (a < 0.0) return;
      info += a * e->info, ed += a * e->ed;
    }
    if (!(info < best_ub) || !(ed <= D + tol_d)) return;  // also rejects NaN
    if (!(mixture_phi(parts) <= P + tol_p)) return;
    best_ub = info;
    best_parts.clear();
    best_mix.clear();
    best_explicit.resize(0, 0);
    for (const auto& [e, a] : parts) {
      best_mix.emplace_back(best_parts.size(), a);
      best_parts.push_back(*e);
    }
  }

  // Best mixture containing the new entry: alone, with one other (E[Δ] = D or d = P, linearised
  // in d, active), or with two others (both active). The exact d of the mixture is rechecked.
  void add_to_pool(PoolEntry entry) {
    if (pool.size() < kPoolSize) {
      pool.push_back(std::move(entry));
      pool_next = pool.size() - 1;
    } else {
      pool_next = (pool_next + 1) % kPoolSize;
      pool[pool_next] = std::move(entry);
    }
    const PoolEntry& a = pool[pool_next];
    consider({{&a, 1.0}});
    const double pcap = has_perc ? P : 0.0;
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (i == pool_next) continue;
      const PoolEntry& b = pool[i];
      if (a.marginal != b.marginal) continue;
      // Pairs: make one constraint tight.
      if (a.ed != b.ed) {
        const double t = (D - b.ed) / (a.ed - b.ed);
        if (t > 0.0 && t < 1.0) consider({{&a, t}, {&b, 1.0 - t}});
      }
      if (has_perc && a.phi != b.phi) {
        const double t = (pcap - b.phi) / (a.phi - b.phi);
        if (t > 0.0 && t < 1.0) consider({{&a, t}, {&b, 1.0 - t}});
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
        consider({{&a, ta}, {&b, tb}, {&c3, 1.0 - ta - tb}});
      }
    }
  }

  Eval evaluate(double s, double mu, Mode mode) {
    Eval e;
    e.s = s;
    e.mu = mu;
    if (stop()) return e;
    if (++evaluations > opt.max_evaluations) {
      limit = true;
      return e;
    }
    if (opt.on_progress)
      opt.on_progress({iterations, evaluations, std::max(best_lb / kLn2, 0.0), best_ub / kLn2});
    set_slope(s);
    // Weights that decayed to zero at another slope can never come back under Blahut's
    // multiplicative step, and weights that decayed to 1e-12 take thousands of passes to regrow
    // (each pass multiplies them by c_j, barely above 1). At small slopes the optimal output is
    // often a few atoms, so a search that moves s upwards must re-spread the weights: a share of
    // the uniform pmf that grows with the jump |Δ log s| (0.1 per unit of log s, capped at 0.5;
    // measured on the discretised Gaussian, where it cut a D = 0.3 query from 127k passes and no
    // convergence to 10k passes and a 3e-8 bit gap), and 1e-9 for the small steps of a root
    // search, which keeps every point reachable without undoing the warm start.
    {
      const double jump = prev_eval_s > 0.0 ? std::abs(std::log(s / prev_eval_s)) : 0.0;
      const double eta = std::clamp(0.1 * jump, 1e-9, 0.5);
      w = (1.0 - eta) * w + Eigen::VectorXd::Constant(n, eta / double(n));
      prev_eval_s = s;
    }
    w_safe = w;
    if (!inner(mu, mode)) {
      w = w_safe;
      if (!(w.array() > 0.0).any()) w.setConstant(1.0 / double(n));
      e.ed = -kInf;  // read as "E[Δ] below D": the slope is too large
      return e;
    }
    const double conj = conjugate_term(mu, mode);
    double lb = lower_bound_at(mode == Mode::tilted ? mu : 0.0, mode, conj);
    bool repaired = false;
    if (mode == Mode::shannon) {
      const double lb_repaired = lower_bound_at(0.0, mode, repaired_shannon_conjugate());
      if (lb_repaired > lb) lb = lb_repaired, repaired = true;
    }
    if (lb > best_lb) {
      best_lb = lb;
      lb_s = s;
      lb_mu = mode == Mode::tilted ? mu : 0.0;
      lb_form = mode == Mode::tilted     ? BaDualForm::tilted
                : mode == Mode::marginal ? BaDualForm::perfect_realism
                                         : BaDualForm::shannon;
      log_lambda_of_pass(lb_log_lambda, repaired);
    }
    if (mode == Mode::shannon && lb > shannon_lb) {
      shannon_lb = lb;
      shannon_lb_s = s;
      log_lambda_of_pass(shannon_log_lambda, repaired);
    }
    // e.lb stays the dual function ψ(s, μ) itself (concave, what the multiplier search climbs);
    // the polished bound only feeds the certificate.
    e.lb = lb;
    if (mode != Mode::marginal && has_perc) polish_lower_bound(mu > 0.0 ? mu : 1.0);
    e.ed = detail::weighted_trilinear(k.data(), d.data(), m, n, w.data(), v.data());
    const double info = base - q.dot(logc) - s * e.ed;  // I(W) in nats
    if (has_perc) {
      merge_to_cells(q, qc);
      e.phi = pb.perception->value(qc);
    } else {
      e.phi = 0.0;
    }
    e.ok = true;
    if (!std::isfinite(info) || !std::isfinite(e.ed) || std::isnan(e.phi)) return e;
    PoolEntry entry;
    entry.w = w, entry.q = q, entry.s = s, entry.info = std::max(info, 0.0), entry.ed = e.ed;
    entry.phi = e.phi;
    if (mode == Mode::marginal) {
      // The Sinkhorn channel only approaches the marginal; audit its rounding instead.
      const Audit a = audit(channel_of(w, s, true));
      entry.marginal = true;
      entry.info = a.info_bits * kLn2, entry.ed = e.ed = a.ed, entry.phi = e.phi = a.phi;
      entry.q = Eigen::VectorXd::Zero(n);
      for (Eigen::Index j = 0; j < n; ++j) entry.q[j] = a.output[j];
    }
    add_to_pool(std::move(entry));
    return e;
  }

  void remember_shannon(const Eval& nearest) {
    shannon_cache.valid = true;
    shannon_cache.D = D;
    shannon_cache.lb = shannon_lb;
    shannon_cache.lb_s = shannon_lb_s;
    shannon_cache.log_lambda = shannon_log_lambda;
    shannon_cache.pool = pool;
    shannon_cache.nearest = nearest;
    shannon_cache.weights = w;
    shannon_cache.infeasible = infeasible_at_mu;
  }

  // The μ = 0 phase from the cache: every remembered channel re-enters the pool (its mixtures are
  // re-formed against this query's P) and the R(D) lower bound is reinstated.
  Eval restore_shannon() {
    for (const PoolEntry& e : shannon_cache.pool) add_to_pool(e);
    if (shannon_cache.lb > best_lb) {
      best_lb = shannon_cache.lb;
      lb_s = shannon_cache.lb_s;
      lb_mu = 0.0;
      lb_form = BaDualForm::shannon;
      lb_log_lambda = shannon_cache.log_lambda;
    }
    infeasible_at_mu = shannon_cache.infeasible;
    // A query without a warm slope continues from where the phase ended, as if it had just
    // been solved.
    if (s_warm <= 0.0 && shannon_cache.nearest.ok) {
      s_warm = shannon_cache.nearest.s;
      w = shannon_cache.weights;
    }
    return shannon_cache.nearest;
  }

  // The first slope of a cold search: 1/(2(D − D_min)), the slope of R(D) for squared error on a
  // Gaussian (1/(2D)) and within a factor of a few of Hamming's log((1−D)/D) on [0.01, 0.45].
  // Starting at 1/max Δ instead walked up from rates near 0, where the output collapses to a
  // few atoms that the later, larger slopes needed thousands of passes to spread out again.
  double cold_slope() const {
    const double excess = D - p.dot(dmin);
    return excess > 0.0 ? std::min(0.5 / excess, 1e6 / dscale) : 1.0 / dscale;
  }

  // s with E[Δ] = D at fixed μ (TOMS 748 in log s). Returns the evaluation nearest to the target.
  Eval search_slope(double mu, Mode mode) {
    infeasible_at_mu = false;
    Eval nearest, below, above;  // nearest to D overall, and on either side
    double nearest_err = kInf;
    const double dnorm = std::max(D, 1e-12 * dscale);
    inner_slack = 0.0;
    auto f = [&](double x) {
      const Eval e = evaluate(std::exp(x), mu, mode);
      if (!e.ok) return e.ed == -kInf ? -1.0 : 0.0;  // underflow, or stop() is set
      const double err = std::abs(e.ed - D);
      inner_slack = std::min(1e-2 * e.s * err, 1e-4);
      if (err < nearest_err) nearest_err = err, nearest = e;
      if (e.ed <= D && (!below.ok || e.ed > below.ed)) below = e;
      if (e.ed > D && (!above.ok || e.ed < above.ed)) above = e;
      return (e.ed - D) / dnorm;
    };
    const double x_lo = std::log(1e-9 / dscale), x_hi = std::log(1e9 / dscale);
    double x0 = std::clamp(std::log(s_warm > 0.0 ? s_warm : cold_slope()), x_lo, x_hi);
    const double x_start = x0;
    double f0 = f(x0);
    if (stop() || f0 == 0.0) return nearest;
    // The first step: the relative miss of E[Δ] itself when that is smaller (E[Δ] has an
    // elasticity near 1 in s: 1/(2s) for squared error), so that a start already close to the
    // root is not thrown to a distant slope, where the output collapses to a few atoms that the
    // way back needs thousands of passes to spread out again.
    const double step = std::min(s_step, std::max(2.0 * std::abs(f0), 1e-6));
    const SignChange bracket =
        walk_to_sign_change(f, x0, f0, f0 > 0.0 ? step : -step, x_lo, x_hi, [&] { return stop(); });
    if (bracket.outcome == SignChange::aborted) return nearest;
    if (bracket.outcome == SignChange::at_limit) {
      // At the largest slope E[Δ] is still above D: infeasible at this μ. At the smallest it is
      // already below: the rate is near 0 and the pool has the channel.
      if (bracket.limit == x_hi) infeasible_at_mu = true;
      return nearest;
    }
    // Stop once E[Δ] is hit to 1e-10 relative: the pool mixes channels on both sides of D, and
    // the rate moves by s·ΔD, far below any gap target; closer hits only cost evaluations. Stop
    // too once the bracket is 1e-7 wide in log s. The inner solves are inexact (a warm one may
    // be a single pass, and an ε-optimal channel pins E[Δ] only to O(√ε)), so E[Δ] at a fixed
    // s drifts as they converge and a tighter bracket only chases the drift (measured: 40
    // one-pass evaluations at one s). Missing the root by δ in log s costs the dual bound
    // O(s·D·δ²) ≈ 1e-14, and the mixtures of channels on both sides of D bound the rate above.
    refine_sign_change(
        f, bracket,
        [&](double lo, double hi) {
          return stop() || nearest_err <= 1e-10 * dnorm || hi - lo <= 1e-7;
        },
        80);
    // With μ fixed for good (Shannon's phase, P = 0), the bracket can close before the
    // certificate does: each inner solve stops at max_inner_iterations. Then keep iterating at
    // the slopes on either side of D, each evaluation continuing from the current weights, while
    // the gap keeps shrinking (the global budget still applies). Measured on 64-cell Gaussian
    // R(D): at D = 0.1 a 1e-8 gap now closes (it stopped at 1.9e-8), at D = 0.3 a 1e-7 one gets
    // to 1.2e-7 (it stopped at 2.3e-7); Blahut–Arimoto's own slow tail limits the rest.
    for (int round = 0; mode != Mode::tilted && round < 64 && !stop() && below.ok && above.ok;
         ++round) {
      const double before = best_ub - best_lb;
      f(std::log(below.s));
      f(std::log(above.s));
      if (!(best_ub - best_lb < 0.95 * before)) break;
    }
    if (nearest.ok) {
      s_warm = nearest.s;
      s_step = bracket_step(std::log(nearest.s) - x_start);
    }
    return nearest;
  }

  // The first bracketing step of the next search from a warm start (log units): twice the last
  // move, within [0.02, 1]. Steps of 1 cost a sweep of nearby targets ~30 evaluations per point,
  // most of them spent shrinking a bracket far wider than the move.
  static double bracket_step(double last_move) {
    return std::clamp(2.0 * std::abs(last_move), 0.02, 1.0);
  }

  BaResult finish(BaStatus status_if_open, bool keep_mu = true) {
    BaResult r;
    // The next query starts from this one's multipliers (those of the best lower bound).
    if (lb_s > 0.0) s_warm = lb_s;
    if (lb_mu > 0.0 && keep_mu) mu_warm = lb_mu;
    r.iterations = iterations;
    r.evaluations = evaluations;
    r.slope_distortion_bits = lb_s / kLn2;
    r.slope_perception_bits = lb_mu / kLn2;
    if (best_lb > 0.0 && lb_log_lambda.size() == m) {
      // The dual point of the lower bound, over all source rows (rows without mass carry none).
      r.dual.present = true;
      r.dual.form = lb_form;
      r.dual.s_nats = lb_s;
      r.dual.mu_nats = lb_mu;
      r.dual.log_lambda = Eigen::VectorXd::Zero(m_full);
      for (Eigen::Index i = 0; i < m; ++i) r.dual.log_lambda[rows[i]] = lb_log_lambda[i];
    }
    if (best_ub < kInf && !opt.keep_channel && best_ub - best_lb <= gap_target &&
        best_explicit.size() == 0) {
      // Sweeps: the mixture is not materialised. Its rate is bounded by Σ α_k I(W_k) (I is convex
      // in the channel), each I(W_k) = base − Σ_j q_j log c_j − s E_k[Δ] being the channel's
      // exact rate from its own pass; E[Δ] is linear, and d is recomputed from the mixed output.
      // That saves m·n exponentials and logarithms per query, half of a 256-cell surface. Where
      // that bound misses the gap (near R = 0 on flat duals the mixture's own I is far below
      // Σ α_k I_k), the mixture is materialised and audited as for a single query.
      double ed = 0.0;
      std::vector<std::pair<const PoolEntry*, double>> parts;
      for (const auto& [idx, alpha] : best_mix) {
        ed += alpha * best_parts[idx].ed;
        parts.emplace_back(&best_parts[idx], alpha);
      }
      const double phi = mixture_phi(parts);
      r.upper_bits = std::max(best_ub / kLn2, 0.0);
      r.distortion_achieved = ed;
      r.perception_achieved = phi;
      if (!(ed <= D + tol_d) || !(phi <= P + tol_p)) {
        r.status = BaStatus::numerical_failure;
        r.message = "the mixture misses the targets (E[Δ] " + format_number(ed) + ", d " +
                    format_number(phi) + ")";
      }
    } else if (best_ub < kInf) {
      const Eigen::MatrixXd ch = best_explicit.size() > 0 ? best_explicit : best_mixture_channel();
      const Audit a = audit(ch);
      r.upper_bits = std::max(a.info_bits, 0.0);
      r.distortion_achieved = a.ed;
      r.perception_achieved = a.phi;
      if (opt.keep_channel) r.channel = ch, r.output_pmf = a.output;
      if (!(a.ed <= D + tol_d) || !(a.phi <= P + tol_p) || !std::isfinite(a.info_bits)) {
        r.status = BaStatus::numerical_failure;
        r.message = "the recomputed channel misses the targets (E[Δ] " + format_number(a.ed) +
                    ", d " + format_number(a.phi) + ")";
      }
    } else {
      r.upper_bits = kInf;
    }
    r.lower_bits = std::max(best_lb / kLn2, 0.0);
    r.gap_bits = r.upper_bits - r.lower_bits;
    r.rate_bits = std::isfinite(r.upper_bits) ? 0.5 * (r.lower_bits + r.upper_bits) : r.lower_bits;
    if (!r.message.empty()) return r;
    if (failed || (underflow && !(best_ub < kInf))) {
      r.status = BaStatus::numerical_failure;
      r.message = failure;
    } else if (r.gap_bits <= opt.gap_bits * (1.0 + 1e-9)) {
      r.status = BaStatus::converged;
      r.message = "certified gap " + format_number(r.gap_bits) + " bits";
    } else {
      r.status = status_if_open;
      if (r.message.empty())
        r.message =
            status_if_open == BaStatus::infeasible
                ? "no channel found meeting the targets"
                : (out_of_time ? "time budget of " + format_number(opt.max_seconds) + " s ran out: "
                               : std::string()) +
                      "gap " + format_number(r.gap_bits) + " bits after " +
                      std::to_string(iterations) + " iterations";
    }
    return r;
  }

  BaResult exact(const Eigen::MatrixXd& ch, const std::string& why) {
    const Audit a = audit(ch);
    BaResult r;
    r.status = BaStatus::converged;
    r.message = why;
    r.lower_bits = r.upper_bits = r.rate_bits = std::max(a.info_bits, 0.0);
    r.distortion_achieved = a.ed;
    r.perception_achieved = a.phi;
    if (opt.keep_channel) r.channel = ch, r.output_pmf = a.output;
    return r;
  }

  BaResult infeasible(const std::string& why) {
    BaResult r;
    r.status = BaStatus::infeasible;
    r.message = why;
    r.lower_bits = r.upper_bits = r.rate_bits = kInf;
    r.gap_bits = 0.0;
    return r;
  }

  BaResult solve(double dist, double perc) {
    require_nonnegative("D", dist);
    if (has_perc) require_nonnegative("P", perc);
    D = dist;
    P = has_perc ? perc : kInf;
    tol_d = opt.constraint_tolerance * std::max(D, dscale);
    tol_p = opt.constraint_tolerance * std::max(has_perc ? P : 0.0, 1.0);
    gap_target = opt.gap_bits * kLn2;
    best_lb = 0.0;  // I >= 0 always
    best_ub = kInf;
    pool.clear();
    best_mix.clear();
    best_parts.clear();
    best_explicit.resize(0, 0);
    lb_s = lb_mu = 0.0;
    shannon_lb = shannon_lb_s = 0.0;
    iterations = 0;
    evaluations = 0;
    failed = limit = underflow = false;
    // Blahut–Arimoto never revives a zero weight, so a warm start is mixed with a little of the
    // uniform pmf. Little: at low rates re-absorbing a 10% share took thousands of passes, and
    // the slope searches re-spread the weights themselves when s jumps (evaluate()).
    w = (1.0 - 1e-6) * w + Eigen::VectorXd::Constant(n, 1e-6 / double(n));
    w /= w.sum();
    gbar.setZero();
    inner_slack = 0.0;

    const double d_min = p.dot(dmin);
    if (D < d_min - tol_d)
      return infeasible("D = " + format_number(D) + " is below the least expected distortion " +
                        format_number(d_min));
    if (has_perc && P < pb.perception->minimum_value() - tol_p)
      return infeasible("P = " + format_number(P) + " is below the least divergence " +
                        format_number(pb.perception->minimum_value()));

    // R = 0 without iteration: a constant channel (I = 0) whose output q minimises E[Δ] = ⟨a,q⟩
    // over the perception ball.
    {
      Eigen::VectorXd a = pb.distortion.transpose() * pb.source_pmf;
      Eigen::MatrixXd ch = Eigen::MatrixXd::Zero(m_full, n);
      if (!has_perc) {
        Eigen::Index j = 0;
        if (a.minCoeff(&j) <= D) {
          ch.col(j).setOnes();
          return exact(ch, "R = 0: a constant reconstruction meets D");
        }
      } else {
        Eigen::VectorXd acell = Eigen::VectorXd::Constant(ncell, kInf);
        std::vector<Eigen::Index> rep(ncell, 0);
        for (Eigen::Index j = 0; j < n; ++j)
          if (a[j] < acell[pb.cell_of[j]]) acell[pb.cell_of[j]] = a[j], rep[pb.cell_of[j]] = j;
        Eigen::VectorXd qlm(ncell);
        if (pb.perception->linear_minimizer(acell, P, qlm) && acell.dot(qlm) <= D &&
            pb.perception->value(qlm) <= P + tol_p) {
          for (Eigen::Index kk = 0; kk < ncell; ++kk) ch.col(rep[kk]).setConstant(qlm[kk]);
          return exact(ch, "R = 0: a constant channel meets D and P");
        }
      }
    }
    // D at its minimum: the channel must send every x to a nearest point; unique nearest points
    // leave exactly one channel.
    if (D <= d_min + tol_d) {
      Eigen::MatrixXd ch = Eigen::MatrixXd::Zero(m_full, n);
      bool unique = true;
      for (Eigen::Index i = 0; i < m_full; ++i) {
        Eigen::Index j = 0;
        const double lo = pb.distortion.row(i).minCoeff(&j);
        if (pb.source_pmf[i] > 0.0 && ((pb.distortion.row(i).array() <= lo).count() > 1))
          unique = false;
        ch(i, j) = 1.0;
      }
      if (unique) {
        BaResult r = exact(ch, "D at its minimum: the nearest-point map is the only channel");
        if (r.perception_achieved > P + tol_p)
          return infeasible("D at its minimum forces d = " + format_number(r.perception_achieved) +
                            " > P");
        return r;
      }
    }

    // In a sweep whose previous point had the perception constraint active, it is most likely
    // active here too: go straight to the multiplier search from the previous multipliers. The
    // Shannon solve below would cost thousands of passes at low rate only to learn that its
    // output misses P. If the search does not close the certificate, the full path follows.
    const bool cached = has_perc && shannon_cache.valid && shannon_cache.D == D;
    if (!cached && has_perc && P > tol_p && mu_warm > 0.0 && s_warm > 0.0 && search_multiplier())
      return finish(BaStatus::iteration_limit);
    // μ = 0: Shannon's R(D). If its channel meets P the perception constraint is inactive.
    auto inactive = [&](const Eval& e) { return e.ok && e.phi <= P + tol_p && e.ed <= D + tol_d; };
    Eval e0;
    if (cached) e0 = restore_shannon();
    // A remembered phase that another P's certificate cut short may be too loose to certify
    // R(D) here: then solve it again.
    if (!cached || (!stop() && inactive(e0))) {
      e0 = search_slope(0.0, Mode::shannon);
      if (has_perc && !limit && !failed) remember_shannon(e0);
    }
    // The perception constraint is inactive only if the Shannon channel meets both targets: where
    // the Lagrangian has several minimisers (R(D) = 0 at small s) the evaluation nearest to D can
    // miss it, and concluding from its perception alone would stop without an upper bound.
    if (stop() || !has_perc || inactive(e0)) {
      // R(D,P) = R(D) here: the next query's multiplier search must not start from the μ of a
      // polished bound (near 0 there), where the tilted solves are as slow as Shannon's.
      mu_warm = -1.0;
      return finish(infeasible_at_mu ? BaStatus::infeasible : BaStatus::iteration_limit, false);
    }

    if (P <= tol_p && zero_point.size() > 0) {
      // P = 0: the output must be the zero point; Sinkhorn-scale the output marginal.
      w = Eigen::VectorXd::Zero(n);
      for (Eigen::Index j = 0; j < n; ++j) w[j] = zero_point[pb.cell_of[j]] + 1e-300;
      w /= w.sum();
      search_slope(0.0, Mode::marginal);
      return finish(infeasible_at_mu ? BaStatus::infeasible : BaStatus::iteration_limit);
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
    if (search_multiplier()) return finish(BaStatus::iteration_limit);
    maximise_dual();
    // Also when a budget ran out: the polish costs no Blahut–Arimoto passes.
    if (!failed && best_ub - best_lb > gap_target) polish_dual_jointly();
    if (!failed && best_ub - best_lb > gap_target) polish_primal_jointly();
    return finish(BaStatus::iteration_limit);
  }

  // The primal counterpart of polish_dual_jointly, for tiny problems (m·n <= 64): near R = 0 on
  // a flat dual (TV), the Blahut–Arimoto channels at the multipliers tried can all be far from
  // optimal while their mixtures still miss the gap, and which ones a search meets depends on
  // its path (measured: 2 of the 2500 Bernoulli–TV grid points, R ≈ 1e-4 bits, stuck 5e-5 bits
  // above R after 400k passes). So minimise I(W) over the channel itself, rows in softmax
  // coordinates, subject to E[Δ] <= D and d <= P, with NLopt's COBYLA (derivative-free, for
  // TV's kinks) from the best mixture. Any channel it returns is audited like every other.
  void polish_primal_jointly() {
    if (!has_perc || m_full * n > 64 || !(best_ub < kInf) || best_mix.empty()) return;
    const Eigen::MatrixXd start = best_mixture_channel();
    const unsigned dim = static_cast<unsigned>(m * n);
    std::vector<double> x(dim);
    for (Eigen::Index r = 0; r < m; ++r)
      for (Eigen::Index j = 0; j < n; ++j)
        x[r * n + j] = std::log(std::max(start(rows[r], j), 1e-30));
    Eigen::MatrixXd ch = start;
    auto build = [&](const double* xs) {
      for (Eigen::Index r = 0; r < m; ++r) {
        double top = -kInf;
        for (Eigen::Index j = 0; j < n; ++j) top = std::max(top, xs[r * n + j]);
        double total = 0.0;
        for (Eigen::Index j = 0; j < n; ++j) total += std::exp(xs[r * n + j] - top);
        for (Eigen::Index j = 0; j < n; ++j) ch(rows[r], j) = std::exp(xs[r * n + j] - top) / total;
      }
      return audit(ch);
    };
    struct Context {
      Impl* self;
      decltype(build)* make;
      const Eigen::MatrixXd* current;  // the channel `make` just built
      double best;
      Eigen::MatrixXd best_channel;
    } ctx{this, &build, &ch, best_ub, {}};
    auto objective = [](unsigned, const double* xs, double*, void* data) {
      auto* c = static_cast<Context*>(data);
      const Audit a = (*c->make)(xs);
      const double info = a.info_bits * kLn2;
      if (a.ed <= c->self->D + c->self->tol_d && a.phi <= c->self->P + c->self->tol_p &&
          info < c->best)
        c->best = info, c->best_channel = *c->current;
      return info;
    };
    auto distortion_excess = [](unsigned, const double* xs, double*, void* data) {
      auto* c = static_cast<Context*>(data);
      return (*c->make)(xs).ed - c->self->D;
    };
    auto perception_excess = [](unsigned, const double* xs, double*, void* data) {
      auto* c = static_cast<Context*>(data);
      return (*c->make)(xs).phi - c->self->P;
    };
    nlopt::opt opt_primal(nlopt::LN_COBYLA, dim);
    opt_primal.set_min_objective(objective, &ctx);
    opt_primal.add_inequality_constraint(distortion_excess, &ctx, 0.0);
    opt_primal.add_inequality_constraint(perception_excess, &ctx, 0.0);
    opt_primal.set_xtol_abs(1e-12);
    opt_primal.set_maxeval(2000 * static_cast<int>(dim));
    opt_primal.set_initial_step(0.05);
    double found = 0.0;
    try {
      opt_primal.optimize(x, found);
    } catch (const std::exception&) {
    }
    if (ctx.best < best_ub && ctx.best_channel.size() > 0) {
      best_ub = ctx.best;
      best_explicit = ctx.best_channel;
    }
  }

  // argmax of a unimodal f on the real line near x0, by Brent's method on a window that slides
  // until the maximiser is interior. Returns the maximiser.
  template <class F>
  double maximise_unimodal(F f, double x0, double half_width, double lo, double hi) {
    double a = std::max(x0 - half_width, lo), b = std::min(x0 + half_width, hi);
    double best_x = x0;
    for (int slide = 0; slide < 8 && !stop(); ++slide) {
      std::uintmax_t iters = 60;
      const auto r =
          boost::math::tools::brent_find_minima([&](double x) { return -f(x); }, a, b, 40, iters);
      best_x = r.first;
      const double edge = 1e-3 * (b - a);
      if (best_x - a < edge && a > lo) {
        b = a + edge, a = std::max(a - 2.0 * half_width, lo);
      } else if (b - best_x < edge && b < hi) {
        a = b - edge, b = std::min(b + 2.0 * half_width, hi);
      } else {
        break;
      }
    }
    return best_x;
  }

  // μ with φ(W*(s(μ), μ)) = P, s(μ) from search_slope (TOMS 748 in log μ, bracketed by doubling
  // steps from the warm start). True when the certificate closed; on a jump, an infeasible slope
  // search or an exhausted budget it returns false and the caller maximises the dual instead
  // (every evaluation made here still counts for both bounds).
  bool search_multiplier() {
    const double budget_share = 0.5;  // of max_evaluations, so the fallback keeps room
    const int stop_at = evaluations + static_cast<int>(budget_share * opt.max_evaluations);
    bool broken = false;
    auto g = [&](double y) {
      if (broken || stop() || evaluations >= stop_at) return broken = true, 0.0;
      const Eval e = search_slope(std::exp(y), Mode::tilted);
      if (!e.ok || infeasible_at_mu || !(std::abs(e.ed - D) <= 1e-3 * std::max(D, 1e-12 * dscale)))
        return broken = true, 0.0;
      mu_warm = std::exp(y);
      return (e.phi - P) / std::max(P, 1e-12);
    };
    const double y_lo = -40.0, y_hi = 40.0;
    double y0 = std::clamp(std::log(mu_warm > 0.0 ? mu_warm : 1.0), y_lo, y_hi);
    const double y_start = y0;
    // Whatever way the search ends, the next one steps from what this one moved.
    struct StepMemory {
      Impl& self;
      double start;
      ~StepMemory() {
        if (self.mu_warm > 0.0) self.mu_step = bracket_step(std::log(self.mu_warm) - start);
      }
    } memory{*this, y_start};
    double g0 = g(y0);
    if (broken || stop()) return stop();
    // φ above P: raise μ. The first step is at most the relative miss, as for the slope.
    const double step = std::min(mu_step, std::max(2.0 * std::abs(g0), 1e-4));
    const SignChange bracket = walk_to_sign_change(g, y0, g0, g0 > 0.0 ? step : -step, y_lo, y_hi,
                                                   [&] { return broken || stop(); });
    if (bracket.outcome != SignChange::found) return stop();
    if (!refine_sign_change(
            g, bracket, [&](double lo, double hi) { return broken || stop() || hi - lo <= 1e-13; },
            60))
      return false;
    return stop();
  }

  void maximise_dual() {
    inner_slack = 0.0;  // every dual value must be accurate here
    const double x_lo = std::log(1e-9 / dscale), x_hi = std::log(1e9 / dscale);
    const double y_lo = -40.0, y_hi = 40.0;
    double x_best = std::clamp(std::log(s_warm > 0.0 ? s_warm : cold_slope()), x_lo, x_hi);
    const double y0 = std::log(mu_warm > 0.0 ? mu_warm : 1.0);
    // ψ is jointly concave in (s, μ), so max over s is concave in μ; both searches only need
    // unimodality, which survives the log reparametrisation.
    auto over_s = [&](double y) {
      double value = -kInf;
      const double mu = std::exp(y);
      x_best = maximise_unimodal(
          [&](double x) {
            const Eval e = evaluate(std::exp(x), mu, Mode::tilted);
            if (e.ok) value = std::max(value, e.lb);
            return e.ok ? e.lb : -1e300;
          },
          x_best, 1.0, x_lo, x_hi);
      return value;
    };
    const double y = maximise_unimodal(over_s, y0, 2.0, y_lo, y_hi);
    s_warm = std::exp(x_best);
    mu_warm = std::exp(y);
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
  // Beyond 1e9 s (32 years) the deadline would overflow the clock's nanosecond count; no budget.
  impl_->timed = full.max_seconds < 1e9;
  impl_->out_of_time = false;
  if (impl_->timed)
    impl_->deadline = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(full.max_seconds));
  BaOptions warm_options = full;
  warm_options.max_iterations = std::max(1L, full.max_iterations / 20);
  impl_->opt = warm_options;
  BaResult warm;
  try {
    warm = impl_->solve(distortion, perception);
  } catch (...) {
    impl_->opt = full;
    throw;
  }
  impl_->opt = full;
  // Out of time, a cold restart could only hit the same deadline at once.
  if (warm.status == BaStatus::converged || warm.status == BaStatus::infeasible ||
      impl_->out_of_time)
    return warm;
  impl_->w.setConstant(1.0 / double(impl_->n));
  impl_->s_warm = impl_->mu_warm = -1.0;
  impl_->s_step = impl_->mu_step = 1.0;
  // Truly cold: a remembered R(D) would steer the retry down the path that just failed.
  impl_->shannon_cache.valid = false;
  impl_->prev_eval_s = -1.0;
  impl_->prox_state.resize(0);
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
  return merge_ba_attempts(std::move(warm), std::move(cold), full.gap_bits);
}

const FiniteRdpProblem& BaSolver::problem() const { return impl_->pb; }
const BaOptions& BaSolver::options() const { return impl_->opt; }
void BaSolver::set_options(const BaOptions& options) {
  options.validate();
  impl_->opt = options;
  impl_->shannon_cache.valid = false;  // it was solved to the old gap
}

BaResult solve_rdp_ba(const FiniteRdpProblem& problem, double distortion, double perception,
                      const BaOptions& options) {
  BaSolver solver(problem, options);
  return solver.solve(distortion, perception);
}

}  // namespace rdp
