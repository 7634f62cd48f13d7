#pragma once
/// The vector-Gaussian RDP allocation (vector_gaussian.hpp) of a transform coder's latents
/// (codec/transform_coder.hpp; docs/THEORY.md §7): the Gaussian model with the data's PCA
/// eigenvalues, total MSE D and total W2² P over all d components.
#include <vector>

#include "rdp/codec/transform_coder.hpp"
#include "rdp/solvers/vector_gaussian.hpp"

namespace rdp {

/// Standard deviations √λ_i of the model, each floored at kEigenvalueFloor·√λ_1 so that the
/// solver's σ_i > 0 holds for data with constant pixels (MNIST's borders give λ_i = 0): such a
/// component gets no rate and contributes at most d·10⁻¹²·λ_1 to D and P.
inline constexpr double kEigenvalueFloor = 1e-6;
std::vector<double> latent_std_from_eigenvalues(const std::vector<double>& eigenvalues);

/// The allocation at total D and P (both > 0 resp. ≥ 0, in units of x² summed over the d
/// components); `theory` receives the solver's result (the Gaussian model's rate, bits per item).
LatentAllocation gaussian_latent_allocation(const std::vector<double>& latent_std,
                                            double distortion_total, double perception_total,
                                            VectorGaussianRdp* theory = nullptr);

/// The total D at which the Gaussian model's R(D, P) equals `rate_bits` (bits per item), by
/// bisection in log D: R is continuous and non-increasing in D (docs/THEORY.md §1). rate_bits > 0.
double gaussian_distortion_for_rate(const std::vector<double>& latent_std, double rate_bits,
                                    double perception_total);

}  // namespace rdp
