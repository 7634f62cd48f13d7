#include "rdp/information.hpp"

#include <doctest/doctest.h>

#include <cmath>

TEST_CASE("binary entropy: known values") {
  // H_b(½) = 1 bit exactly; H_b(0.11) ≈ 0.4999 (tables: H_b(0.11) = 0.49991596...).
  CHECK(rdp::binary_entropy_bits(0.5) == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(rdp::binary_entropy_bits(0.0) == 0.0);
  CHECK(rdp::binary_entropy_bits(1.0) == 0.0);
  const double p = 0.11;
  CHECK(rdp::binary_entropy_bits(p) ==
        doctest::Approx(-p * std::log2(p) - (1 - p) * std::log2(1 - p)).epsilon(1e-15));
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
