// The FFT pass of the Blahut–Arimoto solver (solvers/src/ba/toeplitz.hpp) against the dense pass
// it stands in for, and the detection of a Toeplitz exponent. These test private parts of the
// solver, through the include path tests/CMakeLists.txt gives them.
#include "ba/toeplitz.hpp"

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "ba/problem_data.hpp"
#include "ba/scaled_kernel.hpp"
#include "rdp/solvers/ba/detail/kernel.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/sources.hpp"
#include "test_support.hpp"

namespace {

using rdp::ba::RowMatrix;

// (x_i − y_j)² on the grids x_i = x0 + i·h and y_j = y0 + j·h.
RowMatrix squared_differences(const std::vector<double>& x, const std::vector<double>& y) {
  RowMatrix e(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < y.size(); ++j) e(i, j) = (x[i] - y[j]) * (x[i] - y[j]);
  return e;
}

std::vector<double> uniform(int count, double start, double h) {
  std::vector<double> x(count);
  for (int i = 0; i < count; ++i) x[i] = start + h * i;
  return x;
}

}  // namespace

TEST_CASE("BA Toeplitz: a uniform grid is detected, a perturbed one is not") {
  const auto x = uniform(7, -1.0, 0.25), y = uniform(5, -0.5, 0.25);
  const RowMatrix e = squared_differences(x, y);
  const auto gen = rdp::ba::toeplitz_excess(e, 1e-12);
  REQUIRE(gen.e.size() == 7 + 5 - 1);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 5; ++j)
      CHECK(gen.e[i - j + 5 - 1] == doctest::Approx(e(i, j)).epsilon(1e-14));
  // One point moved by 1e-3 changes its row's entries by ~1e-3, far above the tolerance.
  auto x_moved = x;
  x_moved[3] += 1e-3;
  CHECK(rdp::ba::toeplitz_excess(squared_differences(x_moved, y), 1e-12).e.empty());
  // |x − y| on a uniform grid is Toeplitz as well; (x − y)² on a geometric grid is not.
  RowMatrix abs_diff(7, 5);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 5; ++j) abs_diff(i, j) = std::abs(x[i] - y[j]);
  CHECK(!rdp::ba::toeplitz_excess(abs_diff, 1e-12).e.empty());
  std::vector<double> geometric(7);
  for (int i = 0; i < 7; ++i) geometric[i] = std::pow(1.3, i);
  CHECK(rdp::ba::toeplitz_excess(squared_differences(geometric, geometric), 1e-12).e.empty());
}

TEST_CASE("BA Toeplitz: the FFT pass agrees with the dense pass within the FFT's error bound") {
  // The discretised N(0,1) the solver sees (`rdp rate --grid 1024`), at a flat slope (low rate,
  // every row's Kw far above the exact-row floor), a middle one and a sharp one (rate ~3 bits,
  // where the tails' rows fall below it and are recomputed exactly).
  const int cells = 1024;
  const rdp::ba::ProblemData data(
      rdp::make_problem_for_source(rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(),
                                   rdp::Perception::none, cells),
      rdp::BaOptions{});
  rdp::ba::ScaledKernel kernel(data.excess);
  REQUIRE(!kernel.toeplitz.e.empty());
  const Eigen::Index m = data.m, n = data.n;
  std::mt19937_64 rng(rdp_test_seed());
  std::uniform_real_distribution<double> unit(0.5, 1.5);
  for (const double s : {0.05, 2.0, 40.0}) {
    CAPTURE(s);
    kernel.set_slope(s, data.excess);
    REQUIRE(kernel.spectra.ready());
    // A positive w shaped like an output marginal (N(0, 0.8) on the ±6 grid, so its tails are
    // ~1e-10 of its peak), with random ripples.
    Eigen::VectorXd w(n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double y = -6.0 + 12.0 * (double(j) + 0.5) / double(n);
      w[j] = std::exp(-y * y / 1.6) * unit(rng);
    }
    w /= w.sum();
    Eigen::VectorXd z(m), v(m), c(n), z_fft(m), v_fft(m), c_fft(n);
    rdp::detail::fused_kernel_pass(kernel.k.data(), m, n, w.data(), data.p.data(), z.data(),
                                   v.data(), c.data());
    rdp::ba::FftWork work;
    rdp::ba::fft_kernel_pass(kernel.spectra, kernel.k.data(), w.data(), data.p.data(), z_fft.data(),
                             v_fft.data(), c_fft.data(), work);
    // A convolution by FFT of length N has componentwise error at most
    // γ·‖a‖₂‖x‖₂ with γ = c·u·log₂N (Higham, Accuracy and Stability of Numerical Algorithms,
    // 2nd ed., Thm. 24.2, applied to the forward and inverse transforms and the product); c = 10
    // covers the three stages' constants. a is the kernel's generator.
    const double u = std::numeric_limits<double>::epsilon() / 2;
    const double gamma = 10.0 * u * std::log2(double(kernel.spectra.nfft));
    double a_norm = 0.0;
    for (double e : kernel.toeplitz.e) a_norm += std::exp(-2.0 * s * e);
    a_norm = std::sqrt(a_norm);
    const double tol_z = gamma * a_norm * w.norm();
    const double zmax = z.maxCoeff();
    int exact_rows = 0;
    for (Eigen::Index i = 0; i < m; ++i) {
      if (z[i] < 1e-8 * zmax) {
        // Recomputed from the dense kernel: only the order of summation differs.
        ++exact_rows;
        CHECK(std::abs(z_fft[i] - z[i]) <= 1e-12 * z[i]);
      } else {
        CHECK(std::abs(z_fft[i] - z[i]) <= tol_z);
      }
      CHECK(std::abs(v_fft[i] - v[i]) <= v[i] * (1e-12 + tol_z / z[i]) * 1.01);
    }
    if (s == 40.0) CHECK(exact_rows > 0);
    if (s == 0.05) CHECK(exact_rows == 0);
    // c = Kᵀv inherits v's error through K plus its own transform error over the FFT rows.
    Eigen::VectorXd v_err(m), v_fft_rows = v;
    for (Eigen::Index i = 0; i < m; ++i) {
      v_err[i] = v[i] * (1e-12 + tol_z / z[i]) * 1.01;
      if (z[i] < 1e-8 * zmax) v_fft_rows[i] = 0.0;
    }
    const Eigen::Map<const RowMatrix> k(kernel.k.data(), m, n);
    const Eigen::VectorXd propagated = k.transpose() * v_err;
    const double transform = gamma * a_norm * (v_fft_rows.norm() + v_err.norm());
    for (Eigen::Index j = 0; j < n; ++j)
      CHECK(std::abs(c_fft[j] - c[j]) <= propagated[j] + transform + 1e-12 * c[j]);
  }
}

TEST_CASE("BA Toeplitz: a non-Toeplitz kernel keeps the dense passes") {
  // The same source on a grid whose reconstruction points are not uniform (an extra point).
  auto pb = rdp::make_problem_for_source(rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(),
                                         rdp::Perception::none, 300);
  const rdp::ba::ProblemData data(pb, rdp::BaOptions{});
  rdp::ba::ScaledKernel uniform_kernel(data.excess);
  CHECK(!uniform_kernel.toeplitz.e.empty());
  RowMatrix bent = data.excess;
  bent.col(7) *= 1.001;
  rdp::ba::ScaledKernel bent_kernel(bent);
  bent_kernel.set_slope(1.0, bent);
  CHECK(!bent_kernel.spectra.ready());
}
