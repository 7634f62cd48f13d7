#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <vector>

#include "divergence_common.hpp"
#include "newton.hpp"

namespace rdp::ba {

namespace {

// exp of anything below this is 0.0 in double precision.
constexpr double kExpUnderflow = -745.2;
// Softmax entries below this are left out of the Hessian: it only steers the search.
constexpr double kSoftmaxFloor = 1e-18;

// What the smoothed dual reads, constant for one newton_inner() call.
struct DualData {
  const Eigen::VectorXd& p;     // source masses (kept rows)
  const RowMatrix& k;           // scaled kernel, rows × output points
  const Eigen::VectorXd& r;     // the transport's reference pmf over its points
  const Eigen::MatrixXd& cost;  // its cost, points × cells (= output points)
  double mu;
};

// The smoothed dual at one point t = log λ and temperature ε (lifetime: one trial point):
//   F(t) = −Σ_i p_i t_i + ε Σ_k r_k L_k,   L_k = log Σ_y exp((ℓ_y − μ C_ky)/ε),
//   ℓ_y = log c_y,   c_y = Σ_i λ_i K_iy,
// the negated lower bound with the c-transform's max smoothed (THEORY §6.5).
struct SmoothedPoint {
  Eigen::VectorXd t, lam, c, ell, u, w;  // u = Sᵀr, w = u/c
  RowMatrix softmax;                     // S: rows k, columns y
  double f = kInf;
};

// Fills pt (t given) at temperature eps; false if the point is unusable (c overflows or all of
// a row's terms vanish).
bool evaluate_point(const DualData& dd, double eps, SmoothedPoint& pt) {
  const Eigen::Index n = dd.k.cols(), mr = dd.r.size();
  const double tmax = pt.t.maxCoeff();  // the dual is invariant under t → t + const
  pt.t.array() -= tmax;
  pt.lam = pt.t.array().exp();
  pt.c.noalias() = dd.k.transpose() * pt.lam;
  pt.ell.resize(n);
  for (Eigen::Index y = 0; y < n; ++y) pt.ell[y] = pt.c[y] > 0.0 ? std::log(pt.c[y]) : -kInf;
  pt.softmax.resize(mr, n);
  pt.u.setZero(n);
  double sum_rl = 0.0;
  for (Eigen::Index k = 0; k < mr; ++k) {
    auto row = pt.softmax.row(k);
    if (!(dd.r[k] > 0.0)) {
      row.setZero();
      continue;
    }
    double top = -kInf;
    for (Eigen::Index y = 0; y < n; ++y) {
      row[y] = (pt.ell[y] - dd.mu * dd.cost(k, y)) / eps;
      top = std::max(top, row[y]);
    }
    if (!std::isfinite(top)) return false;
    double total = 0.0;
    for (Eigen::Index y = 0; y < n; ++y) {
      const double e = row[y] - top;
      row[y] = e < kExpUnderflow ? 0.0 : std::exp(e);
      total += row[y];
    }
    row /= total;
    sum_rl += dd.r[k] * (top + std::log(total));
    pt.u.noalias() += dd.r[k] * row.transpose();
  }
  pt.w.resize(n);
  for (Eigen::Index y = 0; y < n; ++y) pt.w[y] = pt.c[y] > 0.0 ? pt.u[y] / pt.c[y] : 0.0;
  pt.f = -dd.p.dot(pt.t) + eps * sum_rl;
  return std::isfinite(pt.f);
}

// The Hessian of F at pt: diag(P u) + P (M/ε − diag u) Pᵀ with P_iy = λ_i K_iy / c_y and
// M = Σ_k r_k (diag S_k − S_k S_kᵀ), each softmax covariance formed as s_y Σ_{z≠y} s_z on its
// diagonal so that near one-hot rows do not cancel (their M is 1/ε-scaled).
void hessian(const DualData& dd, double eps, const SmoothedPoint& pt, const Eigen::VectorXd& pu,
             Eigen::MatrixXd& h) {
  const Eigen::Index m = dd.p.size(), n = dd.k.cols(), mr = dd.r.size();
  RowMatrix pmat(m, n);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index y = 0; y < n; ++y)
      pmat(i, y) = pt.c[y] > 0.0 ? pt.lam[i] * dd.k(i, y) / pt.c[y] : 0.0;
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, n);
  std::vector<Eigen::Index> support;
  for (Eigen::Index k = 0; k < mr; ++k) {
    if (!(dd.r[k] > 0.0)) continue;
    const auto row = pt.softmax.row(k);
    support.clear();
    for (Eigen::Index y = 0; y < n; ++y)
      if (row[y] > kSoftmaxFloor) support.push_back(y);
    double kept = 0.0;
    for (Eigen::Index y : support) kept += row[y];
    const double scale = dd.r[k] / eps;
    for (Eigen::Index y : support) {
      x(y, y) += scale * row[y] * (kept - row[y]);
      for (Eigen::Index z : support)
        if (z != y) x(z, y) -= scale * row[y] * row[z];
    }
  }
  x.diagonal() -= pt.u;
  const Eigen::MatrixXd px = pmat * x;
  h.noalias() = px * pmat.transpose();
  h = 0.5 * (h + h.transpose()).eval();
  h.diagonal() += pu;
}

// The exact fixed-multiplier gap of the channel the point yields (w = u/c), by an ordinary pass
// into it.pass; false on a kernel underflow.
bool certify(const ProblemData& data, const ScaledKernel& kernel, double mu,
             const SmoothedPoint& pt, Iterate& it, Budget& budget, double& gap) {
  const double total = pt.w.sum();
  if (!(total > 0.0) || !std::isfinite(total)) return false;
  it.w = pt.w / total;
  if (!pass(data, kernel, it, budget)) return false;
  gap = lagrangian_gap(data, kernel.slope, mu, Mode::tilted, it.pass);
  return true;
}

bool out_of_budget(const BaOptions& opt, Budget& budget) {
  if (budget.iterations >= opt.max_iterations) return budget.limit = true, true;
  if (budget.timed && std::chrono::steady_clock::now() >= budget.deadline)
    return budget.out_of_time = budget.limit = true, true;
  return false;
}

// Newton steps at temperature eps from pt until the decrement is below dec_tol; false when a
// step fails (no descent, an unusable point) or the budget runs out.
bool newton_level(const DualData& dd, double eps, double dec_tol, const BaOptions& opt,
                  SmoothedPoint& pt, SmoothedPoint& trial, Budget& budget) {
  const Eigen::Index m = dd.p.size();
  Eigen::VectorXd g(m), pu(m), step(m);
  Eigen::MatrixXd h(m, m);
  if (!evaluate_point(dd, eps, pt)) return false;
  ++budget.iterations;
  for (int iter = 0; iter < 100; ++iter) {
    pu = pt.lam.cwiseProduct(dd.k * pt.w);
    g = pu - dd.p;
    hessian(dd, eps, pt, pu, h);
    budget.iterations += m;
    double ridge = 1e-13 * std::max(h.diagonal().maxCoeff(), 1e-300);
    Eigen::LLT<Eigen::MatrixXd> llt;
    for (int attempt = 0; attempt < 6; ++attempt, ridge *= 100.0) {
      Eigen::MatrixXd hr = h;
      hr.diagonal().array() += ridge;
      llt.compute(hr);
      if (llt.info() == Eigen::Success) break;
    }
    if (llt.info() != Eigen::Success) return false;
    step = -llt.solve(g);
    const double dec = -g.dot(step);
    if (!(dec >= 0.0)) return false;
    if (dec <= dec_tol) return true;
    double alpha = 1.0;
    for (;;) {
      trial.t = pt.t + alpha * step;
      const bool usable = evaluate_point(dd, eps, trial);
      ++budget.iterations;
      if (usable && trial.f <= pt.f - 0.25 * alpha * dec) break;
      alpha *= 0.5;
      // No descent left at double precision: the level is as converged as it can be.
      if (alpha < 1e-10) return dec < 1e-12;
    }
    std::swap(pt, trial);
    if (out_of_budget(opt, budget)) return false;
  }
  return true;
}

}  // namespace

bool newton_applies(const ProblemData& data, const BaOptions& opt, Mode mode, double mu) {
  if (!opt.newton || mode != Mode::tilted || !(mu > 0.0) || !data.has_perc) return false;
  if (data.ncell != data.n) return false;
  for (Eigen::Index j = 0; j < data.n; ++j)
    if (data.pb.cell_of[j] != j) return false;
  return dynamic_cast<const detail::TransportBase*>(data.pb.perception.get()) != nullptr;
}

bool newton_inner(const ProblemData& data, const ScaledKernel& kernel, const BaOptions& opt,
                  double mu, double tol, Iterate& it, Budget& budget) {
  const auto& transport = dynamic_cast<const detail::TransportBase&>(*data.pb.perception);
  const DualData dd{data.p, kernel.k, transport.reference(), transport.cost(), mu};
  const Eigen::Index n = data.n;
  // The warm start: the λ of a pass on it.w, λ_i = p_i / Z_i.
  if (!pass(data, kernel, it, budget)) return false;
  double gap = lagrangian_gap(data, kernel.slope, mu, Mode::tilted, it.pass);
  if (gap <= tol) return true;
  Eigen::VectorXd best_w = it.w;
  double best_gap = std::isfinite(gap) ? gap : kInf;
  SmoothedPoint pt, trial;
  pt.t = (data.p.array().log() - it.pass.z.array().log()).matrix();
  // The smoothing costs at most ε log n in the dual's value, so the last temperature is a
  // fraction of tol over log n; the first is near the warm start's own gap, which a larger ε
  // would only undo.
  const double log_n = std::log(double(n) + 1.0);
  const double eps_last = 0.25 * tol / log_n;
  double eps = std::clamp(std::isfinite(gap) ? gap : 1e-2, eps_last, 1e-2);
  for (;;) {
    const bool level_ok = newton_level(dd, eps, 0.01 * tol, opt, pt, trial, budget);
    if (level_ok || budget.limit) {
      double g2 = kInf;
      if (!certify(data, kernel, mu, pt, it, budget, g2)) break;
      std::fprintf(stderr, "newton s=%g mu=%g eps=%g gap0=%g gap=%g tol=%g it=%ld\n", kernel.slope,
                   mu, eps, gap, g2, tol, budget.iterations);
      if (g2 <= tol) return true;
      // Below some temperature the Newton model's region shrinks faster than the smoothing
      // bias: once a level no longer improves the exact gap, Blahut–Arimoto finishes.
      if (!(g2 < best_gap)) break;
      best_gap = g2, best_w = it.w;
    }
    if (!level_ok || eps <= eps_last) break;
    eps = std::max(eps * 0.1, eps_last);
  }
  std::fprintf(stderr, "newton FAIL s=%g mu=%g eps=%g\n", kernel.slope, mu, eps);
  it.w = best_w;
  return false;
}

}  // namespace rdp::ba
