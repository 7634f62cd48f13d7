#include "rdp/codec/simulate.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <chrono>
#include <cmath>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/sources.hpp"

namespace rdp {

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t role) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (role + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

constexpr int kMaxBlock = 4096;
constexpr int kMaxRatePoints = 4096;
// Cell-integration stopping rule: the second-order Jensen bias Var(P̂)/(2P² ln 2) of a block's
// −log2 P̂ below 0.002 bits per dimension, i.e. relative variance below 2 ln2 · 0.002 · n. (The
// delta-method correction then removes most of it; what is left is third order.)
constexpr double kTargetJensenBitsPerDim = 0.002;

// log of the mass of [lo, hi] under the source, accurate in both tails for a Gaussian.
double log_interval_mass(const ContinuousSource& source, const Gaussian* gauss, double lo, double hi) {
  if (gauss) {
    const boost::math::normal_distribution<> nd(gauss->mu(), gauss->sigma());
    // Use upper tails above the mean so that the difference does not cancel.
    const double m = lo > gauss->mu() ? boost::math::cdf(boost::math::complement(nd, lo)) -
                                            boost::math::cdf(boost::math::complement(nd, hi))
                                      : boost::math::cdf(nd, hi) - boost::math::cdf(nd, lo);
    return std::log(std::max(m, 1e-300));
  }
  return std::log(std::max(source.cdf(hi) - source.cdf(lo), 1e-300));
}

double log_pdf(const ContinuousSource& source, const Gaussian* gauss, double x) {
  if (gauss) {
    const double z = (x - gauss->mu()) / gauss->sigma();
    return -0.5 * z * z - std::log(gauss->sigma()) - 0.5 * std::log(2 * M_PI);
  }
  return std::log(std::max(source.pdf(x), 1e-300));
}

}  // namespace

SimulationResult simulate_codec(std::shared_ptr<const CodecLattices> lattices,
                                const ContinuousSource& source, const SimulationOptions& options) {
  if (options.blocks < 64 || options.blocks > (1ull << 32))
    throw InvalidArgument("blocks", "[64, 2^32]", std::to_string(options.blocks));
  if (options.rate_points < 1 || options.rate_points > kMaxRatePoints)
    throw InvalidArgument("rate points", "[1, 4096]", std::to_string(options.rate_points));
  if (options.rate_max_rounds < 1 || options.rate_max_rounds > 1024)
    throw InvalidArgument("rate max rounds", "[1, 1024]", std::to_string(options.rate_max_rounds));
  const auto* gauss = dynamic_cast<const Gaussian*>(&source);
  const int n = lattices->dimension();
  const std::uint64_t blocks = options.blocks;
  const CodecParameters& params = lattices->parameters();

  const std::uint64_t common_seed = derive_seed(options.seed, 1);
  const std::uint64_t private_seed = derive_seed(options.seed, 2);
  const std::uint64_t source_seed = derive_seed(options.seed, 3);
  const std::uint64_t rate_seed = derive_seed(options.seed, 4);
  const Encoder encoder(lattices, common_seed);
  const Decoder decoder = params.kind == CodecKind::pd ? Decoder(lattices, private_seed)
                                                       : Decoder(lattices, common_seed, private_seed);

  SimulationResult out;
  out.blocks = blocks;
  out.dimension = n;
  Eigen::MatrixXd x_hat(blocks, n);
  std::vector<double> mse(blocks), rate(blocks, 0.0), jensen(blocks, 0.0), rate_draws(blocks, 0.0);

  auto t0 = Clock::now();
#pragma omp parallel for schedule(dynamic, 512)
  for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks); ++b) {
    double x[kMaxBlock], c[kMaxBlock], y[kMaxBlock];
    Philox rng(source_seed, b);
    for (int k = 0; k < n; ++k) x[k] = source.sample(rng);
    encoder.encode(b, x, c);
    decoder.decode(b, c, y);
    double e = 0.0;
    for (int k = 0; k < n; ++k) {
      x_hat(b, k) = y[k];
      e += (y[k] - x[k]) * (y[k] - x[k]);
    }
    mse[b] = e / n;
  }
  out.seconds_coding = seconds_since(t0);

  if (options.estimate_rate) {
    t0 = Clock::now();
    // Z^n at any scale has box cells: the exact path. The lattice's name says so.
    const bool box = detail::is_integer_lattice_name(lattices->quantizer().name());
    const double step = params.lattice_scale;
    const double log_volume = std::log(lattices->quantizer().covolume());
    const int pairs = options.rate_points;
    out.rate_method = box ? "exact_box_cells" : "cell_monte_carlo";
    out.rate_points = box ? 0 : pairs;
    // Recompute c from the stored randomness: the encoder is deterministic given (x, u).
#pragma omp parallel
    {
    // Per-thread scratch, allocated once per thread, not per block.
    std::vector<double> scratch(6 * static_cast<std::size_t>(n));
    double* x = scratch.data(); double* c = x + n; double* u = c + n; double* v = u + n;
    double* y = v + n; double* lat = y + n;
#pragma omp for schedule(dynamic, 64)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks); ++b) {
      Philox rng(source_seed, b);
      for (int k = 0; k < n; ++k) x[k] = source.sample(rng);
      encoder.encode(b, x, lat);
      std::copy(lat, lat + n, c);
      shared_dither(*lattices, common_seed, b, u);
      // Centre of the cell of y = x − μ that produced c, in source coordinates.
      for (int k = 0; k < n; ++k) c[k] += u[k] + params.source_mean;
      if (box) {
        double log_p = 0.0;
        for (int k = 0; k < n; ++k)
          log_p += log_interval_mass(source, gauss, c[k] - 0.5 * step, c[k] + 0.5 * step);
        rate[b] = -log_p / std::log(2.0);
        continue;
      }
      Philox cell_rng(rate_seed, b);
      // Balance-heuristic term of a point y of the cell: p / (K/V + K p), in logs (both proposals
      // draw K points; points of the source proposal outside the cell are zero terms).
      const double log_k = std::log(double(pairs));
      auto log_term = [&](double lp) {
        const double a = log_k - log_volume, b2 = log_k + lp;
        const double top = std::max(a, b2);
        return lp - (top + std::log(std::exp(a - top) + std::exp(b2 - top)));
      };
      auto in_cell = [&](const double* y_) {
        for (int k = 0; k < n; ++k) x[k] = y_[k] - params.source_mean - u[k];
        lattices->quantizer().nearest_point(x, y);
        for (int k = 0; k < n; ++k)
          if (y[k] != lat[k]) return false;
        return true;
      };
      // Rounds of K draws from each proposal until the estimated Jensen bias is below
      // kTargetJensenBitsPerDim, or the round cap.
      double scale = -INFINITY;
      double set_sum[2] = {0, 0}, set_sq[2] = {0, 0};
      // Sums are kept relative to the largest log-term seen so far (log-sum-exp), so that no
      // term overflows when the cell is much wider than σ.
      auto accumulate = [&](int set, double lt) {
        if (lt > scale) {
          const double f = std::exp(scale - lt);
          for (int s2 = 0; s2 < 2; ++s2) {
            set_sum[s2] *= f;
            set_sq[s2] *= f * f;
          }
          scale = lt;
        }
        const double w = std::exp(lt - scale);
        set_sum[set] += w;
        set_sq[set] += w * w;
      };
      int draws = 0;
      double sum = 0.0, var = 0.0;
      for (int round = 0; round < options.rate_max_rounds; ++round) {
        for (int j = 0; j < pairs; ++j) {  // proposal U: uniform on the cell
          lattices->quantizer().sample_voronoi(cell_rng, v);
          double lp = 0.0;
          for (int k = 0; k < n; ++k) {
            v[k] += c[k];
            lp += log_pdf(source, gauss, v[k]);
          }
          accumulate(0, log_term(lp));
        }
        for (int j = 0; j < pairs; ++j) {  // proposal S: the source itself
          for (int k = 0; k < n; ++k) v[k] = source.sample(cell_rng);
          if (!in_cell(v)) continue;
          double lp = 0.0;
          for (int k = 0; k < n; ++k) lp += log_pdf(source, gauss, v[k]);
          accumulate(1, log_term(lp));
        }
        draws += pairs;
        // Each round is an unbiased estimate of P (terms scaled by 1/K per round); average them.
        sum = (set_sum[0] + set_sum[1]) / (round + 1);
        var = 0.0;
        for (int set = 0; set < 2; ++set) {
          const double mean = set_sum[set] / draws;  // per draw, in units where K draws sum to P̂
          const double sq = set_sq[set] / draws;
          var += draws > 1 ? std::max(sq - mean * mean, 0.0) * draws / (draws - 1.0) : 0.0;
        }
        // Var(P̂) for P̂ = K · (mean of each set over all draws): K² · Var(term) / draws.
        var *= double(pairs) * pairs / draws;
        if (var / (sum * sum) < 2.0 * std::log(2.0) * kTargetJensenBitsPerDim * n) break;
      }
      rate_draws[b] = draws;
      // E[−log P̂] ≈ −log P + Var(P̂)/(2P²): subtract the estimated second-order term.
      const double correction = var / (2.0 * sum * sum);
      const double log_p = scale + std::log(sum);
      // −log2 P >= 0; the correction can push a block with P ≈ 1 a hair below it.
      rate[b] = std::max((-log_p - correction) / std::log(2.0), 0.0);
      jensen[b] = correction / std::log(2.0);
    }
    }
    RunningMean r, j, k;
    for (std::uint64_t b = 0; b < blocks; ++b) {
      r.add(rate[b] / n);
      j.add(jensen[b] / n);
      k.add(rate_draws[b]);
    }
    out.rate_bits = r.estimate();
    out.rate_jensen_correction_bits = j.estimate().value;
    out.rate_mean_draws = box ? 0.0 : k.estimate().value;
    out.seconds_rate = seconds_since(t0);
  }

  RunningMean d;
  for (double v : mse) d.add(v);
  out.distortion_mse = d.estimate();

  if (options.estimate_perception && gauss) {
    t0 = Clock::now();
    PerceptionEstimatorOptions po;
    po.batches = options.batches;
    po.projections = options.projections;
    po.seed = derive_seed(options.seed, 5);
    out.perception = estimate_perception_gaussian(x_hat, gauss->mu(), gauss->sigma(), po);
    out.has_perception = true;
    out.seconds_perception = seconds_since(t0);
  }
  return out;
}

}  // namespace rdp
