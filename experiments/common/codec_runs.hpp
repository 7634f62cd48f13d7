#pragma once
// One simulated operating point of a dithered lattice codec on N(0, σ²), as a CSV row.
#include <cstdint>
#include <string>
#include <vector>

#include "experiment.hpp"
#include "rdp/codec/dithered_codec.hpp"

namespace rdp::experiments {

struct CodecPoint {
  CodecKind kind = CodecKind::sd;
  std::string lattice;
  double distortion_target = 0.0, perception_target = 0.0;
  int nesting = 1;
};

struct CodecRunSettings {
  double sigma = 1.0;
  std::uint64_t samples = 200000;  ///< scalar samples per point
  std::uint64_t seed = 1;
  int rate_points = 16;
  int projections = 32;
};

/// Column names of codec_row().
std::vector<std::string> codec_columns();

/// Simulates one point and returns its CSV cells (measured values with standard errors and the
/// chosen parameters).
std::vector<std::string> codec_row(const CodecPoint& point, const CodecRunSettings& settings);

}  // namespace rdp::experiments
