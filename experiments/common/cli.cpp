#include "cli.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <new>
#include <vector>

#include "rdp/error.hpp"

namespace rdp::experiments {
namespace {

// strtod also accepts leading blanks and hexadecimal, which no one means here; "inf" and "nan" pass
// this test and then fail every range.
bool looks_decimal(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  return text.find_first_of("xX") == std::string::npos;
}

// The text in quotes, control characters shown as \xHH so that a message stays on one line.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

double parse_real(const std::string& parameter, const std::string& text, const Interval& range) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const bool whole = looks_decimal(text) && end == text.c_str() + text.size();
  if (!whole) throw InvalidArgument(parameter, range.text(), quoted(text));
  // ERANGE: overflow to ±inf (outside every range below), or an underflow; a result that rounded
  // to zero is not the number typed, while a subnormal is still that number to within its
  // precision.
  if (errno == ERANGE && v == 0.0)
    throw InvalidArgument(parameter, range.text(), text + " (rounds to 0)");
  if (!std::isfinite(v) || !range.contains(v)) throw InvalidArgument(parameter, range.text(), text);
  return v;
}

// Decimal digits with an optional leading '+'; returns false on overflow of unsigned 64 bits.
bool parse_unsigned(const std::string& text, std::uint64_t& out) {
  std::size_t i = text.size() > 1 && text[0] == '+' ? 1 : 0;
  if (i == text.size()) return false;
  out = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (out > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    out = out * 10 + digit;
  }
  return true;
}

// Each option's range by (command name, flag), so that CLI11's own errors about an option (missing,
// without a value, given twice) can be restated in the contract's form.
std::map<std::string, std::string>& ranges_by_option() {
  static std::map<std::string, std::string> m;
  return m;
}

std::string option_key(const CLI::App* app, const std::string& flag) {
  return app->get_name() + "\t" + flag;
}

void remember_range(const CLI::App* app, const std::string& flag, const std::string& range) {
  ranges_by_option()[option_key(app, flag)] = range;
}

// CLI11 names the option at the start of these messages: "--D is required", "--D: 1 required
// REAL missing", "--D: At Most 1 required but received 2".
bool restate_parse_error(const CLI::App& app, const std::string& msg, std::string& out) {
  std::vector<const CLI::App*> apps = {&app};
  for (const CLI::App* sub : app.get_subcommands()) apps.push_back(sub);
  for (const CLI::App* a : apps)
    for (const CLI::Option* opt : a->get_options()) {
      const std::string flag = opt->get_name();
      const auto it = ranges_by_option().find(option_key(a, flag));
      if (it == ranges_by_option().end() || msg.rfind(flag, 0) != 0) continue;
      const std::string rest = msg.substr(flag.size());
      std::string given;
      if (rest == " is required")
        given = "nothing (it is required)";
      else if (rest.rfind(": ", 0) == 0 && rest.find("missing") != std::string::npos)
        given = "nothing after " + flag;
      else if (rest.find("At Most") != std::string::npos)
        given = "more than one value";
      else
        continue;
      out = InvalidArgument(parameter_name(flag), it->second, given).what();
      return true;
    }
  return false;
}

CLI::Option* single_value(CLI::Option* opt, const char* type) {
  opt->type_name(type);
  opt->type_size(1);
  opt->expected(1);
  return opt;
}

}  // namespace

std::string Interval::text() const {
  if (!label.empty()) return label;
  return std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
         (hi_open ? ")" : "]");
}

bool Interval::contains(double x) const {
  const bool below = lo_open ? !(x > lo) : !(x >= lo);
  const bool above = hi_open ? !(x < hi) : !(x <= hi);
  return !below && !above;
}

std::string parameter_name(const std::string& flag) {
  const auto start = flag.find_first_not_of('-');
  return start == std::string::npos ? flag : flag.substr(start);
}

CLI::Option* add_real(CLI::App* app, const std::string& flag, double& target, Interval range,
                      const std::string& help) {
  const std::string name = parameter_name(flag);
  auto* opt = app->add_option(
      flag,
      [&target, name, range](const CLI::results_t& res) {
        target = parse_real(name, res.back(), range);
        return true;
      },
      help + "; valid range " + range.text());
  remember_range(app, flag, range.text());
  return single_value(opt, "REAL");
}

CLI::Option* add_integer(CLI::App* app, const std::string& flag, int& target, int lo, int hi,
                         const std::string& help) {
  const std::string name = parameter_name(flag);
  const std::string range = "integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  auto* opt = app->add_option(
      flag,
      [&target, name, range, lo, hi](const CLI::results_t& res) {
        const std::string& text = res.back();
        std::uint64_t v = 0;
        const bool negative = text.size() > 1 && text[0] == '-';
        if (negative || !parse_unsigned(text, v)) {
          // "-3" is an integer, only out of range; show it as typed, without quotes.
          std::uint64_t magnitude = 0;
          const bool integer = negative && parse_unsigned(text.substr(1), magnitude);
          throw InvalidArgument(name, range, integer ? text : quoted(text));
        }
        if (v < static_cast<std::uint64_t>(std::max(lo, 0)) || v > static_cast<std::uint64_t>(hi))
          throw InvalidArgument(name, range, text);
        target = static_cast<int>(v);
        return true;
      },
      help + "; valid range " + range);
  remember_range(app, flag, range);
  return single_value(opt, "INT");
}

CLI::Option* add_seed(CLI::App* app, std::uint64_t& target, const std::string& help) {
  const std::string range = "integer in [0, 2^64-1 = 18446744073709551615]";
  auto* opt = app->add_option(
      "--seed",
      [&target, range](const CLI::results_t& res) {
        const std::string& text = res.back();
        std::uint64_t v = 0;
        if (!parse_unsigned(text, v)) {
          const bool digits =
              !text.empty() && text.find_first_not_of("+-0123456789") == std::string::npos;
          throw InvalidArgument("seed", range, digits ? text : quoted(text));
        }
        target = v;
        return true;
      },
      help + "; valid range " + range);
  remember_range(app, "--seed", range);
  return single_value(opt, "UINT64");
}

CLI::Option* add_text(CLI::App* app, const std::string& flag, std::string& target,
                      const std::string& range, const std::string& help) {
  const std::string name = parameter_name(flag);
  auto* opt = app->add_option(
      flag,
      [&target, name, range](const CLI::results_t& res) {
        if (res.back().empty()) throw InvalidArgument(name, range, "''");
        target = res.back();
        return true;
      },
      help);
  remember_range(app, flag, range);
  return single_value(opt, "TEXT");
}

CLI::Option* add_choice(CLI::App* app, const std::string& flag, std::string& target,
                        const std::vector<std::string>& choices, const std::string& help) {
  const std::string name = parameter_name(flag);
  std::string range = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) range += (i ? ", " : " ") + choices[i];
  auto* opt = app->add_option(
      flag,
      [&target, name, range, choices](const CLI::results_t& res) {
        if (std::find(choices.begin(), choices.end(), res.back()) == choices.end())
          throw InvalidArgument(name, range, quoted(res.back()));
        target = res.back();
        return true;
      },
      help + "; valid range " + range);
  remember_range(app, flag, range);
  return single_value(opt, "TEXT");
}

void rethrow_with_typed_text(const InvalidArgument& e, const std::string& flag,
                             const std::string& text) {
  // what() is "invalid <parameter>: <given>; valid range <range>" (error.hpp); the range is ours,
  // so the last separator is the one the class wrote.
  const std::string what = e.what();
  const std::string head = "invalid " + e.parameter() + ": ";
  const std::string sep = "; valid range ";
  const auto cut = what.rfind(sep);
  if (what.rfind(head, 0) != 0 || cut == std::string::npos || cut < head.size()) throw e;
  const std::string given = what.substr(head.size(), cut - head.size());
  const std::string range = what.substr(cut + sep.size());
  const std::string typed = "'" + text + "'";
  if (given == typed) throw e;  // already the whole text
  throw InvalidArgument(e.parameter(), range, given + " in " + flag + " " + typed);
}

int run_guarded(CLI::App& app, int argc, char** argv, const std::string& name,
                const std::function<void()>& body) {
  try {
    app.parse(argc, argv);
    if (body) body();
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what(), restated;
    if (restate_parse_error(app, msg, restated)) {
      std::cerr << name << ": error: " << restated << "\n";
      return 2;
    }
    if (msg.empty()) msg = "bad command line";
    std::cerr << name << ": error: " << msg << " (see --help)\n";
    return 2;
  } catch (const InvalidArgument& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const CheckFailed& e) {
    std::cerr << name << ": check failed: " << e.what() << "\n";
    return 3;
  } catch (const std::bad_alloc&) {
    std::cerr << name << ": failed: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << name << ": failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace rdp::experiments
