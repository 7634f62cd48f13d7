#include "rdp/solvers/vector_gaussian.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rdp/error.hpp"
#include "rdp/solvers/detail/roots.hpp"

namespace rdp {
namespace {

// The correlation solving ρ/(1−ρ²) = k((1−ν)ρ + ν) on [0,1), k = 2λσ². The left side is convex
// and increasing from 0 and the right side a line with intercept kν >= 0, so for ν > 0 there is
// exactly one crossing; for ν = 0 it is ρ = √(1 − 1/k) when k > 1 and 0 otherwise.
double kkt_correlation(double k, double nu) {
  if (nu <= 0.0) return k > 1.0 ? std::sqrt(1.0 - 1.0 / k) : 0.0;
  if (k <= 0.0) return 0.0;
  const double a = 1.0 - nu;
  // Cleared of the pole: g(ρ) = ρ − k(aρ + ν)(1 − ρ²), g(0) = −kν < 0, g(1) = 1 > 0.
  return detail::bracketed_root([&](double r) { return r - k * (a * r + nu) * (1.0 - r * r); }, 0.0,
                                1.0);
}

struct Point {
  std::vector<double> rho, s;
  double distortion = 0.0, perception = 0.0;
};

Point evaluate(const std::vector<double>& sigmas, double lambda, double nu) {
  Point pt;
  for (double sg : sigmas) {
    const double r = kkt_correlation(2.0 * lambda * sg * sg, nu);
    const double s = sg * ((1.0 - nu) * r + nu);
    pt.rho.push_back(r);
    pt.s.push_back(s);
    pt.distortion += sg * sg + s * s - 2.0 * r * sg * s;
    pt.perception += (sg - s) * (sg - s);
  }
  return pt;
}

// λ at which the distortion equals d for fixed ν; D(λ) decreases from Σσ²(1+ν²) to 0.
double lambda_for_distortion(const std::vector<double>& sigmas, double nu, double d) {
  const double total = std::accumulate(sigmas.begin(), sigmas.end(), 0.0,
                                       [](double acc, double s) { return acc + s * s; });
  if (d >= total * (1.0 + nu * nu)) return 0.0;
  auto f = [&](double log_lambda) {
    return evaluate(sigmas, std::exp(log_lambda), nu).distortion - d;
  };
  double lo = -1.0, hi = 1.0;
  while (f(lo) < 0.0) lo -= 4.0;
  while (f(hi) > 0.0) hi += 4.0;
  return std::exp(detail::bracketed_root(f, lo, hi));
}

}  // namespace

VectorGaussianRdp rate_distortion_perception_diagonal_gaussian_w2sq(
    const std::vector<double>& sigmas, double distortion_mse, double perception_w2sq) {
  if (sigmas.empty()) throw InvalidArgument("sigmas", "at least one component", "none");
  for (double s : sigmas) require_positive("sigma_i", s);
  require_positive("D", distortion_mse);
  require_nonnegative("P", perception_w2sq);

  VectorGaussianRdp out;
  const double total = std::accumulate(sigmas.begin(), sigmas.end(), 0.0,
                                       [](double acc, double s) { return acc + s * s; });
  const double norm = std::sqrt(total);
  const double shrink = std::max(norm - std::sqrt(perception_w2sq), 0.0);
  auto finish = [&](const Point& pt, double lambda, double nu, const char* region) {
    out.correlation = pt.rho;
    out.output_std = pt.s;
    out.lambda = lambda;
    out.nu = nu;
    out.distortion_mse = pt.distortion;
    out.perception_w2sq = pt.perception;
    out.region = region;
    out.rate_bits = 0.0;
    for (double r : pt.rho) {
      const double ri = -0.5 * std::log2((1.0 - r) * (1.0 + r));
      out.component_rate_bits.push_back(ri);
      out.rate_bits += ri;
    }
    return out;
  };

  if (distortion_mse >= total + shrink * shrink) {
    // X̂ independent of X, shrunk towards 0 just enough to meet the W2² budget.
    Point pt;
    for (double sg : sigmas) {
      pt.rho.push_back(0.0);
      pt.s.push_back(sg * shrink / norm);
    }
    pt.distortion = total + shrink * shrink;
    pt.perception = (norm - shrink) * (norm - shrink);
    return finish(pt, 0.0, 0.0, "zero_rate");
  }

  const double lambda0 = lambda_for_distortion(sigmas, 0.0, distortion_mse);
  const Point water = evaluate(sigmas, lambda0, 0.0);
  if (water.perception <= perception_w2sq)
    return finish(water, lambda0, 0.0, "perception_inactive");

  // P(λ(ν), ν) falls from above the budget at ν = 0 to 0 at ν = 1.
  const double nu = detail::bracketed_root(
      [&](double v) {
        return evaluate(sigmas, lambda_for_distortion(sigmas, v, distortion_mse), v).perception -
               perception_w2sq;
      },
      0.0, 1.0);
  const double lambda = lambda_for_distortion(sigmas, nu, distortion_mse);
  return finish(evaluate(sigmas, lambda, nu), lambda, nu, "perception_active");
}

}  // namespace rdp
