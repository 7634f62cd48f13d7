// Adds a uniform source on [a, b] to rdpkit from outside the library, registers it, builds it
// from a spec string and checks its discretisation's moments against the exact ones.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "rdp/error.hpp"
#include "rdp/source_registry.hpp"
#include "rdp/sources.hpp"

class Uniform final : public rdp::ContinuousSource {
 public:
  Uniform(double a, double b) : a_(a), b_(b) {
    rdp::require_finite("uniform a", a);
    rdp::require_in_interval("uniform b", b, a, INFINITY, true, true);
  }
  std::string family() const override { return "uniform"; }
  std::map<std::string, double> parameters() const override { return {{"a", a_}, {"b", b_}}; }
  double mean() const override { return 0.5 * (a_ + b_); }
  double variance() const override { return (b_ - a_) * (b_ - a_) / 12.0; }
  double pdf(double x) const override { return (x >= a_ && x <= b_) ? 1.0 / (b_ - a_) : 0.0; }
  double cdf(double x) const override { return std::clamp((x - a_) / (b_ - a_), 0.0, 1.0); }
  double quantile(double u) const override { return a_ + u * (b_ - a_); }

 private:
  double a_, b_;
};

int main() {
  rdp::register_source("uniform", "uniform:a=A,b=B (A < B)", [](const rdp::SourceArgs& args) {
    args.allow_only({"a", "b"});
    return std::make_shared<Uniform>(args.number_or("a", 0.0), args.number_or("b", 1.0));
  });
  const auto src = rdp::make_source("uniform:a=-1,b=3");
  const auto& uniform = dynamic_cast<const rdp::ContinuousSource&>(*src);
  const rdp::FinitePmf grid = rdp::discretize(uniform, {4096, 1e-9});
  // A midpoint grid of n cells has variance (b−a)²/12 · (1 − 1/n²) up to the tail trimming.
  const bool ok = std::abs(grid.mean() - src->mean()) < 1e-6 &&
                  std::abs(grid.variance() - src->variance()) < 1e-5;
  std::printf("%s: mean %.6f (exact %.6f), variance %.6f (exact %.6f) -> %s\n", src->spec().c_str(),
              grid.mean(), src->mean(), grid.variance(), src->variance(), ok ? "ok" : "MISMATCH");
  return ok ? 0 : 1;
}
