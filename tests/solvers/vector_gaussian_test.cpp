// Diagonal vector Gaussian with total MSE and total W2² (docs/THEORY.md §3) against independent
// checks: the scalar closed form (k = 1), symmetry (equal σ_i), and a brute-force split of the
// budgets.
#include "rdp/solvers/vector_gaussian.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "brute_force.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"

namespace {
double scalar(double sigma, double d, double p) {
  return rdp::rate_distortion_perception_gaussian_w2sq(sigma, d, p).rate_bits;
}
}  // namespace

TEST_CASE("Vector Gaussian: one component is the scalar closed form") {
  for (double d : {0.05, 0.4, 0.9, 1.5}) {
    for (double p : {0.0, 0.01, 0.1, 0.5, 1.0}) {
      const auto v = rdp::rate_distortion_perception_diagonal_gaussian_w2sq({1.0}, d, p);
      INFO("D=" << d << " P=" << p << " " << v.region);
      CHECK(std::abs(v.rate_bits - scalar(1.0, d, p)) <= 1e-9);
    }
  }
}

TEST_CASE("Vector Gaussian: equal sigmas split both budgets equally") {
  // The problem is convex and symmetric under permuting equal components, so the optimum splits
  // D and P equally: R = k R1(D/k, P/k).
  for (double d : {0.3, 1.2, 2.5}) {
    for (double p : {0.0, 0.05, 0.4}) {
      const auto v = rdp::rate_distortion_perception_diagonal_gaussian_w2sq({1.0, 1.0, 1.0}, d, p);
      CHECK(std::abs(v.rate_bits - 3 * scalar(1.0, d / 3, p / 3)) <= 1e-9);
    }
  }
}

TEST_CASE("Vector Gaussian: two components against a brute-force split of D and P") {
  // R = min over D1 + D2 = D, P1 + P2 = P of R1(D1,P1) + R2(D2,P2): a convex function of (D1,P1)
  // (sum of convex functions), minimised by nested golden sections. The scalar R_i are themselves
  // checked against brute force in gaussian_rdp_test.cpp. Tolerance 1e-8 bits: the nested search
  // is exact to ~1e-12 in (D1, P1) and R has slope < 1e3 bits per unit here.
  const double s1 = 1.0, s2 = 0.5;
  for (double d : {0.1, 0.4, 0.9, 1.4}) {
    for (double p : {0.0, 0.02, 0.1, 0.3, 2.0}) {
      auto split = [&](double d1) {
        if (d1 <= 0 || d1 >= d) return 1e9;
        return rdp::test::golden_minimize(
                   [&](double p1) { return scalar(s1, d1, p1) + scalar(s2, d - d1, p - p1); }, 0.0,
                   p)
            .second;
      };
      const double brute = rdp::test::golden_minimize(split, 1e-12 * d, d * (1 - 1e-12)).second;
      const auto v = rdp::rate_distortion_perception_diagonal_gaussian_w2sq({s1, s2}, d, p);
      INFO("D=" << d << " P=" << p << " region " << v.region << " nu=" << v.nu);
      CHECK(std::abs(v.rate_bits - brute) <= 1e-8);
      // The reported solution meets both budgets.
      CHECK(v.distortion_mse <= d * (1 + 1e-10));
      CHECK(v.perception_w2sq <= p * (1 + 1e-10) + 1e-14);
    }
  }
}

TEST_CASE("Vector Gaussian: P = 0 gives every component positive rate; large P is water-filling") {
  const std::vector<double> sigmas{2.0, 1.0, 0.3};
  const auto realism = rdp::rate_distortion_perception_diagonal_gaussian_w2sq(sigmas, 1.0, 0.0);
  for (double r : realism.component_rate_bits) CHECK(r > 0.0);
  const auto shannon = rdp::rate_distortion_perception_diagonal_gaussian_w2sq(sigmas, 1.0, 100.0);
  CHECK(shannon.region == "perception_inactive");
  // Reverse water-filling (C&T Thm. 10.3.3): total D = 1 with σ² = {4, 1, 0.09} puts the water
  // level θ on the two largest: 0.09 + 2θ = 1, θ = 0.455; R = ½ log2(4/θ) + ½ log2(1/θ).
  const double theta = (1.0 - 0.09) / 2;
  CHECK(std::abs(shannon.rate_bits - 0.5 * std::log2(4 / theta) - 0.5 * std::log2(1 / theta)) <=
        1e-9);
  CHECK(shannon.component_rate_bits[2] == 0.0);
}

TEST_CASE("Vector Gaussian rejects bad input") {
  CHECK_THROWS_AS(rdp::rate_distortion_perception_diagonal_gaussian_w2sq({}, 1.0, 0.0),
                  std::invalid_argument);
  CHECK_THROWS_AS(rdp::rate_distortion_perception_diagonal_gaussian_w2sq({1.0, -1.0}, 1.0, 0.0),
                  std::invalid_argument);
  CHECK_THROWS_AS(rdp::rate_distortion_perception_diagonal_gaussian_w2sq({1.0}, 0.0, 0.0),
                  std::invalid_argument);
}
