#include "rdp/solvers/perfect_realism.hpp"

#include <cmath>
#include <limits>

#include "rdp/error.hpp"

namespace rdp {

double rate_perfect_realism_gaussian(double sigma, double distortion_mse) {
  require_positive("sigma", sigma);
  require_positive("D", distortion_mse);
  const double x = distortion_mse / (2.0 * sigma * sigma);
  if (x >= 1.0) return 0.0;
  // 1 − (1 − x)² = x(2 − x), exact for small x.
  return -0.5 * std::log2(x * (2.0 - x));
}

double rate_half_distortion_gaussian(double sigma, double distortion_mse) {
  require_positive("sigma", sigma);
  require_positive("D", distortion_mse);
  const double ratio = 2.0 * sigma * sigma / distortion_mse;
  return ratio > 1.0 ? 0.5 * std::log2(ratio) : 0.0;
}

double distortion_common_randomness_gaussian(double sigma, double rate_bits,
                                             double common_rate_bits) {
  require_positive("sigma", sigma);
  require_nonnegative("R", rate_bits);
  if (std::isnan(common_rate_bits) || common_rate_bits < 0.0)
    throw InvalidArgument("Rc", "[0, inf]", std::to_string(common_rate_bits));
  const double ln2 = std::log(2.0);
  const double a = -std::expm1(-2.0 * ln2 * rate_bits);
  const double b =
      std::isinf(common_rate_bits) ? 1.0 : -std::expm1(-2.0 * ln2 * (rate_bits + common_rate_bits));
  return 2.0 * sigma * sigma * (1.0 - std::sqrt(a * b));
}

double rate_common_randomness_gaussian(double sigma, double distortion_mse,
                                       double common_rate_bits) {
  require_positive("sigma", sigma);
  require_positive("D", distortion_mse);
  if (std::isnan(common_rate_bits) || common_rate_bits < 0.0)
    throw InvalidArgument("Rc", "[0, inf]", std::to_string(common_rate_bits));
  const double c = 1.0 - distortion_mse / (2.0 * sigma * sigma);
  if (c <= 0.0) return 0.0;
  // With a = 2^(−2R), k = 2^(−2Rc): (1 − a)(1 − k a) = c², a quadratic in a whose root in [0,1]
  // is a = 2(1 − c²) / ((1 + k) + √((1 + k)² − 4k(1 − c²))) (the form without cancellation).
  const double k = std::isinf(common_rate_bits) ? 0.0 : std::exp2(-2.0 * common_rate_bits);
  const double one_minus_c2 = (1.0 - c) * (1.0 + c);
  const double a =
      2.0 * one_minus_c2 / ((1.0 + k) + std::sqrt((1.0 + k) * (1.0 + k) - 4.0 * k * one_minus_c2));
  return -0.5 * std::log2(a);
}

}  // namespace rdp
