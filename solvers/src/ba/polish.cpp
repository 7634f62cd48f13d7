#include "polish.hpp"

#include <algorithm>
#include <boost/math/tools/minima.hpp>
#include <cmath>
#include <cstdint>
#include <nlopt.hpp>
#include <vector>

#include "channel.hpp"
#include "detail/optimize_quietly.hpp"

namespace rdp::ba {

double polish_lower_bound(const ProblemData& data, const Query& query, double slope,
                          const PassState& ps, double mu_hint, LowerBound& lower) {
  const double D = query.D, P = query.P;
  if (!data.has_perc || P <= 0.0) return -kInf;
  auto negative_lb = [&](double mu) {
    return -(ps.base - data.pb.perception->perspective_conjugate(ps.ellc, mu) - slope * D - mu * P);
  };
  const double hi = std::max(4.0 * mu_hint, 1.0);
  std::uintmax_t iters = 40;
  const auto r = boost::math::tools::brent_find_minima(negative_lb, 0.0, hi, 30, iters);
  if (-r.second > lower.lb) {
    lower.lb = -r.second;
    lower.s = slope;
    lower.mu = r.first;
    lower.form = BaDualForm::tilted;
    log_lambda_of_pass(data, slope, ps, false, lower.log_lambda);
  }
  return -r.second;
}

// The lower bound is jointly concave in (log λ, s, μ): Σ p log λ is linear, and
// ℓ_j = log Σ_i p_i λ_i e^{−sΔ_ij} is a log-sum-exp of affine functions, composed with the
// perspective conjugate (convex, nondecreasing in ℓ). Where the Blahut–Arimoto λ lags (near
// R = 0 the dual is flat and the inner iteration crawls, while the primal channel is already
// optimal), maximising it directly over all m + 2 variables closes the certificate. Any point
// gives a valid bound, so a derivative-free local search (NLopt's Nelder–Mead from the best
// multipliers so far) is safe. Small problems only (m <= 16): it costs O(m·n) per evaluation
// and Nelder–Mead scales badly with the dimension.
void polish_dual_jointly(const ProblemData& data, const Query& query, LowerBound& lower) {
  const Eigen::Index m = data.m, n = data.n;
  const double D = query.D, P = query.P;
  if (!data.has_perc || P <= query.tol_p || m > 16 || lower.log_lambda.size() != m ||
      lower.s <= 0.0)
    return;
  const Eigen::Index dim = m + 2;
  Eigen::VectorXd logp = data.p.array().log();
  Eigen::VectorXd ell(n), ell_cells(data.ncell);
  double best = lower.lb;
  std::vector<double> best_x;
  auto value_at = [&](const std::vector<double>& x) {
    const double s = std::exp(x[m]), mu = std::exp(x[m + 1]);
    for (Eigen::Index j = 0; j < n; ++j) {
      double top = -kInf;
      for (Eigen::Index i = 0; i < m; ++i) top = std::max(top, logp[i] + x[i] - s * data.d(i, j));
      double sum = 0.0;
      for (Eigen::Index i = 0; i < m; ++i) sum += std::exp(logp[i] + x[i] - s * data.d(i, j) - top);
      ell[j] = top + std::log(sum);
    }
    ell_cells.setConstant(-kInf);
    for (Eigen::Index j = 0; j < n; ++j)
      ell_cells[data.pb.cell_of[j]] = std::max(ell_cells[data.pb.cell_of[j]], ell[j]);
    double value = -s * D - mu * P - data.pb.perception->perspective_conjugate(ell_cells, mu);
    for (Eigen::Index i = 0; i < m; ++i) value += data.p[i] * x[i];
    if (std::isfinite(value) && value > best) best = value, best_x = x;
    return std::isfinite(value) ? value : -1e300;
  };
  std::vector<double> x(static_cast<std::size_t>(dim));
  for (Eigen::Index i = 0; i < m; ++i) x[i] = lower.log_lambda[i];
  x[m] = std::log(lower.s);
  x[m + 1] = std::log(lower.mu > 0.0 ? lower.mu : 1e-8);
  nlopt::opt opt(nlopt::LN_NELDERMEAD, static_cast<unsigned>(dim));
  opt.set_max_objective([](const std::vector<double>& xs, std::vector<double>&,
                           void* ctx) { return (*static_cast<decltype(value_at)*>(ctx))(xs); },
                        &value_at);
  opt.set_xtol_abs(1e-15);
  opt.set_ftol_abs(1e-16);
  opt.set_maxeval(4000 * static_cast<int>(dim));
  opt.set_initial_step(1e-3);
  // Restarts from the best point: Nelder–Mead's simplex can collapse on a kink (TV).
  // NLopt's exceptions only end a round: value_at has scored (and kept) every point visited.
  for (int round = 0; round < 4; ++round) {
    detail::optimize_quietly(opt, x);
    if (best_x.empty()) break;
    x = best_x;
  }
  if (best > lower.lb && !best_x.empty()) {
    lower.lb = best;
    lower.s = std::exp(best_x[m]);
    lower.mu = std::exp(best_x[m + 1]);
    lower.form = BaDualForm::tilted;
    for (Eigen::Index i = 0; i < m; ++i) lower.log_lambda[i] = best_x[i];
  }
}

// The primal counterpart of polish_dual_jointly, for tiny problems (m·n <= 64): near R = 0 on
// a flat dual (TV), the Blahut–Arimoto channels at the multipliers tried can all be far from
// optimal while their mixtures still miss the gap, and which ones a search meets depends on
// its path (measured: 2 of the 2500 Bernoulli–TV grid points, R ≈ 1e-4 bits, stuck 5e-5 bits
// above R after 400k passes). So minimise I(W) over the channel itself, rows in softmax
// coordinates, subject to E[Δ] <= D and d <= P, with NLopt's COBYLA (derivative-free, for
// TV's kinks) from the best mixture. Any channel it returns is audited like every other.
void polish_primal_jointly(const ProblemData& data, const Query& query, UpperBound& upper) {
  const Eigen::Index m = data.m, n = data.n;
  if (!data.has_perc || data.m_full * n > 64 || !(upper.ub < kInf) || upper.mix.empty()) return;
  const Eigen::MatrixXd start = mixture_channel(data, upper);
  const unsigned dim = static_cast<unsigned>(m * n);
  std::vector<double> x(dim);
  for (Eigen::Index r = 0; r < m; ++r)
    for (Eigen::Index j = 0; j < n; ++j)
      x[r * n + j] = std::log(std::max(start(data.rows[r], j), 1e-30));
  Eigen::MatrixXd ch = start;
  auto build = [&](const double* xs) {
    for (Eigen::Index r = 0; r < m; ++r) {
      double top = -kInf;
      for (Eigen::Index j = 0; j < n; ++j) top = std::max(top, xs[r * n + j]);
      double total = 0.0;
      for (Eigen::Index j = 0; j < n; ++j) total += std::exp(xs[r * n + j] - top);
      for (Eigen::Index j = 0; j < n; ++j)
        ch(data.rows[r], j) = std::exp(xs[r * n + j] - top) / total;
    }
    return audit(data, ch);
  };
  struct Context {
    const Query* query;
    decltype(build)* make;
    const Eigen::MatrixXd* current;  // the channel `make` just built
    double best;
    Eigen::MatrixXd best_channel;
  } ctx{&query, &build, &ch, upper.ub, {}};
  auto objective = [](unsigned, const double* xs, double*, void* context) {
    auto* c = static_cast<Context*>(context);
    const Audit a = (*c->make)(xs);
    const double info = a.info_bits * kLn2;
    if (a.ed <= c->query->D + c->query->tol_d && a.phi <= c->query->P + c->query->tol_p &&
        info < c->best)
      c->best = info, c->best_channel = *c->current;
    return info;
  };
  auto distortion_excess = [](unsigned, const double* xs, double*, void* context) {
    auto* c = static_cast<Context*>(context);
    return (*c->make)(xs).ed - c->query->D;
  };
  auto perception_excess = [](unsigned, const double* xs, double*, void* context) {
    auto* c = static_cast<Context*>(context);
    return (*c->make)(xs).phi - c->query->P;
  };
  nlopt::opt opt_primal(nlopt::LN_COBYLA, dim);
  opt_primal.set_min_objective(objective, &ctx);
  opt_primal.add_inequality_constraint(distortion_excess, &ctx, 0.0);
  opt_primal.add_inequality_constraint(perception_excess, &ctx, 0.0);
  opt_primal.set_xtol_abs(1e-12);
  opt_primal.set_maxeval(2000 * static_cast<int>(dim));
  opt_primal.set_initial_step(0.05);
  detail::optimize_quietly(opt_primal, x);  // the objective keeps the best feasible channel
  if (ctx.best < upper.ub && ctx.best_channel.size() > 0) {
    upper.ub = ctx.best;
    upper.explicit_channel = ctx.best_channel;
  }
}

}  // namespace rdp::ba
