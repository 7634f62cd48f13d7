#include "problem.hpp"

#include <cmath>
#include <cstdlib>

#include "rdp/error.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/source_registry.hpp"

namespace rdp::cli {

CLI::Validator finite_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
          return "value '" + text + "' is not a finite number";
        return "";
      },
      "FINITE");
}

std::string source_help() {
  std::string help = "source spec, one of:";
  for (const auto& [name, usage] : registered_sources()) help += "\n  " + usage;
  return help;
}

void add_problem_options(CLI::App* command, ProblemOptions& options, bool perception_required) {
  command->add_option("--source", options.source, source_help())->required();
  command->add_option("--distortion", options.distortion,
                      "hamming | mse | abs:r=R (default: hamming for bernoulli, mse otherwise)");
  auto* p = command->add_option(
      "--perception", options.perception,
      "none | tv | w1 | w2sq | kl (KL(p_X||p_Xhat), nats) | rkl (KL(p_Xhat||p_X), nats)");
  if (perception_required) p->required();
}

Problem resolve_problem(const ProblemOptions& options) {
  Problem problem;
  problem.source = make_source(options.source);
  if (options.distortion.empty())
    problem.distortion =
        problem.source->family() == "bernoulli" ? hamming_distortion() : squared_error_distortion();
  else
    problem.distortion = parse_distortion(options.distortion);
  problem.perception = parse_perception(options.perception);
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

}  // namespace rdp::cli
