// The certified solver's resource limits: problems too large for BaOptions::max_memory_bytes are
// rejected before anything is allocated, and BaOptions::max_seconds stops a query with valid
// bounds.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/bernoulli_tv.hpp"
#include "rdp/sources.hpp"

namespace {

constexpr double kRounding = 1e-9;  // bits, as in ba_solver_test.cpp

// The parameter an InvalidArgument names, or "" if `f` does not throw one.
template <class F>
std::string rejected_parameter(F&& f) {
  try {
    f();
  } catch (const rdp::InvalidArgument& e) {
    return e.parameter();
  }
  return "";
}

}  // namespace

TEST_CASE("BA limits: the memory cap admits exactly the square problems that fit") {
  // 120 bytes per entry (ba_memory_bytes) within 4 GiB = 2^32 bytes: 120·5982² = 4 294 118 880
  // fits, 120·5983² = 4 295 554 680 does not.
  CHECK(rdp::ba_memory_bytes(5982, 5982) <= 4294967296.0);
  CHECK(rdp::ba_memory_bytes(5983, 5983) > 4294967296.0);
  CHECK(rdp::ba_max_square_points() == 5982);
  CHECK(rdp::ba_max_square_points(120.0 * 100 * 100) == 100);
  CHECK(rdp::ba_max_square_points(120.0 * 100 * 100 - 1) == 99);
}

TEST_CASE("BA limits: problems over the memory cap are rejected before they are built") {
  // A 100000-point grid would need 8.8e11 bytes (it ended in std::bad_alloc); the check comes
  // before the 100000² distortion matrix, so this returns at once.
  CHECK(rejected_parameter([] {
          rdp::make_problem_for_source(rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(),
                                       rdp::Perception::w2sq, 100000);
        }) == "grid");
  CHECK(rejected_parameter([] {
          rdp::make_problem_for_source(rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(),
                                       rdp::Perception::w2sq, 5983);
        }) == "grid");
  // A finite source reconstructs on its own support: 7000 letters need 7000² entries.
  std::vector<double> points(7000), pmf(7000, 1.0 / 7000);
  std::iota(points.begin(), points.end(), 0.0);
  const rdp::FinitePmf big(points, pmf);
  CHECK(rejected_parameter([&] {
          rdp::make_problem_for_source(big, rdp::squared_error_distortion(), rdp::Perception::none);
        }) == "source alphabet size");
  // A caller-set cap, on a problem built directly: the solver checks too, and so do the sweeps
  // (before their parallel loops, where a throw would terminate the program).
  const auto pb =
      rdp::make_finite_problem(rdp::Bernoulli(0.3), rdp::hamming_distortion(), rdp::Perception::tv);
  rdp::BaOptions o;
  o.max_memory_bytes = 120.0 * 2 * 2 - 1;
  CHECK(rejected_parameter([&] { rdp::BaSolver solver(pb, o); }) == "problem size");
  CHECK(rejected_parameter([&] { rdp::ba_surface(pb, {0.1}, {0.1}, o); }) == "problem size");
  CHECK(rejected_parameter([&] { rdp::ba_level_set(pb, {0.1}, {0.1}, 0.0, 0.3, o); }) ==
        "problem size");
  o.max_memory_bytes = 120.0 * 2 * 2;
  CHECK(rejected_parameter([&] { rdp::BaSolver solver(pb, o); }).empty());
}

TEST_CASE("BA limits: a time budget that runs out gives iteration_limit and valid bounds") {
  // Bernoulli(0.1), Hamming, TV at (D, P) = (0.05, 0.02): both constraints active (region S2 of
  // Blau & Michaeli 2019, Thm. 3), so the solver must iterate; the closed form is the truth.
  const double p = 0.1, d = 0.05, perc = 0.02;
  const auto truth = rdp::rate_distortion_perception_bernoulli_tv(p, d, perc);
  REQUIRE(truth.region == "S2");
  const auto pb =
      rdp::make_finite_problem(rdp::Bernoulli(p), rdp::hamming_distortion(), rdp::Perception::tv);
  rdp::BaOptions o;
  o.gap_bits = 1e-9;
  o.max_seconds = 1e-9;  // gone before the first Blahut–Arimoto pass is checked
  const auto r = rdp::solve_rdp_ba(pb, d, perc, o);
  REQUIRE(r.status == rdp::BaStatus::iteration_limit);
  CHECK(r.message.find("time budget") != std::string::npos);
  CHECK(r.lower_bits <= truth.rate_bits + kRounding);
  CHECK(truth.rate_bits <= r.upper_bits + kRounding);
  // Without the budget the same point converges to the closed form.
  o.max_seconds = std::numeric_limits<double>::infinity();
  const auto full = rdp::solve_rdp_ba(pb, d, perc, o);
  REQUIRE(full.status == rdp::BaStatus::converged);
  CHECK(std::abs(full.rate_bits - truth.rate_bits) <= 1e-9 + kRounding);
}

TEST_CASE("BA limits: the time budget stops a long query promptly, and bounds still bracket") {
  // A 256-cell Gaussian with reverse KL to a gap of 1e-9 bits runs for seconds; 0.05 s must stop
  // it within a few passes (each about 2·256² multiply-adds) and the final audit.
  const auto pb = rdp::make_problem_for_source(
      rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(), rdp::Perception::rkl, 256);
  rdp::BaOptions o;
  o.gap_bits = 1e-9;
  o.max_seconds = 0.05;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = rdp::solve_rdp_ba(pb, 0.3, 0.05, o);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(r.status == rdp::BaStatus::iteration_limit);
  CHECK(wall < 2.0);  // generous: the machine may be loaded
  // A converged reference on the same problem lies inside the early bounds.
  rdp::BaOptions ref_options;
  ref_options.gap_bits = 1e-5;
  const auto ref = rdp::solve_rdp_ba(pb, 0.3, 0.05, ref_options);
  REQUIRE(ref.status == rdp::BaStatus::converged);
  CHECK(r.lower_bits <= ref.upper_bits + kRounding);
  CHECK(ref.lower_bits <= r.upper_bits + kRounding);
}

TEST_CASE("BA limits: a budget that does not run out changes no bit") {
  // The clock is only read, never fed into the iteration.
  const auto pb = rdp::make_problem_for_source(
      rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(), rdp::Perception::w2sq, 48);
  rdp::BaOptions o;
  o.gap_bits = 1e-6;
  const auto a = rdp::solve_rdp_ba(pb, 0.4, 0.1, o);
  o.max_seconds = 1e6;
  const auto b = rdp::solve_rdp_ba(pb, 0.4, 0.1, o);
  REQUIRE(a.status == rdp::BaStatus::converged);
  CHECK(a.status == b.status);
  CHECK(a.lower_bits == b.lower_bits);
  CHECK(a.upper_bits == b.upper_bits);
  CHECK(a.iterations == b.iterations);
}

TEST_CASE("BA limits: the budget fields validate") {
  rdp::BaOptions o;
  o.max_seconds = 0.0;
  CHECK(rejected_parameter([&] { o.validate(); }) == "max seconds");
  o.max_seconds = std::nan("");
  CHECK(rejected_parameter([&] { o.validate(); }) == "max seconds");
  o.max_seconds = 1.0;
  o.max_memory_bytes = -1.0;
  CHECK(rejected_parameter([&] { o.validate(); }) == "max memory bytes");
}

TEST_CASE("BA progress: the callback sees the running bounds and changes no bit") {
  // Bernoulli–TV in region S2 again: the callback's bounds must bracket the closed form at every
  // call (they are the certified bounds so far), grow tighter, and leave the result unchanged.
  const double p = 0.1, d = 0.05, perc = 0.02;
  const double truth = rdp::rate_distortion_perception_bernoulli_tv(p, d, perc).rate_bits;
  const auto pb =
      rdp::make_finite_problem(rdp::Bernoulli(p), rdp::hamming_distortion(), rdp::Perception::tv);
  rdp::BaOptions o;
  o.gap_bits = 1e-8;
  const auto silent = rdp::solve_rdp_ba(pb, d, perc, o);
  std::vector<rdp::BaProgress> seen;
  o.on_progress = [&](const rdp::BaProgress& s) { seen.push_back(s); };
  const auto watched = rdp::solve_rdp_ba(pb, d, perc, o);
  REQUIRE(silent.status == rdp::BaStatus::converged);
  CHECK(watched.lower_bits == silent.lower_bits);
  CHECK(watched.upper_bits == silent.upper_bits);
  CHECK(watched.iterations == silent.iterations);
  REQUIRE(!seen.empty());
  CHECK(seen.back().evaluations <= watched.evaluations);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    CAPTURE(i);
    CHECK(seen[i].lower_bits <= truth + kRounding);
    CHECK(truth <= seen[i].upper_bits + kRounding);
    if (i > 0) {
      CHECK(seen[i].evaluations > seen[i - 1].evaluations);
      CHECK(seen[i].iterations >= seen[i - 1].iterations);
      CHECK(seen[i].upper_bits - seen[i].lower_bits <=
            seen[i - 1].upper_bits - seen[i - 1].lower_bits);
    }
  }
}
