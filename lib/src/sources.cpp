#include "rdp/sources.hpp"

#include <algorithm>
#include <boost/math/distributions/laplace.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "rdp/error.hpp"

namespace rdp {

std::string Source::spec() const {
  std::string out = family();
  char sep = ':';
  for (const auto& [key, value] : parameters()) {
    out += sep + key + "=" + format_number(value);
    sep = ',';
  }
  return out;
}

double FiniteSource::mean() const {
  const auto& x = support();
  const auto& p = pmf();
  double m = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) m += p[i] * x[i];
  return m;
}

double FiniteSource::variance() const {
  const auto& x = support();
  const auto& p = pmf();
  const double m = mean();
  double v = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) v += p[i] * (x[i] - m) * (x[i] - m);
  return v;
}

double FiniteSource::sample(Philox& rng) const {
  const auto& x = support();
  const auto& p = pmf();
  double u = rng.uniform01();
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    if (u < p[i]) return x[i];
    u -= p[i];
  }
  return x.back();
}

Bernoulli::Bernoulli(double p) : p_(p) {
  require_in_interval("bernoulli p", p, 0.0, 1.0, true, true);
  pmf_ = {1.0 - p, p};
}

FinitePmf::FinitePmf(std::vector<double> points, std::vector<double> pmf) {
  if (points.empty() || points.size() != pmf.size())
    throw InvalidArgument(
        "finite pmf", "as many masses as points, at least one",
        std::to_string(points.size()) + " points and " + std::to_string(pmf.size()) + " masses");
  double total = 0.0;
  for (std::size_t i = 0; i < pmf.size(); ++i) {
    require_finite("finite points", points[i]);
    require_in_interval("finite pmf mass", pmf[i], 0.0, 1.0, false, false);
    total += pmf[i];
  }
  // Masses typed by hand rarely sum to one in binary; 1e-9 accepts rounding, not mistakes.
  if (std::abs(total - 1.0) > 1e-9)
    throw InvalidArgument("finite pmf sum", "1 (within 1e-9)", format_number(total));
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
  points_.reserve(order.size());
  pmf_.reserve(order.size());
  for (std::size_t i : order) {
    points_.push_back(points[i]);
    pmf_.push_back(pmf[i] / total);
  }
}

std::string FinitePmf::spec() const {
  auto join = [](const std::vector<double>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "/" : "") + format_number(v[i]);
    return out;
  };
  return family() + ":points=" + join(points_) + ",pmf=" + join(pmf_);
}

// A sample x = μ + σz in double precision keeps log2(σ/ulp(μ)) bits of its deviation from the
// mean; every consumer (the codecs' x − μ, a discretisation grid around μ) needs those bits. At
// |μ| <= 1e6·scale at least 32 of them survive, so a centred sample is exact to 2⁻³²σ; beyond,
// N(1e16, 1) samples are multiples of 2 and the codecs' distortion is meaningless.
namespace {
constexpr double kMaxMeanToScale = 1e6;

void require_location(const std::string& family, const std::string& scale_name, double mu,
                      double scale) {
  const double bound = kMaxMeanToScale * scale;
  if (!std::isfinite(mu) || std::abs(mu) > bound)
    throw InvalidArgument(family + " mu",
                          "[-1e6·" + scale_name + ", 1e6·" + scale_name + "] = [" +
                              format_number(-bound) + ", " + format_number(bound) + "]",
                          format_number(mu));
}
}  // namespace

Gaussian::Gaussian(double mu, double sigma) : mu_(mu), sigma_(sigma) {
  // Beyond 1e100 the variance σ² overflows in the closed forms; nobody's data lives there.
  require_in_interval("gaussian sigma", sigma, 1e-100, 1e100, false, false);
  require_location("gaussian", "sigma", mu, sigma);
}

double Gaussian::pdf(double x) const {
  return boost::math::pdf(boost::math::normal_distribution<>(mu_, sigma_), x);
}
double Gaussian::cdf(double x) const {
  if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
  return boost::math::cdf(boost::math::normal_distribution<>(mu_, sigma_), x);
}
double Gaussian::quantile(double u) const {
  return boost::math::quantile(boost::math::normal_distribution<>(mu_, sigma_), u);
}

Laplace::Laplace(double mu, double b) : mu_(mu), b_(b) {
  require_in_interval("laplace b", b, 1e-100, 1e100, false, false);
  require_location("laplace", "b", mu, b);
}
double Laplace::pdf(double x) const {
  return boost::math::pdf(boost::math::laplace_distribution<>(mu_, b_), x);
}
double Laplace::cdf(double x) const {
  if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
  return boost::math::cdf(boost::math::laplace_distribution<>(mu_, b_), x);
}
double Laplace::quantile(double u) const {
  return boost::math::quantile(boost::math::laplace_distribution<>(mu_, b_), u);
}

FinitePmf discretize(const ContinuousSource& source, const DiscretizeOptions& options) {
  if (options.points < 2)
    throw InvalidArgument("grid points", "[2, inf)", std::to_string(options.points));
  require_in_interval("tail mass", options.tail_mass, 0.0, 0.5, true, true);
  const double lo = source.quantile(options.tail_mass);
  const double hi = source.quantile(1.0 - options.tail_mass);
  const int n = options.points;
  const double width = (hi - lo) / (n - 1);
  std::vector<double> x(n), p(n);
  double previous_cdf = 0.0;
  for (int i = 0; i < n; ++i) {
    x[i] = lo + width * i;
    const double right = (i + 1 == n) ? 1.0 : source.cdf(x[i] + 0.5 * width);
    p[i] = std::max(right - previous_cdf, 0.0);
    previous_cdf = right;
  }
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& v : p) v /= total;
  return FinitePmf(std::move(x), std::move(p));
}

}  // namespace rdp
