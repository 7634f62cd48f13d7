#pragma once
/// Shannon's rate-distortion functions with closed forms (Cover & Thomas, Elements of
/// Information Theory, 2nd ed., Thm. 10.3.1 and Thm. 10.3.2). Rates in bits.

namespace rdp {

/// Bernoulli(p) with Hamming distortion: R(D) = H_b(p) − H_b(D) for 0 <= D < min(p, 1−p),
/// 0 otherwise (C&T Thm. 10.3.1). Domain: p in (0,1), D >= 0.
double shannon_rate_bernoulli_hamming(double p, double distortion);

/// Inverse of the above: the D in [0, min(p,1−p)] with R(D) = R; 0 when R >= H_b(p).
/// Domain R >= 0. Found by root finding on H_b (strictly increasing on [0, ½]).
double shannon_distortion_bernoulli_hamming(double p, double rate_bits);

/// N(μ, σ²) with squared error: R(D) = ½ log2(σ²/D) for 0 < D < σ², 0 for D >= σ²
/// (C&T Thm. 10.3.2). Domain σ > 0, D > 0 (R → ∞ as D → 0).
double shannon_rate_gaussian_mse(double sigma, double distortion_mse);

/// D(R) = σ² 2^(−2R), R >= 0.
double shannon_distortion_gaussian_mse(double sigma, double rate_bits);

}  // namespace rdp
