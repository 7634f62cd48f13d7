#include "rdp/source_registry.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "rdp/error.hpp"
#include "rdp/sources.hpp"

namespace rdp {
namespace {

struct Entry {
  std::string usage;
  SourceFactory factory;
};

std::map<std::string, Entry>& registry() {
  // The built-in families: adding a source in this library is one line here.
  static std::map<std::string, Entry> r = [] {
    std::map<std::string, Entry> m;
    m["bernoulli"] = {"bernoulli:p=P (0 < P < 1)", [](const SourceArgs& a) -> SourcePtr {
                        a.allow_only({"p"});
                        return std::make_shared<Bernoulli>(a.number("p"));
                      }};
    m["finite"] = {"finite:points=X1/X2/...,pmf=P1/P2/... (masses >= 0, summing to 1)",
                   [](const SourceArgs& a) -> SourcePtr {
                     a.allow_only({"points", "pmf"});
                     return std::make_shared<FinitePmf>(a.list("points"), a.list("pmf"));
                   }};
    m["gaussian"] = {"gaussian:sigma=S[,mu=M] (1e-100 <= S <= 1e100, |M| <= 1e6·S)",
                     [](const SourceArgs& a) -> SourcePtr {
                       a.allow_only({"mu", "sigma"});
                       return std::make_shared<Gaussian>(a.number_or("mu", 0.0),
                                                         a.number_or("sigma", 1.0));
                     }};
    m["laplace"] = {"laplace:b=B[,mu=M] (1e-100 <= B <= 1e100, |M| <= 1e6·B)",
                    [](const SourceArgs& a) -> SourcePtr {
                      a.allow_only({"mu", "b"});
                      return std::make_shared<Laplace>(a.number_or("mu", 0.0),
                                                       a.number_or("b", 1.0));
                    }};
    return m;
  }();
  return r;
}

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::string family_list() {
  std::string out;
  for (const auto& [name, entry] : registry()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

bool parse_double(const std::string& text, double& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno != ERANGE;
}

}  // namespace

SourceArgs::SourceArgs(std::string family, std::map<std::string, std::string> values)
    : family_(std::move(family)), values_(std::move(values)) {}

double SourceArgs::number(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end())
    throw InvalidArgument(family_ + " " + key, "a finite number (required)", "nothing");
  double v;
  if (!parse_double(it->second, v) || !std::isfinite(v))
    throw InvalidArgument(family_ + " " + key, "a finite number", "'" + it->second + "'");
  return v;
}

double SourceArgs::number_or(const std::string& key, double fallback) const {
  return values_.count(key) ? number(key) : fallback;
}

std::vector<double> SourceArgs::list(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end())
    throw InvalidArgument(family_ + " " + key, "a list of numbers separated by '/' (required)",
                          "nothing");
  std::vector<double> out;
  std::string item;
  const std::string& text = it->second;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/' || text[i] == ';') {
      double v;
      if (!parse_double(item, v) || !std::isfinite(v))
        throw InvalidArgument(family_ + " " + key, "a list of finite numbers separated by '/'",
                              "'" + text + "'");
      out.push_back(v);
      item.clear();
    } else {
      item += text[i];
    }
  }
  return out;
}

void SourceArgs::allow_only(std::initializer_list<const char*> allowed) const {
  for (const auto& [key, value] : values_) {
    bool ok = false;
    std::string names;
    for (const char* a : allowed) {
      ok = ok || key == a;
      names += (names.empty() ? "" : ", ") + std::string(a);
    }
    if (!ok) throw InvalidArgument(family_ + " key", "one of " + names, "'" + key + "'");
  }
}

void register_source(const std::string& family, const std::string& usage, SourceFactory factory) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry()[family] = {usage, std::move(factory)};
}

SourcePtr make_source(std::string_view spec_view) {
  const std::string spec(spec_view);
  const auto colon = spec.find(':');
  const std::string family = spec.substr(0, colon);
  std::map<std::string, std::string> values;
  if (colon != std::string::npos) {
    const std::string rest = spec.substr(colon + 1);
    std::size_t start = 0;
    while (start <= rest.size()) {
      const auto comma = rest.find(',', start);
      const std::string pair =
          rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      const auto eq = pair.find('=');
      if (eq == std::string::npos || eq == 0)
        throw InvalidArgument("source", "family:key=value,key=value", "'" + spec + "'");
      const std::string key = pair.substr(0, eq);
      if (values.count(key))
        throw InvalidArgument("source key", "each key at most once", "'" + key + "' twice");
      values[key] = pair.substr(eq + 1);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  SourceFactory factory;
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    const auto it = registry().find(family);
    if (it == registry().end())
      throw InvalidArgument("source", "one of " + family_list(), "'" + family + "'");
    factory = it->second.factory;
  }
  return factory(SourceArgs(family, std::move(values)));
}

std::vector<std::pair<std::string, std::string>> registered_sources() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, entry] : registry()) out.emplace_back(name, entry.usage);
  return out;
}

}  // namespace rdp
