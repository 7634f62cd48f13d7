#pragma once
/// Monte-Carlo simulation of a dithered lattice codec on an i.i.d. source blocked into the lattice
/// dimension. Block b draws its source from its own Philox stream, the shared dither from
/// Philox(common seed, b) and the decoder's dither from Philox(private seed, b); per-block results
/// are reduced in block order, so the output is identical for any number of OpenMP threads.
///
/// Reported per dimension, each with a standard error:
///  - rate: H(c | shared dither) / n bits, the ideal entropy-coded length given the common
///    randomness, from CellRateEstimator (cell_rate.hpp): exact on box cells (Δ·Z^n), otherwise an
///    importance-sampling bracket [rate_lower_bits, rate_bits] in expectation, whose paired width
///    is rate_bias_bound_bits.
///  - distortion: MSE per dimension.
///  - perception (Gaussian sources), four measures that differ and are named apart everywhere
///    (perception_estimators.hpp): the marginal W2² (mean over coordinates of the empirical
///    per-coordinate W2²), the Fréchet W2² (between the source and the Gaussian fitted to the
///    output blocks; the P that choose_codec_parameters aims at and R(D,P) for a Gaussian source
///    is stated in), the sliced W2² and the fitted Gaussian's KL.
#include <cstdint>
#include <string>
#include <vector>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/mc/perception_estimators.hpp"
#include "rdp/source.hpp"

namespace rdp {

struct SimulationOptions {
  std::uint64_t blocks = 25000;  ///< source blocks of the lattice dimension (>= 64)
  std::uint64_t seed = 1;
  int rate_points = 32;      ///< K: draws per round of the cell integral, all proposals (>= 1)
  int rate_max_rounds = 32;  ///< cap on the rounds of K draws (set by the pilot round)
  int projections = 64;      ///< sliced-W2 directions
  int batches = 16;          ///< batch-means batches for the perception errors
  bool estimate_rate = true;
  /// Use the cell Monte-Carlo integrator even for Z^n, and report it against the exact rate on
  /// the same blocks (rate_*_minus_exact_bits). For checking the integrator.
  bool force_cell_monte_carlo = false;
  /// Keep the per-block rates (SimulationResult::block_rate_bits), e.g. to compare two codecs
  /// run with the same seed, hence on the same source blocks, by paired differences.
  bool keep_block_rates = false;
  bool estimate_perception = true;
};

struct SimulationResult {
  std::uint64_t blocks = 0;
  int dimension = 0;
  Estimate rate_bits;             ///< per dimension; conservative (upper bound in expectation)
  Estimate rate_lower_bits;       ///< per dimension; a lower bound in expectation
  Estimate rate_bias_bound_bits;  ///< rate_bits − rate_lower_bits, paired per block
  std::string rate_method;        ///< "exact_box_cells" or "cell_monte_carlo"
  int rate_points = 0;            ///< K per round (0 when exact)
  double rate_mean_draws = 0.0;   ///< mean draws per block (all proposals, pilot excluded)
  /// force_cell_monte_carlo on Z^n only: the exact rate, and the paired differences of the
  /// upper and lower Monte-Carlo estimates from it on the same blocks.
  Estimate rate_exact_bits, rate_upper_minus_exact_bits, rate_lower_minus_exact_bits;
  /// keep_block_rates only: each block's (conservative) rate per dimension, in block order.
  std::vector<double> block_rate_bits;
  Estimate distortion_mse;  ///< per dimension
  bool has_perception = false;
  PerceptionEstimates perception;
  double seconds_coding = 0.0, seconds_rate = 0.0, seconds_perception = 0.0;
};

/// Runs encoder and decoder (separate objects, sharing only the common seed) on `options.blocks`
/// source blocks. The source must be continuous. Throws InvalidArgument on bad options.
SimulationResult simulate_codec(std::shared_ptr<const CodecLattices> lattices,
                                const ContinuousSource& source, const SimulationOptions& options);

/// Bytes simulate_codec holds at once for `blocks` blocks of dimension n: the reconstructions
/// (blocks × n doubles), a copy of them for the perception estimators, and a few per-block values.
/// Callers check it against the memory they have before a long run.
std::uint64_t simulation_memory_bytes(std::uint64_t blocks, int dimension);

/// splitmix64: derives independent seeds (source, common, private, rate) from one user seed.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t role);

}  // namespace rdp
