#include "newton.hpp"

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "divergence_common.hpp"

namespace rdp::ba {

namespace {

// Softmax entries below this are left out of the Hessian: it only steers the search.
constexpr double kSoftmaxFloor = 1e-18;
// The largest n for which a dense Newton step (O(n³)) is tried.
constexpr Eigen::Index kMaxDenseNewton = 512;
// The largest change of one log λ_i per Newton step. At the tail points of a fine grid (p_i near
// 1e-10) the smoothed dual is nearly flat and the Newton direction reaches 1e8 there, so the line
// search halved 25 times and the bulk hardly moved; the steps it accepted changed no log λ_i by
// more than about 6. Measured on the 1024-cell Gaussian (12 queries each, one thread): with 4,
// W2² took 1.39 s on average (2.17 unclipped, 1.34 with 1) and W1 4.27 s (5.22; 7.79 with 1,
// 5.82 with 2, 4.89 with 8).
constexpr double kMaxLogLambdaStep = 4.0;

// What the smoothed dual reads, constant for one newton_inner() call.
struct DualData {
  const Eigen::VectorXd& p;  // source masses (kept rows)
  const RowMatrix& k;        // scaled kernel, rows × output points
  const Eigen::VectorXd& r;  // the transport's reference pmf over its points
  const RowMatrix& cost;     // its cost, points × cells (= output points), row-major
                             //   because evaluate_point() reads it a point at a time
  double mu;
};

// The smoothed dual at one point t = log λ and temperature ε (lifetime: one trial point):
//   F(t) = −Σ_i p_i t_i + ε Σ_k r_k L_k,   L_k = log Σ_y exp((ℓ_y − μ C_ky)/ε),
//   ℓ_y = log c_y,   c_y = Σ_i λ_i K_iy,
// the negated lower bound with the c-transform's max smoothed (THEORY §6.5).
struct SmoothedPoint {
  Eigen::VectorXd t, lam, c, ell, u, w;  // u = Sᵀr, w = u/c
  RowMatrix softmax;                     // S: rows k, columns y; only [lo_k, hi_k) of row k is set
  std::vector<Eigen::Index> lo, hi;      // row k's entries outside [lo_k, hi_k) count as 0
  double f = kInf;
};

// Softmax terms below e^−40 of their row's largest (4e-18 of it, under the rounding of the row's
// sum) are left out: a row then only needs the exponentials of the columns between its first and
// last term above that, a few cells wide where the smoothing is sharp.
constexpr double kNegligibleLog = -40.0;

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
  pt.lo.assign(std::size_t(mr), 0);
  pt.hi.assign(std::size_t(mr), 0);
  pt.u.setZero(n);
  double sum_rl = 0.0;
  for (Eigen::Index k = 0; k < mr; ++k) {
    if (!(dd.r[k] > 0.0)) continue;  // an empty row: [0, 0)
    auto row = pt.softmax.row(k);
    row = (pt.ell.transpose() - dd.mu * dd.cost.row(k)) / eps;
    const double top = row.maxCoeff();
    if (!std::isfinite(top)) return false;
    const double floor = top + kNegligibleLog;
    Eigen::Index lo = 0, hi = n;
    while (row[lo] < floor) ++lo;  // stops at the maximum at the latest
    while (row[hi - 1] < floor) --hi;
    double total = 0.0;
    for (Eigen::Index y = lo; y < hi; ++y) {
      const double e = row[y] - top;
      row[y] = e < kNegligibleLog ? 0.0 : std::exp(e);
      total += row[y];
    }
    row.segment(lo, hi - lo) /= total;
    pt.lo[std::size_t(k)] = lo, pt.hi[std::size_t(k)] = hi;
    sum_rl += dd.r[k] * (top + std::log(total));
    pt.u.segment(lo, hi - lo).noalias() += dd.r[k] * row.segment(lo, hi - lo).transpose();
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
    for (Eigen::Index y = pt.lo[std::size_t(k)]; y < pt.hi[std::size_t(k)]; ++y)
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

// K ≈ L Lᵀ by pivoted Cholesky, for a square problem whose scaled kernel is symmetric (a grid
// under squared error: then K is a Gaussian kernel, positive definite, and on a fine grid its
// numerical rank is far below n). Stops once every residual diagonal is at most tol; false when K
// is not symmetric or the rank would pass max_rank (a dense Hessian then costs about as much).
bool kernel_factor(const RowMatrix& k, double tol, Eigen::Index max_rank, Eigen::MatrixXd& l) {
  const Eigen::Index n = k.rows();
  if (k.cols() != n || max_rank < 1) return false;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < i; ++j)
      if (k(i, j) != k(j, i)) return false;
  Eigen::VectorXd d = k.diagonal();
  l.setZero(n, max_rank);
  for (Eigen::Index j = 0; j < max_rank; ++j) {
    Eigen::Index pivot = 0;
    const double top = d.maxCoeff(&pivot);
    if (!(top > tol)) {
      l.conservativeResize(n, j);
      return true;
    }
    Eigen::VectorXd col = k.row(pivot).transpose();
    if (j > 0) col.noalias() -= l.leftCols(j) * l.row(pivot).head(j).transpose();
    col /= std::sqrt(top);
    l.col(j) = col;
    d -= col.cwiseAbs2();
    d[pivot] = 0.0;
  }
  return false;
}

// Rows of S whose largest entry is below 1 − this are spread enough that their covariance is
// formed from raw second moments (the cancellation costs at most ~1e-16/1e-4 of it relative,
// and the Hessian only steers); sharper rows are formed about their mean.
constexpr double kSharpRow = 1e-4;

// The Newton direction with K ≈ L Lᵀ: H ≈ D + U G Uᵀ with D = diag(P u), U = Λ L and
// G = Σ_k (r_k/ε) Cov_{S_k}(b̃) − Σ_y u_y b̃_y b̃_yᵀ, b̃_y = L_y / c_y, solved by Woodbury with t at
// the heaviest source point held fixed (F is invariant along t + const). O(n r²) for rank r plus
// r² per softmax entry of the sharp rows. A spread row's covariance is Σ_y s_y b̃_y b̃_yᵀ − m mᵀ
// (m its mean), so those rows only add a weight per y and one rank-one term each; a near one-hot
// row's is formed about its mean, where the raw moments would cancel at scale 1/ε.
bool low_rank_direction(const DualData& dd, double eps, const SmoothedPoint& pt,
                        const Eigen::MatrixXd& l, const Eigen::VectorXd& pu,
                        const Eigen::VectorXd& g, Eigen::VectorXd& step) {
  const Eigen::Index m = dd.p.size(), n = l.rows(), r = l.cols(), mr = dd.r.size();
  RowMatrix bt(n, r);  // row-major: the loops below read it a row (one y) at a time
  for (Eigen::Index y = 0; y < n; ++y)
    bt.row(y) =
        pt.c[y] > 0.0 ? Eigen::RowVectorXd(l.row(y) / pt.c[y]) : Eigen::RowVectorXd::Zero(r);
  // Per y: (1/ε) Σ over spread rows of r_k s_ky, less u_y; the spread rows' scaled means; the
  // sharp rows' centred entries.
  Eigen::VectorXd weight = -pt.u;
  std::vector<Eigen::Index> support;
  RowMatrix means(mr, r), z(0, r);
  Eigen::Index spread = 0, sharp_entries = 0;
  std::vector<std::pair<Eigen::Index, Eigen::Index>> sharp;  // (k, y) of the sharp rows
  for (Eigen::Index k = 0; k < mr; ++k) {
    if (!(dd.r[k] > 0.0)) continue;
    const auto row = pt.softmax.row(k);
    support.clear();
    double mass = 0.0, top = 0.0;
    for (Eigen::Index y = pt.lo[std::size_t(k)]; y < pt.hi[std::size_t(k)]; ++y)
      if (row[y] > kSoftmaxFloor) support.push_back(y), mass += row[y], top = std::max(top, row[y]);
    if (support.size() < 2) continue;  // one-hot: no covariance
    if (top < (1.0 - kSharpRow) * mass) {
      const double scale = dd.r[k] / eps;
      Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(r);
      for (Eigen::Index y : support) weight[y] += scale * row[y], mean += row[y] * bt.row(y);
      means.row(spread++) = std::sqrt(scale / mass) * mean;
    } else {
      for (Eigen::Index y : support) sharp.emplace_back(k, y);
      sharp_entries += Eigen::Index(support.size());
    }
  }
  z.resize(sharp_entries, r);
  for (std::size_t a = 0; a < sharp.size();) {
    const Eigen::Index k = sharp[a].first;
    std::size_t b = a;
    double mass = 0.0;
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(r);
    for (; b < sharp.size() && sharp[b].first == k; ++b) {
      mass += pt.softmax(k, sharp[b].second);
      mean += pt.softmax(k, sharp[b].second) * bt.row(sharp[b].second);
    }
    mean /= mass;
    for (std::size_t e = a; e < b; ++e) {
      const double sy = pt.softmax(k, sharp[e].second);
      z.row(Eigen::Index(e)) = std::sqrt(dd.r[k] * sy / eps) * (bt.row(sharp[e].second) - mean);
    }
    a = b;
  }
  Eigen::MatrixXd gm = bt.transpose() * (weight.asDiagonal() * bt);
  // Eigen's product blocking divides by a zero size: skip empty updates.
  if (spread > 0) gm.noalias() -= means.topRows(spread).transpose() * means.topRows(spread);
  if (z.rows() > 0) gm.noalias() += z.transpose() * z;
  gm = 0.5 * (gm + gm.transpose()).eval();
  Eigen::Index fixed = 0;
  dd.p.maxCoeff(&fixed);
  Eigen::VectorXd dinv(m);
  for (Eigen::Index i = 0; i < m; ++i) dinv[i] = i == fixed ? 0.0 : 1.0 / std::max(pu[i], 1e-300);
  const Eigen::MatrixXd u = pt.lam.asDiagonal() * l;  // m == n here
  const Eigen::MatrixXd du = dinv.asDiagonal() * u;
  const Eigen::MatrixXd q = u.transpose() * du;
  const Eigen::VectorXd dv = -dinv.cwiseProduct(g);
  const Eigen::MatrixXd core = Eigen::MatrixXd::Identity(r, r) + gm * q;
  const Eigen::VectorXd y = core.partialPivLu().solve(gm * (u.transpose() * dv));
  step = dv - du * y;
  step[fixed] = 0.0;
  return step.allFinite();
}

// The exact fixed-multiplier gap of the channel the point yields (w = u/c), by an ordinary pass
// into it.pass; false on a kernel underflow.
bool certify(const ProblemData& data, const ScaledKernel& kernel, double mu, Mode mode,
             const SmoothedPoint& pt, Iterate& it, Budget& budget, double& gap) {
  const double total = pt.w.sum();
  if (!(total > 0.0) || !std::isfinite(total)) return false;
  it.w = pt.w / total;
  if (!pass(data, kernel, it, budget)) return false;
  gap = lagrangian_gap(data, kernel.slope, mu, mode, it.pass);
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
                  const Eigen::MatrixXd* factor, SmoothedPoint& pt, SmoothedPoint& trial,
                  Budget& budget) {
  const Eigen::Index m = dd.p.size();
  Eigen::VectorXd g(m), pu(m), step(m);
  Eigen::MatrixXd h(factor ? 0 : m, factor ? 0 : m);
  if (!evaluate_point(dd, eps, pt)) return false;
  ++budget.iterations;
  for (int iter = 0; iter < 100; ++iter) {
    pu = pt.lam.cwiseProduct(dd.k * pt.w);
    g = pu - dd.p;
    if (factor) {
      if (!low_rank_direction(dd, eps, pt, *factor, pu, g, step)) return false;
      budget.iterations += factor->cols();
    } else {
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
    }
    const double dec = -g.dot(step);
    if (!(dec >= 0.0)) return false;
    if (dec <= dec_tol) return true;
    // Clipped coordinate-wise when that stays a descent direction, else scaled down as a whole;
    // the Armijo test then uses the slope of the step actually taken.
    double alpha = 1.0;
    const double longest = step.cwiseAbs().maxCoeff();
    if (longest > kMaxLogLambdaStep) {
      const Eigen::VectorXd clipped = step.cwiseMax(-kMaxLogLambdaStep).cwiseMin(kMaxLogLambdaStep);
      if (g.dot(clipped) < 0.0)
        step = clipped;
      else
        alpha = kMaxLogLambdaStep / longest;
    }
    const double slope = -g.dot(step);
    for (;;) {
      trial.t = pt.t + alpha * step;
      const bool usable = evaluate_point(dd, eps, trial);
      ++budget.iterations;
      if (usable && trial.f <= pt.f - 0.25 * alpha * slope) break;
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
  if (!opt.newton) return false;
  // Shannon's phase (μ = 0) is the same smoothed dual with one reference point (r = 1, C = 0),
  // but there the continuation stalls (measured on 64- and 1024-cell Gaussians: the exact gap
  // grows again at small ε), so it stays with Blahut–Arimoto and its repaired bound.
  if (mode != Mode::tilted || !(mu > 0.0) || !data.has_perc) return false;
  if (data.ncell != data.n) return false;
  for (Eigen::Index j = 0; j < data.n; ++j)
    if (data.pb.cell_of[j] != j) return false;
  return dynamic_cast<const detail::TransportBase*>(data.pb.perception.get()) != nullptr;
}

bool newton_inner(const ProblemData& data, const ScaledKernel& kernel, const BaOptions& opt,
                  double mu, Mode mode, double tol, Iterate& it, Budget& budget) {
  const auto& transport = dynamic_cast<const detail::TransportBase&>(*data.pb.perception);
  const DualData dd{data.p, kernel.k, transport.reference(), transport.cost_rows(), mu};
  const Eigen::Index n = data.n;
  // The warm start: the λ of a pass on it.w, λ_i = p_i / Z_i.
  if (!pass(data, kernel, it, budget)) return false;
  double gap = lagrangian_gap(data, kernel.slope, mu, mode, it.pass);
  if (gap <= tol) return true;
  Eigen::VectorXd best_w = it.w;
  double best_gap = std::isfinite(gap) ? gap : kInf;
  // A low-rank kernel makes a step O(n r²); without one the dense Hessian costs O(n³), which
  // pays only on small grids.
  Eigen::MatrixXd factor;
  const bool low_rank = kernel_factor(kernel.k, 1e-12, n / 4, factor);
  if (!low_rank && n > kMaxDenseNewton) return false;
  SmoothedPoint pt, trial;
  pt.t = (data.p.array().log() - it.pass.z.array().log()).matrix();
  // The smoothing costs at most ε log n in the dual's value, so the last temperature is a
  // fraction of tol over log n; the first is near the warm start's own gap, which a larger ε
  // would only undo.
  const double log_n = std::log(double(n) + 1.0);
  const double eps_last = 0.25 * tol / log_n;
  double eps = std::clamp(std::isfinite(gap) ? gap : 1e-2, eps_last, 1e-2);
  for (;;) {
    const bool level_ok =
        newton_level(dd, eps, 0.01 * tol, opt, low_rank ? &factor : nullptr, pt, trial, budget);
    if (level_ok || budget.limit) {
      double g2 = kInf;
      if (!certify(data, kernel, mu, mode, pt, it, budget, g2)) break;
      if (g2 <= tol) return true;
      // Below some temperature the Newton model's region shrinks faster than the smoothing
      // bias: once a level no longer improves the exact gap, Blahut–Arimoto finishes.
      if (!(g2 < best_gap)) break;
      best_gap = g2, best_w = it.w;
    }
    if (!level_ok || eps <= eps_last) break;
    eps = std::max(eps * 0.1, eps_last);
  }
  it.w = best_w;
  return false;
}

}  // namespace rdp::ba
