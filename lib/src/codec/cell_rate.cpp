#include "rdp/codec/cell_rate.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "rdp/error.hpp"
#include "rdp/rng.hpp"
#include "rdp/sources.hpp"

namespace rdp {

namespace {

constexpr int kMaxRatePoints = 4096;
// Stopping rule: the second-order Jensen bias Var(P̂)/(2P² ln 2) of a block's −log2 P̂ below 0.002
// bits per dimension, i.e. relative variance below 2 ln2 · 0.002 · n. No correction is applied:
// what bias is left shows in the bracket [lower, upper].
constexpr double kTargetJensenBitsPerDim = 0.002;
// Variance factor of the Gaussian proposal over the Gaussian-cell posterior: the truncated
// posterior has heavier edges (flat on the cell at high rate), so a slightly wider proposal.
constexpr double kGaussianWidening = 1.5;

// splitmix64, as derive_seed(): the pilot round's stream, apart from the estimate's.
std::uint64_t pilot_seed(std::uint64_t seed) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * 2;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// log of the mass of [lo, hi] under the source, accurate in both tails for a Gaussian.
double log_interval_mass(const ContinuousSource& source, const Gaussian* gauss, double lo,
                         double hi) {
  if (gauss) {
    const boost::math::normal_distribution<> nd(gauss->mu(), gauss->sigma());
    // Upper tails above the mean, so that the difference does not cancel.
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

double log_mean_exp(const std::vector<double>& lw) {
  double top = -INFINITY;
  for (double l : lw) top = std::max(top, l);
  if (top == -INFINITY) return -std::numeric_limits<double>::infinity();
  double sum = 0.0;
  for (double l : lw) sum += std::exp(l - top);
  return top + std::log(sum / double(lw.size()));
}

}  // namespace

CellRateEstimator::CellRateEstimator(std::shared_ptr<const CodecLattices> lattices,
                                     const ContinuousSource& source, const CellRateOptions& options)
    : lattices_(std::move(lattices)), source_(&source), options_(options) {
  if (options.points < 1 || options.points > kMaxRatePoints)
    throw InvalidArgument("rate points", "[1, 4096]", std::to_string(options.points));
  if (options.max_rounds < 1 || options.max_rounds > 1024)
    throw InvalidArgument("rate max rounds", "[1, 1024]", std::to_string(options.max_rounds));
  gaussian_ = dynamic_cast<const Gaussian*>(&source);
  step_ = integer_lattice_step(lattices_->quantizer());
  log_volume_ = lattices_->quantizer().log_covolume();
  // The Gaussian proposal: the posterior of y given the cell when the cell is replaced by a
  // Gaussian of the same second moment, N(μ + ρ(c̃ − μ), γ I), ρ = σ²/(σ² + σ_e²), γ = ρσ_e²,
  // widened by kGaussianWidening for the heavier edges of the truncated posterior.
  const double var = source.variance(), ve = lattices_->parameters().noise_second_moment;
  rho_ = var / (var + ve);
  proposal_sd_ = std::sqrt(kGaussianWidening * rho_ * ve);
  // Draws per round from U (uniform on the cell), S (the source), G (the Gaussian): at least one
  // of each, about 1/4, 1/4, 1/2.
  m_uniform_ = std::max(1, options.points / 4);
  m_source_ = std::max(1, options.points / 4);
  m_gaussian_ = std::max(1, options.points - m_uniform_ - m_source_);
}

CellRateEstimator::Scratch::Scratch(int dimension)
    : buffer(4 * static_cast<std::size_t>(dimension)) {}

double CellRateEstimator::exact_log_mass(const double* centre) const {
  double log_p = 0.0;
  for (int k = 0, n = lattices_->dimension(); k < n; ++k)
    log_p +=
        log_interval_mass(*source_, gaussian_, centre[k] - 0.5 * step_, centre[k] + 0.5 * step_);
  return log_p;
}

BlockRate CellRateEstimator::block(std::uint64_t b, const double* x, const double* lat,
                                   const double* u, Scratch& s) const {
  const int n = lattices_->dimension();
  const double mu = lattices_->parameters().source_mean;
  double* centre = s.buffer.data();  // the cell's centre in source coordinates, c + u + μ
  double* v = centre + n;            // a draw
  double* y = v + n;                 // scratch for the membership test
  double* q = y + n;
  for (int k = 0; k < n; ++k) centre[k] = lat[k] + u[k] + mu;
  BlockRate out;
  if (box_cells()) {
    out.exact_bits = -exact_log_mass(centre) / std::log(2.0);
    if (exact()) {
      out.upper_bits = out.lower_bits = out.exact_bits;
      return out;
    }
  }
  const Lattice& quantizer = lattices_->quantizer();
  const int m_round = m_uniform_ + m_source_ + m_gaussian_;
  auto in_cell = [&](const double* w) {
    for (int k = 0; k < n; ++k) y[k] = w[k] - mu - u[k];
    quantizer.nearest_point(y, q);
    for (int k = 0; k < n; ++k)
      if (q[k] != lat[k]) return false;
    return true;
  };
  auto log_source = [&](const double* w) {
    double lp = 0.0;
    for (int k = 0; k < n; ++k) lp += log_pdf(*source_, gaussian_, w[k]);
    return lp;
  };
  auto log_gauss = [&](const double* w) {
    double acc = 0.0;
    for (int k = 0; k < n; ++k) {
      const double z = (w[k] - mu - rho_ * (centre[k] - mu)) / proposal_sd_;
      acc += -0.5 * z * z;
    }
    return acc - n * (std::log(proposal_sd_) + 0.5 * std::log(2 * M_PI));
  };
  auto log_mixture = [&](double lp, double lg) {
    const double terms[3] = {std::log(double(m_uniform_) / m_round) - log_volume_,
                             std::log(double(m_source_) / m_round) + lp,
                             std::log(double(m_gaussian_) / m_round) + lg};
    const double top = std::max({terms[0], terms[1], terms[2]});
    return top +
           std::log(std::exp(terms[0] - top) + std::exp(terms[1] - top) + std::exp(terms[2] - top));
  };
  // One draw from component `comp`; returns log w = log(p 1_C / q̄) (−inf outside the cell).
  auto draw = [&](Philox& r, int comp) {
    if (comp == 0) {
      quantizer.sample_voronoi(r, v);
      for (int k = 0; k < n; ++k) v[k] += centre[k];
    } else {
      if (comp == 1)
        for (int k = 0; k < n; ++k) v[k] = source_->sample(r);
      else
        for (int k = 0; k < n; ++k) v[k] = mu + rho_ * (centre[k] - mu) + proposal_sd_ * r.normal();
      if (!in_cell(v)) return -std::numeric_limits<double>::infinity();
    }
    const double lp = log_source(v);
    return lp - log_mixture(lp, log_gauss(v));
  };
  auto draws_of = [&](int comp) {
    return comp == 0 ? m_uniform_ : comp == 1 ? m_source_ : m_gaussian_;
  };
  // Pilot round (its own stream, then discarded): its relative variance sets the number of
  // rounds, so that the count is independent of the draws that make the estimate and the bounds
  // hold exactly.
  Philox pilot_rng(pilot_seed(options_.seed), b);
  s.log_w.clear();
  for (int comp = 0; comp < 3; ++comp)
    for (int j = 0; j < draws_of(comp); ++j) s.log_w.push_back(draw(pilot_rng, comp));
  const double pilot_log_mean = log_mean_exp(s.log_w);
  double rel_var = 0.0;
  for (double l : s.log_w) {
    const double d = std::exp(l - pilot_log_mean) - 1.0;
    rel_var += d * d;
  }
  rel_var /= std::max<std::size_t>(s.log_w.size() - 1, 1);
  const double target = 2.0 * std::log(2.0) * kTargetJensenBitsPerDim * n;  // Var(P̂)/P²
  const int rounds = static_cast<int>(
      std::clamp(std::ceil(rel_var / (m_round * target)), 1.0, double(options_.max_rounds)));
  Philox cell_rng(options_.seed, b);
  s.log_w.clear();
  s.component.clear();
  for (int round = 0; round < rounds; ++round)
    for (int comp = 0; comp < 3; ++comp)
      for (int j = 0; j < draws_of(comp); ++j) {
        s.log_w.push_back(draw(cell_rng, comp));
        s.component.push_back(comp);
      }
  const std::size_t total = s.log_w.size();
  // Upper: E[−log P̂] >= −log P for the unbiased P̂ (Jensen).
  const double log_p_upper = log_mean_exp(s.log_w);
  // Lower: the source block x is an exact draw from p restricted to the cell. Put it in the slot
  // of a component chosen with probability α_c q_c(x)/q̄(x) (replacing that slot's draw); then P̂
  // has density proportional to P̂ times that of the independent draws, so E[log P̂] − log P = KL
  // >= 0: E[−log P̂] <= −log P.
  const double lp_true = log_source(x);
  const double lg_true = log_gauss(x);
  const double lq_true = log_mixture(lp_true, lg_true);
  const double resp[3] = {std::exp(std::log(double(m_uniform_) / m_round) - log_volume_ - lq_true),
                          std::exp(std::log(double(m_source_) / m_round) + lp_true - lq_true),
                          std::exp(std::log(double(m_gaussian_) / m_round) + lg_true - lq_true)};
  const double pick = cell_rng.uniform01() * (resp[0] + resp[1] + resp[2]);
  const int comp_true = pick < resp[0] ? 0 : pick < resp[0] + resp[1] ? 1 : 2;
  for (std::size_t i = total; i-- > 0;)
    if (s.component[i] == comp_true) {
      s.log_w[i] = lp_true - lq_true;
      break;
    }
  const double log_p_lower = log_mean_exp(s.log_w);
  out.draws = double(total);
  out.upper_bits = -log_p_upper / std::log(2.0);
  out.lower_bits = -log_p_lower / std::log(2.0);
  return out;
}

}  // namespace rdp
