#pragma once
/// Principal component analysis (the Karhunen–Loève transform) learned from data: the analysis
/// transform of the lattice transform coder (codec/transform_coder.hpp; docs/THEORY.md §7).
///
/// From train rows x_1 … x_N in R^d: the mean m, the sample covariance C = Σ (x − m)(x − m)ᵀ/(N −
/// 1) and its eigendecomposition C = V diag(λ) Vᵀ (Eigen's SelfAdjointEigenSolver), eigenvalues
/// sorted descending, V orthonormal. Analysis y = Vᵀ(x − m), synthesis x = m + V y; with all d
/// components synthesis inverts analysis up to rounding. Deterministic for any thread count: the
/// covariance is summed over fixed row groups in a fixed order, and each eigenvector's sign is
/// fixed (its entry of largest magnitude is positive).
#include <Eigen/Core>

namespace rdp {

struct Pca {
  Eigen::VectorXd mean;         ///< m (d)
  Eigen::VectorXd eigenvalues;  ///< λ_1 ≥ … ≥ λ_d ≥ 0 (negative rounding clipped to 0)
  Eigen::MatrixXd basis;        ///< V (d × d), column k the k-th principal direction
};

/// Fits on `train` (N × d rows, N ≥ 2, d ≥ 1). Throws InvalidArgument ("train") otherwise.
Pca fit_pca(const Eigen::MatrixXd& train);

/// y = Vᵀ(x − m) for every row of x (N × d): the N × d coefficients, in order of decreasing
/// eigenvalue. Thread-count independent.
Eigen::MatrixXd pca_analysis(const Pca& pca, const Eigen::MatrixXd& x);

/// x = m + V y for every row of y (N × k, k ≤ d: the leading k coefficients; the rest are 0).
Eigen::MatrixXd pca_synthesis(const Pca& pca, const Eigen::MatrixXd& y);

}  // namespace rdp
