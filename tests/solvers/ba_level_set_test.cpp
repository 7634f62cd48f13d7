// Level sets from the certified solver (ba_level_set): independent of the thread count, and on
// the Bernoulli–Hamming–TV problem where the closed form says they should be.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/bernoulli_tv.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/sources.hpp"

namespace {

using Status = rdp::BaLevelSetPoint::Status;

std::vector<rdp::BaLevelSetPoint> level_set_with_threads(int threads,
                                                         const rdp::FiniteRdpProblem& pb,
                                                         const std::vector<double>& rates,
                                                         const std::vector<double>& ps, double d_lo,
                                                         double d_hi, const rdp::BaOptions& o) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto out = rdp::ba_level_set(pb, rates, ps, d_lo, d_hi, o);
  omp_set_num_threads(saved);
  return out;
}

void check_identical(const std::vector<rdp::BaLevelSetPoint>& a,
                     const std::vector<rdp::BaLevelSetPoint>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    CAPTURE(k);
    CHECK(a[k].status == b[k].status);
    // Bit for bit: the same solves in the same order on the same warm state.
    CHECK(a[k].distortion == b[k].distortion);
    CHECK(a[k].bracket == b[k].bracket);
    CHECK(a[k].gap_bits == b[k].gap_bits);
    CHECK(a[k].solves == b[k].solves);
  }
}

}  // namespace

TEST_CASE("BA level sets: the same for 1 and 2 threads") {
  rdp::BaOptions o;
  o.gap_bits = 1e-4;
  o.max_iterations = 20000;
  SUBCASE("discretised Gaussian, reverse KL") {
    // More rows than threads, of unequal cost, so a dynamic schedule hands them out differently.
    const auto pb = rdp::make_problem_for_source(
        rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(), rdp::Perception::rkl, 32);
    const std::vector<double> rates = {0.25, 0.5, 1.0, 1.5}, ps = {0.0, 0.1, 0.4, 1.0};
    const auto a = level_set_with_threads(1, pb, rates, ps, 1e-2, 2.0, o);
    const auto b = level_set_with_threads(2, pb, rates, ps, 1e-2, 2.0, o);
    check_identical(a, b);
    int found = 0;
    for (const auto& pt : a) found += pt.status == Status::found;
    CHECK(found >= 12);  // not vacuous
  }
  SUBCASE("ternary source, W1") {
    const rdp::FinitePmf src({0.0, 1.0, 2.0}, {0.5, 0.3, 0.2});
    const auto pb =
        rdp::make_finite_problem(src, rdp::squared_error_distortion(), rdp::Perception::w1);
    const std::vector<double> rates = {0.1, 0.3, 0.6}, ps = {0.0, 0.25, 0.5};
    check_identical(level_set_with_threads(1, pb, rates, ps, 8e-4, 0.8, o),
                    level_set_with_threads(2, pb, rates, ps, 8e-4, 0.8, o));
  }
}

TEST_CASE("BA level sets: Bernoulli-TV points lie on the closed-form level within the gap") {
  // Blau & Michaeli (2019), Thm. 3: R(D,P) of Bernoulli(p), Hamming, TV, in closed form. At a
  // found point the certified midpoint crosses the level, and the midpoint is within gap/2 of R;
  // so R(D*, P) is within gap/2 of the level, plus R's change across the final D bracket.
  const double p = 0.1;
  const auto pb =
      rdp::make_finite_problem(rdp::Bernoulli(p), rdp::hamming_distortion(), rdp::Perception::tv);
  rdp::BaOptions o;
  o.gap_bits = 1e-5;
  const std::vector<double> rates = {0.05, 0.1, 0.2, 0.3, 0.4};
  const std::vector<double> ps = {0.0, 0.01, 0.03, 0.06, 0.1};
  const double d_lo = 1e-4, d_hi = 0.18;
  const auto pts = rdp::ba_level_set(pb, rates, ps, d_lo, d_hi, o);
  REQUIRE(pts.size() == rates.size() * ps.size());
  auto closed = [&](double d, double perception) {
    return rdp::rate_distortion_perception_bernoulli_tv(p, d, perception).rate_bits;
  };
  for (std::size_t k = 0; k < pts.size(); ++k) {
    const auto& pt = pts[k];
    CAPTURE(pt.rate_bits);
    CAPTURE(pt.perception);
    CHECK(pt.rate_bits == rates[k / ps.size()]);
    CHECK(pt.perception == ps[k % ps.size()]);
    // Every level here crosses [d_lo, d_hi]: R(d_lo, P) > 0.4 > 0.05 > R(d_hi, P) by the closed
    // form, so every point must be found.
    REQUIRE(closed(d_lo, pt.perception) > 0.4);
    REQUIRE(closed(d_hi, pt.perception) < 0.05);
    REQUIRE(pt.status == Status::found);
    CHECK(pt.bracket <= 2e-3 * (d_hi - d_lo));
    CHECK(pt.solves <= 20);
    const double across = std::abs(closed(pt.distortion - 0.5 * pt.bracket, pt.perception) -
                                   closed(pt.distortion + 0.5 * pt.bracket, pt.perception));
    CHECK(std::abs(closed(pt.distortion, pt.perception) - pt.rate_bits) <=
          0.5 * pt.gap_bits + across + 1e-9);
    CHECK(pt.gap_bits <= o.gap_bits * (1.0 + 1e-9));
  }
  // A level above H_b(p) = 0.469 bits, the largest R can be, has no crossing.
  const auto none = rdp::ba_level_set(pb, {0.6}, {0.0, 0.05}, d_lo, d_hi, o);
  for (const auto& pt : none) CHECK(pt.status == Status::no_crossing);
}

TEST_CASE("BA level sets and surfaces: bad ranges are rejected before any solve") {
  const auto pb =
      rdp::make_finite_problem(rdp::Bernoulli(0.1), rdp::hamming_distortion(), rdp::Perception::tv);
  CHECK_THROWS_AS(rdp::ba_level_set(pb, {0.1}, {0.0}, 0.2, 0.1), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::ba_level_set(pb, {0.1}, {0.0}, -0.1, 0.1), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::ba_level_set(pb, {0.0}, {0.0}, 0.0, 0.1), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::ba_level_set(pb, {0.1}, {-1.0}, 0.0, 0.1), rdp::InvalidArgument);
  // The surface too: a target the solver rejects used to throw inside the parallel loop, which
  // terminates the program instead of reaching the caller.
  CHECK_THROWS_AS(rdp::ba_surface(pb, {0.1, -0.1}, {0.0}), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::ba_surface(pb, {0.1}, {0.0, std::nan("")}), rdp::InvalidArgument);
}
