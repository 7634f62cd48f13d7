#include "rdp/solvers/shannon.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rdp/error.hpp"
#include "rdp/information.hpp"
#include "rdp/solvers/detail/log_ratio.hpp"
#include "rdp/solvers/detail/roots.hpp"

namespace rdp {

double shannon_rate_bernoulli_hamming(double p, double distortion) {
  require_in_interval("p", p, 0.0, 1.0, true, true);
  require_nonnegative("D", distortion);
  const double pp = std::min(p, 1.0 - p);
  return distortion < pp ? binary_entropy_bits(pp) - binary_entropy_bits(distortion) : 0.0;
}

double shannon_distortion_bernoulli_hamming(double p, double rate_bits) {
  require_in_interval("p", p, 0.0, 1.0, true, true);
  require_nonnegative("R", rate_bits);
  const double pp = std::min(p, 1.0 - p);
  const double target = binary_entropy_bits(pp) - rate_bits;
  if (target <= 0.0) return 0.0;
  return detail::bracketed_root([&](double d) { return binary_entropy_bits(d) - target; }, 0.0, pp);
}

double shannon_rate_gaussian_mse(double sigma, double distortion_mse) {
  require_positive("sigma", sigma);
  require_positive("D", distortion_mse);
  return distortion_mse < sigma * sigma ? detail::half_log2_ratio(sigma * sigma, distortion_mse)
                                        : 0.0;
}

double shannon_distortion_gaussian_mse(double sigma, double rate_bits) {
  require_positive("sigma", sigma);
  require_nonnegative("R", rate_bits);
  return sigma * sigma * std::exp2(-2.0 * rate_bits);
}

}  // namespace rdp
