#include "rdp/solvers/level_set.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "rdp/solvers/bernoulli_tv.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"

TEST_CASE("Level sets: every point has the requested rate, and D falls as P grows") {
  const auto bern = [](double d, double p) {
    return rdp::rate_distortion_perception_bernoulli_tv(0.1, d, p).rate_bits;
  };
  for (double rate : {0.05, 0.2, 0.4}) {
    const auto pts = rdp::equi_rate_level_set(bern, rate, rdp::linspace(0, 0.1, 41), 0.0, 0.18);
    REQUIRE(pts.size() == 41);
    for (std::size_t i = 0; i < pts.size(); ++i) {
      CHECK(std::abs(bern(pts[i].distortion, pts[i].perception) - rate) <= 1e-12);
      if (i) CHECK(pts[i].distortion <= pts[i - 1].distortion + 1e-15);
    }
  }
  const auto gauss = [](double d, double p) {
    return rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, p).rate_bits;
  };
  const auto pts = rdp::equi_rate_level_set(gauss, 1.0, rdp::linspace(0, 1, 21), 1e-6, 2.0);
  REQUIRE(pts.size() == 21);
  // At P = 0: D(R,0) = 2σ²(1 − √(1 − 2^(−2R))) (docs/THEORY.md §3); P >= σ²: D = σ² 2^(−2R).
  CHECK(std::abs(pts.front().distortion - 2 * (1 - std::sqrt(1 - std::exp2(-2.0)))) <= 1e-12);
  CHECK(std::abs(pts.back().distortion - std::exp2(-2.0)) <= 1e-12);
}
