#include <doctest/doctest.h>

#include <cmath>

#include "rdp/information.hpp"

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
