// Gaussian–MSE R(D,P) with W2² and KL perception (docs/THEORY.md §3) against a brute-force search
// over jointly Gaussian test channels (output std s, correlation ρ), using only the definitions:
// E(X − X̂)² = σ² + s² − 2ρσs, W2²(N(0,σ²), N(0,s²)) = (σ − s)², KL between zero-mean Gaussians,
// and I = −½ log2(1 − ρ²).
#include "rdp/solvers/gaussian_rdp.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "brute_force.hpp"
#include "rdp/solvers/perfect_realism.hpp"
#include "rdp/solvers/shannon.hpp"

namespace {

using PerceptionOfStd = std::function<double(double sigma, double s)>;

double w2sq(double sigma, double s) { return (sigma - s) * (sigma - s); }
double kl_forward(double sigma, double s) {  // KL(N(0,σ²) ‖ N(0,s²)), nats
  const double t = s * s / (sigma * sigma);
  return 0.5 * (1.0 / t + std::log(t) - 1.0);
}
double kl_reverse(double sigma, double s) {  // KL(N(0,s²) ‖ N(0,σ²)), nats
  const double t = s * s / (sigma * sigma);
  return 0.5 * (t - std::log(t) - 1.0);
}

// min over jointly Gaussian (s, ρ) of −½ log2(1 − ρ²) s.t. distortion <= D, perception <= P.
// For fixed s the smallest feasible ρ is found by bisection on the (decreasing in ρ) distortion;
// the feasible s form an interval around σ (each perception here is decreasing then increasing in
// s with its zero at s = σ), found by bisection; the outer minimisation is a golden section.
double brute_force_rate(double sigma, double d, double p, const PerceptionOfStd& perception) {
  auto rho_min = [&](double s) {
    auto excess = [&](double rho) { return sigma * sigma + s * s - 2 * rho * sigma * s - d; };
    if (excess(0.0) <= 0.0) return 0.0;
    if (excess(1.0) > 0.0) return 1.0;  // infeasible at this s
    return rdp::test::bisect(excess, 0.0, 1.0);
  };
  auto over = [&](double s) { return perception(sigma, s) - p; };
  const double s_lo = over(1e-300) <= 0.0 ? 0.0 : rdp::test::bisect(over, 1e-300, sigma);
  const double s_hi = rdp::test::bisect(over, sigma, 10 * sigma);
  // With ρ <= 1 the distortion is at least (σ − s)², so only |s − σ| <= √D can be feasible;
  // searching there keeps the infeasible plateau out of the golden section's bracket.
  const double lo = std::max(s_lo, sigma - std::sqrt(d)), hi = std::min(s_hi, sigma + std::sqrt(d));
  auto rate = [&](double s) {
    const double r = rho_min(s);
    return r >= 1.0 ? 1e9 : -0.5 * std::log2((1 - r) * (1 + r));
  };
  return rdp::test::golden_minimize(rate, lo, hi).second;
}

}  // namespace

TEST_CASE("Gaussian-W2sq closed form matches brute-force jointly Gaussian search") {
  // Zhang et al. 2021 Thm. 2 says the jointly Gaussian optimum is R(D,P), so the search over that
  // family is a complete oracle. Tolerance 1e-9 bits: the bisections are exact to the last bit
  // and the golden section's bracket is 1e-15σ; R has slope at most ~1/(D − (σ−s)²) < 1e3 here.
  for (double sigma : {0.5, 1.0, 2.0}) {
    const double v = sigma * sigma;
    for (double dr : {0.02, 0.1, 0.3, 0.6, 0.95, 1.1, 1.5, 1.9, 2.1}) {
      for (double pr : {0.0, 0.001, 0.01, 0.05, 0.2, 0.6, 1.2}) {
        const double d = dr * v, p = pr * v;
        const auto r = rdp::rate_distortion_perception_gaussian_w2sq(sigma, d, p);
        const double brute = brute_force_rate(sigma, d, p, w2sq);
        INFO("sigma=" << sigma << " D=" << d << " P=" << p << " region " << r.region);
        CHECK(std::abs(r.rate_bits - brute) <= 1e-9);
        // The reported channel is feasible and attains the rate.
        const double s = r.output_std, rho = r.correlation;
        CHECK(v + s * s - 2 * rho * sigma * s <= d * (1 + 1e-12));
        CHECK(w2sq(sigma, s) <= p * (1 + 1e-12) + 1e-15);
        if (r.rate_bits > 0) CHECK(std::abs(-0.5 * std::log2(1 - rho * rho) - r.rate_bits) <= 1e-9);
      }
    }
  }
}

TEST_CASE("Gaussian-KL closed forms (both directions) match brute-force jointly Gaussian search") {
  for (double d : {0.05, 0.3, 0.6, 0.99, 1.3, 1.8}) {
    for (double p : {0.0, 1e-4, 0.01, 0.1, 0.5, 2.0, 10.0}) {
      const auto f =
          rdp::rate_distortion_perception_gaussian_kl(1.0, d, p, rdp::KlDirection::forward);
      const auto r =
          rdp::rate_distortion_perception_gaussian_kl(1.0, d, p, rdp::KlDirection::reverse);
      INFO("D=" << d << " P=" << p);
      CHECK(std::abs(f.rate_bits - brute_force_rate(1.0, d, p, kl_forward)) <= 1e-9);
      CHECK(std::abs(r.rate_bits - brute_force_rate(1.0, d, p, kl_reverse)) <= 1e-9);
    }
  }
}

TEST_CASE("KL minimum variance ratios solve their defining equations (Lambert W)") {
  for (double p : {0.0, 1e-8, 1e-3, 0.1, 1.0, 10.0, 400.0}) {
    const double tf = rdp::kl_forward_min_variance_ratio(p);
    const double tr = rdp::kl_reverse_min_variance_ratio(p);
    INFO("P=" << p);
    CHECK(tf <= 1.0);
    CHECK(tr <= 1.0);
    // Near P = 0 the KL is quadratic in (1 − t), so t is only determined to ~√eps there.
    const double tol = p < 1e-6 ? 1e-7 : 1e-12 * (1 + p);
    CHECK(std::abs(0.5 * (1 / tf + std::log(tf) - 1) - p) <= tol);
    if (tr > 1e-300) CHECK(std::abs(0.5 * (tr - std::log(tr) - 1) - p) <= tol);
  }
}

TEST_CASE(
    "Gaussian RDP properties: monotone, convex in D, P inactive gives Shannon, D(R,P) inverts") {
  const double sigma = 1.3;
  for (double p : {0.0, 0.05, 0.3, 2.0}) {
    std::vector<double> r;
    for (int i = 1; i <= 400; ++i)
      r.push_back(
          rdp::rate_distortion_perception_gaussian_w2sq(sigma, 2.5 * sigma * sigma * i / 400, p)
              .rate_bits);
    for (std::size_t i = 0; i + 1 < r.size(); ++i) CHECK(r[i + 1] <= r[i] + 1e-14);
    for (std::size_t i = 1; i + 1 < r.size(); ++i) CHECK(r[i - 1] - 2 * r[i] + r[i + 1] >= -1e-11);
    for (double rate : {0.05, 0.5, 2.0, 6.0}) {
      const double d = rdp::distortion_rate_perception_gaussian_w2sq(sigma, rate, p);
      CHECK(std::abs(rdp::rate_distortion_perception_gaussian_w2sq(sigma, d, p).rate_bits - rate) <=
            1e-9 * (1 + rate));
      const double dk =
          rdp::distortion_rate_perception_gaussian_kl(sigma, rate, p, rdp::KlDirection::forward);
      CHECK(std::abs(
                rdp::rate_distortion_perception_gaussian_kl(sigma, dk, p, rdp::KlDirection::forward)
                    .rate_bits -
                rate) <= 1e-9 * (1 + rate));
    }
  }
  for (double d : {0.1, 0.5, 1.0, 1.6}) {
    double prev = INFINITY;
    for (int j = 0; j <= 100; ++j) {
      const double rate =
          rdp::rate_distortion_perception_gaussian_w2sq(sigma, d, 0.02 * j).rate_bits;
      CHECK(rate <= prev + 1e-14);
      prev = rate;
    }
    // P >= σ² makes s_lo = 0: Shannon's R(D) (C&T Thm. 10.3.2).
    CHECK(
        std::abs(rdp::rate_distortion_perception_gaussian_w2sq(sigma, d, sigma * sigma).rate_bits -
                 rdp::shannon_rate_gaussian_mse(sigma, d)) <= 1e-15);
  }
}

TEST_CASE("Perfect realism: R(D,0) is the W2 formula at P = 0, R(D/2,inf) the Shannon one at D/2") {
  for (double sigma : {0.7, 1.0, 3.0}) {
    for (double dr : {0.01, 0.2, 0.9, 1.5, 1.99, 2.5}) {
      const double d = dr * sigma * sigma;
      CHECK(std::abs(rdp::rate_perfect_realism_gaussian(sigma, d) -
                     rdp::rate_distortion_perception_gaussian_w2sq(sigma, d, 0.0).rate_bits) <=
            1e-12);
      const double half =
          d / 2 < sigma * sigma ? rdp::shannon_rate_gaussian_mse(sigma, d / 2) : 0.0;
      CHECK(std::abs(rdp::rate_half_distortion_gaussian(sigma, d) - half) <= 1e-14);
      // Yan et al.: the gap R(D/2,∞) − R(D,0) is ½ log2(2 − D/(2σ²)) for D < 2σ².
      if (dr < 2)
        CHECK(std::abs(rdp::rate_half_distortion_gaussian(sigma, d) -
                       rdp::rate_perfect_realism_gaussian(sigma, d) -
                       0.5 * std::log2(2 - d / (2 * sigma * sigma))) <= 1e-12);
    }
  }
}

TEST_CASE("Wagner D(R,Rc): both ends, monotone in Rc, and its inverse") {
  const double sigma = 1.0;
  for (double rate : {0.1, 0.5, 1.0, 3.0}) {
    // Rc = 0 gives 2σ² 2^(−2R) (no common randomness); Rc = ∞ gives the inverse of R(D,0).
    CHECK(std::abs(rdp::distortion_common_randomness_gaussian(sigma, rate, 0.0) -
                   2 * std::exp2(-2 * rate)) <= 1e-14);
    const double d_inf = rdp::distortion_common_randomness_gaussian(sigma, rate, INFINITY);
    CHECK(std::abs(rdp::rate_perfect_realism_gaussian(sigma, d_inf) - rate) <= 1e-10);
    double prev = INFINITY;
    for (double rc : {0.0, 0.25, 0.5, 1.0, 1.585, 3.0, 10.0}) {
      const double d = rdp::distortion_common_randomness_gaussian(sigma, rate, rc);
      CHECK(d <= prev);
      prev = d;
      CHECK(std::abs(rdp::rate_common_randomness_gaussian(sigma, d, rc) - rate) <= 1e-10);
    }
  }
}
