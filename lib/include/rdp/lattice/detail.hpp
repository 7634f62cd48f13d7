#pragma once
/// Internals shared by the lattice implementations and their tests: rounding, the D_n decoder,
/// integer bases and Fincke–Pohst enumeration.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rdp::detail {

/// Nearest integer to v, halves rounded up: round(v + m) = round(v) + m exactly for integer m
/// (round-half-even would break Q(x + λ) = Q(x) + λ on ties). Branch-free: adding and
/// subtracting 1.5·2^52 rounds to nearest-even exactly for |v| < 2^51 (the default rounding
/// mode; no -ffast-math), then an exact half that went down is moved up. Decoders run on random
/// data, where a data-dependent branch per coordinate costs more than the arithmetic.
inline double round_half_up(double v) {
  constexpr double kMagic = 0x1.8p52;
  if (!(std::fabs(v) < 0x1p51)) return std::floor(v + 0.5);  // huge or not finite
  const double r = (v + kMagic) - kMagic;
#if defined(__SSE2__)
  // r + (v − r == ½) with a compare mask: compilers turn the plain form into a branch.
  const __m128d half = _mm_cmpeq_sd(_mm_set_sd(v - r), _mm_set_sd(0.5));
  return r + _mm_cvtsd_f64(_mm_and_pd(half, _mm_set_sd(1.0)));
#else
  return r + static_cast<double>(v - r == 0.5);
#endif
}

/// Nearest point of D_n = {k ∈ Z^n : Σk even} to y (Conway & Sloane 1982, §III): round every
/// coordinate; if the sum is odd, round the coordinate with the largest rounding error the
/// other way (the first such coordinate on ties). `out` must not alias `y` (y is read again
/// after out is written). Returns ‖y − out‖².
inline double nearest_point_dn(const double* y, double* out, int n) {
  double sum = 0.0, worst = 0.0, dist = 0.0;
  for (int i = 0; i < n; ++i) {
    const double f = round_half_up(y[i]);
    const double d = y[i] - f;
    dist += d * d;
    sum += f;
    worst = std::max(worst, std::fabs(d));
    out[i] = f;
  }
  // Σf is an exact integer (|Σf| < 2^53 for the coordinates allowed above).
  if (sum != 2.0 * std::floor(0.5 * sum)) {
    int i = 0;
    while (i < n - 1 && std::fabs(y[i] - out[i]) != worst) ++i;
    out[i] += y[i] - out[i] >= 0.0 ? 1.0 : -1.0;
    dist += 1.0 - 2.0 * worst;  // (1 − |d|)² − d²
  }
  return dist;
}

/// A basis (lower triangular, positive diagonal, columns) of the integer lattice spanned by the
/// columns of `generators` (n × m) together with M·Z^n. Exact: Hermite-style elimination with
/// extended gcd steps, entries kept in [0, M) below the pivot row by subtracting multiples of
/// the untouched M·e_k.
Eigen::MatrixXd integer_basis_mod(const std::vector<std::vector<std::int64_t>>& generators, int n,
                                  std::int64_t modulus);

/// LLL reduction (δ = 0.99) of the columns of `basis`, in place; the lattice is unchanged
/// (unimodular column operations). Meant for small integral or half-integral bases.
void lll_reduce(Eigen::MatrixXd& basis, double delta = 0.99);

/// Fincke–Pohst enumeration: calls visit(k, ‖G k − x‖²) for every integer vector k with
/// ‖G k − x‖² ≤ radius_sq (G square and invertible); visit returns false to stop. Returns the
/// number of points visited.
std::uint64_t enumerate_lattice_points(
    const Eigen::MatrixXd& generator, const Eigen::VectorXd& x, double radius_sq,
    const std::function<bool(const Eigen::VectorXd& k, double dist_sq)>& visit);

}  // namespace rdp::detail
