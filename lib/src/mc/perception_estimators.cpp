#include "rdp/mc/perception_estimators.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "rdp/error.hpp"
#include "rdp/rng.hpp"

namespace rdp {
namespace {

// Standard normal quantile and density, with Φ⁻¹(0) = −∞ handled by the callers' limits.
double std_quantile(double u) {
  if (u <= 0.0) return -INFINITY;
  if (u >= 1.0) return INFINITY;
  return boost::math::quantile(boost::math::normal_distribution<>(), u);
}
double phi(double t) { return std::isinf(t) ? 0.0 : std::exp(-0.5 * t * t) / std::sqrt(2 * M_PI); }
double big_phi(double t) {
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  return boost::math::cdf(boost::math::normal_distribution<>(), t);
}
double t_phi(double t) { return std::isinf(t) ? 0.0 : t * phi(t); }

// The Gaussian fitted to the blocks (sample mean and covariance) in its eigenbasis.
struct FittedGaussian {
  Eigen::VectorXd eigenvalues;  // of the covariance, clamped at 0
  Eigen::VectorXd mean_offset;  // (mean − μ1) in the eigenbasis
  double trace = 0.0;
};

FittedGaussian fit_gaussian(const Eigen::MatrixXd& x, double mu) {
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Eigen::MatrixXd centred = x.rowwise() - mean;
  // lazyProduct: a fixed summation order, so the result does not depend on Eigen's threads.
  const Eigen::MatrixXd cov = centred.transpose().lazyProduct(centred) / double(x.rows() - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  FittedGaussian g;
  g.eigenvalues = eig.eigenvalues().cwiseMax(0.0);
  g.mean_offset = eig.eigenvectors().transpose() * (mean.transpose().array() - mu).matrix();
  g.trace = cov.trace();
  return g;
}

// W2²(N(μ1, σ²I), N(m, S)) / n = (‖m − μ1‖² + nσ² + tr S − 2σ tr S^{1/2}) / n.
double frechet_per_dim(const FittedGaussian& g, double sigma) {
  const double n = static_cast<double>(g.eigenvalues.size());
  return (g.mean_offset.squaredNorm() + n * sigma * sigma + g.trace -
          2.0 * sigma * g.eigenvalues.cwiseSqrt().sum()) /
         n;
}

// KL(N(μ1, σ²I) ‖ N(m, S)) / n = ½ Σ_k (σ²/λ_k + δ_k²/λ_k − 1 + ln(λ_k/σ²)) / n.
double kl_per_dim(const FittedGaussian& g, double sigma) {
  const Eigen::Index n = g.eigenvalues.size();
  double kl = 0.0;
  for (Eigen::Index k = 0; k < n; ++k) {
    const double lam = std::max(g.eigenvalues[k], 1e-300);
    const double dm = g.mean_offset[k];
    kl += sigma * sigma / lam + dm * dm / lam - 1.0 + std::log(lam / (sigma * sigma));
  }
  return 0.5 * kl / n;
}

}  // namespace

namespace {

// For a sample of size N, the weights of the exact coupling with N(0,1): with t_i = Φ⁻¹(i/N),
// ∫_{(i−1)/N}^{i/N} Φ⁻¹ du = φ(t_{i−1}) − φ(t_i) and ∫ (Φ⁻¹)² du = [Φ(t) − tφ(t)] between them.
// They depend on N only, so one table serves every column and projection.
struct CouplingWeights {
  std::vector<double> first, second;
  explicit CouplingWeights(std::size_t count) : first(count), second(count) {
    const double n = static_cast<double>(count);
    double t_prev = -INFINITY;
    for (std::size_t i = 0; i < count; ++i) {
      const double t = std_quantile((i + 1) / n);
      first[i] = phi(t_prev) - phi(t);
      second[i] = (big_phi(t) - t_phi(t)) - (big_phi(t_prev) - t_phi(t_prev));
      t_prev = t;
    }
  }
};

// LSD radix sort of doubles (11-bit digits, 6 passes) on their order-preserving integer images:
// several times faster than std::sort at the 1e5–1e6 sizes of a Monte-Carlo column, which is
// where the perception estimates spend their time. NaNs are not expected (outputs are finite).
void radix_sort(std::vector<double>& values) {
  const std::size_t n = values.size();
  if (n < 256) {
    std::sort(values.begin(), values.end());
    return;
  }
  std::vector<std::uint64_t> a(n), b(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t u;
    std::memcpy(&u, &values[i], sizeof u);
    // Negative numbers: flip all bits; positive: flip the sign bit. Then unsigned order = order.
    a[i] = (u >> 63) ? ~u : (u | 0x8000000000000000ull);
  }
  constexpr int kBits = 11, kBuckets = 1 << kBits;
  std::vector<std::size_t> count(kBuckets);
  for (int shift = 0; shift < 64; shift += kBits) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(a[i] >> shift) & (kBuckets - 1)];
    std::size_t total = 0;
    for (auto& c : count) {
      const std::size_t t = c;
      c = total;
      total += t;
    }
    for (std::size_t i = 0; i < n; ++i) b[count[(a[i] >> shift) & (kBuckets - 1)]++] = a[i];
    a.swap(b);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t u = (a[i] >> 63) ? (a[i] & 0x7FFFFFFFFFFFFFFFull) : ~a[i];
    std::memcpy(&values[i], &u, sizeof u);
  }
}

double w2sq_with_weights(std::vector<double>& values, double mu, double sigma,
                         const CouplingWeights& w) {
  radix_sort(values);
  const double n = static_cast<double>(values.size());
  double total = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double z = values[i] - mu;
    total += z * z / n - 2.0 * z * sigma * w.first[i] + sigma * sigma * w.second[i];
  }
  return std::max(total, 0.0);
}

}  // namespace

double empirical_w2sq_to_gaussian(std::vector<double>& values, double mu, double sigma) {
  require_positive("sigma", sigma);
  return w2sq_with_weights(values, mu, sigma, CouplingWeights(values.size()));
}

PerceptionEstimates estimate_perception_gaussian(const Eigen::MatrixXd& samples, double mu,
                                                 double sigma,
                                                 const PerceptionEstimatorOptions& options) {
  require_positive("sigma", sigma);
  if (options.batches < 2)
    throw InvalidArgument("batches", "[2, inf)", std::to_string(options.batches));
  if (options.projections < 1)
    throw InvalidArgument("projections", "[1, inf)", std::to_string(options.projections));
  const Eigen::Index count = samples.rows(), n = samples.cols();
  if (count < 2 * options.batches)
    throw InvalidArgument("samples",
                          "at least 2 per batch (" + std::to_string(2 * options.batches) + ")",
                          std::to_string(count));

  // Directions θ uniform on the sphere: normalised standard normal vectors.
  Philox rng(options.seed, 0x51CED);
  Eigen::MatrixXd theta(n, options.projections);
  for (int j = 0; j < options.projections; ++j) {
    for (Eigen::Index k = 0; k < n; ++k) theta(k, j) = rng.normal();
    theta.col(j).normalize();
  }
  const Eigen::VectorXd mu_proj = theta.transpose() * Eigen::VectorXd::Constant(n, mu);

  const int b = options.batches;
  std::vector<double> marg(b), fre(b), kl(b), sliced(b);
#pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < b; ++k) {
    const Eigen::Index lo = count * k / b, hi = count * (k + 1) / b;
    const Eigen::MatrixXd block = samples.middleRows(lo, hi - lo);
    const CouplingWeights weights(hi - lo);
    std::vector<double> col(hi - lo);
    double m = 0.0;
    for (Eigen::Index c = 0; c < n; ++c) {
      for (Eigen::Index i = 0; i < hi - lo; ++i) col[i] = block(i, c);
      m += w2sq_with_weights(col, mu, sigma, weights);
    }
    marg[k] = m / n;
    const FittedGaussian fit = fit_gaussian(block, mu);
    fre[k] = frechet_per_dim(fit, sigma);
    kl[k] = kl_per_dim(fit, sigma);
    const Eigen::MatrixXd proj = block.lazyProduct(theta);
    double s = 0.0;
    for (int j = 0; j < options.projections; ++j) {
      for (Eigen::Index i = 0; i < hi - lo; ++i) col[i] = proj(i, j);
      s += w2sq_with_weights(col, mu_proj[j], sigma, weights);
    }
    sliced[k] = s / options.projections;
  }
  // Values from the whole sample (less finite-sample bias than the batch mean); the spread of
  // the batch values, scaled by 1/√b, is the standard error of that whole-sample value.
  auto whole = [&](const std::vector<double>& batch_values, double full) {
    Estimate e = mean_with_error(batch_values);
    e.value = full;
    return e;
  };
  PerceptionEstimates out;
  {
    const CouplingWeights weights(count);
    std::vector<double> marginal(n), per_projection(options.projections);
#pragma omp parallel for schedule(dynamic, 1)
    for (Eigen::Index c = 0; c < n; ++c) {
      std::vector<double> col(count);
      for (Eigen::Index i = 0; i < count; ++i) col[i] = samples(i, c);
      marginal[c] = w2sq_with_weights(col, mu, sigma, weights);
    }
    const Eigen::MatrixXd proj = samples.lazyProduct(theta);  // thread-count independent
#pragma omp parallel for schedule(dynamic, 1)
    for (int j = 0; j < options.projections; ++j) {
      std::vector<double> col(count);
      for (Eigen::Index i = 0; i < count; ++i) col[i] = proj(i, j);
      per_projection[j] = w2sq_with_weights(col, mu_proj[j], sigma, weights);
    }
    double m = 0.0;
    for (double v : marginal) m += v;  // summed in a fixed order: thread-count independent
    out.marginal_w2sq = whole(marg, m / n);
    // The sliced value has two error sources: the sample (batch spread) and the finite set of
    // directions (spread over directions / √L); independent, so they add in quadrature.
    const Estimate over_directions = mean_with_error(per_projection);
    out.sliced_w2sq = whole(sliced, over_directions.value);
    out.sliced_w2sq.stderr_ = std::hypot(out.sliced_w2sq.stderr_, over_directions.stderr_);
  }
  const FittedGaussian fit = fit_gaussian(samples, mu);
  out.frechet_w2sq = whole(fre, frechet_per_dim(fit, sigma));
  out.fitted_kl_nats = whole(kl, kl_per_dim(fit, sigma));
  out.projections = options.projections;
  return out;
}

}  // namespace rdp
