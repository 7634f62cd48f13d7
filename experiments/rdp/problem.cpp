#include "problem.hpp"

#include <algorithm>
#include <cmath>

#include "cli.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/source_registry.hpp"

namespace rdp::cli {

std::string source_help() {
  std::string help = "source spec, one of:";
  for (const auto& [name, usage] : registered_sources()) help += "\n  " + usage;
  return help;
}

void add_problem_options(CLI::App* command, ProblemOptions& options, bool perception_required) {
  experiments::add_text(command, "--source", options.source, "a source spec, family:key=value,...",
                        source_help())
      ->required();
  experiments::add_text(command, "--distortion", options.distortion, "one of hamming, mse, abs:r=R",
                        "hamming | mse | abs:r=R (default: hamming for bernoulli, mse otherwise)");
  auto* p = experiments::add_text(
      command, "--perception", options.perception, "one of none, tv, w1, w2sq, kl, rkl",
      "none | tv | w1 | w2sq | kl (KL(p_X||p_Xhat), nats) | rkl (KL(p_Xhat||p_X), nats)");
  if (perception_required) p->required();
}

Problem resolve_problem(const ProblemOptions& options) {
  Problem problem;
  problem.source = experiments::parse_typed("--source", options.source,
                                            [&] { return make_source(options.source); });
  if (options.distortion.empty())
    problem.distortion = default_distortion(*problem.source);
  else
    problem.distortion = experiments::parse_typed(
        "--distortion", options.distortion, [&] { return parse_distortion(options.distortion); });
  problem.perception = parse_perception(options.perception);
  // The solvers tabulate Δ between every two points; the largest is between the extreme points for
  // every measure here. Points 1e154 apart already square to infinity.
  if (const auto* f = dynamic_cast<const FiniteSource*>(problem.source.get())) {
    const auto [lo, hi] = std::minmax_element(f->support().begin(), f->support().end());
    if (!std::isfinite(problem.distortion(*lo, *hi)))
      throw InvalidArgument(
          "source points",
          "values whose distortion " + problem.distortion.name() + " between any two is finite",
          "'" + options.source + "'");
  }
  if (const auto why = distortion_mismatch_reason(*problem.source, problem.distortion);
      !why.empty())
    throw InvalidArgument("distortion", "a measure defined for the source",
                          "'" + problem.distortion.name() + "': " + why);
  if (problem.source->kind() == SourceKind::continuous && problem.perception == Perception::tv)
    throw InvalidArgument("perception", "none, w1, w2sq, kl or rkl for a continuous source",
                          "'tv': total variation between a density and any quantised "
                          "reconstruction is 1");
  return problem;
}

CodecInputs parse_codec_inputs(const std::string& lattice, const std::string& source) {
  CodecInputs in;
  in.lattice =
      experiments::parse_typed("--lattice", lattice, [&] { return make_lattice(lattice); });
  in.source = experiments::parse_typed("--source", source, [&] { return make_source(source); });
  in.continuous = dynamic_cast<const ContinuousSource*>(in.source.get());
  if (!in.continuous)
    throw InvalidArgument("source", "a continuous source (gaussian, laplace, ...)",
                          "'" + source + "'");
  return in;
}

int codec_nesting(CodecKind kind, std::optional<long long> given) {
  if (kind != CodecKind::qsd && given)
    throw InvalidArgument("nesting", "absent unless --codec qsd", std::to_string(*given));
  if (kind != CodecKind::qsd) return 1;
  const long long a = given.value_or(2);
  if (a < 1 || a > kMaxNestingRatio)
    throw InvalidArgument("nesting", "integer in [1, " + std::to_string(kMaxNestingRatio) + "]",
                          std::to_string(a));
  return static_cast<int>(a);
}

}  // namespace rdp::cli
