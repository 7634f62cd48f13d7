#pragma once
// The (source, distortion, perception) triple every theory subcommand starts from.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "rdp/distortion.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/perception.hpp"
#include "rdp/solvers/closed_form.hpp"
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

/// The fields of `rdp rate --method closed --json` at (D, P) (P only with a perception measure):
/// one definition for the command and the Python module.
nlohmann::json closed_rate_json(const Problem& pb, double distortion, double perception,
                                const ClosedFormRate& rate);

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

}  // namespace rdp::cli
