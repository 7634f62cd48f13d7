// `rdp simulate`: Monte-Carlo of SD-, PD- and QSD-LTC against the theory.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "rdp/codec/dithered_codec.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/perfect_realism.hpp"
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
  std::uint64_t seed = 1;
  int rate_points = 32, rate_max_rounds = 32, projections = 64;
  bool json = false;
};

struct Theory {
  double rate_bits = NAN;
  std::string name;
};

// The bound each codec is compared with (docs/THEORY.md §3, §5), at the measured D and the target
// P.
Theory theory_for(CodecKind kind, double sigma, double d, double p, int a) {
  Theory t;
  if (kind == CodecKind::sd || p > 0.0) {
    t.rate_bits = rate_distortion_perception_gaussian_w2sq(sigma, d, p).rate_bits;
    t.name = kind == CodecKind::sd
                 ? "R(D,P), W2sq (Zhang et al. 2021)"
                 : "R(D,P), W2sq, unlimited common randomness: a lower bound here";
  } else if (kind == CodecKind::pd) {
    t.rate_bits = rate_half_distortion_gaussian(sigma, d);
    t.name = "R(D/2,inf) (no common randomness, P = 0)";
  } else {
    t.rate_bits = rate_common_randomness_gaussian(sigma, d, std::log2(double(a)));
    t.name = "Wagner R(D, Rc = log2 a) at P = 0";
  }
  return t;
}

void run_simulate(const SimulateOptions& o) {
  const CodecKind kind = parse_codec(o.codec);
  const LatticePtr base = make_lattice(o.lattice);
  const SourcePtr src = make_source(o.source);
  const auto* cont = dynamic_cast<const ContinuousSource*>(src.get());
  if (!cont)
    throw InvalidArgument("source", "a continuous source (gaussian, laplace, ...)",
                          "'" + src->family() + "'");
  require_nonnegative("P", o.perception);
  if (kind != CodecKind::qsd && o.nesting_given)
    throw InvalidArgument("nesting", "absent unless --codec qsd", std::to_string(o.nesting));
  if (kind == CodecKind::qsd && o.nesting_given && o.nesting < 1)
    throw InvalidArgument("nesting", "[1, 1024]", std::to_string(o.nesting));
  const int a = kind == CodecKind::qsd ? (o.nesting_given ? o.nesting : 2) : 1;
  if (kind == CodecKind::qsd && (a < 1 || a > 1024))
    throw InvalidArgument("nesting", "[1, 1024]", std::to_string(a));
  const int n = base->dimension();
  require_in_interval("samples", o.samples, 64.0 * n, 2e9, false, false);
  if (o.rate_points < 1 || o.rate_points > 4096)
    throw InvalidArgument("rate-points", "[1, 4096]", std::to_string(o.rate_points));
  if (o.rate_max_rounds < 1 || o.rate_max_rounds > 1024)
    throw InvalidArgument("rate-max-rounds", "[1, 1024]", std::to_string(o.rate_max_rounds));
  if (o.projections < 1 || o.projections > 100000)
    throw InvalidArgument("projections", "[1, 100000]", std::to_string(o.projections));
  require_finite("D", o.distortion);

  const auto tabulated = reference_nsm(o.lattice);
  const double nsm = tabulated ? *tabulated : normalized_second_moment(*base, 100000, o.seed).nsm;
  const double sigma = std::sqrt(src->variance());
  const CodecParameters params =
      choose_codec_parameters(kind, *base, nsm, src->mean(), sigma, o.distortion, o.perception, a);
  const auto lattices = std::make_shared<CodecLattices>(base, params);

  SimulationOptions so;
  so.blocks = static_cast<std::uint64_t>(std::ceil(o.samples / n));
  so.seed = o.seed;
  so.rate_points = o.rate_points;
  so.rate_max_rounds = o.rate_max_rounds;
  so.projections = o.projections;
  const SimulationResult r = simulate_codec(lattices, *cont, so);

  nlohmann::json j;
  j["codec"] = codec_name(kind);
  j["lattice"] = base->name();
  j["dimension"] = n;
  j["source"] = src->spec();
  j["D_target"] = o.distortion;
  j["P_target"] = o.perception;
  j["seed"] = o.seed;
  j["samples"] = r.blocks * n;
  j["blocks"] = r.blocks;
  j["common_randomness_bits"] =
      kind == CodecKind::sd ? nlohmann::json("inf") : nlohmann::json(std::log2(double(a)));
  j["rate_bits"] = r.rate_bits.value;
  j["rate_stderr"] = r.rate_bits.stderr_;
  j["rate_method"] = r.rate_method;
  j["rate_points"] = r.rate_points;
  j["rate_lower_bits"] = r.rate_lower_bits.value;
  j["rate_lower_stderr"] = r.rate_lower_bits.stderr_;
  j["rate_bias_bound_bits"] = r.rate_bias_bound_bits.value;
  j["rate_mean_draws"] = r.rate_mean_draws;
  j["distortion"] = r.distortion_mse.value;
  j["distortion_stderr"] = r.distortion_mse.stderr_;
  if (r.has_perception) {
    j["perception_w2sq"] = r.perception.marginal_w2sq.value;
    j["perception_w2sq_stderr"] = r.perception.marginal_w2sq.stderr_;
    j["perception_sliced_w2sq"] = r.perception.sliced_w2sq.value;
    j["perception_sliced_w2sq_stderr"] = r.perception.sliced_w2sq.stderr_;
    j["perception_frechet_w2sq"] = r.perception.frechet_w2sq.value;
    j["perception_frechet_w2sq_stderr"] = r.perception.frechet_w2sq.stderr_;
    j["perception_fitted_kl_nats"] = r.perception.fitted_kl_nats.value;
    j["perception_fitted_kl_nats_stderr"] = r.perception.fitted_kl_nats.stderr_;
    j["projections"] = r.perception.projections;
  }
  j["parameters"] = {{"lattice_scale", params.lattice_scale},
                     {"noise_second_moment", params.noise_second_moment},
                     {"decoder_gain", params.decoder_gain},
                     {"dither_magnitude", params.dither_magnitude},
                     {"nesting_ratio", params.nesting_ratio},
                     {"nsm", nsm},
                     {"moment_method", params.moment_method},
                     {"predicted_distortion", params.predicted_distortion_mse},
                     {"predicted_output_std", params.predicted_output_std},
                     {"rule", params.rule}};
  j["lattice_loss_bits"] = space_filling_loss_bits(nsm);
  if (kind == CodecKind::sd)
    j["rate_upper_bound_bits"] =
        sd_rate_upper_bound_bits(src->variance(), params.noise_second_moment, nsm);
  if (const auto* g = dynamic_cast<const Gaussian*>(src.get())) {
    const Theory t = theory_for(kind, g->sigma(), r.distortion_mse.value, o.perception, a);
    j["theory"] = t.name;
    j["theory_rate_bits"] = t.rate_bits;
    j["gap_bits"] = r.rate_bits.value - t.rate_bits;
  }
  j["seconds"] = {
      {"coding", r.seconds_coding}, {"rate", r.seconds_rate}, {"perception", r.seconds_perception}};
  if (o.json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << fmt::format(
      "{} on {} ({} blocks): rate {:.4f} ± {:.4f} bits/dim, D {:.5f} ± {:.5f}, W2² {:.2e}", o.codec,
      base->name(), r.blocks, r.rate_bits.value, r.rate_bits.stderr_, r.distortion_mse.value,
      r.distortion_mse.stderr_, r.has_perception ? r.perception.marginal_w2sq.value : NAN);
  if (j.contains("gap_bits"))
    std::cout << fmt::format("; theory {:.4f} ({}), gap {:.4f} bits",
                             j["theory_rate_bits"].get<double>(), j["theory"].get<std::string>(),
                             j["gap_bits"].get<double>());
  std::cout << "\n";
}

void setup(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  auto* cmd =
      app.add_subcommand("simulate", "Monte-Carlo of a dithered lattice codec against R(D,P)");
  cmd->add_option("--codec", o->codec, "sd | pd | qsd (default sd)");
  cmd->add_option("--lattice", o->lattice, "lattice name, e.g. z1, a2, d4, e8, bw16, leech, e8^2");
  cmd->add_option("--source", o->source, "continuous source spec (default gaussian:sigma=1)");
  cmd->add_option("--D", o->distortion,
                  "target MSE per dimension, 0 < D < sigma^2 + (sigma - sqrt P)^2")
      ->required();
  cmd->add_option("--P", o->perception, "target W2^2 per dimension, >= 0 (default 0)");
  cmd->add_option("--nesting", o->nesting, "QSD nesting ratio a >= 1 (default 2); Rc = log2 a")
      ->each([o](const std::string&) { o->nesting_given = true; });
  cmd->add_option("--samples", o->samples, "scalar source samples (blocks = samples / n)");
  cmd->add_option("--seed", o->seed, "seed of all randomness (default 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--rate-points", o->rate_points,
                  "draws per round of the cell integral (default 32; Z^n is exact)");
  cmd->add_option("--rate-max-rounds", o->rate_max_rounds,
                  "cap on the rounds of the cell integral, set by a pilot round (default 32)");
  cmd->add_option("--projections", o->projections, "sliced-W2 directions (default 64)");
  cmd->add_flag("--json", o->json, "print one JSON object on one line");
  cmd->callback([o] { run_simulate(*o); });
}

const bool registered = register_command(&setup);

}  // namespace
}  // namespace rdp::cli
