#include "rdp/transform/pca.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <string>
#include <vector>

#include "rdp/error.hpp"

namespace rdp {
namespace {

// Row groups summed in this fixed order: the partition does not depend on the thread count, and
// each group is one sequential product (Eigen does not start threads inside a parallel region).
constexpr Eigen::Index kGroups = 16;

Eigen::Index group_begin(Eigen::Index n, Eigen::Index g) { return n * g / kGroups; }

}  // namespace

Pca fit_pca(const Eigen::MatrixXd& train) {
  const Eigen::Index n = train.rows(), d = train.cols();
  if (n < 2 || d < 1)
    throw InvalidArgument("train", "at least 2 rows and 1 column",
                          std::to_string(n) + " x " + std::to_string(d));
  Pca pca;
  // Mean in fixed groups as well, then the centred cross-products.
  std::vector<Eigen::VectorXd> sums(kGroups, Eigen::VectorXd::Zero(d));
  std::vector<Eigen::MatrixXd> grams(kGroups);
#pragma omp parallel for schedule(static)
  for (Eigen::Index g = 0; g < kGroups; ++g) {
    const Eigen::Index b = group_begin(n, g), e = group_begin(n, g + 1);
    for (Eigen::Index i = b; i < e; ++i) sums[g] += train.row(i).transpose();
  }
  pca.mean = Eigen::VectorXd::Zero(d);
  for (const auto& s : sums) pca.mean += s;
  pca.mean /= double(n);
#pragma omp parallel for schedule(static)
  for (Eigen::Index g = 0; g < kGroups; ++g) {
    const Eigen::Index b = group_begin(n, g), e = group_begin(n, g + 1);
    const Eigen::MatrixXd xc = train.middleRows(b, e - b).rowwise() - pca.mean.transpose();
    grams[g] = Eigen::MatrixXd::Zero(d, d);
    grams[g].selfadjointView<Eigen::Lower>().rankUpdate(xc.transpose());
  }
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
  for (const auto& g : grams) cov += g;
  cov /= double(n - 1);
  cov = cov.selfadjointView<Eigen::Lower>();
  // Inside a parallel region Eigen runs its blocked products on one thread, so the eigenvectors
  // do not depend on the thread count.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
#pragma omp parallel
  {
#pragma omp single
    es.compute(cov);
  }
  if (es.info() != Eigen::Success)
    throw InvalidArgument("train", "data whose covariance has an eigendecomposition",
                          "Eigen's solver did not converge");
  // Eigen sorts ascending; reverse, clip rounding negatives, fix signs.
  pca.eigenvalues.resize(d);
  pca.basis.resize(d, d);
  for (Eigen::Index k = 0; k < d; ++k) {
    pca.eigenvalues(k) = std::max(0.0, es.eigenvalues()(d - 1 - k));
    Eigen::VectorXd v = es.eigenvectors().col(d - 1 - k);
    Eigen::Index at = 0;
    v.cwiseAbs().maxCoeff(&at);
    if (v(at) < 0) v = -v;
    pca.basis.col(k) = v;
  }
  return pca;
}

Eigen::MatrixXd pca_analysis(const Pca& pca, const Eigen::MatrixXd& x) {
  const Eigen::Index n = x.rows(), d = pca.mean.size();
  if (x.cols() != d)
    throw InvalidArgument("x", std::to_string(d) + " columns", std::to_string(x.cols()));
  Eigen::MatrixXd y(n, d);
#pragma omp parallel for schedule(static)
  for (Eigen::Index g = 0; g < kGroups; ++g) {
    const Eigen::Index b = group_begin(n, g), e = group_begin(n, g + 1);
    if (e > b)
      y.middleRows(b, e - b).noalias() =
          (x.middleRows(b, e - b).rowwise() - pca.mean.transpose()) * pca.basis;
  }
  return y;
}

Eigen::MatrixXd pca_synthesis(const Pca& pca, const Eigen::MatrixXd& y) {
  const Eigen::Index n = y.rows(), k = y.cols(), d = pca.mean.size();
  if (k > d)
    throw InvalidArgument("y", "at most " + std::to_string(d) + " columns", std::to_string(k));
  Eigen::MatrixXd x(n, d);
#pragma omp parallel for schedule(static)
  for (Eigen::Index g = 0; g < kGroups; ++g) {
    const Eigen::Index b = group_begin(n, g), e = group_begin(n, g + 1);
    if (e > b) {
      x.middleRows(b, e - b).noalias() = y.middleRows(b, e - b) * pca.basis.leftCols(k).transpose();
      x.middleRows(b, e - b).rowwise() += pca.mean.transpose();
    }
  }
  return x;
}

}  // namespace rdp
