// The counter-based generator (lib/include/rdp/rng.hpp): its uniform variate stays strictly
// inside (0, 1) at the extremes of its bit pattern, and a stream is a pure function of its key.
#include "rdp/rng.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include "rdp/sources.hpp"

TEST_CASE("uniform01 maps every bit pattern strictly inside (0, 1), exactly") {
  constexpr std::uint64_t all_ones = ~std::uint64_t{0};
  // The largest value is 1 − 2⁻⁵³ (the double just below 1), the smallest 2⁻⁵³.
  CHECK(rdp::Philox::uniform01_from_bits(all_ones) == std::nextafter(1.0, 0.0));
  CHECK(rdp::Philox::uniform01_from_bits(all_ones) < 1.0);
  CHECK(rdp::Philox::uniform01_from_bits(0) == std::ldexp(1.0, -53));
  // Exact: k + ½ is representable for every 52-bit k, so neighbours differ by exactly 2⁻⁵².
  const std::uint64_t k = (std::uint64_t{1} << 52) - 2;
  CHECK(rdp::Philox::uniform01_from_bits(k + 1) - rdp::Philox::uniform01_from_bits(k) ==
        std::ldexp(1.0, -52));
  // Symmetric about ½: u(k) + u(2⁵² − 1 − k) = 1 exactly.
  for (std::uint64_t j : {std::uint64_t{0}, std::uint64_t{12345}, k})
    CHECK(rdp::Philox::uniform01_from_bits(j) +
              rdp::Philox::uniform01_from_bits(((std::uint64_t{1} << 52) - 1) - j) ==
          1.0);
}

TEST_CASE("a continuous source's quantile is finite at the generator's extremes") {
  const rdp::Gaussian g(0.0, 1.0);
  const rdp::Laplace l(0.0, 1.0);
  for (double u :
       {rdp::Philox::uniform01_from_bits(0), rdp::Philox::uniform01_from_bits(~std::uint64_t{0})}) {
    CHECK(std::isfinite(g.quantile(u)));
    CHECK(std::isfinite(l.quantile(u)));
  }
  // N(0,1) quantile at 2⁻⁵³ is about −8.21 (Φ(−8.21) ≈ 1.1e-16).
  CHECK(std::abs(g.quantile(rdp::Philox::uniform01_from_bits(0)) + 8.21) < 0.01);
}

TEST_CASE("Philox streams are pure functions of (seed, stream)") {
  rdp::Philox a1(42, 1), a2(42, 1), a3(42, 2);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    const double u = a1.uniform01();
    CHECK(u == a2.uniform01());
    differ += u != a3.uniform01();
    CHECK(u > 0.0);
    CHECK(u < 1.0);
  }
  CHECK(differ == 1000);
}
