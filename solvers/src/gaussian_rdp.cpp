#include "rdp/solvers/gaussian_rdp.hpp"

#include <algorithm>
#include <boost/math/special_functions/lambert_w.hpp>
#include <cmath>
#include <limits>

#include "rdp/error.hpp"
#include "rdp/solvers/detail/log_ratio.hpp"

namespace rdp {
namespace {

// Jointly Gaussian optimum given the smallest admissible output std s_lo (docs/THEORY.md §3).
// No product of four lengths is formed (σ²s² overflows at σ = 1e100 and underflows at 1e-100):
// every intermediate is a square at most, which the sources' σ range [1e-100, 1e100] keeps finite.
GaussianRdp gaussian_rate_given_min_std(double sigma, double d, double s_lo) {
  const double var = sigma * sigma;
  GaussianRdp out;
  if (d >= var + s_lo * s_lo) {
    out.region = "zero_rate";
    out.output_std = s_lo;
    return out;
  }
  if (d < var && std::sqrt(var - d) >= s_lo) {
    out.region = "perception_inactive";
    out.output_std = std::sqrt(var - d);
    out.correlation = out.output_std / sigma;
    out.rate_bits = detail::half_log2_ratio(var, d);
    return out;
  }
  const double s = s_lo;
  out.region = "perception_active";
  out.output_std = s;
  // ρ = (σ² + s² − D)/(2σs), written as two ratios of lengths.
  out.correlation = 0.5 * (sigma / s + s / sigma - (d / sigma) / s);
  // 1 − ρ² = [(D − (σ−s)²)/(2σs)]·[((σ+s)² − D)/(2σs)]: factored to avoid cancellation as
  // ρ → 1; each factor divided by σ and s in turn, and the product taken in logs when it would
  // leave the normal range (D far below σ²).
  const double a = (d - (sigma - s) * (sigma - s)) / (2.0 * sigma);
  const double b = ((sigma + s) * (sigma + s) - d) / (2.0 * sigma);
  const double one_minus_rho2 = (a / s) * (b / s);
  out.rate_bits = std::isnormal(one_minus_rho2)
                      ? -0.5 * std::log2(one_minus_rho2)
                      : -0.5 * (std::log2(a) + std::log2(b) - 2.0 * std::log2(s));
  return out;
}

double distortion_given_min_std(double sigma, double rate_bits, double s_lo) {
  const double c = std::sqrt(-std::expm1(-2.0 * rate_bits * std::log(2.0)));
  const double s = std::max(sigma * c, s_lo);
  return sigma * sigma + s * s - 2.0 * sigma * s * c;
}

void check_common(double sigma, double d, double p) {
  require_positive("sigma", sigma);
  require_positive("D", d);
  require_nonnegative("P", p);
}

}  // namespace

GaussianRdp rate_distortion_perception_gaussian_w2sq(double sigma, double distortion_mse,
                                                     double perception_w2sq) {
  check_common(sigma, distortion_mse, perception_w2sq);
  return gaussian_rate_given_min_std(sigma, distortion_mse,
                                     std::max(sigma - std::sqrt(perception_w2sq), 0.0));
}

double distortion_rate_perception_gaussian_w2sq(double sigma, double rate_bits,
                                                double perception_w2sq) {
  require_positive("sigma", sigma);
  require_nonnegative("R", rate_bits);
  require_nonnegative("P", perception_w2sq);
  return distortion_given_min_std(sigma, rate_bits,
                                  std::max(sigma - std::sqrt(perception_w2sq), 0.0));
}

double kl_forward_min_variance_ratio(double perception_kl_nats) {
  require_nonnegative("P", perception_kl_nats);
  const double c = 1.0 + 2.0 * perception_kl_nats;
  if (c < 700.0) return -1.0 / boost::math::lambert_wm1(-std::exp(-c));
  // For huge budgets (c = inf included) u = c + ln c to relative accuracy ln c / c²: t ≈ 0.
  if (c > 1e12) return std::isinf(c) ? 0.0 : 1.0 / (c + std::log(c));
  // e^(−c) underflows: solve u − ln u = c by Newton from u = c + ln c (converges in a few steps).
  double u = c + std::log(c);
  for (int i = 0; i < 8; ++i) u -= (u - std::log(u) - c) / (1.0 - 1.0 / u);
  return 1.0 / u;
}

double kl_reverse_min_variance_ratio(double perception_kl_nats) {
  require_nonnegative("P", perception_kl_nats);
  const double c = 1.0 + 2.0 * perception_kl_nats;
  // For c > ~745 the argument underflows to −0 and W₀(−0) = 0, the correct limit.
  return -boost::math::lambert_w0(-std::exp(-c));
}

static double kl_min_std(double sigma, double p, KlDirection direction) {
  const double t = direction == KlDirection::forward ? kl_forward_min_variance_ratio(p)
                                                     : kl_reverse_min_variance_ratio(p);
  return sigma * std::sqrt(std::clamp(t, 0.0, 1.0));
}

GaussianRdp rate_distortion_perception_gaussian_kl(double sigma, double distortion_mse,
                                                   double perception_kl_nats,
                                                   KlDirection direction) {
  check_common(sigma, distortion_mse, perception_kl_nats);
  return gaussian_rate_given_min_std(sigma, distortion_mse,
                                     kl_min_std(sigma, perception_kl_nats, direction));
}

double distortion_rate_perception_gaussian_kl(double sigma, double rate_bits,
                                              double perception_kl_nats, KlDirection direction) {
  require_positive("sigma", sigma);
  require_nonnegative("R", rate_bits);
  require_nonnegative("P", perception_kl_nats);
  return distortion_given_min_std(sigma, rate_bits,
                                  kl_min_std(sigma, perception_kl_nats, direction));
}

}  // namespace rdp
