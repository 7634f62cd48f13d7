// `rdp simulate`: Monte-Carlo of SD-, PD- and QSD-LTC against the theory.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "codec_runs.hpp"
#include "command.hpp"
#include "problem.hpp"
#include "rdp/codec/dithered_codec.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/source_registry.hpp"
#include "rdp/sources.hpp"

namespace rdp::cli {
namespace {

constexpr double kMaxSamples = 2e9;

struct SimulateOptions {
  std::string codec = "sd", lattice = "e8", source = "gaussian:sigma=1";
  double distortion = NAN, perception = 0.0;
  int nesting = 2;
  bool nesting_given = false;
  double samples = 200000;
  std::string samples_text = "200000";
  std::uint64_t seed = 1;
  int rate_points = 32, rate_max_rounds = 32, projections = 64;
  bool json = false;
};

// Physical memory of this machine, bytes (0 if unknown).
double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0.0;
}

void run_simulate(const SimulateOptions& o) {
  const CodecKind kind = parse_codec(o.codec);
  const CodecInputs in = parse_codec_inputs(o.lattice, o.source);
  const LatticePtr& base = in.lattice;
  const ContinuousSource* cont = in.continuous;
  if (kind != CodecKind::qsd && o.nesting_given)
    throw InvalidArgument("nesting", "absent unless --codec qsd", std::to_string(o.nesting));
  const int a = kind == CodecKind::qsd ? o.nesting : 1;
  if (kind == CodecKind::qsd) require_nesting_ratio(a, "nesting");
  const int n = base->dimension();
  if (!(o.samples >= 64.0 * n))
    throw InvalidArgument(
        "samples",
        "[" + std::to_string(64 * n) + ", 2e9] (64 blocks of dimension " + std::to_string(n) + ")",
        o.samples_text);
  const auto blocks = static_cast<std::uint64_t>(std::ceil(o.samples / n));
  // The reconstructions and per-block results are held in memory; refuse a run that cannot fit
  // rather than fail (or swap) after minutes.
  const double need = double(simulation_memory_bytes(blocks, n));
  const double have = 0.5 * physical_memory_bytes();
  if (have > 0.0 && need > have) {
    const double max_samples = std::floor(have / need * double(blocks)) * n;
    throw InvalidArgument("samples",
                          fmt::format("[{}, {}] on this machine (the run needs {:.3g} GB, half "
                                      "its memory is {:.3g} GB)",
                                      64 * n, format_number(std::min(max_samples, kMaxSamples)),
                                      need / 1e9, have / 1e9),
                          o.samples_text);
  }

  SimulationOptions so;
  so.blocks = blocks;
  so.seed = o.seed;
  so.rate_points = o.rate_points;
  so.rate_max_rounds = o.rate_max_rounds;
  so.projections = o.projections;
  const experiments::CodecRun run =
      experiments::run_codec_point({kind, base->name(), o.distortion, o.perception, a}, *cont, so);
  const SimulationResult& r = run.result;

  if (o.json) {
    // In the order of the list, which is also the order of the CSV columns.
    nlohmann::ordered_json j;
    for (const auto& [name, value] : experiments::codec_fields(run)) j[name] = value;
    j["seconds"] = {{"coding", r.seconds_coding},
                    {"rate", r.seconds_rate},
                    {"perception", r.seconds_perception}};
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << fmt::format("{} on {} ({} blocks): rate {:.4f} ± {:.4f} bits/dim, D {:.5f} ± {:.5f}",
                           o.codec, base->name(), r.blocks, r.rate_bits.value, r.rate_bits.stderr_,
                           r.distortion_mse.value, r.distortion_mse.stderr_);
  if (r.has_perception)
    std::cout << fmt::format(", Fréchet W2² {:.2e} (target {})", r.perception.frechet_w2sq.value,
                             format_number(o.perception));
  if (run.gaussian)
    std::cout << fmt::format("; theory {:.4f} ({}), gap {:.4f} bits", run.theory_rate_bits,
                             run.theory, r.rate_bits.value - run.theory_rate_bits);
  std::cout << "\n";
}

void setup(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  auto* cmd =
      app.add_subcommand("simulate", "Monte-Carlo of a dithered lattice codec against R(D,P)");
  experiments::add_choice(cmd, "--codec", o->codec, {"sd", "pd", "qsd"},
                          "sd | pd | qsd (default sd)");
  experiments::add_text(cmd, "--lattice", o->lattice, "a lattice name (see rdp lattice --help)",
                        "lattice name, e.g. z1, a2, d4, e8, bw16, leech, e8^2");
  experiments::add_text(cmd, "--source", o->source, "a continuous source spec",
                        "continuous source spec (default gaussian:sigma=1)");
  experiments::add_real(cmd, "--D", o->distortion, {0.0, INFINITY, true, true},
                        "target MSE per dimension, below sigma^2 + (sigma - sqrt P)^2")
      ->required();
  experiments::add_real(cmd, "--P", o->perception, {0.0, INFINITY, false, true},
                        "target Fréchet W2^2 per dimension (default 0)");
  experiments::add_integer(cmd, "--nesting", o->nesting, 1, kMaxNestingRatio,
                           "QSD nesting ratio a (default 2); Rc = log2 a")
      ->each([o](const std::string&) { o->nesting_given = true; });
  experiments::add_real(cmd, "--samples", o->samples,
                        {1.0, kMaxSamples, false, false, "[64 n, 2e9], n the lattice dimension"},
                        "scalar source samples (blocks = samples / n)")
      ->each([o](const std::string& text) { o->samples_text = text; });
  experiments::add_seed(cmd, o->seed, "seed of all randomness (default 1)");
  experiments::add_integer(cmd, "--rate-points", o->rate_points, 1, 4096,
                           "draws per round of the cell integral (default 32; Z^n is exact)");
  experiments::add_integer(cmd, "--rate-max-rounds", o->rate_max_rounds, 1, 1024,
                           "cap on the rounds of the cell integral, set by a pilot round (default "
                           "32)");
  experiments::add_integer(cmd, "--projections", o->projections, 1, 100000,
                           "sliced-W2 directions (default 64)");
  cmd->add_flag("--json", o->json, "print one JSON object on one line");
  cmd->callback([o] { run_simulate(*o); });
}

const bool registered = register_command(&setup);

}  // namespace
}  // namespace rdp::cli
