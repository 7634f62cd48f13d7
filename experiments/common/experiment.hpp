#pragma once
// What every figure/table binary shares: options (--out, --seed, --quick), atomic CSV output, each
// CSV with its own JSON sidecar, a progress bar, and error handling (cli.hpp).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "rdp/solvers/ba/solver.hpp"

namespace rdp::experiments {

struct ExperimentOptions {
  std::string out_dir = "out";
  std::uint64_t seed = 1;
  bool quick = false;
};

/// A CSV table built in memory and written atomically (unique temporary file + rename), so that an
/// interrupted or concurrent run never leaves a torn file in place of a good one.
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> columns);
  /// Appends one row, quoting cells that hold a comma, quote or line break (RFC 4180); numbers
  /// are printed in shortest round-trip form by cell().
  void add_row(const std::vector<std::string>& cells);
  static std::string cell(double x);
  static std::string cell(long long x);
  static std::string cell(const std::string& x) { return x; }
  std::size_t rows() const { return rows_; }
  /// Writes DIR/NAME.csv, then its sidecar DIR/NAME.json: {"experiment", "csv", "version",
  /// "seed", "quick", "wall_seconds" (since the run started), "rows", "csv_bytes",
  /// "csv_fnv1a64" (the CSV's FNV-1a hash, so that a pair left by a killed run can be told
  /// apart from a matching one), "parameters"}.
  void write(const std::string& dir, const std::string& name,
             const nlohmann::json& parameters = nlohmann::json::object()) const;

 private:
  std::size_t columns_;
  std::size_t rows_ = 0;
  std::ostringstream text_;
};

/// Writes DIR/NAME.json, the run's summary, last: {"experiment", "version", "seed", "quick",
/// "wall_seconds" (since the run started), "parameters", "complete": true, "files": the CSVs this
/// run wrote with their rows and hashes}. Its presence with a matching hash marks a set of CSVs as
/// one complete run.
void write_sidecar(const std::string& dir, const std::string& name,
                   const ExperimentOptions& options, const nlohmann::json& parameters);

/// A progress bar on stderr, drawn only when stderr is a terminal; tick() is thread-safe.
class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  void tick(std::size_t n = 1);

 private:
  std::string label_;
  std::size_t total_, done_ = 0;
  bool enabled_;
  int last_percent_ = -1;
};

/// Parses the common options plus those `setup` adds, checks that --out can hold files (before
/// any work), runs `body`, and maps errors to exit codes (run_guarded: 2 for bad input with a
/// one-line message, 1 for failures).
int run_experiment(int argc, char** argv, const std::string& name, const std::string& description,
                   const std::function<void(CLI::App&)>& setup,
                   const std::function<void(const ExperimentOptions&)>& body);

/// A one-line status of a running certified solve on stderr (passes, inner solves, the bounds so
/// far and the elapsed time), redrawn at most four times a second; for callers that have checked
/// stderr is a terminal. The line is ended when the object goes.
class SolveProgress {
 public:
  explicit SolveProgress(std::string label);
  ~SolveProgress();
  void report(const BaProgress& state);

 private:
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

}  // namespace rdp::experiments
