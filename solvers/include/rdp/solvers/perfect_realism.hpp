#pragma once
/// Gaussian N(μ, σ²), squared error, perfect realism (P = 0), by amount of common randomness.
/// docs/THEORY.md §3. Rates in bits per sample.

namespace rdp {

/// Unlimited common randomness: R(D,0) = −½ log2(1 − (1 − D/(2σ²))²) for 0 < D < 2σ², else 0
/// (Zhang et al. 2021; the W2² formula at P = 0).
double rate_perfect_realism_gaussian(double sigma, double distortion_mse);

/// No common randomness: R(D/2,∞) = ½ log2(2σ²/D) for 0 < D < 2σ², else 0 (Yan et al., ICML
/// 2021; Salehkalaibar et al., IEEE T-IT 2024). Never below rate_perfect_realism_gaussian; the
/// gap is ½ log2(2 − D/(2σ²)).
double rate_half_distortion_gaussian(double sigma, double distortion_mse);

/// Common randomness at Rc bits per sample (Wagner, arXiv 2202.04147):
/// D(R,Rc) = 2σ²(1 − √(1 − 2^(−2R)) √(1 − 2^(−2(R+Rc)))). Rc = +inf is allowed (gives D(R,0)),
/// Rc = 0 gives 2σ² 2^(−2R). Domain R >= 0, Rc >= 0.
double distortion_common_randomness_gaussian(double sigma, double rate_bits,
                                             double common_rate_bits);

/// Inverse in R of the above: the least R with D(R,Rc) <= D, from the quadratic in 2^(−2R) that
/// D(R,Rc) = D reduces to. Domain D > 0.
double rate_common_randomness_gaussian(double sigma, double distortion_mse,
                                       double common_rate_bits);

}  // namespace rdp
