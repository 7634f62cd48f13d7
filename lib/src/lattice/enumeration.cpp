#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "rdp/lattice/detail.hpp"

namespace rdp::detail {

namespace {

// The remainder of a modulo m > 0 in [0, m) (C++'s % keeps the sign of a).
std::int64_t mod_positive(std::int64_t a, std::int64_t m) {
  const std::int64_t r = a % m;
  return r < 0 ? r + m : r;
}

// g = gcd(a, b) ≥ 0 and s, t with s·a + t·b = g.
std::int64_t extended_gcd(std::int64_t a, std::int64_t b, std::int64_t& s, std::int64_t& t) {
  std::int64_t s0 = 1, s1 = 0, t0 = 0, t1 = 1;
  while (b != 0) {
    const std::int64_t q = a / b;
    std::int64_t tmp = a - q * b;
    a = b;
    b = tmp;
    tmp = s0 - q * s1;
    s0 = s1;
    s1 = tmp;
    tmp = t0 - q * t1;
    t0 = t1;
    t1 = tmp;
  }
  if (a < 0) {
    a = -a;
    s0 = -s0;
    t0 = -t0;
  }
  s = s0;
  t = t0;
  return a;
}

}  // namespace

Eigen::MatrixXd integer_basis_mod(const std::vector<std::vector<std::int64_t>>& generators, int n,
                                  std::int64_t modulus) {
  // Columns: the generators reduced mod M, then M·e_k. A column is "frozen" once it is the pivot
  // of a row; the others have zeros in every processed row.
  std::vector<std::vector<std::int64_t>> cols;
  for (const auto& g : generators) {
    if (static_cast<int>(g.size()) != n) throw std::logic_error("integer_basis_mod: bad length");
    std::vector<std::int64_t> c(n);
    for (int i = 0; i < n; ++i) c[i] = mod_positive(g[i], modulus);
    cols.push_back(std::move(c));
  }
  for (int k = 0; k < n; ++k) {
    std::vector<std::int64_t> c(n, 0);
    c[k] = modulus;
    cols.push_back(std::move(c));
  }
  std::vector<bool> frozen(cols.size(), false);
  Eigen::MatrixXd basis = Eigen::MatrixXd::Zero(n, n);
  for (int r = 0; r < n; ++r) {
    int pivot = -1;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (frozen[c] || cols[c][r] == 0) continue;
      if (pivot < 0) {
        pivot = static_cast<int>(c);
        continue;
      }
      auto& p = cols[pivot];
      auto& q = cols[c];
      std::int64_t s, t;
      const std::int64_t a = p[r], b = q[r];
      const std::int64_t g = extended_gcd(a, b, s, t);
      for (int i = r; i < n; ++i) {
        const std::int64_t pi = p[i], qi = q[i];
        p[i] = s * pi + t * qi;
        q[i] = (a / g) * qi - (b / g) * pi;
      }
      // Rows below r: subtract multiples of the still untouched M·e_i columns.
      for (int i = r + 1; i < n; ++i) {
        p[i] = mod_positive(p[i], modulus);
        q[i] = mod_positive(q[i], modulus);
      }
    }
    if (pivot < 0) throw std::logic_error("integer_basis_mod: rank deficient");
    auto& p = cols[pivot];
    if (p[r] < 0)
      for (int i = r; i < n; ++i) p[i] = -p[i];
    frozen[pivot] = true;
    for (int i = 0; i < n; ++i) basis(i, r) = static_cast<double>(p[i]);
  }
  return basis;
}

void lll_reduce(Eigen::MatrixXd& b, double delta) {
  const int n = static_cast<int>(b.cols());
  if (n < 2) return;
  Eigen::MatrixXd bstar(b.rows(), n);
  Eigen::MatrixXd mu = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd norm2(n);
  auto gram_schmidt = [&] {
    for (int i = 0; i < n; ++i) {
      bstar.col(i) = b.col(i);
      for (int j = 0; j < i; ++j) {
        mu(i, j) = b.col(i).dot(bstar.col(j)) / norm2(j);
        bstar.col(i) -= mu(i, j) * bstar.col(j);
      }
      norm2(i) = bstar.col(i).squaredNorm();
    }
  };
  gram_schmidt();
  int k = 1;
  int guard = 0;
  while (k < n) {
    if (++guard > 1000000) throw std::runtime_error("lll_reduce: no convergence");
    for (int j = k - 1; j >= 0; --j) {
      const double q = std::round(mu(k, j));
      if (q != 0.0) {
        b.col(k) -= q * b.col(j);
        gram_schmidt();  // small n: recomputing keeps the arithmetic simple and stable
      }
    }
    if (norm2(k) >= (delta - mu(k, k - 1) * mu(k, k - 1)) * norm2(k - 1)) {
      ++k;
    } else {
      b.col(k).swap(b.col(k - 1));
      gram_schmidt();
      k = std::max(k - 1, 1);
    }
  }
}

std::uint64_t enumerate_lattice_points(
    const Eigen::MatrixXd& generator, const Eigen::VectorXd& x, double radius_sq,
    const std::function<bool(const Eigen::VectorXd& k, double dist_sq)>& visit) {
  const int n = static_cast<int>(generator.cols());
  // ‖G k − x‖² = ‖R k − Qᵀx‖² with G = Q R.
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(generator);
  const Eigen::MatrixXd r = qr.matrixQR().triangularView<Eigen::Upper>();
  const Eigen::VectorXd y = qr.householderQ().transpose() * x;
  Eigen::VectorXd k = Eigen::VectorXd::Zero(n);
  std::vector<double> partial(n + 1, 0.0);  // partial[i]: squared distance of levels i … n−1
  std::uint64_t visited = 0;
  bool stop = false;
  // Depth-first over levels n−1 … 0.
  std::function<void(int)> level = [&](int i) {
    double s = y(i);
    for (int j = i + 1; j < n; ++j) s -= r(i, j) * k(j);
    const double rii = r(i, i);
    const double c = s / rii;
    const double room = radius_sq - partial[i + 1];
    if (room < 0.0) return;
    const double half_width = std::sqrt(room) / std::fabs(rii);
    const double lo = std::ceil(c - half_width - 1e-12), hi = std::floor(c + half_width + 1e-12);
    for (double v = lo; v <= hi && !stop; v += 1.0) {
      const double d = rii * (v - c);
      const double p = partial[i + 1] + d * d;
      if (p > radius_sq) continue;
      k(i) = v;
      partial[i] = p;
      if (i == 0) {
        ++visited;
        if (!visit(k, p)) stop = true;
      } else {
        level(i - 1);
      }
    }
    k(i) = 0.0;
  };
  if (n > 0) level(n - 1);
  return visited;
}

}  // namespace rdp::detail
