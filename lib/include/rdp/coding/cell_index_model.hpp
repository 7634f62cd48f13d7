#pragma once
/// The law of the index of the cell holding a scalar X with a continuous cdf F, when the real
/// line is cut into cells C_k = [θ + (k − ½)Δ, θ + (k + ½)Δ), quantised for rANS (rans.hpp):
///     P(k) = F(θ + (k + ½)Δ) − F(θ + (k − ½)Δ).
/// On Δ·Z^n this is exactly one coordinate of the dithered codecs' lattice point given what the
/// decoder knows (dithered_codec.hpp): the encoder rounds y = x − μ − u to c = Δ·k, so c_k = Δk
/// iff x_k ∈ C_k with θ = μ + u_k (SD: u the shared dither; QSD: the shared fine point û; PD:
/// u = 0). The coded rate then approaches the exact H(c | u) per coordinate.
///
/// Window. The cells meeting [F⁻¹(τ), F⁻¹(1 − τ)], τ = 2^-20, are coded directly (their total
/// mass is at least 1 − 2τ); everything else is an escape (put_index()). At most 2^14 cells:
/// beyond that (Δ below (F⁻¹(1−τ) − F⁻¹(τ))/2^14, ~ 12.8 bits per dimension for a Gaussian) the
/// window is the 2^14 cells centred on the median's cell and the rest escapes.
///
/// Quantisation (a "leaky" CDF rule that needs no normalisation). With W window cells [lo, hi],
/// S = 2^16 − W − 1 and F_k = F(θ + (k − ½)Δ), the lower edge of cell k,
///     cum(lo) = 0,  cum(k) = ⌊F_k S⌋ + (k − lo) for lo < k <= hi,  cum(hi + 1) = 2^16 − 2,
/// so the escape has frequency 2. Cell k in (lo, hi) gets ⌊F_{k+1}S⌋ − ⌊F_k S⌋ + 1 > p_k S; cell
/// lo also takes the mass below it and cell hi the mass above it (S − ⌊F_hi S⌋ >= (1 − F_hi)S).
/// The escape's true mass is at most 2τ, and 2τS < 2^-3 < 2. So every quantised probability is
/// more than the exact one times S/2^16 = 1 − (W + 1)/2^16, and the cross-entropy overhead is below
/// −log2(1 − (W + 1)/2^16) bits per coordinate (to first order it cancels: the unit given to each
/// cell is taken back from the bulk pro rata). Placing the cells costs no cdf call, coding one
/// coordinate two, decoding one about two plus a table lookup for the first guess. (A capped
/// window's escape mass can exceed 2τ; there the bound does not hold and the escapes cost what they
/// cost.)
///
/// F is the source's cdf; for a Gaussian Φ((x − μ)/σ) = ½ erfc((μ − x)/(σ√2)) with the C
/// library's erfc (faster than Boost's here; both end in the platform's libm).
/// Determinism: encoder and decoder evaluate the same function on the same doubles, so they agree
/// bit for bit when built from the same source and floating-point settings and run against the
/// same libm. A file is therefore portable between machines of one kind (here: Debian 12,
/// x86-64, glibc); decoding it elsewhere needs an integer-only cdf, which this model is not. cum()
/// needs F to be non-decreasing to within 2^-17 (any accurate cdf is); a cell whose rounded
/// frequency is still 0 is escaped.
#include <cstdint>

#include "rdp/coding/rans.hpp"
#include "rdp/source.hpp"

namespace rdp {

class CellIndexModel {
 public:
  /// Tail mass left out of the window on each side.
  static constexpr double kTailMass = 0x1.0p-20;
  /// Largest number of window cells.
  static constexpr std::int64_t kMaxWindow = std::int64_t{1} << 14;
  /// cum(hi + 1): the escape is [2^16 − 2, 2^16).
  static constexpr std::uint32_t kEscape = kRansTotal - 2;

  /// `source` (kept by reference: it must outlive the model) gives F; `step` is Δ > 0 (throws
  /// InvalidArgument). Call place() before use.
  CellIndexModel(const ContinuousSource& source, double step);

  /// Puts the centre of cell 0 at θ (source coordinates; finite).
  void place(double theta);
  double theta() const { return theta_; }

  std::int64_t lo() const { return lo_; }
  std::int64_t hi() const { return hi_; }
  std::uint32_t cum(std::int64_t k) const {
    if (k <= lo_) return 0;
    if (k > hi_) return kEscape;
    return cum_inside(k);
  }
  /// The cell whose interval holds `slot` (< cum(hi + 1)): a guess from the quantile function,
  /// then a galloping search, O(1) cdf calls in the bulk and O(log W) at worst.
  IndexInterval find(std::uint32_t slot) const;

  /// −log2 of the quantised probability with which put_index() codes k, escape bits included.
  double cost_bits(std::int64_t k) const;

 private:
  std::uint32_t cum_inside(std::int64_t k) const;
  // F and F⁻¹: the source's own, or for a Gaussian Boost's erfc in double precision.
  double cdf(double x) const;
  double quantile(double u) const;
  const ContinuousSource* source_;
  bool gaussian_ = false;
  double mu_ = 0.0, sigma_ = 1.0, inv_sigma_sqrt2_ = 1.0;
  const double* grid_ = nullptr;  // Φ⁻¹(i/1024), i = 0 … 1024 (ends ±40)
  double step_, inv_step_, q_lo_, q_hi_, median_;
  double theta_ = 0.0, scale_ = 0.0;
  std::int64_t lo_ = 0, hi_ = 0;
};

}  // namespace rdp
