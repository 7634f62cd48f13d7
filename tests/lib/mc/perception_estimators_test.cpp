#include "rdp/mc/perception_estimators.hpp"

#include <doctest/doctest.h>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <cmath>
#include <stdexcept>
#include <tuple>

#include "rdp/rng.hpp"
#include "test_support.hpp"

namespace {
// Allowance for the O(log N / N) upward bias of an empirical W2² (Bobkov & Ledoux 2019, §5) and
// for the Gaussian fits' O(1/N) bias; both are far below the 5-SE band at these N.
double bias_allowance(double n) { return 10.0 * std::log(n) / n; }
}  // namespace

TEST_CASE("Empirical W2 to a Gaussian: uniform samples against the exact quadrature value") {
  // W2²(Unif(−a,a), N(0,1)) = ∫₀¹ (a(2u − 1) − Φ⁻¹(u))² du, by tanh-sinh quadrature.
  const double a = 1.5;
  boost::math::quadrature::tanh_sinh<double> integrator;
  const boost::math::normal_distribution<> std_normal;
  const double exact = integrator.integrate(
      [&](double u) {
        const double d = a * (2 * u - 1) - boost::math::quantile(std_normal, u);
        return d * d;
      },
      0.0, 1.0);
  const int n = 100000;
  Eigen::MatrixXd x(n, 1);
  rdp::Philox rng(rdp_test_seed(), 11);
  for (int i = 0; i < n; ++i) x(i, 0) = a * (2 * rng.uniform01() - 1);
  const auto est = rdp::estimate_perception_gaussian(x, 0.0, 1.0);
  INFO("exact " << exact << " estimate " << est.marginal_w2sq.value << " +- "
                << est.marginal_w2sq.stderr_);
  CHECK(est.marginal_w2sq.stderr_ > 0.0);
  CHECK(std::abs(est.marginal_w2sq.value - exact) <=
        5 * est.marginal_w2sq.stderr_ + bias_allowance(n));
  // In one dimension the sliced W2² is the W2² itself.
  CHECK(std::abs(est.sliced_w2sq.value - est.marginal_w2sq.value) <= 1e-12);
}

TEST_CASE("Perception estimators on N(0, s^2 I) against N(0, sigma^2 I) give (sigma - s)^2") {
  // docs/THEORY.md §5: SW2²(N(0,σ²Iₙ), N(0,s²Iₙ)) = (σ − s)², the per-dimension W2²; the Fréchet
  // form gives the same; the fitted KL is ½(σ²/s² − 1 + ln(s²/σ²)).
  const double sigma = 1.0, s = 0.8;
  const int n = 4, count = 40000;
  Eigen::MatrixXd x(count, n);
  rdp::Philox rng(rdp_test_seed(), 12);
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < n; ++k) x(i, k) = s * rng.normal();
  const auto est = rdp::estimate_perception_gaussian(x, 0.0, sigma, {16, 64, rdp_test_seed()});
  const double w2 = (sigma - s) * (sigma - s);
  const double kl = 0.5 * (sigma * sigma / (s * s) - 1 + std::log(s * s / (sigma * sigma)));
  for (const auto& [name, e, truth] :
       {std::tuple{"marginal", est.marginal_w2sq, w2}, std::tuple{"frechet", est.frechet_w2sq, w2},
        std::tuple{"sliced", est.sliced_w2sq, w2}, std::tuple{"kl", est.fitted_kl_nats, kl}}) {
    INFO(name << ": " << e.value << " +- " << e.stderr_ << " vs " << truth);
    CHECK(e.stderr_ > 0.0);
    CHECK(std::abs(e.value - truth) <= 5 * e.stderr_ + bias_allowance(count));
  }
}

TEST_CASE("Perception estimators are deterministic for a seed and reject bad options") {
  Eigen::MatrixXd x(100, 2);
  rdp::Philox rng(1, 1);
  for (int i = 0; i < 100; ++i) x(i, 0) = rng.normal(), x(i, 1) = rng.normal();
  const auto a = rdp::estimate_perception_gaussian(x, 0.0, 1.0, {4, 8, 3});
  const auto b = rdp::estimate_perception_gaussian(x, 0.0, 1.0, {4, 8, 3});
  CHECK(a.sliced_w2sq.value == b.sliced_w2sq.value);
  CHECK(a.sliced_w2sq.stderr_ == b.sliced_w2sq.stderr_);
  CHECK_THROWS_AS(rdp::estimate_perception_gaussian(x, 0.0, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(rdp::estimate_perception_gaussian(x, 0.0, 1.0, {1, 8, 3}), std::invalid_argument);
  CHECK_THROWS_AS(rdp::estimate_perception_gaussian(x.topRows(5), 0.0, 1.0), std::invalid_argument);
}
