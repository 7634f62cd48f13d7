// Bernoulli–Hamming–TV R(D,P) (Blau & Michaeli 2019, Thm. 3; docs/THEORY.md §2) against a
// brute-force minimisation of I(X;X̂) over the two-parameter binary test channel.
#include "rdp/solvers/bernoulli_tv.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "brute_force.hpp"
#include "rdp/information.hpp"
#include "rdp/solvers/shannon.hpp"

namespace {

// I(X;X̂) in bits for X ~ Bern(p) and joint masses a = P(0,1), b = P(1,0), from the definition.
double info_bits(double p, double a, double b) {
  const double q = 1.0 - p;
  const double joint[4] = {q - a, a, b, p - b};  // (0,0), (0,1), (1,0), (1,1)
  const double px[2] = {q, p};
  const double pxh[2] = {q - a + b, a + p - b};
  double info = 0.0;
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 2; ++y) {
      const double j = joint[2 * x + y];
      if (j > 0.0) info += j * std::log2(j / (px[x] * pxh[y]));
    }
  return std::max(info, 0.0);
}

// min I over {a in [0,q], b in [0,p], a + b <= D, |a − b| <= P}: E[Hamming] = a + b and
// TV(p_X, p_X̂) = |P(X̂=1) − p| = |a − b|. I is convex in (a, b) (convex in the channel, which is
// linear in (a, b) at fixed p_X), so g(a) = min_b I(a, b) is convex and nested golden sections
// find the minimum.
double brute_force_rate(double p, double d, double perception) {
  const double q = 1.0 - p;
  const double a_hi = std::min({q, d, 0.5 * (d + perception), p + perception});
  auto inner = [&](double a) {
    const double b_lo = std::max(0.0, a - perception);
    const double b_hi = std::min({p, d - a, a + perception});
    if (b_hi < b_lo) return 1e9;
    return rdp::test::golden_minimize([&](double b) { return info_bits(p, a, b); }, b_lo, b_hi)
        .second;
  };
  return rdp::test::golden_minimize(inner, 0.0, a_hi).second;
}

}  // namespace

TEST_CASE("Bernoulli-TV closed form matches brute-force channel search in all three regions") {
  // Tolerance 1e-10 bits: golden sections shrink each bracket to ~1e-15, and I(a,b) has slope of
  // order |log2 a| < 50 bits per unit of mass on these grids, so the oracle is good to ~1e-13.
  int regions[3] = {0, 0, 0};
  for (double p : {0.1, 0.25, 0.4, 0.7}) {
    const double pp = std::min(p, 1 - p);
    for (double d : {0.003, 0.02, 0.05, 0.09, 0.15, 0.3, 0.45}) {
      for (double perception : {0.0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5}) {
        const auto r = rdp::rate_distortion_perception_bernoulli_tv(p, d, perception);
        const double brute = brute_force_rate(pp, d, perception);
        INFO("p=" << p << " D=" << d << " P=" << perception << " region " << r.region);
        CHECK(std::abs(r.rate_bits - brute) <= 1e-10);
        ++regions[r.region[1] - '1'];
      }
    }
  }
  CHECK(regions[0] > 10);
  CHECK(regions[1] > 10);
  CHECK(regions[2] > 10);
}

TEST_CASE("Bernoulli-TV optimal joint masses meet the constraints and give the rate") {
  for (double d : {0.01, 0.04, 0.08, 0.12}) {
    for (double perception : {0.0, 0.01, 0.03, 0.2}) {
      const double p = 0.1;
      const auto r = rdp::rate_distortion_perception_bernoulli_tv(p, d, perception);
      INFO("D=" << d << " P=" << perception << " " << r.region);
      CHECK(r.a + r.b <= d + 1e-15);
      CHECK(std::abs(r.a - r.b) <= perception + 1e-15);
      CHECK(std::abs(info_bits(p, r.a, r.b) - r.rate_bits) <= 1e-12);
    }
  }
}

TEST_CASE("Bernoulli-TV properties: monotone, convex in D, continuous, P large gives Shannon") {
  const double p = 0.1;
  const int n = 400;
  for (double perception : {0.0, 0.01, 0.03, 0.06, 0.1}) {
    std::vector<double> r(n + 1);
    for (int i = 0; i <= n; ++i)
      r[i] = rdp::rate_distortion_perception_bernoulli_tv(p, 0.2 * i / n, perception).rate_bits;
    for (int i = 0; i < n; ++i) CHECK(r[i + 1] <= r[i] + 1e-14);
    // Convexity: second differences >= 0 up to rounding of three O(1) values (1e-12).
    for (int i = 1; i < n; ++i) CHECK(r[i - 1] - 2 * r[i] + r[i + 1] >= -1e-12);
  }
  for (double d : {0.0, 0.02, 0.05, 0.1}) {
    double prev = INFINITY;
    for (int j = 0; j <= 100; ++j) {
      const double rate =
          rdp::rate_distortion_perception_bernoulli_tv(p, d, 0.12 * j / 100).rate_bits;
      CHECK(rate <= prev + 1e-14);
      prev = rate;
    }
    // P >= p: the constraint is inactive and R(D,P) = R(D) (C&T Thm. 10.3.1).
    CHECK(std::abs(rdp::rate_distortion_perception_bernoulli_tv(p, d, 0.1).rate_bits -
                   rdp::shannon_rate_bernoulli_hamming(p, d)) <= 1e-15);
  }
  // Continuity at the region boundaries D1 = P/(1 − 2(p − P)) and D3 = 2pq − (q − p)P.
  for (double perception : {0.005, 0.02, 0.05}) {
    const double d1 = perception / (1 - 2 * (p - perception));
    const double d3 = 2 * p * (1 - p) - (1 - 2 * p) * perception;
    for (double boundary : {d1, d3}) {
      const double below =
          rdp::rate_distortion_perception_bernoulli_tv(p, boundary * (1 - 1e-12), perception)
              .rate_bits;
      const double above =
          rdp::rate_distortion_perception_bernoulli_tv(p, boundary * (1 + 1e-12), perception)
              .rate_bits;
      CHECK(std::abs(below - above) <= 1e-9);
    }
  }
}

TEST_CASE("Bernoulli-TV inverse D(R,P) and Shannon D(R) invert their rate functions") {
  const double p = 0.1;
  for (double perception : {0.0, 0.02, 0.05}) {
    for (double rate : {0.01, 0.1, 0.3, 0.45}) {
      const double d = rdp::distortion_rate_perception_bernoulli_tv(p, rate, perception);
      CHECK(std::abs(rdp::rate_distortion_perception_bernoulli_tv(p, d, perception).rate_bits -
                     rate) <= 1e-12);
    }
    CHECK(rdp::distortion_rate_perception_bernoulli_tv(p, 1.0, perception) == 0.0);
  }
  for (double rate : {0.01, 0.2, 0.4}) {
    const double d = rdp::shannon_distortion_bernoulli_hamming(p, rate);
    CHECK(std::abs(rdp::shannon_rate_bernoulli_hamming(p, d) - rate) <= 1e-12);
  }
}

TEST_CASE("Bernoulli-TV rejects parameters outside their domain") {
  CHECK_THROWS_AS(rdp::rate_distortion_perception_bernoulli_tv(0.0, 0.1, 0.1),
                  std::invalid_argument);
  CHECK_THROWS_AS(rdp::rate_distortion_perception_bernoulli_tv(1.0, 0.1, 0.1),
                  std::invalid_argument);
  CHECK_THROWS_AS(rdp::rate_distortion_perception_bernoulli_tv(0.1, -0.1, 0.1),
                  std::invalid_argument);
  CHECK_THROWS_AS(rdp::rate_distortion_perception_bernoulli_tv(0.1, 0.1, NAN),
                  std::invalid_argument);
  CHECK_THROWS_AS(rdp::rate_distortion_perception_bernoulli_tv(0.1, INFINITY, 0.1),
                  std::invalid_argument);
}
