#pragma once
// Plumbing shared by the `rdp` subcommands: registration, and the option helpers and exit codes
// of experiments/common/cli.hpp.
#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>

#include "cli.hpp"
#include "rdp/error.hpp"

namespace rdp::cli {

/// Each subcommand file registers one of these at static-initialisation time:
///   static const bool registered = register_command(&setup_rate);
using CommandSetup = std::function<void(CLI::App& app)>;
bool register_command(CommandSetup setup);

/// Builds the app with every registered subcommand and runs it. Exit codes: 0 success, 2 bad
/// input (parse errors included, one line on stderr, nothing on stdout), 3 a check that failed
/// (rdp check-witness), 1 internal failure.
int run(int argc, char** argv);

using experiments::CheckFailed;
using experiments::UsageError;

}  // namespace rdp::cli
