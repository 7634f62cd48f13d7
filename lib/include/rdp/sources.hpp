#pragma once
/// The built-in sources: Bernoulli(p), a finite pmf over given points, Gaussian(μ, σ), Laplace(μ,
/// b).
#include <vector>

#include "rdp/source.hpp"

namespace rdp {

/// X ∈ {0, 1}, P(X = 1) = p, p in (0,1).
class Bernoulli final : public FiniteSource {
 public:
  explicit Bernoulli(double p);
  double p() const { return p_; }
  std::string family() const override { return "bernoulli"; }
  std::map<std::string, double> parameters() const override { return {{"p", p_}}; }
  const std::vector<double>& support() const override { return support_; }
  const std::vector<double>& pmf() const override { return pmf_; }

 private:
  double p_;
  std::vector<double> support_{0.0, 1.0};
  std::vector<double> pmf_;
};

/// A pmf over given real points (sorted on construction, masses must be >= 0 and sum to 1
/// within 1e-9; they are then renormalised exactly).
class FinitePmf final : public FiniteSource {
 public:
  FinitePmf(std::vector<double> points, std::vector<double> pmf);
  std::string family() const override { return "finite"; }
  /// No scalar parameters: the points and masses are lists, written by spec().
  std::map<std::string, double> parameters() const override { return {}; }
  /// "finite:points=x1/x2/...,pmf=p1/p2/...", the form make_source() reads.
  std::string spec() const override;
  const std::vector<double>& support() const override { return points_; }
  const std::vector<double>& pmf() const override { return pmf_; }

 private:
  std::vector<double> points_;
  std::vector<double> pmf_;
};

/// N(μ, σ²), σ in [1e-100, 1e100], |μ| <= 1e6·σ (so that a sample keeps 32 bits of x − μ).
class Gaussian final : public ContinuousSource {
 public:
  Gaussian(double mu, double sigma);
  double mu() const { return mu_; }
  double sigma() const { return sigma_; }
  std::string family() const override { return "gaussian"; }
  std::map<std::string, double> parameters() const override {
    return {{"mu", mu_}, {"sigma", sigma_}};
  }
  double mean() const override { return mu_; }
  double variance() const override { return sigma_ * sigma_; }
  double pdf(double x) const override;
  double cdf(double x) const override;
  double quantile(double u) const override;
  double sample(Philox& rng) const override { return mu_ + sigma_ * rng.normal(); }

 private:
  double mu_, sigma_;
};

/// Laplace(μ, b): density exp(−|x−μ|/b)/(2b), variance 2b², b in [1e-100, 1e100], |μ| <= 1e6·b.
class Laplace final : public ContinuousSource {
 public:
  Laplace(double mu, double b);
  std::string family() const override { return "laplace"; }
  std::map<std::string, double> parameters() const override { return {{"mu", mu_}, {"b", b_}}; }
  double mean() const override { return mu_; }
  double variance() const override { return 2.0 * b_ * b_; }
  double pdf(double x) const override;
  double cdf(double x) const override;
  double quantile(double u) const override;

 private:
  double mu_, b_;
};

/// Options for turning a continuous source into a finite one.
struct DiscretizeOptions {
  /// Number of grid points (>= 2).
  int points = 256;
  /// The grid covers [quantile(tail), quantile(1 − tail)]; the tail mass beyond each end is
  /// folded into the end cells, so the pmf sums to one exactly. 1e-9 keeps the lost tail
  /// distortion far below the accuracy targets of the solvers.
  double tail_mass = 1e-9;
};

/// Uniform grid of `points` cell centres over the covered range; each point carries the mass of
/// its cell, cdf(right edge) − cdf(left edge) (end cells extend to ±∞).
FinitePmf discretize(const ContinuousSource& source, const DiscretizeOptions& options = {});

}  // namespace rdp
