#pragma once
/// R(D,P) of a scalar Gaussian N(μ, σ²) with squared error and W2² or KL perception
/// (docs/THEORY.md §3). Rates in bits; W2² in units of x²; KL in nats.
#include <string>

namespace rdp {

/// The jointly Gaussian optimum: X̂ has the source mean, std `output_std`, and correlation
/// `correlation` with X; R = −½ log2(1 − ρ²).
struct GaussianRdp {
  double rate_bits = 0.0;
  double output_std = 0.0;
  double correlation = 0.0;
  /// "zero_rate", "perception_inactive" (R = Shannon's R(D)), "perception_active".
  std::string region;
};

/// W2² perception (Zhang, Qian, Chen, Khisti, NeurIPS 2021, Thm. 2; Freirich, Michaeli, Meir,
/// NeurIPS 2021). With s_lo = (σ − √P)₊, the smallest output std the budget allows:
///   D >= σ² + s_lo²                          → R = 0;
///   D < σ² and √(σ² − D) >= s_lo             → R = ½ log2(σ²/D)     (s = √(σ²−D));
///   otherwise                                 → s = s_lo, ρ = (σ² + s² − D)/(2σs), R = −½
///   log2(1−ρ²).
/// Optimal over all reconstructions. Domain σ > 0, D > 0, P >= 0.
GaussianRdp rate_distortion_perception_gaussian_w2sq(double sigma, double distortion_mse,
                                                     double perception_w2sq);

/// D(R,P) for W2²: c = √(1 − 2^(−2R)), s = max(σc, s_lo), D = σ² + s² − 2σsc. Domain R >= 0.
double distortion_rate_perception_gaussian_w2sq(double sigma, double rate_bits,
                                                double perception_w2sq);

/// Smallest t = s²/σ² <= 1 allowed by KL(p_X ‖ p_X̂) = ½(1/t + ln t − 1) <= P:
/// t = 1/u, u = −W₋₁(−e^(−(1+2P))) (Lambert W, lower branch). P in nats, >= 0.
double kl_forward_min_variance_ratio(double perception_kl_nats);
/// Smallest t allowed by KL(p_X̂ ‖ p_X) = ½(t − ln t − 1) <= P: t = −W₀(−e^(−(1+2P))).
double kl_reverse_min_variance_ratio(double perception_kl_nats);

/// Which KL direction; `forward` is KL(p_X ‖ p_X̂).
enum class KlDirection { forward, reverse };

/// R(D,P) with KL perception over jointly Gaussian reconstructions: the W2² formula with s_lo
/// replaced by σ√t_lo. For KL(p_X̂ ‖ p_X) this is optimal over all reconstructions: replacing
/// (X, X̂) by the jointly Gaussian pair of equal covariance keeps D, does not raise I(X;X̂), and
/// does not raise KL(p_X̂‖p_X) (a Gaussian maximises entropy at fixed variance). For KL(p_X ‖
/// p_X̂) the restriction is an assumption (Serra, Stavrou, Kountouris, arXiv 2311.09190): a
/// non-Gaussian output can have a smaller forward KL at equal variance, so the value is an
/// upper bound on R(D,P) whose tightness is not established (docs/THEORY.md §3).
GaussianRdp rate_distortion_perception_gaussian_kl(double sigma, double distortion_mse,
                                                   double perception_kl_nats,
                                                   KlDirection direction);

/// D(R,P) for KL over jointly Gaussian reconstructions (same caveat as above).
double distortion_rate_perception_gaussian_kl(double sigma, double rate_bits,
                                              double perception_kl_nats, KlDirection direction);

}  // namespace rdp
