// The cell-rate estimator (codec/cell_rate.hpp) on cells whose mass is known exactly: the boxes of
// Z^n (products of Gaussian cdf differences) and the hexagons of A2, whose Gaussian mass is a
// one-dimensional integral of cdf differences done here by Gauss–Kronrod quadrature.
#include "rdp/codec/cell_rate.hpp"

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <Eigen/LU>
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/mc/statistics.hpp"
#include "rdp/rng.hpp"
#include "rdp/sources.hpp"
#include "test_support.hpp"

namespace {

// ∫ over the hexagon z0 + V0(Λ) of the N(0, I) density, Λ a 2-D lattice with 6 relevant vectors
// (A2): V0 = {w : ⟨w, v⟩ <= |v|²/2 for the minimal vectors v}. For fixed w1 the cell is an
// interval in w2, so the mass is ∫ (Φ(hi(y1)) − Φ(lo(y1))) φ(y1) dy1, split at the vertices.
double hexagon_mass(const rdp::Lattice& lattice, const double z0[2]) {
  const Eigen::MatrixXd& g = lattice.generator();
  std::vector<Eigen::Vector2d> v;
  double min_norm = INFINITY;
  for (int a = -1; a <= 1; ++a)
    for (int b = -1; b <= 1; ++b)
      if (a != 0 || b != 0)
        min_norm = std::min(min_norm, (g * Eigen::Vector2d(a, b)).squaredNorm());
  for (int a = -1; a <= 1; ++a)
    for (int b = -1; b <= 1; ++b) {
      const Eigen::Vector2d w = g * Eigen::Vector2d(a, b);
      if ((a != 0 || b != 0) && std::abs(w.squaredNorm() - min_norm) < 1e-12 * min_norm)
        v.push_back(w);
    }
  REQUIRE(v.size() == 6);
  auto inside = [&](const Eigen::Vector2d& w) {
    for (const auto& r : v)
      if (w.dot(r) > 0.5 * r.squaredNorm() * (1 + 1e-12)) return false;
    return true;
  };
  std::vector<double> xs;  // vertex abscissae (relative to z0)
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j) {
      Eigen::Matrix2d m;
      m << v[i].transpose(), v[j].transpose();
      if (std::abs(m.determinant()) < 1e-12) continue;
      const Eigen::Vector2d w =
          m.inverse() * Eigen::Vector2d(0.5 * v[i].squaredNorm(), 0.5 * v[j].squaredNorm());
      if (inside(w)) xs.push_back(w(0));
    }
  std::sort(xs.begin(), xs.end());
  const boost::math::normal_distribution<> nd;
  auto slice = [&](double y1) {
    const double w1 = y1 - z0[0];
    double lo = -INFINITY, hi = INFINITY;
    for (const auto& r : v) {
      const double rhs = 0.5 * r.squaredNorm() - r(0) * w1;
      if (r(1) > 1e-15) hi = std::min(hi, rhs / r(1));
      if (r(1) < -1e-15) lo = std::max(lo, rhs / r(1));
    }
    if (!(hi > lo)) return 0.0;
    return (boost::math::cdf(nd, z0[1] + hi) - boost::math::cdf(nd, z0[1] + lo)) *
           boost::math::pdf(nd, y1);
  };
  double mass = 0.0;
  for (std::size_t i = 0; i + 1 < xs.size(); ++i)
    if (xs[i + 1] - xs[i] > 1e-12)
      mass += boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
          slice, z0[0] + xs[i], z0[0] + xs[i + 1], 10, 1e-13);
  return mass;
}

std::shared_ptr<const rdp::CodecLattices> codec(const char* name, rdp::CodecKind kind, double d) {
  const auto base = rdp::make_lattice(name);
  return std::make_shared<rdp::CodecLattices>(
      base, rdp::choose_codec_parameters(kind, *base, 0.0802, 0.0, 1.0, d, 0.0));
}

}  // namespace

TEST_CASE("Cell rate: the A2 hexagon's exact mass lies in the Monte-Carlo bracket") {
  // Cells at the mean and far out, at low and high rate, with and without a dither. Each case is
  // estimated on 4000 independent draw streams (blocks); the mean upper estimate is >= the exact
  // −log2 P and the mean lower <= it (Jensen and the sandwich, in expectation: checked to 4 SE),
  // and both are within the stopping rule's 0.002 bits per dimension (2 × 0.002 for the pair,
  // plus 4 SE) of it.
  const rdp::Gaussian source(0.0, 1.0);
  struct Case {
    rdp::CodecKind kind;
    double d;
    double x1, x2;  // the cell is the one that holds this source point
  };
  rdp::Philox rng(rdp_test_seed(), 9);
  for (const Case cs :
       {Case{rdp::CodecKind::sd, 0.6, 0.0, 0.0}, Case{rdp::CodecKind::sd, 0.2, 1.6, -1.2},
        Case{rdp::CodecKind::pd, 0.3, 1.1, 0.4}, Case{rdp::CodecKind::sd, 0.05, 2.0, 1.0},
        Case{rdp::CodecKind::pd, 0.9, -0.3, 2.2}, Case{rdp::CodecKind::sd, 0.02, 0.2, -0.1}}) {
    const auto lattices = codec("a2", cs.kind, cs.d);
    rdp::CellRateOptions o;
    o.seed = rdp_test_seed() + 5;
    const rdp::CellRateEstimator estimator(lattices, source, o);
    REQUIRE(std::string(estimator.method()) == "cell_monte_carlo");
    rdp::CellRateEstimator::Scratch scratch(2);
    const rdp::Lattice& q = lattices->quantizer();
    double u[2] = {0.0, 0.0};
    if (cs.kind == rdp::CodecKind::sd) rdp::shared_dither(*lattices, 77, 0, u);
    double c[2];
    const double y0[2] = {cs.x1 - u[0], cs.x2 - u[1]};
    q.nearest_point(y0, c);
    const double z0[2] = {c[0] + u[0], c[1] + u[1]};
    const double exact_bits = -std::log2(hexagon_mass(q, z0));
    INFO(std::string(rdp::codec_name(cs.kind)) << " D " << cs.d << " cell of (" << cs.x1 << ", "
                                               << cs.x2 << "): exact " << exact_bits << " bits");
    REQUIRE(exact_bits < 14.0);
    rdp::RunningMean upper, lower;
    double x[2], y[2], qc[2];
    for (std::uint64_t b = 0; b < 4000; ++b) {
      // x: an exact draw from the source restricted to the cell (rejection: at most 2^14 tries
      // per block on average here), as the encoder's own block is.
      for (;;) {
        for (double& xi : x) xi = rng.normal();
        for (int k = 0; k < 2; ++k) y[k] = x[k] - u[k];
        q.nearest_point(y, qc);
        if (qc[0] == c[0] && qc[1] == c[1]) break;
      }
      const rdp::BlockRate r = estimator.block(b, x, c, u, scratch);
      upper.add(r.upper_bits);
      lower.add(r.lower_bits);
    }
    const auto up = upper.estimate(), lo = lower.estimate();
    MESSAGE("A2 " << std::string(rdp::codec_name(cs.kind)) << " D=" << cs.d << " cell of (" << cs.x1
                  << "," << cs.x2 << "): exact " << exact_bits << ", upper " << up.value << " ± "
                  << up.stderr_ << ", lower " << lo.value << " ± " << lo.stderr_);
    CHECK(up.value >= exact_bits - 4 * up.stderr_);
    CHECK(up.value <= exact_bits + 2 * 0.004 + 4 * up.stderr_);
    CHECK(lo.value <= exact_bits + 4 * lo.stderr_);
    CHECK(lo.value >= exact_bits - 2 * 0.004 - 4 * lo.stderr_);
  }
}

TEST_CASE("Cell rate: box cells are exact, and the forced integrator brackets them per block") {
  const rdp::Gaussian source(0.4, 1.3);
  const auto base = rdp::make_lattice("z1^3");
  const auto lattices = std::make_shared<rdp::CodecLattices>(
      base, rdp::choose_codec_parameters(rdp::CodecKind::sd, *base, 1.0 / 12, 0.4, 1.3, 0.5, 0.0));
  rdp::CellRateOptions o;
  o.seed = 3;
  const rdp::CellRateEstimator exact(lattices, source, o);
  CHECK(std::string(exact.method()) == "exact_box_cells");
  CHECK(exact.points() == 0);
  o.force_monte_carlo = true;
  const rdp::CellRateEstimator forced(lattices, source, o);
  CHECK(std::string(forced.method()) == "cell_monte_carlo");
  rdp::CellRateEstimator::Scratch scratch(3);
  const rdp::Encoder encoder(lattices, 21);
  const double step = lattices->parameters().lattice_scale;
  rdp::RunningMean up_minus, lo_minus;
  for (std::uint64_t b = 0; b < 2000; ++b) {
    rdp::Philox rng(8, b);
    double x[3], c[3], u[3];
    for (double& v : x) v = source.sample(rng);
    encoder.encode(b, x, c);
    rdp::shared_dither(*lattices, 21, b, u);
    // The definition: the source's mass of the box c + u + μ ± Δ/2, coordinate by coordinate.
    double p = 1.0;
    for (int k = 0; k < 3; ++k) {
      const double centre = c[k] + u[k] + 0.4;
      p *= source.cdf(centre + 0.5 * step) - source.cdf(centre - 0.5 * step);
    }
    const rdp::BlockRate e = exact.block(b, x, c, u, scratch);
    CHECK(e.upper_bits == e.lower_bits);
    CHECK(e.upper_bits == doctest::Approx(-std::log2(p)).epsilon(1e-9));
    const rdp::BlockRate f = forced.block(b, x, c, u, scratch);
    CHECK(f.exact_bits == e.upper_bits);
    up_minus.add(f.upper_bits - e.upper_bits);
    lo_minus.add(f.lower_bits - e.upper_bits);
  }
  const auto up = up_minus.estimate(), lo = lo_minus.estimate();
  MESSAGE("z1^3 forced: upper − exact " << up.value << " ± " << up.stderr_ << ", lower − exact "
                                        << lo.value << " ± " << lo.stderr_);
  CHECK(up.value >= -4 * up.stderr_);
  CHECK(lo.value <= 4 * lo.stderr_);
  CHECK(up.value <= 3 * 0.002 * 2 + 4 * up.stderr_);
  CHECK(lo.value >= -3 * 0.002 * 2 - 4 * lo.stderr_);
}

TEST_CASE("Cell rate: bad options") {
  const rdp::Gaussian source(0.0, 1.0);
  const auto lattices = codec("e8", rdp::CodecKind::sd, 0.2);
  rdp::CellRateOptions o;
  o.points = 0;
  CHECK_THROWS_AS(rdp::CellRateEstimator(lattices, source, o), rdp::InvalidArgument);
  o.points = 32;
  o.max_rounds = 2000;
  CHECK_THROWS_AS(rdp::CellRateEstimator(lattices, source, o), rdp::InvalidArgument);
}
