// The block Newton step of the line-transport prox (solvers/src/ba/line_prox_newton.hpp), checked
// against the dual it claims to raise, written out directly here, and against the stationarity
// condition of that dual; and the prox it accelerates, warm against cold on a fine grid.
#include "ba/line_prox_newton.hpp"

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "rdp/solvers/ba/divergence.hpp"
#include "test_support.hpp"

namespace {

// −log Σ_k y_k e^{−h_k} − Σ_j F_j g_j with h_k = Σ_{j>=k} g_j, summed in long double straight
// from the definition (no shifts, no running sums shared with the code under test).
long double dual_value(const std::vector<double>& log_y,
                       const std::vector<rdp::detail::FreeBoundary>& b,
                       const std::vector<double>& g) {
  const std::size_t n = log_y.size();
  long double z = 0.0L, linear = 0.0L;
  for (std::size_t k = 0; k < n; ++k) {
    long double h = 0.0L;
    for (std::size_t j = k; j + 1 < n; ++j) h += g[j];
    z += std::exp(static_cast<long double>(log_y[k]) - h);
  }
  for (std::size_t j = 0; j + 1 < n; ++j) linear += static_cast<long double>(b[j].F) * g[j];
  return -std::log(z) - linear;
}

// Cell masses y_k e^{−h_k} / Z, again from the definition.
std::vector<double> cell_masses(const std::vector<double>& log_y, const std::vector<double>& g) {
  const std::size_t n = log_y.size();
  std::vector<double> w(n);
  double z = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    double h = 0.0;
    for (std::size_t j = k; j + 1 < n; ++j) h += g[j];
    w[k] = std::exp(log_y[k] - h);
    z += w[k];
  }
  for (double& x : w) x /= z;
  return w;
}

// A random CDF F_0 < F_1 < … < F_{n−2} in (0, 1), with upper = 1 − F.
std::vector<rdp::detail::FreeBoundary> random_boundaries(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.05, 1.0);
  std::vector<double> mass(n);
  double total = 0.0;
  for (double& m : mass) total += (m = unit(rng));
  std::vector<rdp::detail::FreeBoundary> b(n - 1);
  double acc = 0.0;
  for (std::size_t j = 0; j + 1 < n; ++j) {
    acc += mass[j] / total;
    b[j].F = acc;
    b[j].upper = 1.0 - acc;
  }
  return b;
}

}  // namespace

TEST_CASE("BA: with every boundary free and unconstrained, one block step solves the prox dual") {
  // The dual's gradient in g_j is (mass of cells <= j) − F_j; with no boundary held each block is
  // one cell, and the step rescales each cell to its source mass: the maximiser, in one step.
  std::mt19937_64 rng(rdp_test_seed());
  std::normal_distribution<double> gauss(0.0, 1.0);
  for (std::size_t n : {2u, 3u, 7u, 20u}) {
    auto b = random_boundaries(n, rng);
    for (auto& x : b) x.free = true, x.lo = -1e6, x.hi = 1e6;
    std::vector<double> log_y(n), g(n - 1);
    for (double& v : log_y) v = gauss(rng);
    for (double& v : g) v = 0.3 * gauss(rng);
    rdp::detail::BlockScratch scratch;
    CAPTURE(n);
    REQUIRE(rdp::detail::block_newton_step(log_y, b, g, scratch));
    const auto w = cell_masses(log_y, g);
    double prev = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      const double target = (k + 1 < n ? b[k].F : 1.0) - prev;
      prev = k + 1 < n ? b[k].F : 1.0;
      // Masses are O(1/n) and the step is a handful of exps and logs: 1e-12 absolute.
      CHECK(std::abs(w[k] - target) <= 1e-12);
    }
  }
}

TEST_CASE(
    "BA: a block step keeps held boundaries, stays in the intervals and never lowers the dual") {
  std::mt19937_64 rng(rdp_test_seed() + 1);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int taken = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = 2 + static_cast<std::size_t>(unit(rng) * 30.0);
    auto b = random_boundaries(n, rng);
    std::vector<double> log_y(n), g(n - 1);
    for (double& v : log_y) v = 2.0 * gauss(rng);
    for (std::size_t j = 0; j + 1 < n; ++j) {
      g[j] = gauss(rng);
      b[j].free = unit(rng) < 0.6;
      // A free g_j lies strictly inside its interval; a narrow one makes the clamp bite.
      const double width = unit(rng) < 0.3 ? 1e-3 : 2.0;
      b[j].lo = g[j] - width * unit(rng) - 1e-9;
      b[j].hi = g[j] + width * unit(rng) + 1e-9;
    }
    const std::vector<double> before = g;
    const long double d0 = dual_value(log_y, b, g);
    rdp::detail::BlockScratch scratch;
    const bool moved = rdp::detail::block_newton_step(log_y, b, g, scratch);
    CAPTURE(trial);
    for (std::size_t j = 0; j + 1 < n; ++j) {
      if (!b[j].free) CHECK(g[j] == before[j]);
      if (b[j].free) CHECK((g[j] >= b[j].lo && g[j] <= b[j].hi));
    }
    if (!moved) {
      CHECK(g == before);
      continue;
    }
    ++taken;
    // The step checks the rise in double; the long-double dual agrees to rounding of log Z
    // (|log Z| = O(10), so 1e-13).
    CHECK(dual_value(log_y, b, g) > d0 - 1e-13L);
  }
  // Most random instances have two or more blocks with mass and target: the step is exercised.
  CHECK(taken > 100);
}

TEST_CASE("BA: the warm-started line-transport prox converges to the cold one (1024 cells)") {
  // Inside the solver the prox is warm-started from the previous call's potentials; called
  // repeatedly on the same input it must reach the exact (cold) minimiser, whose optimality the
  // Nelder–Mead test in ba_solver_test.cpp checks on a small problem.
  const std::size_t n = 1024;
  std::vector<double> z(n);
  Eigen::VectorXd px(n), a(n);
  for (std::size_t k = 0; k < n; ++k) {
    z[k] = -5.0 + 10.0 * (static_cast<double>(k) + 0.5) / static_cast<double>(n);
    px[static_cast<Eigen::Index>(k)] = std::exp(-0.5 * z[k] * z[k]);
    // A blurred, shifted copy: what a Blahut–Arimoto pass hands the prox.
    a[static_cast<Eigen::Index>(k)] = std::exp(-0.5 * (z[k] - 0.4) * (z[k] - 0.4) / 0.6);
  }
  px /= px.sum();
  for (double r : {1.0, 2.0})
    for (double mu : {0.5, 20.0}) {
      const auto div = rdp::make_wasserstein_line_divergence(z, px, z, r);
      Eigen::VectorXd cold(n), warm(n), state;
      div->prox(a, mu, cold);
      for (int call = 0; call < 40; ++call) div->prox_warm(a, mu, warm, state);
      CAPTURE(r);
      CAPTURE(mu);
      // Both are the minimiser to the sweeps' 1e-12 stopping rule on the multipliers, which moves
      // a cell's mass by a relative 1e-12 per boundary: 1e-9 over 1024 boundaries, absolute.
      CHECK((cold - warm).cwiseAbs().maxCoeff() <= 1e-9);
    }
}
