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

// Scale invariance (from the definition: X → X/σ maps D to D/σ², W2² to W2²/σ², keeps KL and I):
// R_σ(Dσ², Pσ²) = R_1(D, P) for W2² and R_σ(Dσ², P) = R_1(D, P) for KL, at the ends of the
// documented σ range [1e-100, 1e100], where σ²s² and 2σ²/D leave the double range.
TEST_CASE("Gaussian closed forms are scale invariant over the whole sigma range") {
  const std::vector<double> ds = {0.05, 0.3, 0.9, 1.2}, ps = {0.0, 0.01, 0.2, 2.0};
  for (double sigma : {1e-100, 1e-50, 1e50, 1e100}) {
    CAPTURE(sigma);
    const double var = sigma * sigma;
    for (double d : ds) {
      for (double p : ps) {
        CAPTURE(d);
        CAPTURE(p);
        const auto ref = rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, p);
        const auto got = rdp::rate_distortion_perception_gaussian_w2sq(sigma, d * var, p * var);
        CHECK(got.region == ref.region);
        // A few roundings of order-one ratios: 1e-12 relative (or absolute near R = 0).
        CHECK(std::abs(got.rate_bits - ref.rate_bits) <= 1e-12 * (1.0 + ref.rate_bits));
        CHECK(std::abs(got.correlation - ref.correlation) <= 1e-12);
        for (auto dir : {rdp::KlDirection::forward, rdp::KlDirection::reverse}) {
          const auto kref = rdp::rate_distortion_perception_gaussian_kl(1.0, d, p, dir);
          const auto kgot = rdp::rate_distortion_perception_gaussian_kl(sigma, d * var, p, dir);
          CHECK(std::abs(kgot.rate_bits - kref.rate_bits) <= 1e-12 * (1.0 + kref.rate_bits));
        }
      }
      CHECK(std::abs(rdp::rate_perfect_realism_gaussian(sigma, d * var) -
                     rdp::rate_perfect_realism_gaussian(1.0, d)) <= 1e-12);
      CHECK(std::abs(rdp::rate_half_distortion_gaussian(sigma, d * var) -
                     rdp::rate_half_distortion_gaussian(1.0, d)) <= 1e-12);
      CHECK(std::abs(rdp::rate_common_randomness_gaussian(sigma, d * var, 1.0) -
                     rdp::rate_common_randomness_gaussian(1.0, d, 1.0)) <= 1e-12);
    }
  }
}

// A denormal D is inside the documented range D > 0; every rate is about ½ log2(σ²/D) there.
TEST_CASE("Gaussian rates at a denormal distortion are finite and right") {
  const double d = 1e-310;
  // ½ log2(1/D) with log2(1e-310) = −310 log2(10), computed without forming 1/D.
  const double half_log2_inv_d = 0.5 * 310.0 * std::log2(10.0);  // 514.87...
  CHECK(std::abs(rdp::shannon_rate_gaussian_mse(1.0, d) - half_log2_inv_d) <= 1e-9);
  // P large: the perception constraint is inactive, Shannon's value.
  CHECK(std::abs(rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, 1.0).rate_bits -
                 half_log2_inv_d) <= 1e-9);
  // P = 0: R(D,0) = −½ log2(D(1 − D/4)) = ½ log2(1/D) to within 1e-300 (docs/THEORY.md §3).
  CHECK(std::abs(rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, 0.0).rate_bits -
                 half_log2_inv_d) <= 1e-9);
  CHECK(std::abs(rdp::rate_perfect_realism_gaussian(1.0, d) - half_log2_inv_d) <= 1e-9);
  // R(D/2, ∞) = ½ log2(2σ²/D) = ½ log2(1/D) + ½.
  CHECK(std::abs(rdp::rate_half_distortion_gaussian(1.0, d) - (half_log2_inv_d + 0.5)) <= 1e-9);
}
