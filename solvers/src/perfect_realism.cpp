#include "rdp/solvers/perfect_realism.hpp"

#include <cmath>
#include <limits>

#include "rdp/error.hpp"
#include "rdp/solvers/detail/log_ratio.hpp"

namespace rdp {

double rate_perfect_realism_gaussian(double sigma, double distortion_mse) {
  require_positive("sigma", sigma);
  require_positive("D", distortion_mse);
  const double two_var = 2.0 * sigma * sigma;
  if (distortion_mse >= two_var) return 0.0;
  // 1 − (1 − x)² = x(2 − x) with x = D/(2σ²), exact for small x; through logs where x is not a
  // normal double (a denormal D).
  const double x = distortion_mse / two_var;
  return -detail::half_log2_ratio(distortion_mse * (2.0 - x), two_var);
}

double rate_half_distortion_gaussian(double sigma, double distortion_mse) {
  require_positive("sigma", sigma);
  require_positive("D", distortion_mse);
  const double two_var = 2.0 * sigma * sigma;
  return distortion_mse < two_var ? detail::half_log2_ratio(two_var, distortion_mse) : 0.0;
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
  const double x = distortion_mse / (2.0 * sigma * sigma);
  if (x >= 1.0) return 0.0;
  // With c = 1 − x, a = 2^(−2R), k = 2^(−2Rc): (1 − a)(1 − k a) = c², a quadratic in a whose root
  // in [0,1] is a = 2(1 − c²) / ((1 + k) + √((1 + k)² − 4k(1 − c²))) (the form without
  // cancellation).
  const double k = std::isinf(common_rate_bits) ? 0.0 : std::exp2(-2.0 * common_rate_bits);
  // 1 − c² = x(2 − x), without the cancellation of 1 − c at small x.
  const double one_minus_c2 = x * (2.0 - x);
  const double a =
      2.0 * one_minus_c2 / ((1.0 + k) + std::sqrt((1.0 + k) * (1.0 + k) - 4.0 * k * one_minus_c2));
  return -0.5 * std::log2(a);
}

}  // namespace rdp
