#include "rdp/solvers/latent_allocation.hpp"

#include <algorithm>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <numeric>
#include <string>

#include "rdp/error.hpp"

namespace rdp {

std::vector<double> latent_std_from_eigenvalues(const std::vector<double>& eigenvalues) {
  if (eigenvalues.empty() || !(eigenvalues[0] > 0.0))
    throw InvalidArgument("eigenvalues", "a non-empty list with a positive largest value",
                          eigenvalues.empty() ? "empty" : format_number(eigenvalues[0]));
  const double floor =
      kEigenvalueFloor * std::sqrt(*std::max_element(eigenvalues.begin(), eigenvalues.end()));
  std::vector<double> s;
  for (double l : eigenvalues) s.push_back(std::max(std::sqrt(std::max(l, 0.0)), floor));
  return s;
}

LatentAllocation gaussian_latent_allocation(const std::vector<double>& latent_std,
                                            double distortion_total, double perception_total,
                                            VectorGaussianRdp* theory) {
  const VectorGaussianRdp r = rate_distortion_perception_diagonal_gaussian_w2sq(
      latent_std, distortion_total, perception_total);
  if (theory) *theory = r;
  LatentAllocation a;
  a.latent_std = latent_std;
  a.correlation = r.correlation;
  a.output_std = r.output_std;
  a.nu = r.nu;
  // Rounding can put ρ a hair outside [0, 1); the coder's domain is [0, 1).
  for (double& c : a.correlation) c = std::clamp(c, 0.0, 1.0 - 1e-15);
  return a;
}

double gaussian_distortion_for_rate(const std::vector<double>& latent_std, double rate_bits,
                                    double perception_total) {
  if (!(rate_bits > 0.0) || !std::isfinite(rate_bits))
    throw InvalidArgument("rate_bits", "(0, inf)", format_number(rate_bits));
  double total = 0.0;
  for (double s : latent_std) total += s * s;
  const auto rate = [&](double d) {
    return rate_distortion_perception_diagonal_gaussian_w2sq(latent_std, d, perception_total)
        .rate_bits;
  };
  // R(D) >= rate at lo, R(D) < rate at hi (zero rate beyond 2Σσ² for any P). TOMS 748 in
  // t = ln D (each evaluation is a vector solve, ~10 ms for 784 components with P active), to a
  // relative 1e-9 in D.
  const double lo = total * 1e-12, hi = 2.0 * total;
  if (rate(lo) < rate_bits)
    throw InvalidArgument("rate_bits", "below the model's rate at D = 1e-12 of the variance",
                          format_number(rate_bits));
  const auto f = [&](double t) { return rate(std::exp(t)) - rate_bits; };
  boost::uintmax_t iterations = 100;
  const auto root = boost::math::tools::toms748_solve(
      f, std::log(lo), std::log(hi), boost::math::tools::eps_tolerance<double>(30), iterations);
  return std::exp(0.5 * (root.first + root.second));
}

}  // namespace rdp
