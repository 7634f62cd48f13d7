#include "experiment.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>

#include "rdp/error.hpp"

namespace rdp::experiments {

CsvTable::CsvTable(std::vector<std::string> columns) : columns_(columns.size()) {
  for (std::size_t i = 0; i < columns.size(); ++i) text_ << (i ? "," : "") << columns[i];
  text_ << "\n";
}

void CsvTable::add_row(const std::vector<std::string>& cells) {
  if (cells.size() != columns_) throw std::logic_error("CSV row has the wrong number of cells");
  for (std::size_t i = 0; i < cells.size(); ++i) text_ << (i ? "," : "") << cells[i];
  text_ << "\n";
  ++rows_;
}

std::string CsvTable::cell(double x) { return rdp::format_number(x); }
std::string CsvTable::cell(long long x) { return std::to_string(x); }

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + tmp);
    f << text;
    f.flush();
    if (!f) throw std::runtime_error("write failed: " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

void CsvTable::write(const std::string& dir, const std::string& name) const {
  std::filesystem::create_directories(dir);
  write_file_atomic(dir + "/" + name + ".csv", text_.str());
}

void write_sidecar(const std::string& dir, const std::string& name,
                   const ExperimentOptions& options, const nlohmann::json& parameters,
                   double wall_seconds) {
  nlohmann::json j;
  j["experiment"] = name;
  j["version"] = RDP_VERSION;
  j["seed"] = options.seed;
  j["quick"] = options.quick;
  j["wall_seconds"] = wall_seconds;
  j["parameters"] = parameters;
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
  app.add_option("--out", options.out_dir, "output directory (default out)");
  app.add_option("--seed", options.seed, "seed of every random draw (default 1)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quick", options.quick, "small version, for CI (well under a minute)");
  setup(app);
  try {
    app.parse(argc, argv);
    if (options.out_dir.empty()) throw rdp::InvalidArgument("out", "a directory path", "''");
    body(options);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << name << ": error: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const rdp::InvalidArgument& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << name << ": failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace rdp::experiments
