#include "rdp/codec/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "rdp/codec/cell_rate.hpp"
#include "rdp/error.hpp"
#include "rdp/sources.hpp"

namespace rdp {

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t role) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (role + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t simulation_memory_bytes(std::uint64_t blocks, int dimension) {
  // x_hat and the perception estimators' centred copy (2n), the per-block mse, rates, draws and
  // exact rates (5), and the sort buffers of one coordinate at a time (about 3).
  const std::uint64_t per_block = 2 * static_cast<std::uint64_t>(dimension) + 8;
  return blocks * per_block * sizeof(double);
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

constexpr int kMaxBlock = 4096;

}  // namespace

SimulationResult simulate_codec(std::shared_ptr<const CodecLattices> lattices,
                                const ContinuousSource& source, const SimulationOptions& options) {
  if (options.blocks < 64 || options.blocks > (1ull << 32))
    throw InvalidArgument("blocks", "[64, 2^32]", std::to_string(options.blocks));
  {  // The rate options are checked up front, before the coding pass.
    CellRateOptions ro;
    ro.points = options.rate_points;
    ro.max_rounds = options.rate_max_rounds;
    const CellRateEstimator check(lattices, source, ro);
  }
  const auto* gauss = dynamic_cast<const Gaussian*>(&source);
  const int n = lattices->dimension();
  const std::uint64_t blocks = options.blocks;
  const CodecParameters& params = lattices->parameters();

  const std::uint64_t common_seed = derive_seed(options.seed, 1);
  const std::uint64_t private_seed = derive_seed(options.seed, 2);
  const std::uint64_t source_seed = derive_seed(options.seed, 3);
  const std::uint64_t rate_seed = derive_seed(options.seed, 4);
  const Encoder encoder(lattices, common_seed);
  const Decoder decoder = params.kind == CodecKind::pd
                              ? Decoder(lattices, private_seed)
                              : Decoder(lattices, common_seed, private_seed);

  SimulationResult out;
  out.blocks = blocks;
  out.dimension = n;
  Eigen::MatrixXd x_hat(blocks, n);
  std::vector<double> mse(blocks), rate(blocks, 0.0), rate_draws(blocks, 0.0);

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
    CellRateOptions ro;
    ro.seed = rate_seed;
    ro.points = options.rate_points;
    ro.max_rounds = options.rate_max_rounds;
    ro.force_monte_carlo = options.force_cell_monte_carlo;
    const CellRateEstimator estimator(lattices, source, ro);
    const bool exact = estimator.exact();
    const bool paired = estimator.box_cells() && !exact;
    out.rate_method = estimator.method();
    out.rate_points = estimator.points();
    std::vector<double> lower(blocks, 0.0), exact_rate(paired ? blocks : 0);
    // Recompute c from the stored randomness: the encoder is deterministic given (x, u).
#pragma omp parallel
    {
      CellRateEstimator::Scratch scratch(n);  // per thread, not per block
      std::vector<double> buffer(3 * static_cast<std::size_t>(n));
      double* x = buffer.data();
      double* c = x + n;
      double* u = c + n;
#pragma omp for schedule(dynamic, 64)
      for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks); ++b) {
        Philox rng(source_seed, b);
        for (int k = 0; k < n; ++k) x[k] = source.sample(rng);
        encoder.encode(b, x, c);
        shared_dither(*lattices, common_seed, b, u);
        const BlockRate br = estimator.block(b, x, c, u, scratch);
        rate[b] = br.upper_bits;
        lower[b] = br.lower_bits;
        rate_draws[b] = br.draws;
        if (paired) exact_rate[b] = br.exact_bits;
      }
    }
    RunningMean r, lo, gap, k, diff;
    for (std::uint64_t b = 0; b < blocks; ++b) {
      r.add(rate[b] / n);
      lo.add(lower[b] / n);
      gap.add((rate[b] - lower[b]) / n);
      k.add(rate_draws[b]);
      if (paired) diff.add((rate[b] - exact_rate[b]) / n);
    }
    out.rate_bits = r.estimate();
    if (options.keep_block_rates) {
      out.block_rate_bits = rate;
      for (double& v : out.block_rate_bits) v /= n;
    }
    out.rate_lower_bits = lo.estimate();
    out.rate_bias_bound_bits = gap.estimate();
    out.rate_mean_draws = exact ? 0.0 : k.estimate().value;
    if (paired) {
      RunningMean ex, dl;
      for (std::uint64_t b = 0; b < blocks; ++b) {
        ex.add(exact_rate[b] / n);
        dl.add((lower[b] - exact_rate[b]) / n);
      }
      out.rate_exact_bits = ex.estimate();
      out.rate_upper_minus_exact_bits = diff.estimate();
      out.rate_lower_minus_exact_bits = dl.estimate();
    }
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
