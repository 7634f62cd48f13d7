#include "experiment.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <stdexcept>

#include "rdp/error.hpp"
#include "rdp/io/atomic_file.hpp"

namespace rdp::experiments {
namespace {

// The run the sidecars describe: set once by run_experiment before the body runs.
struct RunContext {
  std::string experiment;
  ExperimentOptions options;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  nlohmann::json files = nlohmann::json::array();
  std::mutex mutex;
};

RunContext& run_context() {
  static RunContext c;
  return c;
}

std::string fnv1a64_hex(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : text) h = (h ^ ch) * 0x100000001b3ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

double seconds_since_start() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - run_context().start)
      .count();
}

}  // namespace

CsvTable::CsvTable(std::vector<std::string> columns) : columns_(columns.size()) {
  for (std::size_t i = 0; i < columns.size(); ++i) text_ << (i ? "," : "") << columns[i];
  text_ << "\n";
}

// RFC 4180: a cell holding a comma, a quote or a line break is quoted, its quotes doubled (source
// specs such as gaussian:mu=0,sigma=1 hold commas).
static std::string csv_escape(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void CsvTable::add_row(const std::vector<std::string>& cells) {
  if (cells.size() != columns_) throw std::logic_error("CSV row has the wrong number of cells");
  for (std::size_t i = 0; i < cells.size(); ++i) text_ << (i ? "," : "") << csv_escape(cells[i]);
  text_ << "\n";
  ++rows_;
}

std::string CsvTable::cell(double x) { return rdp::format_number(x); }
std::string CsvTable::cell(long long x) { return std::to_string(x); }

void CsvTable::write(const std::string& dir, const std::string& name,
                     const nlohmann::json& parameters) const {
  std::filesystem::create_directories(dir);
  const std::string text = text_.str();
  RunContext& run = run_context();
  nlohmann::json file = {{"csv", name + ".csv"},
                         {"rows", rows_},
                         {"csv_bytes", text.size()},
                         {"csv_fnv1a64", fnv1a64_hex(text)}};
  nlohmann::json j;
  j["experiment"] = run.experiment.empty() ? name : run.experiment;
  j["version"] = RDP_VERSION;
  j["seed"] = run.options.seed;
  j["quick"] = run.options.quick;
  j["wall_seconds"] = seconds_since_start();
  j.update(file);
  j["parameters"] = parameters;
  // The CSV first: if the run dies between the two, the sidecar left from an older run carries a
  // hash that does not match.
  write_file_atomic(dir + "/" + name + ".csv", text);
  write_file_atomic(dir + "/" + name + ".json", j.dump(2) + "\n");
  std::lock_guard<std::mutex> lock(run.mutex);
  run.files.push_back(file);
}

void write_sidecar(const std::string& dir, const std::string& name,
                   const ExperimentOptions& options, const nlohmann::json& parameters) {
  RunContext& run = run_context();
  nlohmann::json j;
  j["experiment"] = name;
  j["version"] = RDP_VERSION;
  j["seed"] = options.seed;
  j["quick"] = options.quick;
  j["wall_seconds"] = seconds_since_start();
  j["parameters"] = parameters;
  j["complete"] = true;
  {
    std::lock_guard<std::mutex> lock(run.mutex);
    j["files"] = run.files;
    // A CSV of the same name as the run keeps its own sidecar fields in the merged file.
    for (const auto& f : run.files)
      if (f["csv"] == name + ".csv") j.update(f);
  }
  std::filesystem::create_directories(dir);
  write_file_atomic(dir + "/" + name + ".json", j.dump(2) + "\n");
}

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() {
  if (enabled_ && last_percent_ >= 0) std::fprintf(stderr, "\n");
}

void Progress::tick(std::size_t n) {
  if (!enabled_ || total_ == 0) return;
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  done_ += n;
  const int percent = static_cast<int>(100 * done_ / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  const int width = 30, filled = percent * width / 100;
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%", label_.c_str(), filled,
               "##############################", width - filled, "", percent);
  std::fflush(stderr);
}

int run_experiment(int argc, char** argv, const std::string& name, const std::string& description,
                   const std::function<void(CLI::App&)>& setup,
                   const std::function<void(const ExperimentOptions&)>& body) {
  CLI::App app{description, name};
  ExperimentOptions options;
  add_text(&app, "--out", options.out_dir, "a writable directory",
           "output directory (default out)");
  add_seed(&app, options.seed, "seed of every random draw (default 1)");
  app.add_flag("--quick", options.quick, "small version, for CI (well under a minute)");
  setup(app);
  return run_guarded(app, argc, argv, name, [&] {
    // Found now, not after minutes of computing.
    require_writable_directory("out", options.out_dir);
    RunContext& run = run_context();
    run.experiment = name;
    run.options = options;
    run.start = std::chrono::steady_clock::now();
    body(options);
  });
}

SolveProgress::SolveProgress(std::string label)
    : label_(std::move(label)), start_(std::chrono::steady_clock::now()), last_(start_) {}

SolveProgress::~SolveProgress() {
  if (drawn_) std::fprintf(stderr, "\n");
}

void SolveProgress::report(const BaProgress& state) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r%s: %ld passes, %d solves, R in [%.6g, %.6g] bits, %.0f s   ",
               label_.c_str(), state.iterations, state.evaluations, state.lower_bits,
               state.upper_bits, elapsed);
  std::fflush(stderr);
}

}  // namespace rdp::experiments
