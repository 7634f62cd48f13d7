#pragma once
// What every figure/table binary shares: options (--out, --seed, --quick), atomic CSV output with a
// JSON sidecar (parameters, seed, version, wall time), a progress bar, and error handling.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace rdp::experiments {

struct ExperimentOptions {
  std::string out_dir = "out";
  std::uint64_t seed = 1;
  bool quick = false;
};

/// A CSV table built in memory and written atomically (temp file + rename), so that an
/// interrupted run never leaves a half-written file in place of a good one.
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> columns);
  /// Appends one row; numbers are printed in shortest round-trip form.
  void add_row(const std::vector<std::string>& cells);
  static std::string cell(double x);
  static std::string cell(long long x);
  static std::string cell(const std::string& x) { return x; }
  std::size_t rows() const { return rows_; }
  /// Writes DIR/NAME.csv atomically.
  void write(const std::string& dir, const std::string& name) const;

 private:
  std::size_t columns_;
  std::size_t rows_ = 0;
  std::ostringstream text_;
};

/// Writes DIR/NAME.json: {"experiment", "version", "seed", "quick", "wall_seconds", "parameters"}.
void write_sidecar(const std::string& dir, const std::string& name,
                   const ExperimentOptions& options, const nlohmann::json& parameters,
                   double wall_seconds);

/// Writes text to a file atomically.
void write_file_atomic(const std::string& path, const std::string& text);

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

/// Parses the common options plus those `setup` adds, runs `body`, and maps errors to exit
/// codes (2 for bad input with a one-line message, 1 for failures). Prints the output paths.
int run_experiment(int argc, char** argv, const std::string& name, const std::string& description,
                   const std::function<void(CLI::App&)>& setup,
                   const std::function<void(const ExperimentOptions&)>& body);

}  // namespace rdp::experiments
