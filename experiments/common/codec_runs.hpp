#pragma once
// One simulated operating point of a dithered lattice codec: the pipeline (lattice, its normalized
// second moment, the codec's parameters, the Monte Carlo, the theory it is compared with) and its
// output fields, shared by `rdp simulate` and the codec figures so that both report the same
// quantities under the same names.
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/source.hpp"

namespace rdp::experiments {

struct CodecPoint {
  CodecKind kind = CodecKind::sd;
  std::string lattice;
  /// Targets: MSE per dimension, and P as the Fréchet W2² per dimension (what the codec aims at;
  /// choose_codec_parameters).
  double distortion_target = 0.0, perception_target = 0.0;
  int nesting = 1;  ///< QSD nesting ratio a (ignored by SD and PD)
};

/// What one point produces.
struct CodecRun {
  CodecPoint point;
  std::string source;  ///< canonical spec
  double source_variance = 0.0;
  std::uint64_t seed = 0;
  int dimension = 0;
  double nsm = 0.0;
  std::string nsm_method;  ///< "conway_sloane" (tabulated) or "monte_carlo" (10^5 seeded samples)
  CodecParameters parameters;
  SimulationResult result;
  /// The payload of a real file for the same source blocks (codec/bitstream.hpp), bytes, and its
  /// bits per dimension (every lattice: exact model on Δ·Z^n, the chain model elsewhere). The
  /// file's header (about 150 bytes) is not counted: it does not grow with the samples.
  double coded_payload_bytes = NAN, coded_rate_bits = NAN;
  /// The header and CRC such a file (rdp encode --samples) carries on top, bytes.
  double coded_header_bytes = NAN;
  bool gaussian = false;  ///< the theory fields exist only for a Gaussian source
  std::string theory;
  double theory_rate_bits = 0.0;
};

/// The most scalar samples one simulation takes (rdp simulate --samples, rdpkit.simulate).
constexpr double kMaxSimulationSamples = 2e9;

/// The blocks of `dimension` samples a simulation of `samples` scalar samples draws. Refuses fewer
/// than 64 blocks, and a run whose memory (the reconstructions and per-block results are held)
/// exceeds half of this machine's, rather than fail or swap after minutes; messages show the
/// samples as `samples_text`.
std::uint64_t simulation_blocks(double samples, const std::string& samples_text, int dimension);

/// Runs one point on `source` with `options` (blocks, seed, estimator settings).
CodecRun run_codec_point(const CodecPoint& point, const ContinuousSource& source,
                         const SimulationOptions& options);

/// The output of a run as ordered (name, value) pairs, a value being a number, a string or null
/// (a quantity this run does not have). The one list behind the CSV columns of every codec table
/// and the keys of `rdp simulate --json`; timings are not in it (they differ between runs).
std::vector<std::pair<std::string, nlohmann::json>> codec_fields(const CodecRun& run);

/// The names of codec_fields(), in order: a codec table's header.
std::vector<std::string> codec_columns();

/// codec_fields() as CSV cells (numbers in shortest round-trip form, null as an empty cell).
std::vector<std::string> codec_cells(const CodecRun& run);

/// The settings the codec figures share, and the per-point simulation options they imply.
/// The normalised second moment G the codec parameters are chosen with (choose_codec_parameters):
/// Conway & Sloane's value where tabulated (reference_nsm), else 10^5 seeded Monte-Carlo samples.
/// One function for rdp simulate, rdp encode and the figures, so a file and a simulation with the
/// same seed use the same parameters.
struct CodecNsm {
  double nsm = 0.0;
  std::string method;  ///< "conway_sloane" or "monte_carlo"
};
CodecNsm codec_nsm(const Lattice& base, const std::string& name, std::uint64_t seed);

struct CodecRunSettings {
  double sigma = 1.0;
  std::uint64_t samples = 200000;  ///< scalar samples per point
  std::uint64_t seed = 1;
  int rate_points = 16;
  int projections = 32;
};
SimulationOptions figure_simulation_options(const CodecRunSettings& settings, int dimension);

}  // namespace rdp::experiments
