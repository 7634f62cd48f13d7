// `rdp simulate`: Monte-Carlo of SD-, PD- and QSD-LTC against the theory.
#include <fmt/format.h>

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

void run_simulate(const SimulateOptions& o) {
  const CodecKind kind = parse_codec(o.codec);
  const CodecInputs in = parse_codec_inputs(o.lattice, o.source);
  const LatticePtr& base = in.lattice;
  const ContinuousSource* cont = in.continuous;
  const int a =
      codec_nesting(kind, o.nesting_given ? std::optional<long long>(o.nesting) : std::nullopt);
  const std::uint64_t blocks =
      experiments::simulation_blocks(o.samples, o.samples_text, base->dimension());

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
                        {1.0, experiments::kMaxSimulationSamples, false, false,
                         "[64 n, 2e9], n the lattice dimension"},
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
