// Optimal transport on the line, C(x, y) = |x − y|^r (W1, W2²): exact value and potentials by the
// monotone coupling, the Kantorovich conjugate by divide and conquer, and the exact entropic prox
// by dual coordinate ascent on the CDF-separable form of W.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "divergence_common.hpp"
#include "line_prox_newton.hpp"
#include "log_sum_exp.hpp"
#include "monotone_search.hpp"
#include "rdp/error.hpp"

namespace rdp {
namespace {

using detail::kInf;

std::vector<std::size_t> sorted(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return v[a] < v[b]; });
  return idx;
}

// The steps of the source CDF F_p: its points with mass in increasing order, and at each
// log((1 − F_p(x_i)) / F_p(x_i)), −inf at the last point. Both tails are summed from their own
// end so that tiny tails keep their precision. Fixed by the problem: computed once.
struct SourceSteps {
  std::vector<std::size_t> point;  // source index of each step
  std::vector<double> log_odds;
  std::vector<double> cdf, upper;  // F_p(x_i) and 1 − F_p(x_i), each summed from its own end
};

SourceSteps source_steps(const std::vector<std::size_t>& ix, const Eigen::VectorXd& p) {
  SourceSteps out;
  std::vector<double> cdf;
  double run = 0.0;
  for (std::size_t i : ix)
    if (p[i] > 0.0) out.point.push_back(i), run += p[i], cdf.push_back(run);
  const std::size_t m = out.point.size();
  std::vector<double> tail(m, 0.0);  // the mass beyond each step
  std::size_t i = m;
  double acc = 0.0;
  for (std::size_t t = ix.size(); t-- > 0;) {
    if (!(p[ix[t]] > 0.0)) continue;
    acc += p[ix[t]];
    tail[--i] = acc;
  }
  out.log_odds.assign(m, -kInf);
  out.upper.assign(m, 0.0);
  for (std::size_t s = 0; s + 1 < m; ++s) {
    out.log_odds[s] = std::log(tail[s + 1]) - std::log(cdf[s]);
    out.upper[s] = tail[s + 1];
  }
  out.cdf = std::move(cdf);
  return out;
}

// The cells the prox can charge (a_k > 0) in increasing order, and log y_k = log(a_k / Σa);
// active_cells fills it from a, given the increasing order iy of all cells.
struct ActiveCells {
  std::vector<std::size_t> cell;
  std::vector<double> log_y;
};

// The prox's dual variables: g_j on the boundary between active cells j and j + 1, and the
// source step where the search for g_j ended last (the next sweep's search starts there).
struct Boundaries {
  std::vector<double> g;
  std::vector<std::size_t> piece;
};

void active_cells(const Eigen::Ref<const Eigen::VectorXd>& a, double total_a,
                  const std::vector<std::size_t>& iy, ActiveCells& out) {
  out.cell.clear();
  out.log_y.clear();
  for (std::size_t k : iy)
    if (a[k] > 0.0) {
      out.cell.push_back(k);
      out.log_y.push_back(std::log(a[k] / total_a));
    }
}

// Fills `out` from the warm start (state: h over all cells, g_j = h_j − h_{j+1}), or zero if it
// is not finite; every search starts in the middle of the m source steps.
void warm_boundaries(const Eigen::VectorXd& state, const std::vector<std::size_t>& cell,
                     std::size_t m, Boundaries& out) {
  const std::size_t n = cell.size();
  out.g.assign(n - 1, 0.0);
  out.piece.assign(n - 1, m / 2);
  for (std::size_t j = 0; j + 1 < n; ++j) out.g[j] = state[cell[j]] - state[cell[j + 1]];
  if (!std::isfinite(std::accumulate(out.g.begin(), out.g.end(), 0.0))) out.g.assign(n - 1, 0.0);
}

// h_k = Σ_{j>=k} g_j (written); returns max_k (log y_k − h_k), the shift that keeps the
// exponentials finite.
double potentials(const std::vector<double>& g, const std::vector<double>& log_y,
                  std::vector<double>& h) {
  const std::size_t n = log_y.size();
  h[n - 1] = 0.0;
  for (std::size_t k = n - 1; k-- > 0;) h[k] = h[k + 1] + g[k];
  double top = -kInf;
  for (std::size_t k = 0; k < n; ++k) top = std::max(top, log_y[k] - h[k]);
  return top;
}

// C_ik = |x_i − y_k|^r, source points × cells.
Eigen::MatrixXd line_cost(const std::vector<double>& x, const std::vector<double>& y, double r) {
  Eigen::MatrixXd cost(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t k = 0; k < y.size(); ++k)
      cost(Eigen::Index(i), Eigen::Index(k)) = std::pow(std::abs(x[i] - y[k]), r);
  return cost;
}

class WassersteinLine final : public detail::TransportBase {
 public:
  // The base is built first, from x and y before they move into the members.
  WassersteinLine(std::vector<double> x, Eigen::VectorXd p, std::vector<double> y, double r)
      : TransportBase(p, line_cost(x, y, r)), x_(std::move(x)), y_(std::move(y)), r_(r) {
    ix_ = sorted(x_);
    iy_ = sorted(y_);
    steps_ = source_steps(ix_, p_);
    const CellReference ref = cell_reference(x_, p_, y_);
    if (ref.unmatched == 0.0) zero_ = ref.ref;
  }
  std::string name() const override { return r_ == 1.0 ? "w1" : (r_ == 2.0 ? "w2sq" : "wr"); }
  // The monotone (quantile) coupling is optimal for convex costs on the line.
  double value(const Eigen::Ref<const Eigen::VectorXd>& q) const override {
    double cost = 0.0;
    walk(q, [&](std::size_t i, std::size_t k, double m) { cost += m * cost_(i, k); });
    return cost;
  }
  void subgradient(const Eigen::Ref<const Eigen::VectorXd>& q,
                   Eigen::Ref<Eigen::VectorXd> g) const override;
  const Eigen::VectorXd& zero_point() const override { return zero_; }
  double perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                               double mu) const override;

  // The exact entropic prox u = argmin KL(u ‖ a/Σa) + μ W(p_X, u), by dual coordinate ascent.
  //
  // Why it is tractable. On the line, with cells z_1 < … < z_n and U_j = u_1 + … + u_j, the
  // monotone coupling gives W(p, u) = const + Σ_{j<n} Ψ_j(U_j), where
  // Ψ_j'(U) = c(F_p^{-1}(U), z_j) − c(F_p^{-1}(U), z_{j+1}) is nondecreasing (c(x,z) = |x − z|^r
  // is submodular): a separable convex function of the CDF. (Abel summation of
  // Σ_j ∫_{U_{j−1}}^{U_j} c(F_p^{-1}(t), z_j) dt.) Dualising U_j with a multiplier g_j gives
  // u_k ∝ y_k exp(−h_k), h_k = Σ_{j>=k} g_j, and the optimality conditions g_j ∈ μ ∂Ψ_j(U_j).
  // Maximising the concave dual over one g_j with the others fixed is a 1-D problem whose
  // solution is explicit: U_j as a function of g_j is a logistic curve and μΨ_j' a staircase
  // (steps at the source CDF values), so g_j is either a stair level or sits at a step, found by
  // binary search. A sweep costs O(n log m); descending sweeps keep the prefix sums exact with
  // one running scale factor. The subgradient step this replaces oscillates for steep potentials
  // (W2² at large μ); the coordinate ascent converges linearly from any start, but slowly where
  // neighbouring cells are tightly coupled, so each sweep is followed by a block step
  // (line_prox_newton.hpp: the dual restricted to the boundaries strictly between stair levels,
  // maximised exactly). The solver warm-starts it from the previous pass's potentials (`state`:
  // h over the sorted cells).
  bool exact_prox() const override { return true; }
  void prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
            Eigen::Ref<Eigen::VectorXd> u) const override {
    Eigen::VectorXd state;
    solve_prox(a, mu, u, state, true);
  }
  void prox_warm(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
                 Eigen::Ref<Eigen::VectorXd> u, Eigen::VectorXd& state) const override {
    solve_prox(a, mu, u, state, false);
  }

 private:
  void solve_prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
                  Eigen::Ref<Eigen::VectorXd> u, Eigen::VectorXd& state, bool cold) const;
  double sweep(const ActiveCells& active, double mu, Boundaries& dual, std::vector<double>& h,
               std::vector<double>& log_prefix) const;
  double boundary_step(std::size_t j, const ActiveCells& active, double mu, double odds_ab,
                       Boundaries& dual) const;
  void free_boundaries(const ActiveCells& active, double mu, const Boundaries& dual,
                       std::vector<detail::FreeBoundary>& out) const;

  template <class F>
  void walk(const Eigen::Ref<const Eigen::VectorXd>& q, F&& visit) const {
    std::size_t a = 0, b = 0;
    double ra = p_[ix_[0]], rb = q[iy_[0]];
    while (a < ix_.size() && b < iy_.size()) {
      const double m = std::min(ra, rb);
      if (m > 0.0) visit(ix_[a], iy_[b], m);
      ra -= m;
      rb -= m;
      if (ra <= 0.0 && ++a < ix_.size()) ra = p_[ix_[a]];
      if (rb <= 0.0 && ++b < iy_.size()) rb = q[iy_[b]];
    }
  }
  std::vector<double> x_, y_;
  double r_;
  std::vector<std::size_t> ix_, iy_;
  SourceSteps steps_;
  Eigen::VectorXd zero_;
};

// Kantorovich potentials along the monotone coupling: on its support f_i + g_k = C_ik, so
// walking the staircase fixes each new potential from the previous one. Cells outside the
// support get the c-transform, the largest value that keeps f_i + g_k <= C_ik.
void WassersteinLine::subgradient(const Eigen::Ref<const Eigen::VectorXd>& q,
                                  Eigen::Ref<Eigen::VectorXd> g) const {
  const std::size_t m = x_.size(), n = y_.size();
  thread_local std::vector<double> f;
  thread_local std::vector<char> fset, gset;
  f.assign(m, 0.0);
  fset.assign(m, 0);
  gset.assign(n, 0);
  bool first = true;
  std::size_t pi = 0;  // the source index of the previous pair of the walk
  walk(q, [&](std::size_t i, std::size_t k, double) {
    if (first) {
      g[k] = 0.0, f[i] = cost_(i, k), fset[i] = gset[k] = 1, first = false;
    } else if (fset[i] && !gset[k]) {
      g[k] = cost_(i, k) - f[i], gset[k] = 1;
    } else if (gset[k] && !fset[i]) {
      f[i] = cost_(i, k) - g[k], fset[i] = 1;
    } else if (!fset[i] && !gset[k]) {
      // Both masses ran out together: the coupling splits into blocks. Continue the previous
      // block's potential through the pair (pi, k), which keeps feasibility on the line.
      g[k] = cost_(pi, k) - f[pi], gset[k] = 1;
      f[i] = cost_(i, k) - g[k], fset[i] = 1;
    }
    pi = i;
  });
  for (std::size_t k = 0; k < n; ++k) {
    if (gset[k]) continue;
    double best = kInf;
    for (std::size_t i = 0; i < m; ++i)
      if (fset[i]) best = std::min(best, cost_(i, k) - f[i]);
    g[k] = best;
  }
}

// Σ_i p_i max_k (ℓ_k − μ C_ik), as TransportBase, in O((m + n) log m) instead of O(m·n):
// ℓ_k − μ|x − z_k|^r has increasing differences in (x, z) (the cost is submodular), so the
// maximising cell is nondecreasing in x (Topkis), and divide and conquer over the sorted
// source points only scans, for each midpoint, the cells between its neighbours' maximisers.
double WassersteinLine::perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                                              double mu) const {
  thread_local std::vector<std::size_t> cells;
  cells.clear();
  for (std::size_t k : iy_)
    if (ell[k] > -kInf) cells.push_back(k);
  if (cells.empty()) return -kInf;
  const std::size_t m = ix_.size();
  double out = 0.0;
  // Explicit stack of (source range [a, b), cell range [lo, hi]) to avoid recursion. Depth first,
  // it never holds more than one task per level of halving plus one, so 2·64 entries suffice
  // for any size_t m; a fixed array keeps this hot loop free of the vector's growth path.
  struct Task {
    std::size_t a, b, lo, hi;
  };
  Task stack[128];
  int depth = 0;
  stack[depth++] = {0, m, 0, cells.size() - 1};
  while (depth > 0) {
    const Task t = stack[--depth];
    if (t.a >= t.b) continue;
    const std::size_t mid = t.a + (t.b - t.a) / 2, i = ix_[mid];
    double best = -kInf;
    std::size_t arg = t.lo;
    const double* cost_i = cost_rows_.row(Eigen::Index(i)).data();
    for (std::size_t c = t.lo; c <= t.hi; ++c) {
      const double v = ell[cells[c]] - mu * cost_i[cells[c]];
      if (v > best) best = v, arg = c;
    }
    if (p_[i] > 0.0) out += p_[i] * best;
    stack[depth++] = {t.a, mid, t.lo, arg};
    stack[depth++] = {mid + 1, t.b, arg, t.hi};
  }
  return out;
}

// The prox's phases: active cells, warm start, rounds of one sweep and one block step
// (line_prox_newton.hpp) until no g_j moves by 1e-12, the final pmf. Cold calls solve to
// convergence; warm ones (inside the Blahut–Arimoto loop, where the next call starts from this
// one's potentials) stop after 40 rounds: the outer fixed point is still the exact prox's.
// Measured on the 12 queries of BM_Query1024W1 (one thread each, two at a time): 40 rounds
// converged all 12, mean 15.2 s, against one capped at 60 s with 10 (mean 15.4 s); on
// BM_Query1024W2sq the two were within 3 s of each other on every query.
void WassersteinLine::solve_prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
                                 Eigen::Ref<Eigen::VectorXd> u, Eigen::VectorXd& state,
                                 bool cold) const {
  const std::size_t n_all = y_.size();
  if (state.size() != static_cast<Eigen::Index>(n_all)) state = Eigen::VectorXd::Zero(n_all);
  // Buffers reused across calls; each phase is handed the ones it reads and writes.
  thread_local ActiveCells active;
  thread_local Boundaries dual;
  thread_local std::vector<double> h, log_prefix;
  const double total_a = a.sum();
  active_cells(a, total_a, iy_, active);
  u.setZero();
  const std::size_t n = active.cell.size();
  if (n <= 1 || mu <= 0.0) {
    for (std::size_t k = 0; k < n; ++k) u[active.cell[k]] = a[active.cell[k]] / total_a;
    return;
  }
  warm_boundaries(state, active.cell, steps_.point.size(), dual);
  h.assign(n, 0.0);
  log_prefix.assign(n, 0.0);
  thread_local std::vector<detail::FreeBoundary> bound;
  thread_local detail::BlockScratch scratch;
  const int max_rounds = cold ? 100000 : 40;
  for (int round = 0; round < max_rounds; ++round) {
    if (sweep(active, mu, dual, h, log_prefix) <= 1e-12) break;
    free_boundaries(active, mu, dual, bound);
    detail::block_newton_step(active.log_y, bound, dual.g, scratch);
  }
  // u_k ∝ y_k e^{−h_k} at the final potentials, which are also the next call's warm start.
  const double top = potentials(dual.g, active.log_y, h);
  double sum = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    u[active.cell[k]] = std::exp(active.log_y[k] - h[k] - top);
    sum += u[active.cell[k]];
    state[active.cell[k]] = h[k];
  }
  u /= sum;
}

// One descending sweep over the boundaries (updates dual; h and log_prefix are its scratch);
// returns the largest change of a g_j. Right of boundary j the mass B = Σ_{k>j} y_k e^{−h_k} is
// accumulated as the sweep moves left, and each update of g_j rescales everything left of it by
// e^{−Δg_j}, which one running log scale applies to the prefix sums A = Σ_{k<=j} y_k e^{−h_k}
// computed at the start.
double WassersteinLine::sweep(const ActiveCells& active, double mu, Boundaries& dual,
                              std::vector<double>& h, std::vector<double>& log_prefix) const {
  const std::size_t n = active.cell.size();
  const double top = potentials(dual.g, active.log_y, h);
  // log_prefix[k] = log Σ_{l<=k} y_l e^{−h_l}, shifted by `top`.
  double acc = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    acc += std::exp(active.log_y[k] - h[k] - top);
    log_prefix[k] = std::log(acc);
  }
  double log_scale = 0.0, log_b = -kInf, biggest = 0.0;
  for (std::size_t j = n - 1; j-- > 0;) {
    const double le = active.log_y[j + 1] - h[j + 1] - top + log_scale;
    log_b = detail::log_add_exp(log_b, le);
    const double log_a = log_prefix[j] + log_scale;
    const double d = boundary_step(j, active, mu, log_a - log_b, dual);
    log_scale -= d;
    biggest = std::max(biggest, std::abs(d));
  }
  return biggest;
}

// The exact maximiser of the dual over g_j with the others fixed (updates dual.g[j] and
// dual.piece[j]); returns its change. U_j, the mass of the cells left of the boundary, as a
// function of g_j is U_j(g) = A e^{−(g − g_j)} / (A e^{−(g − g_j)} + B), so U_j(g) <= F_p(x_i)
// reads g − g_j >= log(A/B) + log((1 − F_p(x_i)) / F_p(x_i)): comparisons, no exponentials.
double WassersteinLine::boundary_step(std::size_t j, const ActiveCells& active, double mu,
                                      double odds_ab, Boundaries& dual) const {
  const std::size_t m = steps_.point.size();
  const std::vector<std::size_t>& xi = steps_.point;
  const std::vector<double>& log_odds = steps_.log_odds;
  const double* c0 = cost_.data() + cost_.rows() * static_cast<Eigen::Index>(active.cell[j]);
  const double* c1 = cost_.data() + cost_.rows() * static_cast<Eigen::Index>(active.cell[j + 1]);
  double& g = dual.g[j];
  auto level = [&](std::size_t i) { return mu * (c0[xi[i]] - c1[xi[i]]); };
  // The first source piece i with U_j(level_i) <= F_p(x_i) (the predicate is monotone in i),
  // searched from the piece of the previous sweep.
  auto upper = [&](std::size_t i) { return level(i) - g >= odds_ab + log_odds[i]; };
  const std::size_t lo = detail::first_step(upper, std::min(dual.piece[j], m - 1), m);
  dual.piece[j] = lo;
  double gnew = level(lo);
  // Below the previous step: g_j sits at the step, U_j = F_p(x_{lo−1}).
  if (lo > 0 && gnew - g > odds_ab + log_odds[lo - 1]) gnew = g + odds_ab + log_odds[lo - 1];
  const double d = gnew - g;
  g = gnew;
  return d;
}

// After a sweep each g_j is either a stair level (held) or strictly between the levels of its
// piece and the one below, where U_j equals the source CDF at that step (free).
void WassersteinLine::free_boundaries(const ActiveCells& active, double mu, const Boundaries& dual,
                                      std::vector<detail::FreeBoundary>& out) const {
  const std::size_t n = active.cell.size();
  out.assign(n - 1, {});
  for (std::size_t j = 0; j + 1 < n; ++j) {
    const std::size_t lo = dual.piece[j];
    if (lo == 0) continue;
    const double* c0 = cost_.data() + cost_.rows() * static_cast<Eigen::Index>(active.cell[j]);
    const double* c1 = cost_.data() + cost_.rows() * static_cast<Eigen::Index>(active.cell[j + 1]);
    const std::size_t below = steps_.point[lo - 1], above = steps_.point[lo];
    detail::FreeBoundary& b = out[j];
    b.lo = mu * (c0[below] - c1[below]);
    b.hi = mu * (c0[above] - c1[above]);
    b.free = dual.g[j] > b.lo && dual.g[j] < b.hi;
    b.F = steps_.cdf[lo - 1];
    b.upper = steps_.upper[lo - 1];
  }
}

}  // namespace

DivergencePtr make_wasserstein_line_divergence(const std::vector<double>& source_points,
                                               const Eigen::Ref<const Eigen::VectorXd>& source_pmf,
                                               const std::vector<double>& cells, double r) {
  require_in_interval("wasserstein exponent r", r, 1.0, kInf, false, true);
  return std::make_shared<WassersteinLine>(source_points, source_pmf, cells, r);
}

}  // namespace rdp
