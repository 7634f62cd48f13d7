#include "rdp/lattice/nested.hpp"

#include <cmath>
#include <string>

#include "rdp/error.hpp"

namespace rdp {

namespace {
// Relative size of the tie-break shift ε·t: far above the rounding error of the decoders
// (~1e-16 of the lattice scale), far below the distance from a fine point to a coarse cell
// boundary it is not on (a fraction of the fine lattice's scale for these rational lattices).
constexpr double kTieBreakScale = 1e-7;
}  // namespace

void require_nesting_ratio(int a, const std::string& parameter) {
  if (a < 1 || a > kMaxNestingRatio)
    throw InvalidArgument(parameter, "integer in [1, " + std::to_string(kMaxNestingRatio) + "]",
                          std::to_string(a));
}

NestedLattice::NestedLattice(LatticePtr fine, int ratio) : fine_(std::move(fine)), ratio_(ratio) {
  if (!fine_) throw InvalidArgument("lattice", "a lattice", "null");
  require_nesting_ratio(ratio);
  coarse_ = make_scaled(fine_, ratio);
  const int n = fine_->dimension();
  // A generic direction: fractional parts of √p for the first primes are linearly independent
  // over Q, so no Voronoi-relevant vector of the coarse lattice is orthogonal to t.
  const double eps = kTieBreakScale * std::exp(coarse_->log_covolume() / n);
  tie_break_.resize(n);
  int p = 1;
  for (int i = 0; i < n; ++i) {
    bool prime = false;
    while (!prime) {
      ++p;
      prime = true;
      for (int d = 2; d * d <= p; ++d)
        if (p % d == 0) prime = false;
    }
    const double r = std::sqrt(double(p));
    tie_break_[i] = eps * (0.5 + (r - std::floor(r)));
  }
}

double NestedLattice::common_randomness_bits() const { return std::log2(double(ratio_)); }

double NestedLattice::log2_coset_count() const { return dimension() * std::log2(double(ratio_)); }

// GCC 12 cannot see that the first n entries of y are written before the virtual call reads
// them (its -Wmaybe-uninitialized on const-pointer arguments); zero-filling 8 KB per call would
// cost more than the decoding of small lattices.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void NestedLattice::reduce(const double* z, double* out) const {
  const int n = dimension();
  double y[kMaxLatticeDimension], q[kMaxLatticeDimension];
  for (int i = 0; i < n; ++i) y[i] = z[i] + tie_break_[i];
  coarse_->nearest_point(y, q);
  for (int i = 0; i < n; ++i) out[i] = z[i] - q[i];
}
#pragma GCC diagnostic pop

void NestedLattice::sample_coset_representative(Philox& rng, double* out) const {
  const int n = dimension();
  double k[kMaxLatticeDimension];
  for (int j = 0; j < n; ++j) {
    const double v = std::floor(rng.uniform01() * ratio_);
    k[j] = v < ratio_ ? v : ratio_ - 1;
  }
  const Eigen::MatrixXd& g = fine_->generator();
  for (int i = 0; i < n; ++i) {
    double s = 0.0;
    for (int j = 0; j < n; ++j) s += g(i, j) * k[j];
    out[i] = s;
  }
  reduce(out, out);
}

std::vector<double> NestedLattice::enumerate_coset_representatives(std::uint64_t max_points) const {
  const int n = dimension();
  if (log2_coset_count() > std::log2(double(max_points)) + 1e-9)
    throw InvalidArgument("nesting_ratio",
                          "a^n <= " + std::to_string(max_points) +
                              " for enumeration (use "
                              "sample_coset_representative for larger sets)",
                          std::to_string(ratio_) + " in dimension " + std::to_string(n));
  std::uint64_t count = 1;
  for (int i = 0; i < n; ++i) count *= static_cast<std::uint64_t>(ratio_);
  std::vector<double> reps(count * n);
  std::vector<int> k(n, 0);
  const Eigen::MatrixXd& g = fine_->generator();
  for (std::uint64_t idx = 0; idx < count; ++idx) {
    double* z = &reps[idx * n];
    for (int i = 0; i < n; ++i) {
      double s = 0.0;
      for (int j = 0; j < n; ++j) s += g(i, j) * k[j];
      z[i] = s;
    }
    reduce(z, z);
    for (int j = 0; j < n && ++k[j] == ratio_; ++j) k[j] = 0;  // base-a increment
  }
  return reps;
}

}  // namespace rdp
