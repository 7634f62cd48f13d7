// PCA / KLT (rdp/transform/pca.hpp).
#include "rdp/transform/pca.hpp"

#include <doctest/doctest.h>
#include <omp.h>

#include <Eigen/QR>
#include <cmath>

#include "rdp/error.hpp"
#include "rdp/rng.hpp"
#include "test_support.hpp"

namespace {

// N rows of N(mean, Q diag(λ) Qᵀ) with a random orthonormal Q, all from Philox(seed, ·).
Eigen::MatrixXd gaussian_rows(int n, const Eigen::VectorXd& lambda, std::uint64_t seed,
                              Eigen::MatrixXd* q_out = nullptr) {
  const auto d = lambda.size();
  Eigen::MatrixXd g(d, d);
  rdp::Philox rq(seed, 0);
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index j = 0; j < d; ++j) g(i, j) = rq.normal();
  const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ();
  if (q_out) *q_out = q;
  Eigen::MatrixXd x(n, d);
  for (int r = 0; r < n; ++r) {
    rdp::Philox rng(seed, 1 + static_cast<std::uint64_t>(r));
    Eigen::VectorXd z(d);
    for (Eigen::Index k = 0; k < d; ++k) z(k) = std::sqrt(lambda(k)) * rng.normal();
    x.row(r) = (q * z).transpose();
    x.row(r).array() += 0.5;
  }
  return x;
}

}  // namespace

TEST_CASE("pca: with all components synthesis inverts analysis to rounding; V orthonormal") {
  // Property test on random sizes (seeded): d in [1, 40], N in [d + 2, 300].
  rdp::Philox rng(rdp_test_seed(), 77);
  for (int trial = 0; trial < 6; ++trial) {
    const int d = 1 + static_cast<int>(rng() % 40), n = d + 2 + static_cast<int>(rng() % 260);
    Eigen::VectorXd lambda(d);
    for (int k = 0; k < d; ++k) lambda(k) = std::pow(0.7, k) * (1 + 0.1 * rng.uniform01());
    const Eigen::MatrixXd x = gaussian_rows(n, lambda, rdp_test_seed() + trial);
    const rdp::Pca p = rdp::fit_pca(x);
    const Eigen::MatrixXd back = rdp::pca_synthesis(p, rdp::pca_analysis(p, x));
    // Two products with an orthonormal V: error of order d·ε·‖x‖.
    CHECK((back - x).cwiseAbs().maxCoeff() <= 1e-12 * (1.0 + x.cwiseAbs().maxCoeff()) * d);
    CHECK((p.basis.transpose() * p.basis - Eigen::MatrixXd::Identity(d, d)).cwiseAbs().maxCoeff() <=
          1e-12 * d);
    for (int k = 1; k < d; ++k) CHECK(p.eigenvalues(k) <= p.eigenvalues(k - 1));
    CHECK(p.eigenvalues.minCoeff() >= 0.0);
  }
}

TEST_CASE("pca: eigenvalues of data drawn with a known covariance, within 5 standard errors") {
  // For Gaussian data and distinct eigenvalues the sample eigenvalue has asymptotic standard
  // error λ √(2/(N − 1)) (Anderson 1963).
  const int d = 6, n = 40000;
  Eigen::VectorXd lambda(d);
  lambda << 4.0, 2.0, 1.0, 0.5, 0.25, 0.125;
  Eigen::MatrixXd q;
  const Eigen::MatrixXd x = gaussian_rows(n, lambda, rdp_test_seed(), &q);
  const rdp::Pca p = rdp::fit_pca(x);
  for (int k = 0; k < d; ++k) {
    const double se = lambda(k) * std::sqrt(2.0 / (n - 1));
    CHECK(std::abs(p.eigenvalues(k) - lambda(k)) <= 5 * se);
    // The direction: |⟨v_k, q_k⟩| close to 1 (eigenvalue gaps of a factor 2).
    CHECK(std::abs(p.basis.col(k).dot(q.col(k))) >= 0.99);
  }
  CHECK((p.mean.array() - 0.5).abs().maxCoeff() <= 5 * std::sqrt(4.0 / n));
}

TEST_CASE("pca: same fit for 1 and 2 threads, bit for bit") {
  Eigen::VectorXd lambda = Eigen::VectorXd::LinSpaced(30, 3.0, 0.1);
  const Eigen::MatrixXd x = gaussian_rows(3000, lambda, rdp_test_seed());
  omp_set_num_threads(1);
  const rdp::Pca a = rdp::fit_pca(x);
  const Eigen::MatrixXd ya = rdp::pca_analysis(a, x);
  omp_set_num_threads(2);
  const rdp::Pca b = rdp::fit_pca(x);
  const Eigen::MatrixXd yb = rdp::pca_analysis(b, x);
  CHECK(a.eigenvalues == b.eigenvalues);
  CHECK(a.basis == b.basis);
  CHECK(ya == yb);
}

TEST_CASE("pca: refuses fewer than 2 rows") {
  CHECK_THROWS_AS(rdp::fit_pca(Eigen::MatrixXd::Zero(1, 3)), rdp::InvalidArgument);
}
