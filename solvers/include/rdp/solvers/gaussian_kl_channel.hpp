#pragma once
/// Explicit continuous channels for a Gaussian source under forward-KL perception, whose rate is a
/// valid upper bound on R(D,P) and beats the jointly Gaussian value (docs/THEORY.md §3.5).
///
/// Construction, for X ~ N(μ, σ²) (everything scales with σ; take σ = 1, μ = 0): Y jointly
/// Gaussian with X, correlation ρ, and X̂ = T(Y) with T the increasing map that pushes N(0,1) to an
/// even density q of the family
///     q(x) ∝ exp(−x²/(2a²)) (1 + k x²)^(−c),   a > 0, c >= 0, k >= 0
/// (c = 0 or k = 0: the Gaussian N(0, a²), the jointly Gaussian reconstructions). Then, T being
/// invertible, I(X; X̂) = I(X; Y) = −½ log2(1 − ρ²); the output law is q, so the perception is
/// KL(N(0,1) ‖ q), whatever ρ; and with X = ρY + √(1 − ρ²)Z,
///     E(X − X̂)² = 1 + E_q X̂² − 2ρ E[Y T(Y)],   E[Y T(Y)] = ∫₀¹ Φ⁻¹(u) F_q⁻¹(u) du,
/// so the least ρ meeting D is (1 + E_q X̂² − D) / (2 E[Y T(Y)]). Any (a, c, k, ρ) meeting D and P
/// is a channel of the continuous problem, so its rate bounds R(D,P) from above; the heavier tail
/// (c > 0) lowers KL(N(0,1) ‖ q) at equal spread, which is where the jointly Gaussian value loses.
/// Every figure is a Boost.Math Gauss–Kronrod quadrature (relative error ~1e-12, reported).
namespace rdp {

struct HeavyTailOutput {
  double a = 1.0, c = 0.0, k = 0.0;
};

/// The figures of q that the channel needs (σ = 1).
struct HeavyTailFigures {
  double kl_nats = 0.0;         ///< KL(N(0,1) ‖ q)
  double second_moment = 0.0;   ///< E_q X̂²
  double cross_moment = 0.0;    ///< E[Y T(Y)], Y ~ N(0,1)
  double error_estimate = 0.0;  ///< the largest quadrature error estimate met (absolute)
};
/// Throws InvalidArgument unless a > 0, c >= 0, k >= 0 are finite.
HeavyTailFigures heavy_tail_figures(const HeavyTailOutput& q);

struct ExplicitKlChannel {
  HeavyTailOutput output;
  double rho = 0.0;
  double rate_bits = 0.0;           ///< −½ log2(1 − ρ²): an upper bound on R(D,P)
  double distortion_mse = 0.0;      ///< E(X − X̂)², <= D (σ² units restored)
  double perception_kl_nats = 0.0;  ///< KL(p_X ‖ p_X̂), <= P
  HeavyTailFigures figures;
};

/// The channel of the family with the least rate meeting E(X − X̂)² <= D and KL(p_X ‖ p_X̂) <= P
/// for X ~ N(μ, σ²), found by NLopt (COBYLA over ln a, c, ln k) from the jointly Gaussian optimum.
/// The targets are met with a margin of 1e-9 (relative), far above the quadrature errors, so the
/// rate is a rigorous upper bound. Domain as rate_distortion_perception_gaussian_kl.
ExplicitKlChannel best_heavy_tail_kl_channel(double sigma, double distortion_mse,
                                             double perception_kl_nats);

/// The channel for given output parameters, ρ chosen to meet D (ρ clamped to [0, 1)).
ExplicitKlChannel heavy_tail_kl_channel(double sigma, double distortion_mse,
                                        const HeavyTailOutput& q);

}  // namespace rdp
