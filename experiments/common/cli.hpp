#pragma once
// Command-line plumbing shared by `rdp` and every figure/table binary: numeric options parsed
// strictly and range-checked while the command line is read, and one mapping from exceptions to
// exit codes. The contract: bad input gives one line on stderr naming the parameter, its valid
// range and the value as typed, nothing on stdout, exit 2.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rdp/error.hpp"

namespace rdp::experiments {

/// An interval of admissible values; infinite ends allowed (the value itself must be finite).
struct Interval {
  double lo, hi;
  bool lo_open = false, hi_open = false;
  /// How messages describe the range, when the bounds alone do not (empty: the bounds).
  std::string label = {};
  std::string text() const;
  /// Whether x lies in the interval (NaN never does).
  bool contains(double x) const;
};

/// Thrown for a usage error that is not about one parameter's range.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A check that ran on valid input and found what it checks to be false (rdp check-witness: the
/// certificate does not hold): one line on stderr, exit 3, whatever the command printed kept.
struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `flag` ("--D") taking a real number in `range`. The text must be a whole number in strtod's
/// decimal syntax: no empty value, no trailing characters, no hexadecimal; nan and inf are outside
/// every range; a value that overflows or rounds to zero is rejected. Otherwise parsing throws
/// rdp::InvalidArgument("D", range, the text as typed).
CLI::Option* add_real(CLI::App* app, const std::string& flag, double& target, Interval range,
                      const std::string& help);

/// `flag` taking a decimal integer (optional +, digits only) in [lo, hi].
CLI::Option* add_integer(CLI::App* app, const std::string& flag, int& target, int lo, int hi,
                         const std::string& help);

/// --seed: a decimal integer in [0, 2^64 − 1]; larger values are rejected, not saturated.
CLI::Option* add_seed(CLI::App* app, std::uint64_t& target, const std::string& help);

/// `flag` taking a non-empty string; `range` describes the admissible values in messages.
CLI::Option* add_text(CLI::App* app, const std::string& flag, std::string& target,
                      const std::string& range, const std::string& help);

/// Runs `parse` on the text a user typed for `flag` (a source spec, say). An InvalidArgument from
/// inside, about one key of the spec, is re-thrown with the whole text added to the value given,
/// so that the message shows what was typed: "invalid finite pmf sum: 0.6 in --source
/// 'finite:points=0/1,pmf=0.3/0.3'; valid range 1 (within 1e-9)".
template <class Parse>
auto parse_typed(const std::string& flag, const std::string& text, Parse parse)
    -> decltype(parse());

/// `flag` taking one of `choices`, exactly as listed.
CLI::Option* add_choice(CLI::App* app, const std::string& flag, std::string& target,
                        const std::vector<std::string>& choices, const std::string& help);

/// The parameter name of a flag in messages: "--D-max" → "D-max".
std::string parameter_name(const std::string& flag);

/// Parses the command line and runs `body` (which may be empty when the work happens in
/// subcommand callbacks). Exit codes: 0 success, 2 bad input (CLI11 parse errors, InvalidArgument,
/// UsageError: "NAME: error: ..." on one line; an option added by the helpers above that is
/// missing, has no value or is repeated is reported with its range), 1 any other failure
/// ("NAME: failed: ...").
int run_guarded(CLI::App& app, int argc, char** argv, const std::string& name,
                const std::function<void()>& body = {});

[[noreturn]] void rethrow_with_typed_text(const InvalidArgument& e, const std::string& flag,
                                          const std::string& text);

template <class Parse>
auto parse_typed(const std::string& flag, const std::string& text, Parse parse)
    -> decltype(parse()) {
  try {
    return parse();
  } catch (const InvalidArgument& e) {
    rethrow_with_typed_text(e, flag, text);
  }
}

}  // namespace rdp::experiments
