#pragma once
/// Dithered lattice transform codecs for the RDP tradeoff (Lei, Hassani, Saeedi Bidokhti,
/// arXiv 2503.17558, Defs. 3.1, 3.2, 3.4; THEORY.md §5), with scalar transforms: the analysis
/// transform is the identity (its gain is absorbed into the lattice scale) and the synthesis
/// transform is a gain g_s.
///
///  SD-LTC  (shared dither u ~ Unif V0(Λ)):      c = Q_Λ(x − u),  x̂ = g_s (c + u)
///  PD-LTC  (no shared randomness):               c = Q_Λ(x),      x̂ = g_s (c + s·u),  u private
///  QSD-LTC (Λ = a·Λ_f, û uniform over the a^n fine points of V0(Λ), u_f ~ Unif V0(Λ_f) private):
///                                                c = Q_Λ(x − û),  x̂ = g_s (c + û + s·u_f)
///
/// Encoder and decoder are separate objects. The encoder holds the lattice and the seed of the
/// common randomness; the decoder holds the lattice, the same common seed (SD, QSD only) and its own
/// private seed. The shared dither of block b is drawn from Philox(common_seed, b) on both sides,
/// which is how "shared randomness" is realised; PD's decoder has no common seed at all.
#include <cstdint>
#include <memory>
#include <string>

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
  /// Output std per dimension and correlation with the source that the moment model predicts.
  double predicted_output_std = 0.0, predicted_correlation = 0.0;
  /// One line saying how the values were chosen.
  std::string rule;
};

/// Chooses the lattice scale and gains for a Gaussian N(μ, σ²) source, a target per-dimension
/// MSE D and per-dimension W2² budget P (the perception of the Gaussian the moment model
/// predicts; THEORY.md §5). The moment model: c (+ shared dither) = x + e with e uncorrelated with
/// x, E e_k² = σ_e², and the private dither adds s² σ_e² (PD) or s² σ_e²/a² (QSD) of variance, so
/// x̂ = g(x + noise) has Var = g² K, K = σ² + σ_e² (1 + κ), κ = 0 (SD), s² (PD), s²/a² (QSD),
/// Cov(x, x̂) = g σ², MSE = σ² + g² K − 2gσ². For a given σ_e², the best g is σ²/K unless the
/// output std g√K falls below σ − √P, when g = (σ − √P)/√K; then σ_e² is the largest value whose
/// MSE is D (MSE increases with σ_e²; TOMS 748 root). For SD this reproduces the jointly Gaussian
/// optimum (s*, ρ*) of R(D,P) with W2² (ρ = σ/√K), so SD-LTC's rate approaches R(D,P) + loss.
/// s = √(1 + σ_e²/σ²) for PD and QSD: the paper's Remark 4.7 choice σ/√(σ² − D/2) at P = 0,
/// written in σ_e² (equal there since D/2 = σ²σ_e²/(σ² + σ_e²)), which makes PD's output the MMSE
/// estimate plus independent noise of variance D/2. QSD keeps the same s; its private noise
/// shrinks as 1/a, so a = 1 is PD and a → ∞ is SD.
/// Domain: σ > 0, 0 < D < σ² + (σ − √P)₊², P >= 0, a >= 1 (QSD). Throws InvalidArgument.
CodecParameters choose_codec_parameters(CodecKind kind, const Lattice& base, double nsm,
                                        double mu, double sigma, double distortion_mse,
                                        double perception_w2sq, int nesting_ratio = 1);

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
  /// QSD only: Λ_f inside Λ = a·Λ_f.
  const NestedLattice* nested() const { return nested_.get(); }
  int dimension() const { return quantizer_->dimension(); }
  const CodecParameters& parameters() const { return params_; }

 private:
  CodecParameters params_;
  LatticePtr quantizer_;
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
