// rdp check-witness FILE: recomputes both bounds of a certificate written by rdp rate --witness
// from the file alone (solvers/.../ba/witness.hpp) and says whether they are what it states.
// Exit 0 if they are, 3 if not (the recomputed figures are printed either way), 2 on a file that
// is not a witness.
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.hpp"
#include "rdp/error.hpp"
#include "rdp/solvers/ba/witness.hpp"

namespace rdp::cli {
namespace {

struct CheckOptions {
  std::string file;
  double tolerance = 1e-9;
  bool json = false;
};

[[noreturn]] void bad(const std::string& range, const std::string& given) {
  throw InvalidArgument("witness", range, given);
}

const nlohmann::json& field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) bad(std::string("a witness with '") + key + "'", "none");
  return j.at(key);
}

double number(const nlohmann::json& j, const char* key, bool null_is_inf = false) {
  const nlohmann::json& v = field(j, key);
  if (null_is_inf && v.is_null()) return std::numeric_limits<double>::infinity();
  if (!v.is_number()) bad(std::string("a number for '") + key + "'", v.dump());
  return v.get<double>();
}

std::vector<double> numbers(const nlohmann::json& v, const char* key) {
  if (!v.is_array()) bad(std::string("an array of numbers for '") + key + "'", "another type");
  std::vector<double> out;
  out.reserve(v.size());
  for (const auto& x : v) {
    if (!x.is_number()) bad(std::string("numbers in '") + key + "'", x.dump());
    out.push_back(x.get<double>());
  }
  return out;
}

Eigen::VectorXd vector_of(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

BaWitness parse_witness(const nlohmann::json& j) {
  if (!j.is_object()) bad("a JSON object", "another value");
  BaWitness w;
  w.source_points = numbers(field(j, "source_points"), "source_points");
  w.source_pmf = vector_of(numbers(field(j, "source_pmf"), "source_pmf"));
  w.reconstruction_points = numbers(field(j, "reconstruction_points"), "reconstruction_points");
  if (!field(j, "distortion").is_string()) bad("a distortion name", field(j, "distortion").dump());
  w.distortion = parse_distortion(j.at("distortion").get<std::string>());
  if (!field(j, "perception").is_string()) bad("a perception name", field(j, "perception").dump());
  w.perception = parse_perception(j.at("perception").get<std::string>());
  w.distortion_target = number(j, "D");
  if (w.perception != Perception::none) w.perception_target = number(j, "P");
  w.lower_bits = number(j, "lower_bits", true);
  w.upper_bits = number(j, "upper_bits", true);
  const nlohmann::json& rows = field(j, "channel");
  if (!rows.is_array()) bad("a channel (array of rows)", "another type");
  const auto m = static_cast<Eigen::Index>(rows.size());
  if (m > 0) {
    const auto n = static_cast<Eigen::Index>(w.reconstruction_points.size());
    w.channel.resize(m, n);
    for (Eigen::Index i = 0; i < m; ++i) {
      const std::vector<double> row = numbers(rows[static_cast<std::size_t>(i)], "channel");
      if (static_cast<Eigen::Index>(row.size()) != n)
        bad("channel rows of " + std::to_string(n) + " entries", std::to_string(row.size()));
      for (Eigen::Index k = 0; k < n; ++k) w.channel(i, k) = row[static_cast<std::size_t>(k)];
    }
  }
  if (j.contains("dual")) {
    const nlohmann::json& d = j.at("dual");
    if (!d.is_object()) bad("a dual point (object)", "another type");
    w.dual.present = true;
    const std::string form = field(d, "form").is_string() ? d.at("form").get<std::string>() : "";
    if (form == "shannon")
      w.dual.form = BaDualForm::shannon;
    else if (form == "tilted")
      w.dual.form = BaDualForm::tilted;
    else if (form == "perfect_realism")
      w.dual.form = BaDualForm::perfect_realism;
    else
      bad("a dual form shannon, tilted or perfect_realism", "'" + form + "'");
    w.dual.s_nats = number(d, "s_nats");
    w.dual.mu_nats = number(d, "mu_nats");
    if (!(w.dual.s_nats >= 0.0) || !(w.dual.mu_nats >= 0.0) || !std::isfinite(w.dual.s_nats) ||
        !std::isfinite(w.dual.mu_nats))
      bad("finite multipliers s, mu >= 0",
          format_number(w.dual.s_nats) + ", " + format_number(w.dual.mu_nats));
    w.dual.log_lambda = vector_of(numbers(field(d, "log_lambda"), "log_lambda"));
  }
  return w;
}

void run_check(const CheckOptions& o) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) throw InvalidArgument("file", "a readable witness file", "'" + o.file + "'");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) bad("a JSON witness (rdp rate --witness)", "text that is not JSON");
  const BaWitness w = parse_witness(j);
  const BaWitnessCheck c = check_ba_witness(w, o.tolerance);
  auto num = [](double x) {
    return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
  };
  if (o.json) {
    nlohmann::ordered_json out;
    out["agrees"] = c.agrees;
    out["lower_bits"] = num(c.lower_bits);
    out["upper_bits"] = num(c.upper_bits);
    out["stated_lower_bits"] = num(w.lower_bits);
    out["stated_upper_bits"] = num(w.upper_bits);
    out["feasible"] = c.feasible;
    out["distortion_achieved"] = c.distortion_achieved;
    out["perception_achieved"] = c.perception_achieved;
    out["dual_form"] = w.dual.present ? std::string(ba_dual_form_name(w.dual.form)) : "none";
    out["message"] = c.message;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << fmt::format(
        "recomputed: lower {:.9g} bits (dual, {}), upper {:.9g} bits (channel: E[Δ] {:.9g}, d "
        "{:.9g}); {}\n",
        c.lower_bits, w.dual.present ? ba_dual_form_name(w.dual.form) : "no dual point",
        c.upper_bits, c.distortion_achieved, c.perception_achieved, c.message);
  }
  std::cout.flush();
  if (!c.agrees) throw CheckFailed(c.message);
}

void setup(CLI::App& app) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand(
      "check-witness",
      "Recompute both bounds of an rdp rate --witness file from the file alone (exit 3 if they "
      "are not what it states)");
  cmd->add_option("file", o->file, "the witness (JSON)")->required();
  experiments::add_real(cmd, "--tolerance", o->tolerance, {1e-15, 1e-3},
                        "agreement with the stated bounds, bits, relative above 1 bit (default "
                        "1e-9)");
  cmd->add_flag("--json", o->json, "print one JSON object on one line");
  cmd->callback([o] { run_check(*o); });
}

const bool registered = register_command(&setup);

}  // namespace
}  // namespace rdp::cli
