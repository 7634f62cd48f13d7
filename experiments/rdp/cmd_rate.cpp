// `rdp rate`: R(D,P) at one point.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "problem.hpp"
#include "rdp/error.hpp"
#include "rdp/solvers/closed_form.hpp"

namespace rdp::cli {
namespace {

struct RateOptions {
  ProblemOptions problem;
  double distortion = std::nan("");
  double perception = 0.0;
  bool perception_given = false;  // NaN is a value to reject, so presence is tracked apart
  std::string method = "auto";
  bool json = false;
};

void run_rate(const RateOptions& o) {
  const Problem pb = resolve_problem(o.problem);
  require_nonnegative("D", o.distortion);
  const bool has_perception = pb.perception != Perception::none;
  if (has_perception && !o.perception_given)
    throw InvalidArgument("P", "[0, inf), required with --perception " +
                                   std::string(perception_name(pb.perception)),
                          "nothing");
  if (!has_perception && o.perception_given)
    throw InvalidArgument("P", "absent without --perception", format_number(o.perception));
  if (has_perception) require_nonnegative("P", o.perception);

  const std::string why = closed_form_unavailable_reason(*pb.source, pb.distortion, pb.perception);
  if (o.method == "ba" || (o.method == "auto" && !why.empty()))
    throw InvalidArgument("method", "closed (the numerical solver is not in this build yet)",
                          "'" + o.method + "'" + (why.empty() ? "" : ": " + why));
  const ClosedFormRate r =
      closed_form_rate(*pb.source, pb.distortion, pb.perception, o.distortion, o.perception);

  if (o.json) {
    nlohmann::json j;
    j["source"] = pb.source->spec();
    j["distortion"] = pb.distortion.name();
    j["perception"] = std::string(perception_name(pb.perception));
    j["D"] = o.distortion;
    if (has_perception) j["P"] = o.perception;
    j["rate_bits"] = r.rate_bits;
    j["method"] = "closed";
    j["region"] = r.region;
    j["optimality"] = r.optimality;
    j["reference"] = r.reference;
    for (const auto& [key, value] : r.details) j[key] = value;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << fmt::format("R(D={}{}) = {:.12g} bits  [{}, {}, {}; closed form, region {}{}]\n",
                             format_number(o.distortion),
                             has_perception ? ", P=" + format_number(o.perception) : "",
                             r.rate_bits, pb.source->spec(), pb.distortion.name(),
                             perception_name(pb.perception), r.region,
                             r.optimality == "optimal" ? "" : ", over jointly Gaussian outputs");
  }
}

void setup_rate(CLI::App& app) {
  auto o = std::make_shared<RateOptions>();
  auto* cmd = app.add_subcommand("rate", "R(D,P) at one (D,P) point, in bits");
  add_problem_options(cmd, o->problem, false);
  cmd->add_option("--D", o->distortion, "distortion budget D >= 0 (> 0 for continuous sources)")
      ->required();
  cmd->add_option("--P", o->perception, "perception budget P >= 0 (units of the measure)")
      ->each([o](const std::string&) { o->perception_given = true; });
  cmd->add_option("--method", o->method, "closed | ba | auto (closed form where one exists)")
      ->check(CLI::IsMember({"closed", "ba", "auto"}));
  cmd->add_flag("--json", o->json, "print one JSON object on one line");
  cmd->callback([o] { run_rate(*o); });
}

const bool registered = register_command(&setup_rate);

}  // namespace
}  // namespace rdp::cli
