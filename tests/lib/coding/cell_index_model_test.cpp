// The quantised law of a cell index (coding/cell_index_model.hpp) against the closed-form masses
// of the Gaussian and Laplace cdfs over the cells.
#include "rdp/coding/cell_index_model.hpp"

#include <doctest/doctest.h>

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/rng.hpp"
#include "rdp/sources.hpp"
#include "test_support.hpp"

namespace {

// Mass of [a, b) under N(μ, σ²), upper tails by complements (no cancellation).
double gaussian_mass(double mu, double sigma, double a, double b) {
  const boost::math::normal_distribution<> nd(mu, sigma);
  return a > mu ? boost::math::cdf(boost::math::complement(nd, a)) -
                      boost::math::cdf(boost::math::complement(nd, b))
                : boost::math::cdf(nd, b) - boost::math::cdf(nd, a);
}

}  // namespace

TEST_CASE("Cell index model: a proper quantised pmf, every window cell codable, find() inverts") {
  const rdp::Gaussian source(0.3, 2.0);
  rdp::Philox rng(rdp_test_seed(), 201);
  for (double step : {0.01, 0.1, 0.7, 2.0, 9.0, 50.0}) {
    rdp::CellIndexModel model(source, step);
    for (int trial = 0; trial < 4; ++trial) {
      const double theta = 0.3 + step * (rng.uniform01() - 0.5) + (trial == 3 ? 3.0 : 0.0);
      model.place(theta);
      const std::int64_t lo = model.lo(), hi = model.hi();
      const std::int64_t w = hi - lo + 1;
      INFO("step " << step << ", theta " << theta << ", window [" << lo << ", " << hi << "]");
      REQUIRE(w >= 1);
      REQUIRE(w <= rdp::CellIndexModel::kMaxWindow);
      CHECK(model.cum(lo) == 0);
      CHECK(model.cum(hi + 1) < rdp::kRansTotal);
      bool increasing = true;
      for (std::int64_t k = lo; k <= hi; ++k)
        increasing = increasing && model.cum(k + 1) > model.cum(k);
      CHECK(increasing);
      // The window holds the cells meeting [F⁻¹(τ), F⁻¹(1 − τ)]: mass outside it <= 2τ.
      const double outside =
          1.0 - gaussian_mass(0.3, 2.0, theta + (lo - 0.5) * step, theta + (hi + 0.5) * step);
      CHECK(outside <= 2 * rdp::CellIndexModel::kTailMass * (1 + 1e-9));
      // Each quantised probability exceeds the exact one times (1 − (W + 1)/2^16).
      const double factor = 1.0 - double(w + 1) / rdp::kRansTotal;
      bool dominated = true;
      double kl = 0.0;
      for (std::int64_t k = lo; k <= hi; ++k) {
        const double p =
            gaussian_mass(0.3, 2.0, theta + (k - 0.5) * step, theta + (k + 0.5) * step);
        const double q = (model.cum(k + 1) - model.cum(k)) / double(rdp::kRansTotal);
        // Slack 1e-9·2^-16: the model's cdf differences round at 1e-16.
        dominated = dominated && q > p * factor - 1e-14;
        if (p > 0) kl += p * std::log2(p / q);
      }
      const double q_escape = (rdp::kRansTotal - model.cum(hi + 1)) / double(rdp::kRansTotal);
      CHECK(q_escape >= outside * factor);
      if (outside > 0) kl += outside * std::log2(outside / q_escape);
      CHECK(dominated);
      CHECK(kl <= -std::log2(factor) + 1e-12);
      // find() against a linear scan, every slot.
      bool found = true;
      std::int64_t k = lo;
      for (std::uint32_t slot = 0; slot < model.cum(hi + 1); ++slot) {
        while (model.cum(k + 1) <= slot) ++k;
        const rdp::IndexInterval s = model.find(slot);
        found = found && s.index == k && s.start == model.cum(k) &&
                s.freq == model.cum(k + 1) - model.cum(k);
      }
      CHECK(found);
    }
  }
}

TEST_CASE("Cell index model: the mean cost approaches the entropy of the cell index") {
  // Σ_k p_k cost(k) − H(K) is the KL of the quantisation, below −log2(1 − (W + 1)/2^16); the
  // first-order terms cancel, so it is far below at moderate W.
  const rdp::Gaussian source(0.0, 1.0);
  for (double step : {0.05, 0.5, 3.0}) {
    rdp::CellIndexModel model(source, step);
    model.place(0.123 * step);
    double entropy = 0.0, cost = 0.0;
    for (std::int64_t k = model.lo() - 40; k <= model.hi() + 40; ++k) {
      const double p = gaussian_mass(0.0, 1.0, (k + 0.123 - 0.5) * step, (k + 0.123 + 0.5) * step);
      if (p <= 0) continue;
      entropy -= p * std::log2(p);
      cost += p * model.cost_bits(k);
    }
    const double w = double(model.hi() - model.lo() + 1);
    INFO("step " << step << ": H = " << entropy << ", mean cost " << cost);
    CHECK(cost >= entropy - 1e-12);
    CHECK(cost - entropy <= -std::log2(1.0 - (w + 1) / rdp::kRansTotal));
  }
}

TEST_CASE("Cell index model: indices from the source and far tails round-trip through rANS") {
  rdp::Philox rng(rdp_test_seed(), 202);
  const rdp::Gaussian gauss(-1.0, 0.5);
  const rdp::Laplace laplace(2.0, 1.5);
  for (const rdp::ContinuousSource* source :
       {static_cast<const rdp::ContinuousSource*>(&gauss),
        static_cast<const rdp::ContinuousSource*>(&laplace)}) {
    for (double step : {0.003, 0.2, 4.0}) {
      rdp::CellIndexModel model(*source, step);
      std::vector<double> theta(20000);
      std::vector<std::int64_t> index(theta.size());
      rdp::RansEncoder enc;
      for (std::size_t i = 0; i < theta.size(); ++i) {
        theta[i] = source->mean() + step * (rng.uniform01() - 0.5);
        const double x =
            i % 1000 == 7 ? source->mean() + 1e6 * (rng.uniform01() - 0.5) : source->sample(rng);
        // Every 1000th a far outlier, every 5000th an index of ±2^62: escapes.
        index[i] = i % 5000 == 11
                       ? (std::int64_t{1} << 62) * (i % 2 ? 1 : -1)
                       : static_cast<std::int64_t>(std::floor((x - theta[i]) / step + 0.5));
        model.place(theta[i]);
        rdp::put_index(enc, model, index[i]);
      }
      const auto bytes = enc.finish();
      rdp::RansDecoder dec(bytes.data(), bytes.size());
      bool same = true;
      for (std::size_t i = 0; i < theta.size(); ++i) {
        model.place(theta[i]);
        same = same && rdp::get_index(dec, model) == index[i];
      }
      INFO(source->family() << ", step " << step);
      CHECK(same);
      CHECK(dec.at_end());
    }
  }
}

TEST_CASE("Cell index model: bad arguments") {
  const rdp::Gaussian source(0.0, 1.0);
  CHECK_THROWS_AS(rdp::CellIndexModel(source, 0.0), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::CellIndexModel(source, -1.0), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::CellIndexModel(source, NAN), rdp::InvalidArgument);
  rdp::CellIndexModel model(source, 1.0);
  CHECK_THROWS_AS(model.place(INFINITY), rdp::InvalidArgument);
  CHECK_THROWS_AS(model.place(NAN), rdp::InvalidArgument);
  // A tiny step: the window is capped at 2^14 cells around the median, the rest escapes.
  rdp::CellIndexModel fine(source, 1e-6);
  fine.place(0.0);
  CHECK(fine.hi() - fine.lo() + 1 == rdp::CellIndexModel::kMaxWindow);
  CHECK(fine.lo() <= 0);
  CHECK(fine.hi() >= 0);
}
