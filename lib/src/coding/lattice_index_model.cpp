#include "rdp/coding/lattice_index_model.hpp"

#include <Eigen/LU>
#include <Eigen/QR>
#include <cmath>
#include <string>

#include "rdp/error.hpp"
#include "rdp/sources.hpp"

namespace rdp {

namespace {

bool is_block_diagonal(const Eigen::MatrixXd& g, int m) {
  const Eigen::Index n = g.rows();
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      const Eigen::Index bi = i / m, bj = j / m;
      const double want = bi == bj ? g(i % m, j % m) : 0.0;
      if (g(i, j) != want) return false;
    }
  return true;
}

// Factors up to this dimension get a reduced basis (O(m^4) work once; beyond it the given one).
constexpr int kMaxReducedDimension = 64;

// Lenstra–Lenstra–Lovász reduction of the columns of b (Lenstra, Lenstra & Lovász, Math. Ann. 261,
// 1982; the textbook form of Cohen, "A Course in Computational Algebraic Number Theory", Alg.
// 2.6.3) with deep insertions, δ = 0.99. Only integer column operations are applied, so a basis
// with small dyadic entries stays exact; the Gram–Schmidt data are recomputed in double after each
// change (m <= 64 here, so O(m³) per step costs nothing next to coding).
Eigen::MatrixXd lll_reduce(Eigen::MatrixXd b) {
  constexpr double kDelta = 0.99;
  const int m = static_cast<int>(b.cols());
  Eigen::MatrixXd mu = Eigen::MatrixXd::Zero(m, m);
  Eigen::VectorXd norm2(m);
  auto gram_schmidt = [&] {
    Eigen::MatrixXd star = b;
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < i; ++j) {
        mu(i, j) = b.col(i).dot(star.col(j)) / norm2(j);
        star.col(i) -= mu(i, j) * star.col(j);
      }
      norm2(i) = star.col(i).squaredNorm();
    }
  };
  gram_schmidt();
  int k = 1, steps = 0;
  while (k < m && ++steps < 100000) {
    bool changed = false;
    for (int j = k - 1; j >= 0; --j) {
      const double q = std::nearbyint(mu(k, j));
      if (q != 0.0) {
        b.col(k) -= q * b.col(j);
        for (int l = 0; l < j; ++l) mu(k, l) -= q * mu(j, l);
        mu(k, j) -= q;
        changed = true;
      }
    }
    if (changed) gram_schmidt();
    // Deep insertion (Schnorr & Euchner, Math. Programming 66, 1994, §3): b_k goes to the first
    // position i whose Gram–Schmidt vector it would shorten by more than the factor δ.
    double c = b.col(k).squaredNorm();
    int i = 0;
    while (i < k && c >= kDelta * norm2(i)) {
      c -= mu(k, i) * mu(k, i) * norm2(i);
      ++i;
    }
    if (i < k) {
      const Eigen::VectorXd v = b.col(k);
      for (int l = k; l > i; --l) b.col(l) = b.col(l - 1);
      b.col(i) = v;
      gram_schmidt();
      k = std::max(i, 1);
    } else {
      ++k;
    }
  }
  return b;
}

}  // namespace

int generator_factor_dimension(const Eigen::MatrixXd& generator) {
  const int n = static_cast<int>(generator.rows());
  for (int m = 1; m < n; ++m)
    if (n % m == 0 && is_block_diagonal(generator, m)) return m;
  return n;
}

LatticeChain make_lattice_chain(const Lattice& base, double scale) {
  require_positive("scale", scale);
  LatticeChain chain;
  const int n = base.dimension();
  const int m = generator_factor_dimension(base.generator());
  chain.factor_dimension = m;
  chain.copies = n / m;
  chain.scale = scale;
  chain.factor_generator = base.generator().topLeftCorner(m, m);
  // A reduced basis, in reverse order: the chain then rounds along the Gram–Schmidt directions of
  // the reduced basis from the last to the first, as Babai's nearest-plane algorithm does.
  if (m > 1 && m <= kMaxReducedDimension)
    chain.factor_generator = lll_reduce(chain.factor_generator).rowwise().reverse();
  chain.factor_inverse = chain.factor_generator.inverse();
  chain.directions.resize(m, m);
  chain.triangle.setZero(m, m);
  if (m == 1) {
    const double g = chain.factor_generator(0, 0);
    chain.directions(0, 0) = g > 0 ? 1.0 : -1.0;
    chain.triangle(0, 0) = scale * std::fabs(g);
    return chain;
  }
  // QR of the basis in reverse column order: the last Gram–Schmidt direction is orthogonal to
  // g_1 … g_{m−1}, so natural coordinate i sits in row j = m − 1 − i.
  const Eigen::MatrixXd reversed = chain.factor_generator.rowwise().reverse();
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(reversed);
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m, m);
  const Eigen::MatrixXd r = qr.matrixQR().triangularView<Eigen::Upper>();
  for (int i = 0; i < m; ++i) {
    const int j = m - 1 - i;
    const double sign = r(j, j) > 0 ? 1.0 : -1.0;
    for (int row = 0; row < m; ++row) chain.directions(i, row) = sign * q(row, j);
    for (int i2 = 0; i2 <= i; ++i2) chain.triangle(i, i2) = scale * sign * r(j, m - 1 - i2);
  }
  return chain;
}

LatticeIndexCoder::LatticeIndexCoder(const LatticeChain& chain, const ContinuousSource& source,
                                     double source_mean)
    : chain_(&chain), mu_(source_mean) {
  const ContinuousSource* model_source = &source;
  if (!chain.box_cells()) {
    gaussian_model_ = std::make_unique<Gaussian>(source_mean, std::sqrt(source.variance()));
    model_source = gaussian_model_.get();
  }
  models_.reserve(chain.factor_dimension);
  for (int i = 0; i < chain.factor_dimension; ++i)
    models_.emplace_back(*model_source, chain.triangle(i, i));
}

bool LatticeIndexCoder::read_indices(const double* c, std::int64_t* k) const {
  const int m = chain_->factor_dimension;
  const double inv_t = 1.0 / chain_->scale;
  for (int j = 0; j < m; ++j) {
    double v = 0.0;
    for (int r = 0; r < m; ++r) v += chain_->factor_inverse(j, r) * (c[r] * inv_t);
    if (!(std::fabs(v) <= kMaxIndex)) return false;
    k[j] = static_cast<std::int64_t>(std::nearbyint(v));
  }
  double rebuilt[kMaxLatticeDimension];
  rebuild(k, rebuilt);
  for (int r = 0; r < m; ++r)
    if (rebuilt[r] != c[r]) return false;
  return true;
}

void LatticeIndexCoder::rebuild(const std::int64_t* k, double* c) const {
  // As the quantizer computes it: the base point G k (exact: integer and half-integer entries
  // times integers), then times t (ScaledLattice::nearest_point).
  const int m = chain_->factor_dimension;
  for (int r = 0; r < m; ++r) {
    double q = 0.0;
    for (int j = 0; j < m; ++j) q += chain_->factor_generator(r, j) * double(k[j]);
    c[r] = q * chain_->scale;
  }
}

void LatticeIndexCoder::place(int i, const double* u, const std::int64_t* k) {
  const int m = chain_->factor_dimension;
  double theta = mu_;
  for (int r = 0; r < m; ++r) theta += chain_->directions(i, r) * u[r];
  for (int j = 0; j < i; ++j) theta += chain_->triangle(i, j) * double(k[j]);
  models_[i].place(theta);
}

void LatticeIndexCoder::put_block(RansEncoder& enc, const double* c, const double* u) {
  const int m = chain_->factor_dimension;
  if (m == 1) {
    // Box cells: read_indices, place and rebuild for m = 1, written out (the hot path of Z^n);
    // the same operations in the same order, so the same doubles.
    const double g = chain_->factor_generator(0, 0), e = chain_->directions(0, 0);
    const double gt = g * chain_->scale;
    for (int r = 0; r < chain_->copies; ++r) {
      const double v = c[r] / gt;
      const double k = std::nearbyint(v);
      if (!(std::fabs(v) <= kMaxIndex) || (0.0 + g * k) * chain_->scale != c[r])
        throw InvalidArgument("lattice point", "t·G·k for integer k within 2^62, rebuilt exactly",
                              "a point that is not, in coordinate " + std::to_string(r));
      models_[0].place(mu_ + e * u[r]);
      put_index(enc, models_[0], static_cast<std::int64_t>(k));
    }
    return;
  }
  std::int64_t k[kMaxLatticeDimension];
  for (int b = 0; b < chain_->copies; ++b) {
    const double* cb = c + b * m;
    const double* ub = u + b * m;
    if (!read_indices(cb, k))
      throw InvalidArgument("lattice point",
                            "t·G·k for integer k within 2^62, rebuilt exactly (x within range)",
                            "a point that is not, in factor block " + std::to_string(b));
    for (int i = 0; i < m; ++i) {
      place(i, ub, k);
      put_index(enc, models_[i], k[i]);
    }
  }
}

void LatticeIndexCoder::get_block(RansDecoder& dec, const double* u, double* c) {
  const int m = chain_->factor_dimension;
  if (m == 1) {  // box cells, as in put_block
    const double g = chain_->factor_generator(0, 0), e = chain_->directions(0, 0);
    for (int r = 0; r < chain_->copies; ++r) {
      models_[0].place(mu_ + e * u[r]);
      const std::int64_t k = get_index(dec, models_[0]);
      if (!(std::fabs(double(k)) <= kMaxIndex))
        throw InvalidArgument("payload", "indices within 2^62", std::to_string(k));
      c[r] = (0.0 + g * double(k)) * chain_->scale;
    }
    return;
  }
  std::int64_t k[kMaxLatticeDimension];
  for (int b = 0; b < chain_->copies; ++b) {
    const double* ub = u + b * m;
    for (int i = 0; i < m; ++i) {
      place(i, ub, k);
      k[i] = get_index(dec, models_[i]);
      if (!(std::fabs(double(k[i])) <= kMaxIndex))
        throw InvalidArgument("payload", "indices within 2^62", std::to_string(k[i]));
    }
    rebuild(k, c + b * m);
  }
}

double LatticeIndexCoder::cost_bits(const double* c, const double* u) {
  const int m = chain_->factor_dimension;
  std::int64_t k[kMaxLatticeDimension];
  double bits = 0.0;
  for (int b = 0; b < chain_->copies; ++b) {
    if (!read_indices(c + b * m, k))
      throw InvalidArgument("lattice point", "t·G·k for integer k within 2^62",
                            "a point that is not");
    for (int i = 0; i < m; ++i) {
      place(i, u + b * m, k);
      bits += models_[i].cost_bits(k[i]);
    }
  }
  return bits;
}

}  // namespace rdp
