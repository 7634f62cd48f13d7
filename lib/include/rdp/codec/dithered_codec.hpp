#pragma once
/// Dithered lattice transform codecs for the RDP tradeoff (Lei, Hassani, Saeedi Bidokhti,
/// arXiv 2503.17558, Defs. 3.1, 3.2, 3.4; docs/THEORY.md §5), with scalar transforms: the analysis
/// transform is the identity (its gain is absorbed into the lattice scale) and the synthesis
/// transform is a gain g_s.
///
///  SD-LTC  (shared dither u ~ Unif V0(Λ)):      c = Q_Λ(x − u),  x̂ = g_s (c + u)
///  PD-LTC  (no shared randomness):               c = Q_Λ(x),      x̂ = g_s (c + s·u),  u private
///  QSD-LTC (Λ = a·Λ_f, û uniform over the a^n fine points of V0(Λ), u_f ~ Unif V0(Λ_f) private):
///                                                c = Q_Λ(x − û),  x̂ = g_s (c + û + s·u_f)
///
/// Encoder and decoder are separate objects. The encoder holds the lattice and the seed of the
/// common randomness; the decoder holds the lattice, the same common seed (SD, QSD only) and its
/// own private seed. The shared dither of block b is drawn from Philox(common_seed, b) on both
/// sides, which is how "shared randomness" is realised; PD's decoder has no common seed at all.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rdp/lattice/lattice.hpp"
#include "rdp/lattice/nested.hpp"

namespace rdp {

enum class CodecKind { sd, pd, qsd };

/// "sd", "pd", "qsd"; parse throws InvalidArgument ("codec").
const char* codec_name(CodecKind kind);
CodecKind parse_codec(const std::string& name);

/// How the codec is placed on the D–P tradeoff.
struct CodecParameters {
  CodecKind kind = CodecKind::sd;
  /// Λ = lattice_scale · Λ_base (the quantizer's lattice).
  double lattice_scale = 1.0;
  /// Second moment per dimension of the dither on V0(Λ): σ_e² = G V(Λ)^{2/n}.
  double noise_second_moment = 0.0;
  /// Synthesis gain g_s.
  double decoder_gain = 1.0;
  /// Private dither magnitude s (PD, QSD); 1 for SD, where it does not enter.
  double dither_magnitude = 1.0;
  /// QSD nesting ratio a (1 for SD and PD).
  int nesting_ratio = 1;
  /// The source mean μ: the encoder codes x − μ and the decoder adds μ back.
  double source_mean = 0.0;
  /// Output std per dimension, correlation with the source and MSE that the moment model predicts.
  double predicted_output_std = 0.0, predicted_correlation = 0.0, predicted_distortion_mse = 0.0;
  /// Per-dimension moments of the pre-noise reconstruction c̃ at the chosen scale (x centred):
  /// A = E c̃², B = E[x c̃] (SD: σ² + σ_e² and σ²).
  double reconstruction_second_moment = 0.0, reconstruction_cross_moment = 0.0;
  /// "additive_exact" (SD), "exact_integer_cells" (PD/QSD on Z^n) or "monte_carlo".
  std::string moment_method;
  /// One line saying how the values were chosen.
  std::string rule;
};

/// Chooses the lattice scale and gains for a Gaussian N(μ, σ²) source, a target per-dimension
/// MSE D and per-dimension W2² budget P, where P is the "Fréchet" perception: W2² between
/// N(μ, σ²) and the Gaussian with the output's mean and variance, (σ − std x̂)² per dimension.
/// The output target is therefore a standard deviation of at least f = (σ − √P)₊.
///
/// SD (exact model). c + u = x + e with e uniform on V0(Λ) and independent of x (Zamir & Feder),
/// E e_k² = σ_e² = G V(Λ)^{2/n}. x̂ − μ = g(x + e): Var = g²K, K = σ² + σ_e², Cov(x, x̂) = gσ²,
/// MSE = σ² + g²K − 2gσ². For a given σ_e² the best g is σ²/K unless the output std g√K falls
/// below f, when g = f/√K; σ_e² is the value whose MSE is D (TOMS 748). This reproduces the
/// jointly Gaussian optimum (s*, ρ*) of R(D,P) with W2² (ρ = σ/√K).
///
/// PD and QSD (true moments). Without a shared subtractive dither the quantisation error is
/// correlated with x, strongly so below ~1.5 bits per dimension, so the additive model above is
/// wrong there. With x centred, let c̃ = c + û be the decoder's pre-noise reconstruction (û = 0
/// for PD; for QSD c̃ is the point of the shifted lattice Λ + û nearest to x, so its law depends on
/// the coset of û only) and, per dimension, A = E[c̃_k²], B = E[x_k c̃_k] (E c̃ = 0: x and the set
/// of cosets are symmetric; the covariance is isotropic for lattices with an irreducible
/// automorphism group, and for Z^n by independence). The private dither v has second moment σ_v²
/// = σ_e² (PD, V0(Λ)) or σ_e²/a² (QSD, V0(Λ_f)), independent of everything. Then
///     x̂ − μ = g(c̃ + s v):  Var = g²K, K = A + s²σ_v²;  Cov(x, x̂) = gB;  MSE = σ² + g²K − 2gB.
/// The decoder mimics posterior sampling, the structure that achieves R(D/2,∞) without common
/// randomness (Lei et al. Thm. 4.5, Remark 4.7): the linear MMSE estimate (B/A)c̃ has variance
/// B²/A, and PD's private noise fills the variance up to f²:
///     s² σ_e² = max(0, f² − B²/A) · (A/B)²     (PD; then g = B/A and std x̂ = max(f, B/√A)).
/// QSD keeps that magnitude s, so its private noise shrinks as 1/a, and takes g = B/K unless
/// g√K < f, when g = f/√K: a = 1 is PD, and a → ∞ (c̃ → x + e, σ_v → 0) is SD. In the additive
/// model (A = σ² + σ_e², B = σ²) this is s = √(1 + σ_e²/σ²) = σ/√(σ² − D/2) at P = 0, Remark 4.7.
/// A and B depend on the lattice scale t only (σ fixed); MSE(t) rises from 0 to σ² + f², and t is
/// the root of MSE(t) = D (Boost.Math bracket_and_solve_root with TOMS 748, started from the
/// additive model's scale). Moments:
///  - Z^n at any scale (integer_lattice_step() > 0: z8, z:n=N, z1^8, ...): exact, per dimension
///  over the cells [kΔ + o ± Δ/2] of the 1-D
///    Gaussian, with E[x; cell] = σ(φ(lo/σ) − φ(hi/σ)), averaged over the a offsets o = jΔ/a
///    (QSD). For Δ < σ/64 Sheppard's values A = σ² + Δ²/12, B = σ² (error < e^{−2π²·64²}).
///  - other lattices: Monte Carlo on 2^19/n blocks (at least 2^12), seeded from the lattice name
///    and a, reused for every t (common random numbers, so MSE(t) is a fixed function and the
///    result reproducible and thread-count independent). A and B use the control variate
///    E x² = σ²: A = σ² + E[2x·err + err²], B = σ² + E[x·err], err = c̃ − x, so their
///    Monte-Carlo error vanishes at high rate; at low rate it is a relative ~1e-3.
/// Domain: σ in [1e-60, 1e60] (the simulation's fourth moments of the error, σ⁴ times a sample
/// count, stay finite), 1e-20·σ² <= D < σ² + f² (a lattice step above 1e-10·σ, six orders
/// above the resolution 2⁻⁵²σ at which a double holds x − μ), P >= 0, a >= 1 (QSD). Throws
/// InvalidArgument.
CodecParameters choose_codec_parameters(CodecKind kind, const Lattice& base, double nsm, double mu,
                                        double sigma, double distortion_mse, double perception_w2sq,
                                        int nesting_ratio = 1);

namespace detail {
/// Per-dimension moments of c̃ (see choose_codec_parameters()) for x ~ N(0, σ²).
struct ReconstructionMoments {
  double second_moment = 0.0;  ///< A = E c̃_k²
  double cross_moment = 0.0;   ///< B = E[x_k c̃_k]
};
/// Exact, for Λ = step·Z (per dimension of Z^n) and nesting ratio a (1: PD).
ReconstructionMoments integer_lattice_moments(double sigma, double step, int nesting_ratio);

/// Monte-Carlo moments for Λ = t·base, drawn once (common random numbers for every t).
class MonteCarloMoments {
 public:
  /// `blocks` source blocks of N(0, I_n) and, for a > 1, fine coset offsets, from `seed`.
  MonteCarloMoments(const Lattice& base, int nesting_ratio, std::uint64_t seed,
                    std::uint64_t blocks);
  /// For x ~ N(0, σ²I) and the lattice scale t. Thread-count independent.
  ReconstructionMoments at(double sigma, double scale) const;
  std::uint64_t blocks() const { return blocks_; }

 private:
  const Lattice* base_;
  int n_, a_;
  std::uint64_t blocks_;
  std::vector<double> x_, offset_;  // blocks × n each; offset_ empty for a = 1
};
}  // namespace detail

/// A rigorous upper bound on SD-LTC's rate per dimension for any source of variance σ² per
/// coordinate: H(c|u) = h(X + E) − log2 V(Λ) (Zamir & Feder) and h(X + E) is at most the entropy
/// of the Gaussian with the same covariance, so rate <= ½ log2(2πe(σ² + σ_e²)) − ½ log2(σ_e²/G)
/// bits per dimension (σ_e² = G V^{2/n}). Used to flag Monte-Carlo rate estimates that are biased
/// upwards (low rate, high dimension).
double sd_rate_upper_bound_bits(double variance, double noise_second_moment, double nsm);

/// The codec's lattices, built once from the base lattice and the parameters.
class CodecLattices {
 public:
  CodecLattices(LatticePtr base, const CodecParameters& params);
  const Lattice& quantizer() const { return *quantizer_; }
  /// The base lattice: quantizer() is lattice_scale times it.
  const Lattice& base() const { return *base_; }
  /// QSD only: Λ_f inside Λ = a·Λ_f.
  const NestedLattice* nested() const { return nested_.get(); }
  int dimension() const { return quantizer_->dimension(); }
  const CodecParameters& parameters() const { return params_; }

 private:
  CodecParameters params_;
  LatticePtr base_, quantizer_;
  std::unique_ptr<NestedLattice> nested_;
};

/// The shared dither of block b (SD: uniform on V0(Λ); QSD: a uniform fine point of V0(Λ);
/// PD: none). Both sides call this with their copy of the common seed.
void shared_dither(const CodecLattices& lattices, std::uint64_t common_seed, std::uint64_t block,
                   double* u);

class Encoder {
 public:
  Encoder(std::shared_ptr<const CodecLattices> lattices, std::uint64_t common_seed);
  /// Writes the lattice point c for source block x (n values) of block number `block`.
  void encode(std::uint64_t block, const double* x, double* c) const;

 private:
  std::shared_ptr<const CodecLattices> lattices_;
  std::uint64_t common_seed_;
};

class Decoder {
 public:
  /// SD and QSD: the common seed shared with the encoder, and the decoder's private seed.
  Decoder(std::shared_ptr<const CodecLattices> lattices, std::uint64_t common_seed,
          std::uint64_t private_seed);
  /// PD: no common randomness exists. Throws std::logic_error for SD/QSD.
  Decoder(std::shared_ptr<const CodecLattices> lattices, std::uint64_t private_seed);
  /// Writes x̂ for the lattice point c of block number `block`.
  void decode(std::uint64_t block, const double* c, double* x_hat) const;

 private:
  std::shared_ptr<const CodecLattices> lattices_;
  std::uint64_t common_seed_ = 0;
  std::uint64_t private_seed_;
};

}  // namespace rdp
