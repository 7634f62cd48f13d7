// rdp's certificates rechecked from the witness alone (solvers/.../ba/witness.hpp): on every
// divergence and every form of the dual, the recomputed bounds equal the solver's to rounding,
// the truth (a closed form where one exists) lies between them, and a tampered witness fails;
// a query settled exactly (D at its minimum, no dual point) rechecks from the problem alone.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/ba/witness.hpp"
#include "rdp/solvers/bernoulli_tv.hpp"
#include "rdp/sources.hpp"

namespace {

rdp::BaWitness witness_of(const rdp::FiniteRdpProblem& pb, const rdp::BaResult& r,
                          const rdp::Distortion& distortion, rdp::Perception perception, double d,
                          double p) {
  rdp::BaWitness w;
  w.source_points = pb.source_points;
  w.source_pmf = pb.source_pmf;
  w.reconstruction_points = pb.reconstruction_points;
  w.distortion = distortion;
  w.perception = perception;
  w.distortion_target = d;
  w.perception_target = p;
  w.channel = r.channel;
  w.dual = r.dual;
  w.lower_bits = r.lower_bits;
  w.upper_bits = r.upper_bits;
  return w;
}

// One query on N(0,1) discretised on `cells` cells (squared error), solved and rechecked from its
// witness. The recheck shares no code with the iteration, so equality to 1e-9 bits (relative)
// checks the solver's bookkeeping of both bounds: the rate of the channel it reports and the
// dual value at the point it reports. Returns the solver's result.
struct GaussianQuery {
  rdp::Perception perception;
  double d, p;
};

rdp::BaResult solve_and_recheck(const GaussianQuery& q, int cells) {
  INFO(std::string(rdp::perception_name(q.perception)) << " D=" << q.d << " P=" << q.p);
  const rdp::Distortion mse = rdp::squared_error_distortion();
  const auto pb = rdp::make_problem_for_source(rdp::Gaussian(0.0, 1.0), mse, q.perception, cells);
  const rdp::BaResult r = rdp::solve_rdp_ba(pb, q.d, q.p);
  REQUIRE(r.status == rdp::BaStatus::converged);
  REQUIRE(r.dual.present);
  const auto check = rdp::check_ba_witness(witness_of(pb, r, mse, q.perception, q.d, q.p));
  MESSAGE(std::string(rdp::perception_name(q.perception))
          << " D=" << q.d << " P=" << q.p << " form "
          << std::string(rdp::ba_dual_form_name(r.dual.form)) << ": lower " << r.lower_bits
          << " -> " << check.lower_bits << ", upper " << r.upper_bits << " -> "
          << check.upper_bits);
  CHECK(check.agrees);
  CHECK(check.feasible);
  CHECK(check.lower_bits == doctest::Approx(r.lower_bits).epsilon(1e-9));
  CHECK(check.upper_bits == doctest::Approx(r.upper_bits).epsilon(1e-9));
  return r;
}

}  // namespace

TEST_CASE("Witness: every divergence's certificate rechecks from its definitions") {
  // Forms: P = 0 (perfect realism), P inside (tilted), no perception (Shannon), and large P where
  // the perception constraint is inactive.
  using rdp::Perception;
  int forms[3] = {0, 0, 0};
  for (const GaussianQuery q :
       {GaussianQuery{Perception::none, 0.3, 0.0}, GaussianQuery{Perception::w2sq, 0.3, 0.0},
        GaussianQuery{Perception::w2sq, 0.3, 0.02}, GaussianQuery{Perception::w1, 0.5, 0.05},
        GaussianQuery{Perception::kl, 0.4, 0.05}, GaussianQuery{Perception::rkl, 0.4, 0.05},
        GaussianQuery{Perception::tv, 0.4, 0.05}, GaussianQuery{Perception::tv, 0.4, 0.0},
        GaussianQuery{Perception::kl, 0.2, 0.0}, GaussianQuery{Perception::rkl, 0.6, 2.0}})
    ++forms[static_cast<int>(solve_and_recheck(q, 48).dual.form)];
  CHECK(forms[0] > 0);  // shannon
  CHECK(forms[1] > 0);  // tilted
  CHECK(forms[2] > 0);  // perfect realism
}

TEST_CASE("Witness: certificates of FFT-steered solves recheck (512 cells)") {
  // From 512 cells on a uniform grid the solver steers with FFT passes (docs/THEORY.md §6.6) and
  // takes every bound from an exact pass; the witness of such a solve must recheck like any other.
  solve_and_recheck({rdp::Perception::none, 0.5, 0.0}, 512);
  solve_and_recheck({rdp::Perception::kl, 0.3, 0.05}, 512);
}

TEST_CASE("Witness: Bernoulli-TV brackets the closed form, and tampering is caught") {
  const rdp::Bernoulli source(0.3);
  const rdp::Distortion hamming = rdp::hamming_distortion();
  const auto pb = rdp::make_finite_problem(source, hamming, rdp::Perception::tv);
  const double d = 0.1, p = 0.05;
  const rdp::BaResult r = rdp::solve_rdp_ba(pb, d, p);
  REQUIRE(r.status == rdp::BaStatus::converged);
  rdp::BaWitness w = witness_of(pb, r, hamming, rdp::Perception::tv, d, p);
  const auto ok = rdp::check_ba_witness(w);
  CHECK(ok.agrees);
  const double truth = rdp::rate_distortion_perception_bernoulli_tv(0.3, d, p).rate_bits;
  CHECK(ok.lower_bits <= truth + 1e-12);
  CHECK(ok.upper_bits >= truth - 1e-12);
  SUBCASE("a smaller D than the channel meets") {
    w.distortion_target = 0.9 * d;
    const auto bad = rdp::check_ba_witness(w);
    CHECK_FALSE(bad.agrees);
    CHECK_FALSE(bad.feasible);
  }
  SUBCASE("a stated lower bound the dual point does not give") {
    w.lower_bits += 0.01;
    CHECK_FALSE(rdp::check_ba_witness(w).agrees);
  }
  SUBCASE("a moved dual point gives a different (still valid) lower bound") {
    w.dual.s_nats *= 1.5;
    const auto moved = rdp::check_ba_witness(w);
    CHECK_FALSE(moved.agrees);
    CHECK(moved.lower_bits <= truth + 1e-12);
  }
  SUBCASE("a stated upper bound below the channel's rate") {
    w.upper_bits -= 0.01;
    CHECK_FALSE(rdp::check_ba_witness(w).agrees);
  }
}

TEST_CASE("Witness: a query settled exactly at D's minimum rechecks without a dual point") {
  // At D = 0 with Hamming, a distortion that vanishes only on the diagonal, the identity is the
  // only channel: the solver settles the query without a search (R = H(X), no dual point), and
  // the recheck recognises the case from the problem and recomputes H(X) from the source pmf.
  const rdp::Bernoulli source(0.3);
  const rdp::Distortion hamming = rdp::hamming_distortion();
  const auto pb = rdp::make_finite_problem(source, hamming, rdp::Perception::tv);
  const rdp::BaResult r = rdp::solve_rdp_ba(pb, 0.0, 0.1);
  REQUIRE(r.status == rdp::BaStatus::converged);
  REQUIRE_FALSE(r.dual.present);
  const double entropy = -(0.3 * std::log2(0.3) + 0.7 * std::log2(0.7));  // 0.881291 bits
  CHECK(r.lower_bits == doctest::Approx(entropy).epsilon(1e-12));
  rdp::BaWitness w = witness_of(pb, r, hamming, rdp::Perception::tv, 0.0, 0.1);
  const auto ok = rdp::check_ba_witness(w);
  CHECK(ok.agrees);
  CHECK(ok.feasible);
  CHECK(ok.lower_bits == doctest::Approx(entropy).epsilon(1e-12));
  CHECK(ok.message.find("nearest-point map") != std::string::npos);
  SUBCASE("a stated lower bound above H(X) is caught") {
    w.lower_bits += 0.01;
    CHECK_FALSE(rdp::check_ba_witness(w).agrees);
  }
  SUBCASE("above D's minimum, without a dual point the recheck has only the trivial bound") {
    w.distortion_target = 0.05;
    const auto open = rdp::check_ba_witness(w);
    CHECK(open.lower_bits == 0.0);
    CHECK_FALSE(open.agrees);
  }
  SUBCASE("below D's minimum no channel exists: R = +inf") {
    w.distortion_target = -1e-3;
    CHECK(std::isinf(rdp::check_ba_witness(w).lower_bits));
  }
}

TEST_CASE("Witness: at D's minimum off the source's own values the forced channel is rechecked") {
  // Reconstruction points 0.25 and 1.5 for a source on {0, 1, 2} under MSE: the nearest points
  // are unique (0 → 0.25, 1 and 2 → 1.5), D_min = 0.5·0.0625 + 0.5·0.25 = 0.15625, and the
  // forced output (½, ½) has H = 1 bit and W1 = 0.5·0.25 + 0.3·0.5 + 0.2·0.5 = 0.375 to the
  // source (monotone coupling).
  const rdp::FinitePmf source({0.0, 1.0, 2.0}, {0.5, 0.3, 0.2});
  const rdp::Distortion mse = rdp::squared_error_distortion();
  const auto pb = rdp::make_finite_problem(source, mse, rdp::Perception::w1, {0.25, 1.5});
  const double d_min = 0.15625;
  const rdp::BaResult r = rdp::solve_rdp_ba(pb, d_min, 0.5);
  REQUIRE(r.status == rdp::BaStatus::converged);
  REQUIRE_FALSE(r.dual.present);
  rdp::BaWitness w = witness_of(pb, r, mse, rdp::Perception::w1, d_min, 0.5);
  const auto ok = rdp::check_ba_witness(w);
  CHECK(ok.agrees);
  CHECK(ok.lower_bits == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(ok.perception_achieved == doctest::Approx(0.375).epsilon(1e-12));
  // A P below the forced output's W1 leaves no feasible channel (the solver says infeasible).
  CHECK(rdp::solve_rdp_ba(pb, d_min, 0.2).status == rdp::BaStatus::infeasible);
  w.perception_target = 0.2;
  CHECK(std::isinf(rdp::check_ba_witness(w).lower_bits));
}

TEST_CASE("merge_ba_attempts keeps each bound with what certifies it") {
  rdp::BaResult a, b;
  a.status = b.status = rdp::BaStatus::iteration_limit;
  a.lower_bits = 0.50, a.upper_bits = 0.60, a.slope_distortion_bits = 1.0;
  a.dual.present = true, a.dual.s_nats = 1.0;
  a.distortion_achieved = 0.11, a.iterations = 10, a.evaluations = 2;
  b.lower_bits = 0.55, b.upper_bits = 0.70, b.slope_distortion_bits = 2.0;
  b.dual.present = true, b.dual.s_nats = 2.0;
  b.distortion_achieved = 0.12, b.iterations = 5, b.evaluations = 1;
  const rdp::BaResult m = rdp::merge_ba_attempts(a, b, 1e-6);
  CHECK(m.upper_bits == 0.60);
  CHECK(m.distortion_achieved == 0.11);
  CHECK(m.lower_bits == 0.55);
  CHECK(m.slope_distortion_bits == 2.0);  // the slopes of the lower bound reported
  CHECK(m.dual.s_nats == 2.0);
  CHECK(m.iterations == 15);
  CHECK(m.evaluations == 3);
  CHECK(m.status == rdp::BaStatus::iteration_limit);
  CHECK(m.gap_bits == doctest::Approx(0.05));
  b.upper_bits = 0.55 + 1e-7;
  const rdp::BaResult c = rdp::merge_ba_attempts(a, b, 1e-6);
  CHECK(c.status == rdp::BaStatus::converged);
  CHECK(c.distortion_achieved == 0.12);
  b.status = rdp::BaStatus::numerical_failure;
  CHECK(rdp::merge_ba_attempts(a, b, 1e-6).lower_bits == 0.50);
}

TEST_CASE("BaSolver: max_iterations caps the warm attempt and the cold restart together") {
  const rdp::Gaussian gauss(0.0, 1.0);
  const auto pb = rdp::make_problem_for_source(gauss, rdp::squared_error_distortion(),
                                               rdp::Perception::w2sq, 128);
  rdp::BaOptions o;
  o.max_iterations = 3000;
  o.gap_bits = 1e-12;  // unreachable: both attempts run to the cap
  rdp::BaSolver solver(pb, o);
  solver.solve(0.5, 0.01);  // a warm start for the next
  const rdp::BaResult r = solver.solve(0.3, 0.02);
  // Each attempt may finish its current inner solve past the cap (max_inner_iterations).
  CHECK(r.iterations <= o.max_iterations + 2 * o.max_inner_iterations);
}
