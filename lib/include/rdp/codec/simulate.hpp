#pragma once
/// Monte-Carlo simulation of a dithered lattice codec on an i.i.d. source blocked into the lattice
/// dimension. Block b draws its source from its own Philox stream, the shared dither from
/// Philox(common seed, b) and the decoder's dither from Philox(private seed, b); per-block results
/// are reduced in block order, so the output is identical for any number of OpenMP threads.
///
/// Reported per dimension, each with a standard error:
///  - rate: H(c | shared dither) / n bits, the ideal entropy-coded length given the common
///    randomness, E[−log2 P(c | u)] with P(c | u) = ∫_{c+u+V0} p_y, y = x − μ. For Z^n (any scale)
///    the cell is a box and P is a product of cdf differences (exact). Otherwise P is estimated by
///    multiple importance sampling (Veach & Guibas 1995, balance heuristic) from two proposals:
///    K points uniform on the cell (good at high rate, where p_y is nearly flat on the cell) and K
///    source draws, counted when they fall in the cell (good at low rate, where the cell holds
///    most of the mass): P̂ = Σ_{samples in the cell} p(y) / (K/V + K p(y)). Neither proposal alone
///    is accurate over the whole range (the uniform one overstates the rate badly once cells are
///    wider than σ). Rounds of K draws per proposal are added until the estimated Jensen bias
///    Var(P̂)/(2P² ln 2) is below 0.002 bits per dimension (at most `rate_max_rounds` rounds); the log's Jensen bias is then removed to
///    second order (delta method) with that variance. The mean correction and the mean number of
///    draws are reported. At low rate in high dimension (cells wider than σ) the variance
///    estimate itself is unreliable and the rate is biased upwards: compare with
///    sd_rate_upper_bound_bits() (dithered_codec.hpp) for SD.
///  - distortion: MSE per dimension.
///  - perception (Gaussian sources): see perception_estimators.hpp.
#include <cstdint>
#include <string>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/mc/perception_estimators.hpp"
#include "rdp/source.hpp"

namespace rdp {

struct SimulationOptions {
  std::uint64_t blocks = 25000;  ///< source blocks of the lattice dimension (>= 64)
  std::uint64_t seed = 1;
  int rate_points = 32;          ///< K: points per proposal per block for the cell integral (>= 1)
  int rate_max_rounds = 32;      ///< cap on the rounds of K draws (the adaptive stopping rule)
  int projections = 64;          ///< sliced-W2 directions
  int batches = 16;              ///< batch-means batches for the perception errors
  bool estimate_rate = true;
  bool estimate_perception = true;
};

struct SimulationResult {
  std::uint64_t blocks = 0;
  int dimension = 0;
  Estimate rate_bits;                ///< per dimension
  std::string rate_method;           ///< "exact_box_cells" or "cell_monte_carlo"
  int rate_points = 0;               ///< K per proposal (0 when exact)
  double rate_jensen_correction_bits = 0.0;  ///< mean correction subtracted, per dimension
  double rate_mean_draws = 0.0;      ///< mean draws per proposal per block (adaptive, >= K)
  Estimate distortion_mse;           ///< per dimension
  bool has_perception = false;
  PerceptionEstimates perception;
  double seconds_coding = 0.0, seconds_rate = 0.0, seconds_perception = 0.0;
};

/// Runs encoder and decoder (separate objects, sharing only the common seed) on `options.blocks`
/// source blocks. The source must be continuous. Throws InvalidArgument on bad options.
SimulationResult simulate_codec(std::shared_ptr<const CodecLattices> lattices,
                                const ContinuousSource& source, const SimulationOptions& options);

/// splitmix64: derives independent seeds (source, common, private, rate) from one user seed.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t role);

}  // namespace rdp
