#include "rdp/lattice/lattice.hpp"

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/lattice/detail.hpp"

namespace rdp {

namespace {

// Checked before any use of the generator: the samplers' stack scratch and the decoders of
// nested lattices are sized for kMaxLatticeDimension.
const Eigen::MatrixXd& checked_generator(const Eigen::MatrixXd& g) {
  const auto rows = g.rows(), cols = g.cols();
  if (rows != cols || cols < 1 || cols > kMaxLatticeDimension)
    throw InvalidArgument(
        "lattice generator",
        "an n x n matrix with n in [1, " + std::to_string(kMaxLatticeDimension) + "]",
        std::to_string(rows) + " x " + std::to_string(cols));
  if (!g.allFinite())
    throw InvalidArgument("lattice generator", "finite entries", "a non-finite entry");
  return g;
}

// |det G| and ln|det G| from one LU factorization: the log is the sum of the logs of the pivots,
// which stays finite where their product leaves the range of a double.
std::pair<double, double> volume_and_log(const Eigen::MatrixXd& g) {
  const Eigen::PartialPivLU<Eigen::MatrixXd> lu(g);
  const Eigen::VectorXd pivots = lu.matrixLU().diagonal();
  double log_volume = 0.0;
  for (Eigen::Index i = 0; i < pivots.size(); ++i) log_volume += std::log(std::fabs(pivots(i)));
  if (!std::isfinite(log_volume))
    throw InvalidArgument("lattice generator", "a nonsingular matrix", "a singular matrix");
  return {std::fabs(lu.determinant()), log_volume};
}

}  // namespace

Lattice::Lattice(std::string name, Eigen::MatrixXd generator)
    : name_(std::move(name)),
      dimension_(static_cast<int>(checked_generator(generator).cols())),
      generator_(std::move(generator)) {
  std::tie(covolume_, log_covolume_) = volume_and_log(generator_);
}

Lattice::Lattice(std::string name, Eigen::MatrixXd generator, double covolume, double log_covolume)
    : name_(std::move(name)),
      dimension_(static_cast<int>(checked_generator(generator).cols())),
      generator_(std::move(generator)),
      covolume_(covolume),
      log_covolume_(log_covolume) {
  if (!std::isfinite(log_covolume_))
    throw InvalidArgument("lattice log covolume", "a finite number", format_number(log_covolume));
}

void Lattice::nearest_points(const double* x, double* out, std::size_t count) const {
  const std::ptrdiff_t n = dimension_;
  const std::ptrdiff_t m = static_cast<std::ptrdiff_t>(count);
  // Parallel only for batches worth a fork and never nested inside a caller's parallel region.
  const bool parallel = count * static_cast<std::size_t>(n) >= 65536 && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (parallel)
  for (std::ptrdiff_t i = 0; i < m; ++i) nearest_point(x + i * n, out + i * n);
}

void Lattice::sample_fundamental_domain(Philox& rng, double* out) const {
  // out = G u, u uniform on [0,1)^n, accumulated column by column as the u_j are drawn: no
  // scratch, and each out[i] sums its terms in the order j = 0 … n−1.
  const int n = dimension_;
  std::fill(out, out + n, 0.0);
  for (int j = 0; j < n; ++j) {
    const double u = rng.uniform01();
    for (int i = 0; i < n; ++i) out[i] += generator_(i, j) * u;
  }
}

void Lattice::sample_voronoi(Philox& rng, double* out) const {
  // x uniform on a fundamental domain F; x − Q(x) is uniform on V0 because the map is a
  // measure-preserving bijection F → V0 up to the measure-zero cell boundaries. The constructor
  // bounds n by kMaxLatticeDimension (8 KB of stack).
  double x[kMaxLatticeDimension];
  sample_fundamental_domain(rng, x);
  nearest_point(x, out);
  for (int i = 0; i < dimension_; ++i) out[i] = x[i] - out[i];
}

Lattice::MinimalVectors Lattice::minimal_vectors() const {
  // A basis vector is a nonzero lattice vector, so the minimal vectors are no longer than the
  // shortest basis vector: enumerating up to that length finds all of them.
  double bound = std::numeric_limits<double>::infinity();
  for (int j = 0; j < dimension_; ++j) bound = std::min(bound, generator_.col(j).squaredNorm());
  const double slack = 1e-9 * bound;
  std::vector<double> norms;
  detail::enumerate_lattice_points(generator_, Eigen::VectorXd::Zero(dimension_), bound + slack,
                                   [&](const Eigen::VectorXd&, double d) {
                                     if (d > slack) norms.push_back(d);
                                     return true;
                                   });
  MinimalVectors mv;
  if (norms.empty()) return mv;
  mv.norm = *std::min_element(norms.begin(), norms.end());
  for (double d : norms)
    if (d <= mv.norm + slack) ++mv.count;
  return mv;
}

namespace {

void require_base_dimension(std::string_view family, long n, int lo, std::string_view given) {
  if (n < lo || n > kMaxBaseLatticeDimension)
    throw InvalidArgument("lattice",
                          std::string(family) + ":n=N with N in [" + std::to_string(lo) + ", " +
                              std::to_string(kMaxBaseLatticeDimension) + "]",
                          "'" + std::string(given) + "'");
}
void require_base_dimension(std::string_view family, long n, int lo) {
  require_base_dimension(family, n, lo, std::string(family) + ":n=" + std::to_string(n));
}

// Z^n: coordinatewise rounding.
class IntegerLattice final : public Lattice {
 public:
  explicit IntegerLattice(int n)
      : Lattice("z" + std::to_string(n), Eigen::MatrixXd::Identity(n, n)) {}
  void nearest_point(const double* x, double* out) const override {
    for (int i = 0, n = dimension(); i < n; ++i) out[i] = detail::round_half_up(x[i]);
  }
  void sample_fundamental_domain(Philox& rng, double* out) const override {
    for (int i = 0, n = dimension(); i < n; ++i) out[i] = rng.uniform01();
  }
  // Lattice::sample_voronoi's x − Q(x) coordinate by coordinate (the same values), without the
  // two virtual calls and the scratch array: the dither of every Z^n codec block.
  void sample_voronoi(Philox& rng, double* out) const override {
    for (int i = 0, n = dimension(); i < n; ++i) {
      const double x = rng.uniform01();
      out[i] = x - detail::round_half_up(x);
    }
  }
  MinimalVectors minimal_vectors() const override {
    return {1.0, 2 * static_cast<std::uint64_t>(dimension())};  // ±e_i; no search needed
  }
};

// D_n basis 2e_0, e_i − e_{i−1} (the columns): upper triangular with diagonal (2, 1, …, 1), all
// in D_n, so it spans a sublattice of D_n of index det/2 = 1, i.e. D_n itself.
Eigen::MatrixXd dn_generator(int n) {
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
  g(0, 0) = 2.0;
  for (int i = 1; i < n; ++i) {
    g(i, i) = 1.0;
    g(i - 1, i) = -1.0;
  }
  return g;
}

class RootLatticeD final : public Lattice {
 public:
  explicit RootLatticeD(int n) : Lattice("d" + std::to_string(n), dn_generator(n)) {}
  void nearest_point(const double* x, double* out) const override {
    if (x != out) {
      detail::nearest_point_dn(x, out, dimension());
      return;
    }
    double y[kMaxBaseLatticeDimension];  // in place: the decoder reads x after writing out
    std::copy(x, x + dimension(), y);
    detail::nearest_point_dn(y, out, dimension());
  }
  // [0,2) × [0,1)^{n−1} is a fundamental domain: Z^n = D_n ∪ (D_n + e_0).
  void sample_fundamental_domain(Philox& rng, double* out) const override {
    out[0] = 2.0 * rng.uniform01();
    for (int i = 1, n = dimension(); i < n; ++i) out[i] = rng.uniform01();
  }
};

// D_n* = Z^n ∪ (Z^n + ½·1); basis e_0 … e_{n−2}, ½·1 (determinant ½).
Eigen::MatrixXd dn_dual_generator(int n) {
  Eigen::MatrixXd g = Eigen::MatrixXd::Identity(n, n);
  g.col(n - 1).setConstant(0.5);
  return g;
}

class DualLatticeD final : public Lattice {
 public:
  explicit DualLatticeD(int n) : Lattice("d" + std::to_string(n) + "star", dn_dual_generator(n)) {}
  void nearest_point(const double* x, double* out) const override {
    const int n = dimension();
    double d0 = 0.0, d1 = 0.0;
    for (int i = 0; i < n; ++i) {
      const double a = x[i] - detail::round_half_up(x[i]);
      const double b = x[i] - 0.5 - detail::round_half_up(x[i] - 0.5);
      d0 += a * a;
      d1 += b * b;
    }
    const double shift = d1 < d0 ? 0.5 : 0.0;
    for (int i = 0; i < n; ++i) out[i] = detail::round_half_up(x[i] - shift) + shift;
  }
};

// A_n in the Helmert basis h_k = (1,…,1, −k, 0,…)/√(k(k+1)), k = 1…n (k ones), an orthonormal
// basis of the hyperplane Σ = 0 of R^{n+1}. Decoding embeds x, applies Conway & Sloane's
// sort-and-shift algorithm for A_n (1982, §IV) and maps back; O(n log n).
class RootLatticeA final : public Lattice {
 public:
  explicit RootLatticeA(int n) : Lattice("a" + std::to_string(n), generator(n)), scale_(n + 1) {
    for (int k = 1; k <= n; ++k) scale_[k] = 1.0 / std::sqrt(double(k) * double(k + 1));
  }

  void nearest_point(const double* x, double* out) const override {
    const int n = dimension();
    double y[kMaxBaseLatticeDimension + 1];
    embed(x, y, n);
    double f[kMaxBaseLatticeDimension + 1];
    int index[kMaxBaseLatticeDimension + 1];
    // Summed in double: exact while the coordinates are below 2^53 / (n + 1), and no integer
    // overflow beyond.
    double excess = 0.0;
    for (int j = 0; j <= n; ++j) {
      f[j] = detail::round_half_up(y[j]);
      excess += f[j];
      y[j] -= f[j];  // deficiency δ_j
      index[j] = j;
    }
    if (excess != 0.0) {
      // Σf = Δ ≠ 0: move Δ coordinates by one, those where that costs least (smallest δ for a
      // step down, largest δ for a step up). In exact arithmetic |Δ| <= (n + 1)/2 (Σy = 0,
      // |δ_j| <= ½); beyond the resolution of a double (|x| ~ 1e16 and up) the embedding's
      // rounding can make it larger, and the count is capped so that nothing is read past y.
      const int count = static_cast<int>(std::min(std::fabs(excess), double(n + 1)));
      if (excess > 0.0) {
        std::nth_element(index, index + count - 1, index + n + 1,
                         [&](int a, int b) { return y[a] < y[b] || (y[a] == y[b] && a < b); });
        for (int t = 0; t < count; ++t) f[index[t]] -= 1.0;
      } else {
        std::nth_element(index, index + count - 1, index + n + 1,
                         [&](int a, int b) { return y[a] > y[b] || (y[a] == y[b] && a < b); });
        for (int t = 0; t < count; ++t) f[index[t]] += 1.0;
      }
    }
    project(f, out, n);
  }

 private:
  static Eigen::MatrixXd generator(int n) {
    // Images of the simple roots e_j − e_{j+1} (j = 0…n−1) in Helmert coordinates.
    Eigen::MatrixXd g(n, n);
    for (int j = 0; j < n; ++j)
      for (int k = 1; k <= n; ++k) {
        const double s = 1.0 / std::sqrt(double(k) * double(k + 1));
        const auto entry = [&](int i) { return i < k ? s : (i == k ? -k * s : 0.0); };
        g(k - 1, j) = entry(j) - entry(j + 1);
      }
    return g;
  }
  // y = Σ_k x_{k−1} h_k (n+1 values).
  void embed(const double* x, double* y, int n) const {
    double suffix = 0.0;  // Σ_{k>j} x_{k−1} s_k
    for (int j = n; j >= 0; --j) {
      y[j] = suffix - (j >= 1 ? j * x[j - 1] * scale_[j] : 0.0);
      if (j >= 1) suffix += x[j - 1] * scale_[j];
    }
  }
  // x_{k−1} = ⟨y, h_k⟩ = s_k (Σ_{j<k} y_j − k y_k).
  void project(const double* y, double* x, int n) const {
    double prefix = 0.0;
    for (int k = 1; k <= n; ++k) {
      prefix += y[k - 1];
      x[k - 1] = scale_[k] * (prefix - k * y[k]);
    }
  }
  std::vector<double> scale_;
};

class ProductLattice final : public Lattice {
 public:
  // det of a block-diagonal generator: the factor's det to the k-th power (no O((kn)³) LU).
  ProductLattice(LatticePtr factor, int k)
      : Lattice(factor->name() + "^" + std::to_string(k), block_diagonal(*factor, k),
                std::pow(factor->covolume(), k), k * factor->log_covolume()),
        factor_(std::move(factor)),
        copies_(k) {}
  void nearest_point(const double* x, double* out) const override {
    const int m = factor_->dimension();
    for (int b = 0; b < copies_; ++b) factor_->nearest_point(x + b * m, out + b * m);
  }
  // The cell of a product is the product of the cells.
  void sample_voronoi(Philox& rng, double* out) const override {
    const int m = factor_->dimension();
    for (int b = 0; b < copies_; ++b) factor_->sample_voronoi(rng, out + b * m);
  }
  void sample_fundamental_domain(Philox& rng, double* out) const override {
    const int m = factor_->dimension();
    for (int b = 0; b < copies_; ++b) factor_->sample_fundamental_domain(rng, out + b * m);
  }
  // A nonzero vector of Λ^k has a nonzero block, so the shortest ones are a minimal vector of Λ
  // in one block and zeros elsewhere.
  MinimalVectors minimal_vectors() const override {
    MinimalVectors mv = factor_->minimal_vectors();
    mv.count *= static_cast<std::uint64_t>(copies_);
    return mv;
  }

 private:
  static Eigen::MatrixXd block_diagonal(const Lattice& f, int k) {
    const int m = f.dimension();
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(m * k, m * k);
    for (int b = 0; b < k; ++b) g.block(b * m, b * m, m, m) = f.generator();
    return g;
  }
  LatticePtr factor_;
  int copies_;
};

class ScaledLattice final : public Lattice {
 public:
  ScaledLattice(LatticePtr base, double a)
      : Lattice(format_number(a) + "*" + base->name(), a * base->generator(),
                std::pow(a, base->dimension()) * base->covolume(),
                base->dimension() * std::log(a) + base->log_covolume()),
        base_(std::move(base)),
        a_(a),
        inv_a_(1.0 / a) {}
  void nearest_point(const double* x, double* out) const override {
    const int n = dimension();
    for (int i = 0; i < n; ++i) out[i] = x[i] * inv_a_;
    base_->nearest_point(out, out);
    for (int i = 0; i < n; ++i) out[i] *= a_;
  }
  void sample_voronoi(Philox& rng, double* out) const override {
    base_->sample_voronoi(rng, out);
    for (int i = 0, n = dimension(); i < n; ++i) out[i] *= a_;
  }
  void sample_fundamental_domain(Philox& rng, double* out) const override {
    base_->sample_fundamental_domain(rng, out);
    for (int i = 0, n = dimension(); i < n; ++i) out[i] *= a_;
  }
  MinimalVectors minimal_vectors() const override {
    MinimalVectors mv = base_->minimal_vectors();
    mv.norm *= a_ * a_;
    return mv;
  }

 private:
  LatticePtr base_;
  double a_, inv_a_;
};

const char* const kLatticeNames =
    "z1…z256 or z:n=N, a1…a256 or a:n=N, d2…d256 or d:n=N, d2star…d256star or dstar:n=N, e8, "
    "bw16, leech, leech:decoder=cosets, NAME^k (dimension <= 1024)";

[[noreturn]] void bad_name(std::string_view name) {
  throw InvalidArgument("lattice", kLatticeNames, "'" + std::string(name) + "'");
}

// Parses a decimal integer occupying all of s (at most 9 digits); -1 if s is not one.
long parse_count(std::string_view s) {
  if (s.empty() || s.size() > 9) return -1;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = 10 * v + (c - '0');
  }
  return v;
}

}  // namespace

LatticePtr make_integer_lattice(int n) {
  require_base_dimension("z", n, 1);
  return std::make_shared<IntegerLattice>(n);
}
LatticePtr make_root_lattice_a(int n) {
  require_base_dimension("a", n, 1);
  return std::make_shared<RootLatticeA>(n);
}
LatticePtr make_root_lattice_d(int n) {
  require_base_dimension("d", n, 2);
  return std::make_shared<RootLatticeD>(n);
}
LatticePtr make_dual_lattice_d(int n) {
  require_base_dimension("dstar", n, 2);
  return std::make_shared<DualLatticeD>(n);
}

double integer_lattice_step(const Lattice& lattice) {
  const Eigen::MatrixXd& g = lattice.generator();
  const double step = g(0, 0);
  if (!(step > 0.0)) return 0.0;
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    for (Eigen::Index i = 0; i < g.rows(); ++i)
      if (g(i, j) != (i == j ? step : 0.0)) return 0.0;
  return step;
}

LatticePtr make_product(LatticePtr factor, int k) {
  if (!factor) throw InvalidArgument("lattice", "a lattice", "null");
  const long max_k = kMaxLatticeDimension / factor->dimension();
  if (k < 1 || k > max_k)
    throw InvalidArgument("lattice",
                          factor->name() + "^k with k in [1, " + std::to_string(max_k) +
                              "] (dimension <= " + std::to_string(kMaxLatticeDimension) + ")",
                          factor->name() + "^" + std::to_string(k));
  if (k == 1) return factor;
  return std::make_shared<ProductLattice>(std::move(factor), k);
}

LatticePtr make_scaled(LatticePtr lattice, double a) {
  require_positive("scale", a);
  if (!lattice) throw InvalidArgument("lattice", "a lattice", "null");
  return std::make_shared<ScaledLattice>(std::move(lattice), a);
}

LatticePtr make_lattice(std::string_view name) {
  if (const auto caret = name.rfind('^'); caret != std::string_view::npos) {
    const long k = parse_count(name.substr(caret + 1));
    if (k < 0 || caret == 0) bad_name(name);
    LatticePtr base = make_lattice(name.substr(0, caret));
    if (k < 1 || k * base->dimension() > kMaxLatticeDimension)
      throw InvalidArgument(
          "lattice", "NAME^k with k >= 1 and dimension <= " + std::to_string(kMaxLatticeDimension),
          "'" + std::string(name) + "'");
    return make_product(std::move(base), static_cast<int>(k));
  }
  if (name == "e8") return make_e8();
  if (name == "bw16") return make_barnes_wall16();
  if (name == "leech") return make_leech(LeechDecoder::fast);
  if (name == "leech:decoder=cosets") return make_leech(LeechDecoder::cosets);
  // Families: "<f>:n=N" or "<f>N" (and "dNstar").
  struct Family {
    std::string_view prefix;
    LatticePtr (*make)(int);
  };
  static const Family families[] = {{"dstar", &make_dual_lattice_d},
                                    {"z", &make_integer_lattice},
                                    {"a", &make_root_lattice_a},
                                    {"d", &make_root_lattice_d}};
  for (const auto& f : families) {
    if (name.substr(0, f.prefix.size()) != f.prefix) continue;
    const std::string_view rest = name.substr(f.prefix.size());
    long n = -1;
    std::string_view family = f.prefix;
    LatticePtr (*make)(int) = f.make;
    if (rest.substr(0, 3) == ":n=") {
      n = parse_count(rest.substr(3));
    } else if (f.prefix == "d" && rest.size() > 4 && rest.substr(rest.size() - 4) == "star") {
      n = parse_count(rest.substr(0, rest.size() - 4));
      family = "dstar";
      make = &make_dual_lattice_d;
    } else if (f.prefix != "dstar") {
      n = parse_count(rest);
    }
    if (n < 0) bad_name(name);
    require_base_dimension(family, n, family == "z" || family == "a" ? 1 : 2, name);
    return make(static_cast<int>(n));
  }
  bad_name(name);
}

}  // namespace rdp
