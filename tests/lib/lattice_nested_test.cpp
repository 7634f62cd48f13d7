// Self-similar nested lattices Λ_c = a·Λ_f (docs/THEORY.md §5, QSD-LTC): the a^n fine points
// in V0(Λ_c) form a complete system of coset representatives with consistent tie-breaking, the
// sampler draws from it uniformly and repeatably, Rc = log2 a.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/rng.hpp"
#include "test_support.hpp"

namespace {

// The coset of a fine point p in Λ_f / aΛ_f: its integer coordinates G_f⁻¹p modulo a.
std::vector<long> coset_key(const rdp::NestedLattice& nl, const Eigen::VectorXd& p) {
  const Eigen::VectorXd k = nl.fine().generator().partialPivLu().solve(p);
  std::vector<long> key(k.size());
  for (Eigen::Index i = 0; i < k.size(); ++i) {
    const long v = std::lround(k(i));
    key[i] = ((v % nl.ratio()) + nl.ratio()) % nl.ratio();
  }
  return key;
}

double integer_residual(const rdp::Lattice& l, const Eigen::VectorXd& p) {
  const Eigen::VectorXd k = l.generator().partialPivLu().solve(p);
  return (k - k.array().round().matrix()).cwiseAbs().maxCoeff();
}

// ‖r‖² − ‖r − Q_c(r)‖²: ≤ 0 up to rounding iff r is in the closed cell V0(Λ_c).
double cell_excess(const rdp::NestedLattice& nl, const Eigen::VectorXd& r) {
  Eigen::VectorXd q(r.size());
  nl.coarse().nearest_point(r.data(), q.data());
  return r.squaredNorm() - (r - q).squaredNorm();
}

}  // namespace

TEST_CASE("lattice nesting: the representatives are a complete coset system inside V0(Λc)") {
  struct Case {
    const char* name;
    int ratio;
  };
  // Small cases with many boundary points (Z^2 and D4 with even a put fine points on the faces
  // and vertices of the coarse cell), the paper's E8 with a = 2, 3.
  const Case cases[] = {{"z1", 2}, {"z2", 2},     {"z2", 3}, {"z3", 4}, {"a2", 2}, {"a2", 3},
                        {"d4", 2}, {"d4star", 2}, {"d3", 3}, {"e8", 2}, {"e8", 3}, {"a1^3", 2}};
  for (const auto& c : cases) {
    const std::string label = std::string(c.name) + " a=" + std::to_string(c.ratio);
    CAPTURE(label);
    const rdp::NestedLattice nl(rdp::make_lattice(c.name), c.ratio);
    const int n = nl.dimension();
    const std::vector<double> reps = nl.enumerate_coset_representatives();
    const std::size_t count = reps.size() / n;
    CHECK(count == static_cast<std::size_t>(std::llround(std::pow(c.ratio, n))));
    std::set<std::vector<long>> keys;
    int not_fine = 0, outside = 0, inconsistent = 0;
    rdp::Philox rng(rdp_test_seed(), 10);
    for (std::size_t p = 0; p < count; ++p) {
      const Eigen::Map<const Eigen::VectorXd> r(&reps[p * n], n);
      keys.insert(coset_key(nl, r));
      // Integral lattices: coordinates are exact small dyadics, G⁻¹r integral to ~1e-14.
      if (integer_residual(nl.fine(), r) > 1e-9) ++not_fine;
      // Distances of points ~a·scale: rounding ~1e-14; boundary points give exactly 0.
      if (cell_excess(nl, r) > 1e-9) ++outside;
      // The representative depends on the coset only: shifting by a coarse point and reducing
      // returns it unchanged, also for the tied points on the boundary.
      Eigen::VectorXd k(n), shifted(n), back(n);
      for (int i = 0; i < n; ++i) k(i) = std::floor(7.0 * rng.uniform01()) - 3.0;
      shifted = r + nl.coarse().generator() * k;
      nl.reduce(shifted.data(), back.data());
      if ((back - r).norm() > 1e-9) ++inconsistent;
    }
    CHECK(keys.size() == count);  // no two representatives differ by a point of Λ_c
    CHECK(not_fine == 0);
    CHECK(outside == 0);
    CHECK(inconsistent == 0);
    CHECK(nl.common_randomness_bits() == doctest::Approx(std::log2(c.ratio)).epsilon(1e-15));
    CHECK(nl.log2_coset_count() == doctest::Approx(n * std::log2(c.ratio)).epsilon(1e-15));
  }
}

TEST_CASE("lattice nesting: boundary points are shared out consistently (Z^2, a = 2)") {
  // V0(2Z^2) = [−1,1]^2 holds 9 points of Z^2 for 4 cosets: the tie-break picks one per coset.
  const rdp::NestedLattice nl(rdp::make_lattice("z2"), 2);
  const std::vector<double> reps = nl.enumerate_coset_representatives();
  REQUIRE(reps.size() == 8);
  std::set<std::vector<long>> keys;
  for (int p = 0; p < 4; ++p) {
    CHECK(std::fabs(reps[2 * p]) <= 1.0);
    CHECK(std::fabs(reps[2 * p + 1]) <= 1.0);
    keys.insert({std::lround(reps[2 * p]) & 1, std::lround(reps[2 * p + 1]) & 1});
  }
  CHECK(keys.size() == 4);
}

TEST_CASE("lattice nesting: sampling is uniform over the representatives and repeatable") {
  const rdp::NestedLattice nl(rdp::make_lattice("e8"), 2);
  const std::vector<double> reps = nl.enumerate_coset_representatives();
  const int n = 8;
  std::map<std::vector<double>, int> index;
  for (std::size_t p = 0; p < reps.size() / n; ++p)
    index[std::vector<double>(reps.begin() + p * n, reps.begin() + (p + 1) * n)] =
        static_cast<int>(p);
  REQUIRE(index.size() == 256);
  const int per_bin = 100, draws = 256 * per_bin;
  std::vector<int> hist(256, 0);
  int unknown = 0;
  for (int i = 0; i < draws; ++i) {
    rdp::Philox rng(rdp_test_seed(), i);
    std::vector<double> r(n), again(n);
    nl.sample_coset_representative(rng, r.data());
    rdp::Philox rng2(rdp_test_seed(), i);
    nl.sample_coset_representative(rng2, again.data());
    CHECK(r == again);              // same seed and stream, same point
    const auto it = index.find(r);  // exact: the points are dyadic
    if (it == index.end())
      ++unknown;
    else
      ++hist[it->second];
  }
  CHECK(unknown == 0);
  // Pearson χ² with 255 degrees of freedom: mean 255, sd √510 ≈ 22.6; 255 + 5 sd ≈ 368 fails a
  // uniform sampler with probability < 1e-6.
  double chi2 = 0.0;
  for (int h : hist) chi2 += (h - per_bin) * (h - per_bin) / double(per_bin);
  CHECK(chi2 < 368.0);
}

TEST_CASE("lattice nesting: Leech with a = 2 samples representatives without enumeration") {
  const rdp::NestedLattice nl(rdp::make_lattice("leech"), 2);
  CHECK(nl.log2_coset_count() == doctest::Approx(24.0).epsilon(1e-15));
  CHECK_THROWS_AS(nl.enumerate_coset_representatives(1u << 20), rdp::InvalidArgument);
  rdp::Philox rng(rdp_test_seed(), 11);
  std::set<std::vector<long>> keys;
  int outside = 0, not_fine = 0, inconsistent = 0;
  const int draws = 300;
  for (int i = 0; i < draws; ++i) {
    Eigen::VectorXd r(24), back(24), k(24);
    nl.sample_coset_representative(rng, r.data());
    if (cell_excess(nl, r) > 1e-9) ++outside;
    if (integer_residual(nl.fine(), r) > 1e-9) ++not_fine;
    for (int j = 0; j < 24; ++j) k(j) = std::floor(5.0 * rng.uniform01()) - 2.0;
    const Eigen::VectorXd shifted = r + nl.coarse().generator() * k;
    nl.reduce(shifted.data(), back.data());
    if ((back - r).norm() > 1e-9) ++inconsistent;
    keys.insert(coset_key(nl, r));
  }
  CHECK(outside == 0);
  CHECK(not_fine == 0);
  CHECK(inconsistent == 0);
  // 300 draws from 2^24 cosets: a repeat has probability ≈ 300²/2^25 ≈ 0.3 %.
  CHECK(keys.size() >= draws - 1);
}

TEST_CASE("lattice nesting: a = 1 is the trivial nesting and bad ratios throw") {
  const rdp::NestedLattice nl(rdp::make_lattice("d4"), 1);
  const std::vector<double> reps = nl.enumerate_coset_representatives();
  CHECK(reps == std::vector<double>(4, 0.0));
  CHECK(nl.common_randomness_bits() == 0.0);
  for (int bad : {0, -2, 1025}) {
    try {
      rdp::NestedLattice(rdp::make_lattice("e8"), bad);
      FAIL("no exception");
    } catch (const rdp::InvalidArgument& e) {
      CHECK(e.parameter() == "nesting_ratio");
    }
  }
}

TEST_CASE("lattice nesting: every entry point accepts exactly the ratios 1..1024") {
  // One range wherever a nesting ratio enters: the nested lattice, the codec's parameter choice,
  // and the exact and Monte-Carlo reconstruction moments used to choose them.
  const rdp::LatticePtr e8 = rdp::make_lattice("e8");
  const rdp::LatticePtr z1 = rdp::make_lattice("z1");
  auto accepted = [&](int a) {
    int ok = 0;
    auto attempt = [&](auto f) {
      try {
        f();
        ++ok;
      } catch (const rdp::InvalidArgument& e) {
        CHECK(std::string(e.what()).find("integer in [1, 1024]") != std::string::npos);
      }
    };
    attempt([&] { rdp::require_nesting_ratio(a); });
    attempt([&] { rdp::NestedLattice(z1, a); });
    attempt([&] { rdp::detail::integer_lattice_moments(1.0, 0.5, a); });
    attempt([&] { rdp::detail::MonteCarloMoments(*e8, a, 1, 64); });
    attempt([&] {
      rdp::choose_codec_parameters(rdp::CodecKind::qsd, *z1, 1.0 / 12, 0.0, 1.0, 0.3, 0.0, a);
    });
    return ok;
  };
  for (int a : {1, 2, 1024}) CHECK(accepted(a) == 5);
  for (int a : {0, -1, 1025, 4096}) CHECK(accepted(a) == 0);
}
