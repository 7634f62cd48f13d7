#include "rdp/information.hpp"

#include <doctest/doctest.h>

#include <cmath>

// Reference values in closed form: H_b(1/4) = 2 − ¾ log2 3 and H_b(1/8) = 3 − ⅞ log2 7, with
// log2 3 = 1.58496250072115618145... (OEIS A020857) and log2 7 = 2.80735492205760410744...
// (OEIS A020863), evaluated to 30 digits outside this code.
TEST_CASE("binary entropy: closed-form values and properties") {
  CHECK(rdp::binary_entropy_bits(0.5) == 1.0);
  CHECK(rdp::binary_entropy_bits(0.0) == 0.0);
  CHECK(rdp::binary_entropy_bits(1.0) == 0.0);
  // A few roundings of order-one terms: 4 ulp of 1.
  const double tol = 4 * 2.2e-16;
  CHECK(std::abs(rdp::binary_entropy_bits(0.25) - 0.811278124459132863909695792039) <= tol);
  CHECK(std::abs(rdp::binary_entropy_bits(0.125) - 0.543564443199596405988276847422) <= tol);
  // Symmetry H_b(p) = H_b(1 − p) where 1 − p is exact, and strict concavity on a grid.
  for (double p : {0.125, 0.25, 0.375})
    CHECK(std::abs(rdp::binary_entropy_bits(p) - rdp::binary_entropy_bits(1.0 - p)) <= tol);
  for (int i = 1; i < 99; ++i) {
    const double h = 0.01;
    const double mid = rdp::binary_entropy_bits(i * h);
    CHECK(2 * mid > rdp::binary_entropy_bits((i - 1) * h) + rdp::binary_entropy_bits((i + 1) * h));
  }
  // Small p: H_b(p) = p log2(e/p) + O(p²) (expand −(1−p) log2(1−p) = p log2 e − O(p²)), so at
  // p = 1e-300 the relative error of that form is 1e-300: finite, no underflow to NaN.
  const double p = 1e-300;
  const double small = p * (std::log2(std::exp(1.0)) - std::log2(p));
  CHECK(std::abs(rdp::binary_entropy_bits(p) - small) <= 1e-14 * small);
}

TEST_CASE("mutual information of a BSC equals 1 - H_b(eps) for a uniform input") {
  const double eps = 0.2;
  Eigen::VectorXd px(2);
  px << 0.5, 0.5;
  Eigen::MatrixXd w(2, 2);
  w << 1 - eps, eps, eps, 1 - eps;
  CHECK(rdp::mutual_information_bits(px, w) ==
        doctest::Approx(1.0 - rdp::binary_entropy_bits(eps)).epsilon(1e-14));
}

TEST_CASE("mutual information stays finite when a joint mass underflows") {
  // The tails of a fine discretisation: p_i = 1e-300 sends 1e-30 of its mass to a column nobody
  // else reaches, so q_j = 1e-330 underflows to 0 while W_ij > 0. The term is 0 (its joint mass
  // is below the smallest double), not 0·inf = NaN. I(X;X̂) = H(X) here, since the channel is
  // invertible, and H(X) ≈ 1e-300·log2(1e300) ≈ 1e-297 bits.
  Eigen::VectorXd px(2);
  px << 1.0, 1e-300;
  Eigen::MatrixXd w(2, 3);
  w << 1.0, 0.0, 0.0, 0.0, 1.0 - 1e-30, 1e-30;
  const double info = rdp::mutual_information_bits(px, w);
  CHECK(std::isfinite(info));
  CHECK(info >= 0.0);
  CHECK(info <= 1e-295);
}
