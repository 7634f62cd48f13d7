#include "iterate.hpp"

#include <algorithm>
#include <cmath>

#include "rdp/error.hpp"
#include "rdp/solvers/ba/detail/kernel.hpp"

namespace rdp::ba {

PassState::PassState(Eigen::Index m, Eigen::Index n, Eigen::Index ncell) {
  z.resize(m);
  v.resize(m);
  c.resize(n);
  q.resize(n);
  logc.resize(n);
  qc.resize(ncell);
  ellc.resize(ncell);
  repaired.log_m.resize(m);
  repaired.v.resize(m);
  repaired.c.resize(n);
  repaired.log_m2.resize(m);
  repaired.v2.resize(m);
  repaired.c2.resize(n);
}

Iterate::Iterate(Eigen::Index m, Eigen::Index n, Eigen::Index ncell) : pass(m, n, ncell) {
  w = Eigen::VectorXd::Constant(n, 1.0 / double(n));
  tilt.gbar = Eigen::VectorXd::Zero(n);
  tilt.gc.resize(ncell);
  w0.resize(n);
  w1.resize(n);
  w2.resize(n);
  wx.resize(n);
}

namespace {

// What every pass does after its products: q, the count, and the underflow check.
bool finish_pass(const ScaledKernel& kernel, Iterate& it, Budget& budget) {
  PassState& ps = it.pass;
  ++budget.iterations;
  ps.repaired.valid = false;
  ps.q = it.w.cwiseProduct(ps.c);
  if (!(ps.z.minCoeff() > 1e-290) || !ps.c.allFinite()) {
    // Too sharp a kernel for this slope: the evaluation is discarded (the searches treat it as
    // "slope too large"); the query only fails if nothing else works.
    budget.underflow = true;
    budget.failure = "kernel underflow at slope s = " + format_number(kernel.slope) +
                     " (distortions too sharp for the scaled kernel); raise D or coarsen the grid";
    return false;
  }
  return true;
}

}  // namespace

bool pass(const ProblemData& data, const ScaledKernel& kernel, Iterate& it, Budget& budget) {
  PassState& ps = it.pass;
  detail::fused_kernel_pass(kernel.k.data(), data.m, data.n, it.w.data(), data.p.data(),
                            ps.z.data(), ps.v.data(), ps.c.data());
  return finish_pass(kernel, it, budget);
}

bool fft_pass(const ProblemData& data, const ScaledKernel& kernel, Iterate& it, Budget& budget) {
  PassState& ps = it.pass;
  fft_kernel_pass(kernel.spectra, kernel.k.data(), it.w.data(), data.p.data(), ps.z.data(),
                  ps.v.data(), ps.c.data(), ps.fft);
  return finish_pass(kernel, it, budget);
}

double conjugate_term(const ProblemData& data, double slope, double mu, Mode mode, PassState& ps) {
  const Eigen::Index m = data.m, n = data.n;
  ps.base = 0.0;
  for (Eigen::Index i = 0; i < m; ++i)
    ps.base += data.p[i] * (slope * data.dmin[i] - std::log(ps.z[i]));
  for (Eigen::Index j = 0; j < n; ++j) ps.logc[j] = std::log(ps.c[j]);
  if (!data.has_perc) return ps.logc.maxCoeff();
  ps.ellc.setConstant(-kInf);
  for (Eigen::Index j = 0; j < n; ++j)
    ps.ellc[data.pb.cell_of[j]] = std::max(ps.ellc[data.pb.cell_of[j]], ps.logc[j]);
  if (mode == Mode::marginal) return ps.ellc.dot(data.zero_point);
  if (mode == Mode::shannon) return ps.ellc.maxCoeff();
  return data.pb.perception->perspective_conjugate(ps.ellc, mu);
}

double lagrangian_gap(const ProblemData& data, double slope, double mu, Mode mode, PassState& ps) {
  const double conj = conjugate_term(data, slope, mu, mode, ps);
  double ub = -ps.q.dot(ps.logc);
  if (mode == Mode::tilted) {
    data.merge_to_cells(ps.q, ps.qc);
    ub += mu * data.pb.perception->value(ps.qc);
  }
  ps.objective = ps.base + ub;
  ps.conjugate = conj;
  if (mode == Mode::marginal) {
    data.merge_to_cells(ps.q, ps.qc);
    const double spread = ps.ellc.maxCoeff() - ps.ellc.minCoeff();
    return std::abs(ub - (-conj)) + (ps.qc - data.zero_point).cwiseAbs().sum() * (1.0 + spread);
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
double repaired_shannon_conjugate(const ProblemData& data, const ScaledKernel& kernel,
                                  PassState& ps) {
  const Eigen::Index m = data.m, n = data.n;
  RepairedDual& rep = ps.repaired;
  // Once per pass: the inner loop's last check and evaluate() ask for the same pass.
  if (rep.valid) return rep.conjugate;
  constexpr double tau = 1e-2;
  double shift = detail::repair_rows(kernel.k.data(), m, n, ps.c.data(), data.p.data(), ps.v.data(),
                                     tau, rep.log_m.data(), rep.v.data(), rep.c.data());
  shift += detail::repair_rows(kernel.k.data(), m, n, rep.c.data(), data.p.data(), rep.v.data(),
                               tau, rep.log_m2.data(), rep.v2.data(), rep.c2.data());
  rep.log_m += rep.log_m2;
  rep.valid = true;
  rep.conjugate = shift + std::log(rep.c2.maxCoeff());
  return rep.conjugate;
}

// Next weights. Blahut's step predicts the next output as y = q ⊙ c (the output of the channel
// with weights q); the perception enters through the entropic prox of that prediction,
//   u = argmin_u KL(u ‖ y) + μ φ(u),
// and the new weights are w' = u ⊘ c, so the next channel's output is u to first order. At a
// fixed point u = q and c·exp(−μ g(q)) is constant with g ∈ ∂φ(q): exactly the stationarity
// condition of the Lagrangian. With φ = 0 this is Blahut's step (w' = q); with φ the indicator
// of the zero point it is Sinkhorn's scaling (w' = p̃ ⊘ c), used for P = 0.
void update_weights(const ProblemData& data, double mu, Mode mode, Iterate& it) {
  const Eigen::Index n = data.n;
  const FiniteRdpProblem& pb = data.pb;
  const Eigen::VectorXd &q = it.pass.q, &c = it.pass.c;
  Eigen::VectorXd &w = it.w, &wx = it.wx, &qc = it.pass.qc, &gc = it.tilt.gc;
  Eigen::VectorXd& gbar = it.tilt.gbar;
  const double theta = it.tilt.theta;
  if (mode == Mode::shannon || (mode == Mode::tilted && mu == 0.0)) {
    w = q;
  } else if (mode == Mode::tilted && !pb.perception->exact_prox()) {
    // No exact prox (a general transport cost matrix, or a user's divergence; TV, both KLs
    // and the line transports have one): the linearised step with the tilt taken from a
    // running average of subgradients at the predicted output. The average's weight θ is
    // halved whenever the fixed-multiplier gap grows, which tames the oscillation of
    // subgradients at kinks and of steep gradients near empty cells.
    for (Eigen::Index j = 0; j < n; ++j) wx[j] = q[j] * c[j];
    data.merge_to_cells(wx, qc);
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
    data.merge_to_cells(wx, qc);
    if (mode == Mode::marginal)
      gc = data.zero_point;
    else
      pb.perception->prox_warm(qc, mu, gc, it.prox_state);
    for (Eigen::Index j = 0; j < n; ++j) {
      const int cell = pb.cell_of[j];
      w[j] = qc[cell] > 0.0 ? wx[j] * (gc[cell] / qc[cell]) / c[j] : 0.0;
    }
  }
  const double total = w.sum();
  if (total > 0.0 && std::isfinite(total)) w /= total;
}

void log_lambda_of_pass(const ProblemData& data, double slope, const PassState& ps, bool repaired,
                        Eigen::VectorXd& out) {
  const Eigen::Index m = data.m;
  out.resize(m);
  for (Eigen::Index i = 0; i < m; ++i)
    out[i] = slope * data.dmin[i] - std::log(ps.z[i]) - (repaired ? ps.repaired.log_m[i] : 0.0);
}

double lower_bound_at(const PassState& ps, double slope, const Query& query, double mu,
                      double conj) {
  // μ = 0 with no perception constraint (P = ∞) must not make 0·∞ = NaN.
  return ps.base - conj - slope * query.D - (mu > 0.0 ? mu * query.P : 0.0);
}

}  // namespace rdp::ba
