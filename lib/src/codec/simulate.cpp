#include "rdp/codec/simulate.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <chrono>
#include <cmath>
#include <limits>
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
constexpr int kMaxRatePoints = 4096;
// Cell-integration stopping rule: the second-order Jensen bias Var(P̂)/(2P² ln 2) of a block's
// −log2 P̂ below 0.002 bits per dimension, i.e. relative variance below 2 ln2 · 0.002 · n. No
// correction is applied: what bias is left shows in the bracket [rate_lower_bits, rate_bits].
constexpr double kTargetJensenBitsPerDim = 0.002;
// Variance factor of the Gaussian proposal over the Gaussian-cell posterior: the truncated
// posterior has heavier edges (flat on the cell at high rate), so a slightly wider proposal.
constexpr double kGaussianWidening = 1.5;

// log of the mass of [lo, hi] under the source, accurate in both tails for a Gaussian.
double log_interval_mass(const ContinuousSource& source, const Gaussian* gauss, double lo,
                         double hi) {
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
    // Z^n at any scale has box cells: the exact path (a property of the generator).
    const double step = integer_lattice_step(lattices->quantizer());
    const bool box = step > 0.0;
    const bool exact = box && !options.force_cell_monte_carlo;
    const bool paired = box && options.force_cell_monte_carlo;
    const double log_volume = lattices->quantizer().log_covolume();
    const int draws_per_round = options.rate_points;
    out.rate_method = exact ? "exact_box_cells" : "cell_monte_carlo";
    out.rate_points = exact ? 0 : draws_per_round;
    // The Gaussian proposal: the posterior of y given the cell when the cell is replaced by a
    // Gaussian of the same second moment, N(μ + ρ(c̃ − μ), γ I), ρ = σ²/(σ² + σ_e²), γ = ρσ_e²,
    // widened by kGaussianWidening for the heavier edges of the truncated posterior.
    const double var = source.variance(), ve = params.noise_second_moment;
    const double rho = var / (var + ve);
    const double g_sd = std::sqrt(kGaussianWidening * rho * ve);
    // Draws per round from U (uniform on the cell), S (the source), G (the Gaussian): at least
    // one of each, about 1/4, 1/4, 1/2.
    const int m_u = std::max(1, draws_per_round / 4), m_s = std::max(1, draws_per_round / 4);
    const int m_g = std::max(1, draws_per_round - m_u - m_s);
    const int m_round = m_u + m_s + m_g;
    std::vector<double> lower(blocks, 0.0), exact_rate(paired ? blocks : 0);
    // Recompute c from the stored randomness: the encoder is deterministic given (x, u).
#pragma omp parallel
    {
      // Per-thread scratch, allocated once per thread, not per block.
      std::vector<double> scratch(7 * static_cast<std::size_t>(n));
      double* x = scratch.data();
      double* c = x + n;
      double* u = c + n;
      double* v = u + n;
      double* y = v + n;
      double* lat = y + n;
      double* x_true = lat + n;
      std::vector<double> log_w;
      std::vector<int> component;
#pragma omp for schedule(dynamic, 64)
      for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks); ++b) {
        Philox rng(source_seed, b);
        for (int k = 0; k < n; ++k) x[k] = source.sample(rng);
        std::copy(x, x + n, x_true);
        encoder.encode(b, x, lat);
        std::copy(lat, lat + n, c);
        shared_dither(*lattices, common_seed, b, u);
        // Centre of the cell of y = x − μ that produced c, in source coordinates.
        for (int k = 0; k < n; ++k) c[k] += u[k] + params.source_mean;
        if (box) {
          double log_p = 0.0;
          for (int k = 0; k < n; ++k)
            log_p += log_interval_mass(source, gauss, c[k] - 0.5 * step, c[k] + 0.5 * step);
          if (exact) {
            rate[b] = lower[b] = -log_p / std::log(2.0);
            continue;
          }
          exact_rate[b] = -log_p / std::log(2.0);
        }
        auto in_cell = [&](const double* y_) {
          for (int k = 0; k < n; ++k) x[k] = y_[k] - params.source_mean - u[k];
          lattices->quantizer().nearest_point(x, y);
          for (int k = 0; k < n; ++k)
            if (y[k] != lat[k]) return false;
          return true;
        };
        // log of the mixture density q̄ at y and log p(y); `inside` = y ∈ cell.
        auto log_source = [&](const double* y_) {
          double lp = 0.0;
          for (int k = 0; k < n; ++k) lp += log_pdf(source, gauss, y_[k]);
          return lp;
        };
        auto log_gauss = [&](const double* y_) {
          double q = 0.0;
          for (int k = 0; k < n; ++k) {
            const double z =
                (y_[k] - params.source_mean - rho * (c[k] - params.source_mean)) / g_sd;
            q += -0.5 * z * z;
          }
          return q - n * (std::log(g_sd) + 0.5 * std::log(2 * M_PI));
        };
        auto log_mixture = [&](bool inside, double lp, double lg) {
          const double terms[3] = {
              inside ? std::log(double(m_u) / m_round) - log_volume : -INFINITY,
              std::log(double(m_s) / m_round) + lp, std::log(double(m_g) / m_round) + lg};
          const double top = std::max({terms[0], terms[1], terms[2]});
          return top + std::log(std::exp(terms[0] - top) + std::exp(terms[1] - top) +
                                std::exp(terms[2] - top));
        };
        // One draw from component `comp`; returns log w = log(p 1_C / q̄) (−inf outside the cell).
        auto draw = [&](Philox& r, int comp) {
          bool inside = true;
          if (comp == 0) {
            lattices->quantizer().sample_voronoi(r, v);
            for (int k = 0; k < n; ++k) v[k] += c[k];
          } else if (comp == 1) {
            for (int k = 0; k < n; ++k) v[k] = source.sample(r);
            inside = in_cell(v);
          } else {
            for (int k = 0; k < n; ++k)
              v[k] = params.source_mean + rho * (c[k] - params.source_mean) + g_sd * r.normal();
            inside = in_cell(v);
          }
          if (!inside) return -std::numeric_limits<double>::infinity();
          const double lp = log_source(v);
          return lp - log_mixture(true, lp, log_gauss(v));
        };
        auto log_mean_exp = [](const std::vector<double>& lw, std::size_t count) {
          double top = -INFINITY;
          for (double l : lw) top = std::max(top, l);
          if (top == -INFINITY) return -std::numeric_limits<double>::infinity();
          double sum = 0.0;
          for (double l : lw) sum += std::exp(l - top);
          return top + std::log(sum / double(count));
        };
        // Pilot round (its own stream, then discarded): its relative variance sets the number of
        // rounds, so that the count is independent of the draws that make the estimate and the
        // bounds below hold exactly.
        Philox pilot_rng(derive_seed(rate_seed, 1), b);
        log_w.clear();
        for (int comp = 0; comp < 3; ++comp)
          for (int j = 0; j < (comp == 0 ? m_u : comp == 1 ? m_s : m_g); ++j)
            log_w.push_back(draw(pilot_rng, comp));
        const double pilot_log_mean = log_mean_exp(log_w, log_w.size());
        double rel_var = 0.0;
        for (double l : log_w) {
          const double d = std::exp(l - pilot_log_mean) - 1.0;
          rel_var += d * d;
        }
        rel_var /= std::max<std::size_t>(log_w.size() - 1, 1);
        const double target = 2.0 * std::log(2.0) * kTargetJensenBitsPerDim * n;  // Var(P̂)/P²
        const int rounds = static_cast<int>(std::clamp(std::ceil(rel_var / (m_round * target)), 1.0,
                                                       double(options.rate_max_rounds)));
        Philox cell_rng(rate_seed, b);
        log_w.clear();
        component.clear();
        for (int round = 0; round < rounds; ++round)
          for (int comp = 0; comp < 3; ++comp)
            for (int j = 0; j < (comp == 0 ? m_u : comp == 1 ? m_s : m_g); ++j) {
              log_w.push_back(draw(cell_rng, comp));
              component.push_back(comp);
            }
        const std::size_t total = log_w.size();
        // Upper: E[−log P̂] >= −log P for the unbiased P̂ (Jensen).
        const double log_p_upper = log_mean_exp(log_w, total);
        // Lower: the source block x is an exact draw from p restricted to the cell. Put it in the
        // slot of a component chosen with probability α_c q_c(x)/q̄(x) (replacing that slot's
        // draw); then P̂ has density proportional to P̂ times that of the independent draws, so
        // E[log P̂] − log P = KL >= 0: E[−log P̂] <= −log P.
        const double lp_true = log_source(x_true);
        const double lg_true = log_gauss(x_true);
        const double lq_true = log_mixture(true, lp_true, lg_true);
        const double resp[3] = {std::exp(std::log(double(m_u) / m_round) - log_volume - lq_true),
                                std::exp(std::log(double(m_s) / m_round) + lp_true - lq_true),
                                std::exp(std::log(double(m_g) / m_round) + lg_true - lq_true)};
        const double pick = cell_rng.uniform01() * (resp[0] + resp[1] + resp[2]);
        const int comp_true = pick < resp[0] ? 0 : pick < resp[0] + resp[1] ? 1 : 2;
        for (std::size_t i = total; i-- > 0;)
          if (component[i] == comp_true) {
            log_w[i] = lp_true - lq_true;
            break;
          }
        const double log_p_lower = log_mean_exp(log_w, total);
        rate_draws[b] = double(total);
        rate[b] = -log_p_upper / std::log(2.0);
        lower[b] = -log_p_lower / std::log(2.0);
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
