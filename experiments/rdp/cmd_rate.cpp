// `rdp rate`: R(D,P) at one point, by a closed form or by the certified numerical solver.
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "command.hpp"
#include "experiment.hpp"
#include "problem.hpp"
#include "rate_query.hpp"
#include "rdp/error.hpp"
#include "rdp/io/atomic_file.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/solvers/gaussian_kl_channel.hpp"
#include "rdp/sources.hpp"

namespace rdp::cli {
namespace {

struct RateOptions {
  ProblemOptions problem;
  double distortion = std::nan("");
  double perception = 0.0;
  bool perception_given = false;  // NaN is a value to reject, so presence is tracked apart
  std::string method = "auto";
  int grid = 256;
  double gap = 1e-6;
  double max_seconds = std::nan("");  // NaN: no budget
  std::string witness;
  bool witness_given = false;
  bool json = false;
};

// JSON has no infinities; an infeasible target's rate is reported as null.
nlohmann::json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

nlohmann::json witness_json(const FiniteRdpProblem& pb, const Problem& problem, const BaResult& r,
                            double d, double p, bool has_perception) {
  nlohmann::json j;
  j["format"] = "rdp-witness-2";
  j["distortion"] = problem.distortion.name();  // as parse_distortion reads it back
  j["perception"] = std::string(perception_name(problem.perception));
  j["source_points"] = pb.source_points;
  j["source_pmf"] =
      std::vector<double>(pb.source_pmf.data(), pb.source_pmf.data() + pb.source_pmf.size());
  j["reconstruction_points"] = pb.reconstruction_points;
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < r.channel.rows(); ++i) {
    std::vector<double> row(static_cast<std::size_t>(r.channel.cols()));
    for (Eigen::Index k = 0; k < r.channel.cols(); ++k) row[k] = r.channel(i, k);
    rows.push_back(row);
  }
  j["channel"] = rows;  // p(xhat_k | x_i), rows sum to 1
  j["output_pmf"] =
      std::vector<double>(r.output_pmf.data(), r.output_pmf.data() + r.output_pmf.size());
  j["D"] = d;
  if (has_perception) j["P"] = p;
  j["distortion_achieved"] = r.distortion_achieved;
  j["perception_achieved"] = r.perception_achieved;
  j["lower_bits"] = number_or_null(r.lower_bits);
  j["upper_bits"] = number_or_null(r.upper_bits);
  j["multipliers"] = {{"slope_distortion_bits", r.slope_distortion_bits},
                      {"slope_perception_bits", r.slope_perception_bits}};
  j["status"] = std::string(ba_status_name(r.status));
  // The dual point of lower_bits (rdp check-witness recomputes the bound from it).
  if (r.dual.present)
    j["dual"] = {
        {"form", std::string(ba_dual_form_name(r.dual.form))},
        {"s_nats", r.dual.s_nats},
        {"mu_nats", r.dual.mu_nats},
        {"log_lambda", std::vector<double>(r.dual.log_lambda.data(),
                                           r.dual.log_lambda.data() + r.dual.log_lambda.size())}};
  return j;
}

void run_ba(const RateOptions& o, const Problem& pb, bool has_perception) {
  check_ba_grid(o.grid);
  require_in_interval("gap", o.gap, 0.0, 1.0, true, false);
  if (pb.source->kind() == SourceKind::continuous && o.distortion <= 0.0)
    throw InvalidArgument("D", "(0, inf) for a continuous source (R = inf at D = 0)",
                          format_number(o.distortion));
  // Found now, not after the solve.
  if (o.witness_given) require_writable_file("witness", o.witness);
  const FiniteRdpProblem fp =
      make_problem_for_source(*pb.source, pb.distortion, pb.perception, o.grid);
  BaOptions options;
  options.gap_bits = o.gap;
  options.keep_channel = o.witness_given;
  if (!std::isnan(o.max_seconds)) options.max_seconds = o.max_seconds;
  // A long solve shows its running certified bounds on a terminal (stderr only, so stdout stays
  // the answer alone).
  std::optional<experiments::SolveProgress> progress;
  if (isatty(STDERR_FILENO)) {
    progress.emplace("rdp rate");
    options.on_progress = [&progress](const BaProgress& s) { progress->report(s); };
  }
  const BaResult r = solve_rdp_ba(fp, o.distortion, has_perception ? o.perception : 0.0, options);
  progress.reset();  // ends the status line before the answer is printed
  if (o.witness_given && r.channel.size() > 0)
    write_file_atomic(
        o.witness,
        witness_json(fp, pb, r, o.distortion, o.perception, has_perception).dump() + "\n");
  const bool continuous = pb.source->kind() == SourceKind::continuous;
  if (o.json) {
    nlohmann::json j = rate_query_json(pb, o.distortion, o.perception);
    const nlohmann::ordered_json solver_fields = ba_result_json(r);
    for (const auto& field : solver_fields.items()) j[field.key()] = field.value();
    j["method"] = "ba";
    j["region"] = "numerical";
    if (continuous) j["grid"] = o.grid;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << fmt::format(
        "R(D={}{}) = {:.12g} bits  in [{:.12g}, {:.12g}]  [{}, {}, {}; ba{}, {}, {} iterations]\n",
        format_number(o.distortion), has_perception ? ", P=" + format_number(o.perception) : "",
        r.rate_bits, r.lower_bits, r.upper_bits, pb.source->spec(), pb.distortion.name(),
        perception_name(pb.perception), continuous ? ", grid " + std::to_string(o.grid) : "",
        ba_status_name(r.status), r.iterations);
  }
}

// Forward KL on a Gaussian where the perception constraint binds: the jointly Gaussian value is
// only an upper bound and not R(D,P) (docs/THEORY.md §3.5), so `auto` reports what is certified
// for the continuous source, [R(D), explicit channel], with the discretised problem's certified
// bracket and the jointly Gaussian value beside it.
void run_kl_bracket(const RateOptions& o, const Problem& pb, const Gaussian& source,
                    const ClosedFormRate& jointly_gaussian) {
  check_ba_grid(o.grid);
  require_in_interval("gap", o.gap, 0.0, 1.0, true, false);
  const ExplicitKlChannel ch =
      best_heavy_tail_kl_channel(source.sigma(), o.distortion, o.perception);
  const ClosedFormRate shannon =
      closed_form_rate(source, pb.distortion, Perception::none, o.distortion, 0.0);
  const FiniteRdpProblem fp = make_problem_for_source(source, pb.distortion, pb.perception, o.grid);
  BaOptions options;
  options.gap_bits = o.gap;
  options.keep_channel = false;
  if (!std::isnan(o.max_seconds)) options.max_seconds = o.max_seconds;
  const BaResult r = solve_rdp_ba(fp, o.distortion, o.perception, options);
  const double upper = std::min(ch.rate_bits, jointly_gaussian.rate_bits);
  if (o.json) {
    nlohmann::json j = rate_query_json(pb, o.distortion, o.perception);
    j["rate_bits"] = upper;
    j["method"] = "bracket";
    j["region"] = jointly_gaussian.region;
    j["optimality"] = "bracket";
    j["lower_bits"] = shannon.rate_bits;
    j["lower_method"] = "shannon_rd";  // R(D,P) >= R(D): rigorous, not tight
    j["upper_bits"] = upper;
    j["upper_method"] = "explicit_channel";
    j["channel_a"] = ch.output.a;
    j["channel_c"] = ch.output.c;
    j["channel_k"] = ch.output.k;
    j["channel_rho"] = ch.rho;
    j["channel_distortion"] = ch.distortion_mse;
    j["channel_perception_nats"] = ch.perception_kl_nats;
    j["jointly_gaussian_bits"] = jointly_gaussian.rate_bits;
    j["grid"] = o.grid;
    j["discretised_lower_bits"] = number_or_null(r.lower_bits);
    j["discretised_upper_bits"] = number_or_null(r.upper_bits);
    j["discretised_status"] = std::string(ba_status_name(r.status));
    j["reference"] = "docs/THEORY.md §3.5 (explicit channel), §6 (discretised bracket)";
    std::cout << j.dump() << "\n";
  } else {
    std::cout << fmt::format(
        "R(D={}, P={}) in [{:.9g}, {:.9g}] bits (R(D) below; an explicit heavy-tailed channel "
        "above) [{}, {}, kl; the jointly Gaussian value {:.9g} is not R(D,P); the source "
        "discretised on {} cells: [{:.9g}, {:.9g}], {}]\n",
        format_number(o.distortion), format_number(o.perception), shannon.rate_bits, upper,
        pb.source->spec(), pb.distortion.name(), jointly_gaussian.rate_bits, o.grid, r.lower_bits,
        r.upper_bits, ba_status_name(r.status));
  }
}

void run_rate(const RateOptions& o) {
  const Problem pb = resolve_problem(o.problem);
  require_nonnegative("D", o.distortion);
  check_perception_given(pb, o.perception_given, [&o] { return format_number(o.perception); });
  const bool has_perception = pb.perception != Perception::none;
  if (has_perception) require_nonnegative("P", o.perception);

  const std::string why = closed_form_unavailable_reason(*pb.source, pb.distortion, pb.perception);
  if (o.method == "ba" || (o.method == "auto" && !why.empty()))
    return run_ba(o, pb, has_perception);
  if (o.witness_given)
    throw InvalidArgument("witness", "only with --method ba (or auto without a closed form)",
                          "'" + o.witness + "'");
  const ClosedFormRate r =
      closed_form_rate(*pb.source, pb.distortion, pb.perception, o.distortion, o.perception);
  if (o.method == "auto" && pb.perception == Perception::kl && r.optimality != "optimal")
    if (const auto* g = dynamic_cast<const Gaussian*>(pb.source.get()))
      return run_kl_bracket(o, pb, *g, r);

  if (o.json) {
    std::cout << closed_rate_json(pb, o.distortion, o.perception, r).dump() << "\n";
  } else {
    std::cout << fmt::format(
        "R(D={}{}) = {:.12g} bits  [{}, {}, {}; closed form, region {}{}]\n",
        format_number(o.distortion), has_perception ? ", P=" + format_number(o.perception) : "",
        r.rate_bits, pb.source->spec(), pb.distortion.name(), perception_name(pb.perception),
        r.region, r.optimality == "optimal" ? "" : ", over jointly Gaussian outputs");
  }
}

void setup_rate(CLI::App& app) {
  auto o = std::make_shared<RateOptions>();
  auto* cmd = app.add_subcommand("rate", "R(D,P) at one (D,P) point, in bits");
  add_problem_options(cmd, o->problem, false);
  experiments::add_real(cmd, "--D", o->distortion, {0.0, INFINITY, false, true},
                        "distortion budget D (> 0 for continuous sources)")
      ->required();
  experiments::add_real(cmd, "--P", o->perception, {0.0, INFINITY, false, true},
                        "perception budget P (units of the measure)")
      ->each([o](const std::string&) { o->perception_given = true; });
  experiments::add_choice(
      cmd, "--method", o->method, {"closed", "ba", "auto"},
      "closed | ba (certified Blahut-Arimoto) | auto (closed form where it is R(D,P), else ba; "
      "Gaussian forward KL: a certified bracket)");
  experiments::add_integer(cmd, "--grid", o->grid, 2, static_cast<int>(ba_max_square_points()),
                           "grid points for a continuous source with --method ba (default 256; "
                           "the upper end is the solver's 4 GiB memory cap, which also bounds a "
                           "finite source's alphabet)");
  experiments::add_real(cmd, "--gap", o->gap, {0.0, 1.0, true, false},
                        "certified gap target for ba, bits (default 1e-6)");
  experiments::add_real(cmd, "--max-seconds", o->max_seconds, {0.0, 1e9, true, false},
                        "wall-clock budget of the ba solve, seconds (default: none); on running "
                        "out it reports status iteration_limit with its valid bounds");
  experiments::add_text(cmd, "--witness", o->witness, "a file path in a writable directory",
                        "with ba: write the channel p(xhat|x), output pmf and multipliers as JSON")
      ->each([o](const std::string&) { o->witness_given = true; });
  cmd->add_flag("--json", o->json, "print one JSON object on one line");
  cmd->callback([o] { run_rate(*o); });
}

const bool registered = register_command(&setup_rate);

}  // namespace
}  // namespace rdp::cli
