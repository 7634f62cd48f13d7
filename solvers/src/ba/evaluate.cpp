// One evaluation at fixed multipliers: the inner solve and what it adds to both bounds.
#include <algorithm>
#include <cmath>

#include "channel.hpp"
#include "engine.hpp"
#include "inner.hpp"
#include "polish.hpp"
#include "rdp/solvers/ba/detail/kernel.hpp"

namespace rdp::ba {

namespace {

// Weights that decayed to zero at another slope can never come back under Blahut's
// multiplicative step, and weights that decayed to 1e-12 take thousands of passes to regrow
// (each pass multiplies them by c_j, barely above 1). At small slopes the optimal output is
// often a few atoms, so a search that moves s upwards must re-spread the weights: a share of
// the uniform pmf that grows with the jump |Δ log s| (0.1 per unit of log s, capped at 0.5;
// measured on the discretised Gaussian, where it cut a D = 0.3 query from 127k passes and no
// convergence to 10k passes and a 3e-8 bit gap), and 1e-9 for the small steps of a root
// search, which keeps every point reachable without undoing the warm start.
void respread_weights(Eigen::VectorXd& w, double s, Eigen::Index n, WarmStart& warm) {
  const double jump = warm.prev_eval_s > 0.0 ? std::abs(std::log(s / warm.prev_eval_s)) : 0.0;
  const double eta = std::clamp(0.1 * jump, 1e-9, 0.5);
  w = (1.0 - eta) * w + Eigen::VectorXd::Constant(n, eta / double(n));
  warm.prev_eval_s = s;
}

// The dual function's value ψ(s, μ) at the last pass's λ (nats), recorded in the lower bounds
// when it beats them.
double record_lower_bound(Engine& en, double s, double mu, Mode mode) {
  const ProblemData& data = en.data;
  PassState& ps = en.it.pass;
  LowerBound& lower = en.bounds.lower;
  const double slope = en.kernel.slope;
  const double conj = conjugate_term(data, slope, mu, mode, ps);
  double lb = lower_bound_at(ps, slope, en.query, mode == Mode::tilted ? mu : 0.0, conj);
  bool repaired = false;
  if (mode == Mode::shannon) {
    const double lb_repaired =
        lower_bound_at(ps, slope, en.query, 0.0, repaired_shannon_conjugate(data, en.kernel, ps));
    if (lb_repaired > lb) lb = lb_repaired, repaired = true;
  }
  if (lb > lower.lb) {
    lower.lb = lb;
    lower.s = s;
    lower.mu = mode == Mode::tilted ? mu : 0.0;
    lower.form = mode == Mode::tilted     ? BaDualForm::tilted
                 : mode == Mode::marginal ? BaDualForm::perfect_realism
                                          : BaDualForm::shannon;
    log_lambda_of_pass(data, slope, ps, repaired, lower.log_lambda);
  }
  if (mode == Mode::shannon && lb > lower.shannon_lb) {
    lower.shannon_lb = lb;
    lower.shannon_s = s;
    log_lambda_of_pass(data, slope, ps, repaired, lower.shannon_log_lambda);
  }
  return lb;
}

}  // namespace

Eval evaluate(Engine& en, double s, double mu, Mode mode, double inner_slack) {
  const ProblemData& data = en.data;
  const Eigen::Index m = data.m, n = data.n;
  Budget& budget = en.budget;
  Iterate& it = en.it;
  PassState& ps = it.pass;
  Eval e;
  e.s = s;
  e.mu = mu;
  if (en.stop()) return e;
  if (++budget.evaluations > en.opt.max_evaluations) {
    budget.limit = true;
    return e;
  }
  if (en.opt.on_progress)
    en.opt.on_progress({budget.iterations, budget.evaluations,
                        std::max(en.bounds.lower.lb / kLn2, 0.0), en.bounds.upper.ub / kLn2});
  en.kernel.set_slope(s, data.excess);
  respread_weights(it.w, s, n, en.warm);
  it.w_safe = it.w;
  if (!inner(data, en.kernel, en.opt, en.query.gap_target, inner_slack, mu, mode, it, budget)) {
    it.w = it.w_safe;
    if (!(it.w.array() > 0.0).any()) it.w.setConstant(1.0 / double(n));
    e.ed = -kInf;  // read as "E[Δ] below D": the slope is too large
    return e;
  }
  // e.lb stays the dual function ψ(s, μ) itself (concave, what the multiplier search climbs);
  // the polished bound only feeds the certificate.
  e.lb = record_lower_bound(en, s, mu, mode);
  if (mode != Mode::marginal && data.has_perc)
    polish_lower_bound(data, en.query, en.kernel.slope, ps, mu > 0.0 ? mu : 1.0, en.bounds.lower);
  e.ed =
      detail::weighted_trilinear(en.kernel.k.data(), data.d.data(), m, n, it.w.data(), ps.v.data());
  const double info = ps.base - ps.q.dot(ps.logc) - s * e.ed;  // I(W) in nats
  if (data.has_perc) {
    data.merge_to_cells(ps.q, ps.qc);
    e.phi = data.pb.perception->value(ps.qc);
  } else {
    e.phi = 0.0;
  }
  e.ok = true;
  if (!std::isfinite(info) || !std::isfinite(e.ed) || std::isnan(e.phi)) return e;
  PoolEntry entry;
  entry.w = it.w, entry.q = ps.q, entry.s = s, entry.info = std::max(info, 0.0), entry.ed = e.ed;
  entry.phi = e.phi;
  if (mode == Mode::marginal) {
    // The Sinkhorn channel only approaches the marginal; audit its rounding instead.
    const Audit a = audit(data, channel_of(data, it.w, s, true));
    entry.marginal = true;
    entry.info = a.info_bits * kLn2, entry.ed = e.ed = a.ed, entry.phi = e.phi = a.phi;
    entry.q = Eigen::VectorXd::Zero(n);
    for (Eigen::Index j = 0; j < n; ++j) entry.q[j] = a.output[j];
  }
  en.pool.add(std::move(entry), data, en.query, en.bounds.upper);
  return e;
}

}  // namespace rdp::ba
