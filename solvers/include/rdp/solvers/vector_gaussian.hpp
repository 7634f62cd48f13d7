#pragma once
/// Diagonal vector Gaussian N(0, diag(σ_i²)) with total squared error and total W2² perception
/// (Qian et al., arXiv 2406.18008; Serra, Stavrou, Kountouris 2024; docs/THEORY.md §3).
#include <string>
#include <vector>

namespace rdp {

struct VectorGaussianRdp {
  double rate_bits = 0.0;                   ///< total over components, bits per vector
  std::vector<double> component_rate_bits;  ///< −½ log2(1 − ρ_i²)
  std::vector<double> output_std;           ///< s_i
  std::vector<double> correlation;          ///< ρ_i
  double lambda = 0.0;                      ///< multiplier of the distortion constraint (nats)
  double nu = 0.0;                          ///< 0: perception inactive; 1: perfect realism
  double distortion_mse = 0.0;              ///< Σ σ_i² + s_i² − 2ρ_iσ_is_i at the solution
  double perception_w2sq = 0.0;             ///< Σ (σ_i − s_i)² at the solution
  /// "zero_rate", "perception_inactive" (reverse water-filling) or "perception_active".
  std::string region;
};

/// Minimises Σ −½ log2(1 − ρ_i²) s.t. Σ (σ_i² + s_i² − 2ρ_iσ_is_i) <= D, Σ (σ_i − s_i)² <= P.
/// KKT: s_i = σ_i((1−ν)ρ_i + ν), ρ_i/(1−ρ_i²) = 2λσ_i²((1−ν)ρ_i + ν), ν in [0,1]. ν = 0 is
/// reverse water-filling; otherwise (λ, ν) solve both constraints with equality, found by nested
/// TOMS 748 searches (λ for the distortion at fixed ν, then ν for the perception).
/// Zero rate iff D >= Σσ_i² + (‖σ‖ − √P)₊². Domain σ_i > 0, D > 0, P >= 0.
VectorGaussianRdp rate_distortion_perception_diagonal_gaussian_w2sq(
    const std::vector<double>& sigmas, double distortion_mse, double perception_w2sq);

}  // namespace rdp
