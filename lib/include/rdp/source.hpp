#pragma once
/// Sources: the one extension point through which the solvers, codecs and the `rdp` command see
/// a probability distribution on the real line.
///
/// A source is a small immutable value behind `Source`. Finite sources expose their support and
/// pmf; continuous sources their pdf, cdf and quantile. Both give moments and a sampler. To add a
/// source: write one class deriving from FiniteSource or ContinuousSource and register a factory
/// under a family name with `register_source` (source_registry.hpp).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rdp/rng.hpp"

namespace rdp {

enum class SourceKind { finite, continuous };

class Source {
 public:
  virtual ~Source() = default;
  /// Family name as used in spec strings, e.g. "gaussian".
  virtual std::string family() const = 0;
  /// Scalar parameters by name, as they appear in the family's spec string. A family whose
  /// parameters are not scalars (a list of points) returns what it can and overrides spec().
  virtual std::map<std::string, double> parameters() const = 0;
  virtual SourceKind kind() const = 0;
  virtual double mean() const = 0;
  virtual double variance() const = 0;
  /// One draw, using `rng` only.
  virtual double sample(Philox& rng) const = 0;
  /// The canonical spec string, e.g. "gaussian:mu=0,sigma=1": make_source() of it rebuilds
  /// this source (numbers in shortest round-trip form). The default joins parameters().
  virtual std::string spec() const;
};

class FiniteSource : public Source {
 public:
  SourceKind kind() const final { return SourceKind::finite; }
  /// Support points in increasing order (duplicates allowed) and their masses (sum 1).
  virtual const std::vector<double>& support() const = 0;
  virtual const std::vector<double>& pmf() const = 0;
  double mean() const override;
  double variance() const override;
  /// Inverse-cdf sampling over the support.
  double sample(Philox& rng) const override;
};

class ContinuousSource : public Source {
 public:
  SourceKind kind() const final { return SourceKind::continuous; }
  virtual double pdf(double x) const = 0;
  virtual double cdf(double x) const = 0;
  virtual double quantile(double u) const = 0;
  /// Inverse-cdf sampling; sources with a faster sampler override it.
  double sample(Philox& rng) const override { return quantile(rng.uniform01()); }
};

using SourcePtr = std::shared_ptr<const Source>;

}  // namespace rdp
