#pragma once
/// The rate of one block of a dithered lattice codec: −log2 P(c | u), the ideal entropy-coded
/// length of its lattice point c given the shared dither u, with
///     P(c | u) = ∫_{c + u + V0} p_y,   y = x − μ   (docs/THEORY.md §5.3).
///
/// Box cells (Δ·Z^n, integer_lattice_step() > 0): P is a product of cdf differences, exact.
/// Otherwise P is estimated by importance sampling from a mixture q̄ of three proposals (balance
/// heuristic, Veach & Guibas 1995): uniform on the cell (right at high rate, where p_y is nearly
/// flat on the cell), the source (right when the cell holds most of the mass) and the Gaussian
/// posterior of y given the cell with the cell replaced by a Gaussian of its second moment,
/// N(μ + ρ(c̃ − μ), 1.5ργ), ρ = σ²/(σ² + σ_e²), γ = σ_e² (for the cells far from the mean at low
/// rate, whose mass sits on the face nearest the mean). Fixed shares of each proposal per round
/// (1/4, 1/4, 1/2); the number of rounds is set by an independent pilot round (aiming at a Jensen
/// bias of 0.002 bits per dimension, at most `max_rounds`), so it does not depend on the draws
/// used. Each block gives two estimates from the same draws:
///   upper: −log2 P̂, P̂ the unbiased importance-sampling mean. By Jensen E[−log2 P̂] >= −log2 P.
///   lower: the source block x is itself an exact draw from p_y restricted to the cell; it
///     replaces one draw (of a component chosen with probability α_c q_c(x)/q̄(x)) and P̂' is
///     recomputed. The law of that set of draws has density P̂/P relative to the independent one,
///     so E[log P̂'] − log P is a KL divergence >= 0: E[−log2 P̂'] <= −log2 P (the "sandwich" of
///     Grosse, Ghahramani & Adams 2015).
/// Draws come from Philox streams of (seed, block): the estimate of a block depends on nothing
/// else, so any thread count gives the same numbers.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/source.hpp"

namespace rdp {

class Gaussian;

struct CellRateOptions {
  std::uint64_t seed = 0;  ///< of the importance-sampling draws
  int points = 32;         ///< K: draws per round, all proposals (1 … 4096)
  int max_rounds = 32;     ///< cap on the rounds set by the pilot (1 … 1024)
  /// Use importance sampling even on box cells (and report the exact value beside it): for
  /// checking the integrator against cells whose mass is known.
  bool force_monte_carlo = false;
};

/// One block's rate, bits (not per dimension).
struct BlockRate {
  double upper_bits = 0.0;  ///< exact on box cells; else >= −log2 P in expectation
  double lower_bits = 0.0;  ///< exact on box cells; else <= −log2 P in expectation
  double draws = 0.0;       ///< importance-sampling draws used (0 when exact)
  double exact_bits = 0.0;  ///< box cells only (also under force_monte_carlo)
};

class CellRateEstimator {
 public:
  /// `source` must be continuous and outlive the estimator. Throws InvalidArgument on options out
  /// of range ("rate points", "rate max rounds").
  CellRateEstimator(std::shared_ptr<const CodecLattices> lattices, const ContinuousSource& source,
                    const CellRateOptions& options);

  /// Per-thread buffers, sized once: no allocation per block.
  class Scratch {
   public:
    explicit Scratch(int dimension);

   private:
    friend class CellRateEstimator;
    std::vector<double> buffer;  // 4 n
    std::vector<double> log_w;
    std::vector<int> component;
  };

  /// The rate of block `block` whose source block is x (n values), whose encoder's lattice point
  /// is c and whose shared dither is u (shared_dither(); zeros for PD).
  BlockRate block(std::uint64_t block, const double* x, const double* c, const double* u,
                  Scratch& scratch) const;

  /// "exact_box_cells" or "cell_monte_carlo".
  const char* method() const { return exact() ? "exact_box_cells" : "cell_monte_carlo"; }
  bool box_cells() const { return step_ > 0.0; }
  bool exact() const { return box_cells() && !options_.force_monte_carlo; }
  /// K per round (0 when exact).
  int points() const { return exact() ? 0 : options_.points; }

 private:
  double exact_log_mass(const double* centre) const;
  std::shared_ptr<const CodecLattices> lattices_;
  const ContinuousSource* source_;
  const Gaussian* gaussian_ = nullptr;  // the source, if it is a Gaussian
  CellRateOptions options_;
  double step_ = 0.0;  // > 0 on box cells
  double log_volume_ = 0.0, rho_ = 0.0, proposal_sd_ = 0.0;
  int m_uniform_ = 0, m_source_ = 0, m_gaussian_ = 0;
};

}  // namespace rdp
