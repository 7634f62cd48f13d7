// `rdp lattice`: a lattice's constants (covolume, normalized second moment by Monte-Carlo,
// space-filling loss, kissing number) and its decoding speed.
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/rng.hpp"

namespace rdp::cli {
namespace {

constexpr double kMinSamples = 100;  // the standard error needs a few hundred samples to mean much
constexpr double kMaxSamples = 1e10;
// Stream numbers above every Monte-Carlo sample index, for the timing points.
constexpr std::uint64_t kTimingStream = std::uint64_t{1} << 62;

struct LatticeOptions {
  std::string lattice;
  double samples = 1e6;
  std::uint64_t seed = 1;
  bool json = false;
};

// Single-thread decoding time per point: 4096 cache-resident points uniform over a box of a few
// cells, decoded in passes until 0.2 s have gone by or `budget` points are decoded.
double decode_ns_per_point(const Lattice& lattice, std::uint64_t seed, std::uint64_t budget) {
  const int n = lattice.dimension();
  const std::size_t count = 4096;
  std::vector<double> x(count * n), out(n);
  Philox rng(seed, kTimingStream);
  for (std::size_t p = 0; p < count; ++p) {
    lattice.sample_fundamental_domain(rng, &x[p * n]);
    for (int i = 0; i < n; ++i) x[p * n + i] *= 3.0;
  }
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  std::uint64_t decoded = 0;
  double sink = 0.0;
  do {
    for (std::size_t p = 0; p < count && decoded < budget; ++p, ++decoded) {
      lattice.nearest_point(&x[p * n], out.data());
      sink += out[0];
    }
  } while (decoded < budget && clock::now() - t0 < std::chrono::milliseconds(200));
  const double ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count();
  if (sink == 0.123456789) std::cerr << "";  // keeps the decoding observable
  return ns / static_cast<double>(decoded);
}

void run_lattice(const LatticeOptions& o) {
  require_in_interval("samples", o.samples, kMinSamples, kMaxSamples, false, false);
  if (o.samples != std::floor(o.samples))
    throw InvalidArgument("samples", "an integer in [100, 1e10]", format_number(o.samples));
  const LatticePtr lattice = make_lattice(o.lattice);
  const auto samples = static_cast<std::uint64_t>(o.samples);

  const auto t0 = std::chrono::steady_clock::now();
  const NsmEstimate g = normalized_second_moment(*lattice, samples, o.seed);
  const auto t1 = std::chrono::steady_clock::now();
  const Lattice::MinimalVectors mv = lattice->minimal_vectors();
  const double ns = decode_ns_per_point(*lattice, o.seed, samples);
  const double loss = space_filling_loss_bits(g.nsm);
  const auto reference = reference_nsm(lattice->name());
  const double mc_seconds = std::chrono::duration<double>(t1 - t0).count();
  // V itself leaves the range of a double in high dimension (leech^40: 2^1440); log2 V does not.
  const double log2_covolume = lattice->log_covolume() / std::log(2.0);
  const bool covolume_fits = std::isnormal(lattice->covolume());
  const std::string covolume_text = covolume_fits ? fmt::format("{:.10g}", lattice->covolume())
                                                  : fmt::format("2^{:.10g}", log2_covolume);

  if (o.json) {
    nlohmann::json j;
    j["name"] = lattice->name();
    j["dimension"] = lattice->dimension();
    if (covolume_fits) j["covolume"] = lattice->covolume();
    j["log2_covolume"] = log2_covolume;
    j["nsm"] = g.nsm;
    j["nsm_stderr"] = g.standard_error;
    if (reference) j["nsm_reference"] = *reference;
    j["loss_bits"] = loss;
    j["kissing_number"] = mv.count;
    j["minimal_norm"] = mv.norm;
    j["decode_ns_per_point"] = ns;
    j["samples"] = samples;
    j["seed"] = o.seed;
    j["threads"] = omp_get_max_threads();
    j["monte_carlo_seconds"] = mc_seconds;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << fmt::format(
        "{}: n={} covolume={} G={:.7f} ± {:.7f}{} loss={:.5f} bits/dim kissing={} "
        "(norm {:.6g}) decode={:.1f} ns/point [{} samples, seed {}, {} threads]\n",
        lattice->name(), lattice->dimension(), covolume_text, g.nsm, g.standard_error,
        reference ? fmt::format(" (Conway-Sloane {:.7f})", *reference) : std::string(), loss,
        mv.count, mv.norm, ns, samples, o.seed, omp_get_max_threads());
  }
}

void setup_lattice(CLI::App& app) {
  auto o = std::make_shared<LatticeOptions>();
  auto* cmd = app.add_subcommand("lattice", "a lattice's constants (G, kissing number) and speed");
  experiments::add_text(cmd, "--lattice", o->lattice, "a lattice name (see --help)",
                        "z1..z256 | z:n=N | a2 | a:n=N | d4 | d:n=N | d4star | dstar:n=N | e8 | "
                        "bw16 | leech | leech:decoder=cosets | NAME^k")
      ->required();
  experiments::add_real(cmd, "--samples", o->samples, {kMinSamples, kMaxSamples},
                        "Monte-Carlo samples for G, an integer");
  experiments::add_seed(cmd, o->seed, "seed of the Monte-Carlo and timing points");
  cmd->add_flag("--json", o->json, "print one JSON object on one line");
  cmd->callback([o] { run_lattice(*o); });
}

const bool registered = register_command(&setup_lattice);

}  // namespace
}  // namespace rdp::cli
