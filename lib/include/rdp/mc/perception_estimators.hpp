#pragma once
/// Perception of a sample of reconstructions against a Gaussian source N(μ, σ² I_n), from N output
/// blocks of dimension n (rows of `samples`). Every estimate is per dimension, with a standard
/// error from batch means (the sample split into `batches` equal parts, in order, so that the
/// result does not depend on threads).
///
/// Definitions (units of x²; KL in nats):
///  - marginal W2²: mean over coordinates k of W2²(law of X̂_k, N(μ, σ²)), each computed exactly
///    for the empirical law by the quantile coupling (closed-form integrals of Φ⁻¹ per order
///    statistic). The empirical W2² is biased upwards by O(1/N) (up to log factors).
///  - Fréchet W2²: W2² between N(μ1, σ²I) and the Gaussian fitted to the blocks (mean m, covariance
///    S): (‖m − μ1‖² + nσ² + tr S − 2σ tr S^{1/2}) / n.
///  - fitted KL: KL(N(μ1, σ²I) ‖ N(m, S)) / n — the direction of `kl` (KL(p_X ‖ p_X̂)).
///  - sliced W2² (Bonneel et al. 2015): E_θ W2²(θᵀX, θᵀX̂) over θ uniform on the unit sphere, by
///    `projections` random directions; θᵀX ~ N(θᵀμ1, σ²) exactly, so each term uses the exact 1-D
///    formula. For N(0,σ²I) against N(0,s²I) it equals (σ − s)², the per-dimension W2².
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "rdp/mc/statistics.hpp"

namespace rdp {

/// W2² between the empirical law of `values` (sorted in place) and N(mu, sigma²), exactly.
double empirical_w2sq_to_gaussian(std::vector<double>& values, double mu, double sigma);

struct PerceptionEstimates {
  Estimate marginal_w2sq;
  Estimate frechet_w2sq;
  Estimate fitted_kl_nats;
  Estimate sliced_w2sq;
  int projections = 0;
};

struct PerceptionEstimatorOptions {
  int batches = 16;        ///< batch-means batches for the standard errors (>= 2)
  int projections = 64;    ///< random directions for the sliced W2²
  std::uint64_t seed = 1;  ///< seed of the projection directions
};

/// `samples` is N×n, row i one output block. Requires N >= 2·batches.
PerceptionEstimates estimate_perception_gaussian(const Eigen::MatrixXd& samples, double mu,
                                                 double sigma,
                                                 const PerceptionEstimatorOptions& options = {});

}  // namespace rdp
