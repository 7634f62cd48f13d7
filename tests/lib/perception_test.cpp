#include "rdp/perception.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "rdp/rng.hpp"
#include "test_support.hpp"

TEST_CASE("W_r on the line: known values and the cdf formula for W1") {
  // A shift by c moves all mass by c: W_r^r = |c|^r.
  const std::vector<double> x{0, 1, 3}, p{0.2, 0.5, 0.3};
  std::vector<double> y = x;
  for (double& v : y) v += 0.7;
  CHECK(std::abs(rdp::wasserstein_power_line(x, p, y, p, 2.0) - 0.49) <= 1e-15);
  CHECK(std::abs(rdp::wasserstein_power_line(x, p, y, p, 1.0) - 0.7) <= 1e-15);
  // W1 = ∫ |F(t) − G(t)| dt (Vallender 1974), computed independently on random pmfs.
  rdp::Philox rng(rdp_test_seed(), 3);
  for (int trial = 0; trial < 20; ++trial) {
    const int m = 2 + trial % 5, n = 3 + trial % 4;
    std::vector<double> a(m), pa(m), b(n), pb(n);
    double sa = 0, sb = 0;
    for (int i = 0; i < m; ++i) sa += (pa[i] = rng.uniform01()), a[i] = 4 * rng.uniform01();
    for (int i = 0; i < n; ++i) sb += (pb[i] = rng.uniform01()), b[i] = 4 * rng.uniform01();
    for (double& v : pa) v /= sa;
    for (double& v : pb) v /= sb;
    std::vector<double> cuts = a;
    cuts.insert(cuts.end(), b.begin(), b.end());
    std::sort(cuts.begin(), cuts.end());
    double integral = 0;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
      double fa = 0, fb = 0;
      for (int i = 0; i < m; ++i) fa += a[i] <= cuts[k] ? pa[i] : 0;
      for (int i = 0; i < n; ++i) fb += b[i] <= cuts[k] ? pb[i] : 0;
      integral += std::abs(fa - fb) * (cuts[k + 1] - cuts[k]);
    }
    CHECK(std::abs(rdp::wasserstein_power_line(a, pa, b, pb, 1.0) - integral) <= 1e-12);
  }
}

TEST_CASE("TV and KL on small pmfs") {
  Eigen::VectorXd p(3), q(3);
  p << 0.5, 0.3, 0.2;
  q << 0.2, 0.3, 0.5;
  CHECK(std::abs(rdp::total_variation(p, q) - 0.3) <= 1e-15);
  const double kl = 0.5 * std::log(2.5) + 0.2 * std::log(0.4);
  CHECK(std::abs(rdp::kl_divergence_nats(p, q) - kl) <= 1e-15);
  Eigen::VectorXd z(3);
  z << 0.5, 0.5, 0.0;
  CHECK(std::isinf(rdp::kl_divergence_nats(p, z)));
  CHECK(rdp::parse_perception("w2sq") == rdp::Perception::w2sq);
  CHECK_THROWS_AS(rdp::parse_perception("w3"), std::invalid_argument);
}
