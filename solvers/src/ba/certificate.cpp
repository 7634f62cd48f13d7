#include "certificate.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "channel.hpp"
#include "rdp/error.hpp"

namespace rdp::ba {

namespace {

// The upper bound of a sweep, whose mixture is not materialised. Its rate is bounded by
// Σ α_k I(W_k) (I is convex in the channel), each I(W_k) = base − Σ_j q_j log c_j − s E_k[Δ]
// being the channel's exact rate from its own pass; E[Δ] is linear, and d is recomputed from the
// mixed output. That saves m·n exponentials and logarithms per query, half of a 256-cell
// surface.
void certify_mixture_bound(const ProblemData& data, const Query& query, const UpperBound& upper,
                           BaResult& r) {
  double ed = 0.0;
  MixtureParts parts;
  for (const auto& [idx, alpha] : upper.mix) {
    ed += alpha * upper.parts[idx].ed;
    parts.emplace_back(&upper.parts[idx], alpha);
  }
  Eigen::VectorXd q(data.n), cells(data.ncell);
  const double phi = mixture_phi(data, parts, q, cells);
  r.upper_bits = std::max(upper.ub / kLn2, 0.0);
  r.distortion_achieved = ed;
  r.perception_achieved = phi;
  if (!(ed <= query.D + query.tol_d) || !(phi <= query.P + query.tol_p)) {
    r.status = BaStatus::numerical_failure;
    r.message = "the mixture misses the targets (E[Δ] " + format_number(ed) + ", d " +
                format_number(phi) + ")";
  }
}

// The upper bound of an explicit channel (the mixture, or the primal polish's), audited.
void certify_channel_bound(const ProblemData& data, const Query& query, const BaOptions& opt,
                           const UpperBound& upper, BaResult& r) {
  const Eigen::MatrixXd ch =
      upper.explicit_channel.size() > 0 ? upper.explicit_channel : mixture_channel(data, upper);
  const Audit a = audit(data, ch);
  r.upper_bits = std::max(a.info_bits, 0.0);
  r.distortion_achieved = a.ed;
  r.perception_achieved = a.phi;
  if (opt.keep_channel) r.channel = ch, r.output_pmf = a.output;
  if (!(a.ed <= query.D + query.tol_d) || !(a.phi <= query.P + query.tol_p) ||
      !std::isfinite(a.info_bits)) {
    r.status = BaStatus::numerical_failure;
    r.message = "the recomputed channel misses the targets (E[Δ] " + format_number(a.ed) + ", d " +
                format_number(a.phi) + ")";
  }
}

BaResult exact(const ProblemData& data, const BaOptions& opt, const Eigen::MatrixXd& ch,
               const std::string& why) {
  const Audit a = audit(data, ch);
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

// R = 0 without iteration: a constant channel (I = 0) whose output q minimises E[Δ] = ⟨a,q⟩
// over the perception ball.
std::optional<BaResult> zero_rate(const ProblemData& data, const Query& query,
                                  const BaOptions& opt) {
  const FiniteRdpProblem& pb = data.pb;
  const Eigen::Index n = data.n, ncell = data.ncell;
  const double D = query.D, P = query.P;
  Eigen::VectorXd a = pb.distortion.transpose() * pb.source_pmf;
  Eigen::MatrixXd ch = Eigen::MatrixXd::Zero(data.m_full, n);
  if (!data.has_perc) {
    Eigen::Index j = 0;
    if (a.minCoeff(&j) <= D) {
      ch.col(j).setOnes();
      return exact(data, opt, ch, "R = 0: a constant reconstruction meets D");
    }
  } else {
    Eigen::VectorXd acell = Eigen::VectorXd::Constant(ncell, kInf);
    std::vector<Eigen::Index> rep(ncell, 0);
    for (Eigen::Index j = 0; j < n; ++j)
      if (a[j] < acell[pb.cell_of[j]]) acell[pb.cell_of[j]] = a[j], rep[pb.cell_of[j]] = j;
    Eigen::VectorXd qlm(ncell);
    if (pb.perception->linear_minimizer(acell, P, qlm) && acell.dot(qlm) <= D &&
        pb.perception->value(qlm) <= P + query.tol_p) {
      for (Eigen::Index kk = 0; kk < ncell; ++kk) ch.col(rep[kk]).setConstant(qlm[kk]);
      return exact(data, opt, ch, "R = 0: a constant channel meets D and P");
    }
  }
  return std::nullopt;
}

// D at its minimum: the channel must send every x to a nearest point; unique nearest points
// leave exactly one channel.
std::optional<BaResult> least_distortion(const ProblemData& data, const Query& query,
                                         const BaOptions& opt) {
  const FiniteRdpProblem& pb = data.pb;
  Eigen::MatrixXd ch = Eigen::MatrixXd::Zero(data.m_full, data.n);
  bool unique = true;
  for (Eigen::Index i = 0; i < data.m_full; ++i) {
    Eigen::Index j = 0;
    const double lo = pb.distortion.row(i).minCoeff(&j);
    if (pb.source_pmf[i] > 0.0 && ((pb.distortion.row(i).array() <= lo).count() > 1))
      unique = false;
    ch(i, j) = 1.0;
  }
  if (!unique) return std::nullopt;
  BaResult r = exact(data, opt, ch, "D at its minimum: the nearest-point map is the only channel");
  if (r.perception_achieved > query.P + query.tol_p)
    return infeasible("D at its minimum forces d = " + format_number(r.perception_achieved) +
                      " > P");
  return r;
}

// The message of a search that did not close its gap.
std::string open_message(const Budget& budget, const BaOptions& opt, BaStatus status_if_open,
                         double gap_bits) {
  return status_if_open == BaStatus::infeasible
             ? "no channel found meeting the targets"
             : (budget.out_of_time
                    ? "time budget of " + format_number(opt.max_seconds) + " s ran out: "
                    : std::string()) +
                   "gap " + format_number(gap_bits) + " bits after " +
                   std::to_string(budget.iterations) + " iterations";
}

}  // namespace

std::optional<BaResult> settle_without_search(const ProblemData& data, const Query& query,
                                              const BaOptions& opt) {
  const double D = query.D, P = query.P, tol_d = query.tol_d, tol_p = query.tol_p;
  const double d_min = data.p.dot(data.dmin);
  if (D < d_min - tol_d)
    return infeasible("D = " + format_number(D) + " is below the least expected distortion " +
                      format_number(d_min));
  if (data.has_perc && P < data.pb.perception->minimum_value() - tol_p)
    return infeasible("P = " + format_number(P) + " is below the least divergence " +
                      format_number(data.pb.perception->minimum_value()));
  if (auto r = zero_rate(data, query, opt)) return r;
  if (D <= d_min + tol_d) return least_distortion(data, query, opt);
  return std::nullopt;
}

BaResult certify(Engine& en, BaStatus status_if_open, bool keep_mu) {
  const ProblemData& data = en.data;
  const LowerBound& lower = en.bounds.lower;
  const UpperBound& upper = en.bounds.upper;
  const Budget& budget = en.budget;
  BaResult r;
  // The next query starts from this one's multipliers (those of the best lower bound).
  if (lower.s > 0.0) en.warm.s_warm = lower.s;
  if (lower.mu > 0.0 && keep_mu) en.warm.mu_warm = lower.mu;
  r.iterations = budget.iterations;
  r.evaluations = budget.evaluations;
  r.slope_distortion_bits = lower.s / kLn2;
  r.slope_perception_bits = lower.mu / kLn2;
  if (lower.lb > 0.0 && lower.log_lambda.size() == data.m) {
    // The dual point of the lower bound, over all source rows (rows without mass carry none).
    r.dual.present = true;
    r.dual.form = lower.form;
    r.dual.s_nats = lower.s;
    r.dual.mu_nats = lower.mu;
    r.dual.log_lambda = Eigen::VectorXd::Zero(data.m_full);
    for (Eigen::Index i = 0; i < data.m; ++i) r.dual.log_lambda[data.rows[i]] = lower.log_lambda[i];
  }
  // Sweeps (keep_channel off) do not materialise the mixture. Where that bound misses the gap
  // (near R = 0 on flat duals the mixture's own I is far below Σ α_k I_k), the mixture is
  // materialised and audited as for a single query.
  if (upper.ub < kInf && !en.opt.keep_channel && en.bounds.gap() <= en.query.gap_target &&
      upper.explicit_channel.size() == 0)
    certify_mixture_bound(data, en.query, upper, r);
  else if (upper.ub < kInf)
    certify_channel_bound(data, en.query, en.opt, upper, r);
  else
    r.upper_bits = kInf;
  r.lower_bits = std::max(lower.lb / kLn2, 0.0);
  r.gap_bits = r.upper_bits - r.lower_bits;
  r.rate_bits = std::isfinite(r.upper_bits) ? 0.5 * (r.lower_bits + r.upper_bits) : r.lower_bits;
  if (!r.message.empty()) return r;
  if (budget.failed || (budget.underflow && !(upper.ub < kInf))) {
    r.status = BaStatus::numerical_failure;
    r.message = budget.failure;
  } else if (r.gap_bits <= en.opt.gap_bits * (1.0 + 1e-9)) {
    r.status = BaStatus::converged;
    r.message = "certified gap " + format_number(r.gap_bits) + " bits";
  } else {
    r.status = status_if_open;
    r.message = open_message(budget, en.opt, status_if_open, r.gap_bits);
  }
  return r;
}

}  // namespace rdp::ba
