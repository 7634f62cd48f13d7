#pragma once
// The (source, distortion, perception) triple every theory subcommand starts from.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/distortion.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/perception.hpp"
#include "rdp/source.hpp"

namespace rdp::cli {

struct ProblemOptions {
  std::string source;
  std::string distortion;  // empty: default_distortion(source)
  std::string perception = "none";
};

struct Problem {
  SourcePtr source;
  Distortion distortion;
  Perception perception = Perception::none;
};

void add_problem_options(CLI::App* command, ProblemOptions& options, bool perception_required);

/// Parses and cross-checks the options; throws rdp::InvalidArgument on any mismatch.
Problem resolve_problem(const ProblemOptions& options);

/// The help text listing registered source families.
std::string source_help();

/// The lattice and the continuous source a codec subcommand (simulate, encode) is given, parsed
/// with the text as typed in any message; a finite source is refused by name.
struct CodecInputs {
  LatticePtr lattice;
  SourcePtr source;
  const ContinuousSource* continuous = nullptr;  ///< source, as the codecs need it
};
CodecInputs parse_codec_inputs(const std::string& lattice, const std::string& source);

/// The nesting ratio a codec runs with: QSD's (2 unless given, in [1, kMaxNestingRatio]), and 1
/// for SD and PD, which refuse one given (--nesting is for --codec qsd only).
int codec_nesting(CodecKind kind, std::optional<long long> given);

}  // namespace rdp::cli
