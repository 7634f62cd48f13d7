#pragma once
/// Spec strings and the registry of source families.
///
/// A spec is `family` or `family:key=value,key=value`; list values separate their items with
/// '/' (or ';'), e.g. `finite:points=0/1/2,pmf=0.2/0.5/0.3`. Registering a family is one call:
///
///   rdp::register_source("laplace", "laplace:mu=M,b=B (b > 0)",
///       [](const rdp::SourceArgs& a) { a.allow_only({"mu", "b"});
///         return std::make_shared<rdp::Laplace>(a.number_or("mu", 0), a.number("b")); });
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rdp/source.hpp"

namespace rdp {

/// The parsed key=value pairs of one spec, with typed, validated access for factories.
class SourceArgs {
 public:
  SourceArgs(std::string family, std::map<std::string, std::string> values);
  const std::string& family() const { return family_; }
  /// Throws InvalidArgument naming the key unless it is present and a finite number.
  double number(const std::string& key) const;
  double number_or(const std::string& key, double fallback) const;
  /// A '/'- or ';'-separated list of finite numbers.
  std::vector<double> list(const std::string& key) const;
  /// Throws InvalidArgument naming the first key not in `allowed`.
  void allow_only(std::initializer_list<const char*> allowed) const;

 private:
  std::string family_;
  std::map<std::string, std::string> values_;
};

using SourceFactory = std::function<SourcePtr(const SourceArgs&)>;

/// Adds (or replaces) a family. `usage` is shown in help and error messages.
void register_source(const std::string& family, const std::string& usage, SourceFactory factory);

/// Parses a spec and builds the source; throws InvalidArgument (naming "source", the key or the
/// parameter) on any error.
SourcePtr make_source(std::string_view spec);

/// (family, usage) of every registered family, sorted by name.
std::vector<std::pair<std::string, std::string>> registered_sources();

}  // namespace rdp
