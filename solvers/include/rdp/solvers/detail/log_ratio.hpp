#pragma once
// ½ log2(num/den) for positive num and den without overflow: the closed forms' rates at extreme
// scales (σ near 1e±100, a denormal D) go through it.
#include <cmath>

namespace rdp::detail {

/// ½ log2(num/den), num, den > 0: through the ratio while it is a normal double (one rounding),
/// through log2(num) − log2(den) where it would overflow or underflow (D = 1e-310 at σ = 1 is
/// R ≈ 515 bits, not ½ log2(inf)).
inline double half_log2_ratio(double num, double den) {
  const double r = num / den;
  if (std::isnormal(r)) return 0.5 * std::log2(r);
  return 0.5 * (std::log2(num) - std::log2(den));
}

}  // namespace rdp::detail
