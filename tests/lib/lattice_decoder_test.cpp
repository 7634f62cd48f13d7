// Lattice factory and nearest-point decoders (docs/THEORY.md §4): every answer is a lattice
// point, no lattice point is closer (Fincke–Pohst search of the neighbourhood, or the 8192-coset
// brute force for Λ24), Q(x + λ) = Q(x) + λ, and the Voronoi sampler.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/lattice/detail.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/rng.hpp"
#include "test_support.hpp"

namespace {

// Lattices checked against the Fincke–Pohst neighbourhood search (dimension ≤ 16 keeps it fast).
const char* const kSearchable[] = {"z1",     "z5", "a1",   "a2",   "a3",     "a6",
                                   "d2",     "d3", "d4",   "d7",   "d3star", "d4star",
                                   "d5star", "e8", "bw16", "a2^3", "e8^2"};

// Length scale of a lattice, covolume^(1/n); tolerances below are relative to it.
double scale(const rdp::Lattice& l) { return std::pow(l.covolume(), 1.0 / l.dimension()); }

Eigen::VectorXd nearest(const rdp::Lattice& l, const Eigen::VectorXd& x) {
  Eigen::VectorXd q(l.dimension());
  l.nearest_point(x.data(), q.data());
  return q;
}

// Largest distance of G⁻¹p from an integer vector.
double lattice_residual(const rdp::Lattice& l, const Eigen::VectorXd& p) {
  const Eigen::VectorXd k = l.generator().partialPivLu().solve(p);
  return (k - k.array().round().matrix()).cwiseAbs().maxCoeff();
}

// Points to decode: Gaussian clouds spanning several cells, and points within 1e-12·scale of a
// cell boundary (a Voronoi sample pushed out along its ray until the decoder's answer changes,
// by bisection; the check of the answer is independent of the decoder).
std::vector<Eigen::VectorXd> test_points(const rdp::Lattice& l, int count, std::uint64_t stream) {
  const int n = l.dimension();
  const double s = scale(l);
  std::vector<Eigen::VectorXd> pts;
  rdp::Philox rng(rdp_test_seed(), stream);
  for (int p = 0; p < count; ++p) {
    Eigen::VectorXd x(n);
    for (int i = 0; i < n; ++i) x(i) = 3.0 * s * rng.normal();
    pts.push_back(x);
    Eigen::VectorXd e(n);
    l.sample_voronoi(rng, e.data());
    double lo = 1.0, hi = 4.0;  // Q(lo·e) = 0; Q(hi·e) ≠ 0 since 4e is past the cell
    for (int it = 0; it < 60 && hi - lo > 1e-13; ++it) {
      const double mid = 0.5 * (lo + hi);
      (nearest(l, mid * e).norm() < 1e-9 * s ? lo : hi) = mid;
    }
    pts.push_back(x + lo * e);
    pts.push_back(x + hi * e);
  }
  return pts;
}

}  // namespace

TEST_CASE("lattice factory: names, dimensions and covolumes") {
  struct Case {
    const char* name;
    int n;
    double covolume;
  };
  // Covolumes from the constructions: A_n √(n+1), D_n 2, D_n* ½, E8 1,
  // Λ16 = 2^16·2/32 (32 cosets of 2D16), Λ24 = 4^24·2/8192 (8192 cosets of 4D24) = 8^12.
  const Case cases[] = {{"z1", 1, 1.0},
                        {"z:n=7", 7, 1.0},
                        {"a2", 2, std::sqrt(3.0)},
                        {"a:n=5", 5, std::sqrt(6.0)},
                        {"d4", 4, 2.0},
                        {"d:n=9", 9, 2.0},
                        {"d4star", 4, 0.5},
                        {"dstar:n=6", 6, 0.5},
                        {"e8", 8, 1.0},
                        {"bw16", 16, 4096.0},
                        {"leech", 24, std::pow(8.0, 12)},
                        {"e8^3", 24, 1.0},
                        {"leech^2", 48, std::pow(8.0, 24)}};
  for (const auto& c : cases) {
    const std::string label = c.name;
    CAPTURE(label);
    const rdp::LatticePtr l = rdp::make_lattice(c.name);
    CHECK(l->dimension() == c.n);
    CHECK(l->generator().rows() == c.n);
    // Determinants of small integral matrices: relative rounding ~1e-14.
    CHECK(l->covolume() == doctest::Approx(c.covolume).epsilon(1e-12));
    CHECK(rdp::make_lattice(l->name())->name() == l->name());  // canonical names round-trip
  }
}

TEST_CASE("lattice factory: bad names and dimensions throw InvalidArgument naming 'lattice'") {
  for (const char* bad : {"", "x8", "e7", "z0", "z:n=0", "z257", "d1", "d:n=1", "a:n=", "e8^0",
                          "e8^", "^2", "e8^129", "leech^43", "z:n=-3", "d4star2", "bw16^x"}) {
    const std::string label = bad;
    CAPTURE(label);
    try {
      rdp::make_lattice(bad);
      FAIL("no exception");
    } catch (const rdp::InvalidArgument& e) {
      CHECK(e.parameter() == "lattice");
      CHECK(std::string(e.what()).find("valid range") != std::string::npos);
    }
  }
  CHECK_THROWS_AS(rdp::make_scaled(rdp::make_lattice("e8"), 0.0), rdp::InvalidArgument);
}

TEST_CASE(
    "lattice decoders: coordinates beyond a double's resolution give finite points, no crash") {
  // A_n's sort-and-shift step counted |Σ f| from rounded embeddings: at 1e18 the count exceeded
  // n + 1 and nth_element read past the array (found from the Python module). Every decoder, at
  // magnitudes where the answer can no longer be exact: finite output, no out-of-bounds access
  // (the sanitizer build runs this too).
  for (const char* name : {"a2", "a3", "a:n=17", "d4", "d4star", "e8", "bw16", "leech", "z3"}) {
    const auto lattice = rdp::make_lattice(name);
    const int n = lattice->dimension();
    for (double scale : {1e15, 1e18, 1e100, 1e300}) {
      std::vector<double> x(n), out(n);
      for (int i = 0; i < n; ++i) x[i] = scale * (i % 2 == 0 ? 1.0 : -0.7) * (1.0 + 0.01 * i);
      lattice->nearest_point(x.data(), out.data());
      INFO(name << " at " << scale);
      for (double v : out) CHECK(std::isfinite(v));
    }
  }
}

TEST_CASE("lattice property: Z^n at any scale has box cells, whatever its name") {
  CHECK(rdp::integer_lattice_step(*rdp::make_lattice("z1")) == 1.0);
  CHECK(rdp::integer_lattice_step(*rdp::make_lattice("z8")) == 1.0);
  CHECK(rdp::integer_lattice_step(*rdp::make_lattice("z:n=200")) == 1.0);
  CHECK(rdp::integer_lattice_step(*rdp::make_lattice("z1^8")) == 1.0);
  CHECK(rdp::integer_lattice_step(*rdp::make_lattice("z2^3")) == 1.0);
  CHECK(rdp::integer_lattice_step(*rdp::make_scaled(rdp::make_lattice("z4"), 0.37)) == 0.37);
  // A1 in the hyperplane Σx = 0 of R² is √2·Z: a box lattice by its generator.
  CHECK(rdp::integer_lattice_step(*rdp::make_lattice("a1")) ==
        doctest::Approx(std::sqrt(2.0)).epsilon(1e-15));
  for (const char* name : {"e8", "d4", "d4star", "a2", "leech", "bw16", "e8^2"})
    CHECK(rdp::integer_lattice_step(*rdp::make_lattice(name)) == 0.0);
}

TEST_CASE("lattice generators: every basis vector is a lattice point") {
  for (const char* name : {"z3", "a4", "d5", "d5star", "e8", "bw16", "leech"}) {
    const std::string label = name;
    CAPTURE(label);
    const rdp::LatticePtr l = rdp::make_lattice(name);
    for (int j = 0; j < l->dimension(); ++j) {
      const Eigen::VectorXd g = l->generator().col(j);
      CHECK((nearest(*l, g) - g).norm() < 1e-12 * scale(*l));
    }
  }
}

TEST_CASE("lattice decoders: the answer is a lattice point and no lattice point is closer") {
  for (const char* name : kSearchable) {
    const std::string label = name;
    CAPTURE(label);
    const rdp::LatticePtr l = rdp::make_lattice(name);
    const double s = scale(*l);
    int failures = 0;
    for (const Eigen::VectorXd& x : test_points(*l, 40, 1)) {
      const Eigen::VectorXd q = nearest(*l, x);
      // Coordinates are small integers or halves: G⁻¹q is integral to ~1e-13.
      if (lattice_residual(*l, q) > 1e-8) ++failures;
      // Any lattice point closer than ‖x − q‖ by more than the distance rounding (1e-10
      // relative) would be found by the enumeration.
      const double d2 = (x - q).squaredNorm();
      const std::uint64_t closer = rdp::detail::enumerate_lattice_points(
          l->generator(), x, d2 - 1e-10 * (d2 + s * s),
          [](const Eigen::VectorXd&, double) { return false; });
      if (closer != 0) ++failures;
      // The same search with a slightly larger radius must find q itself (the search works).
      const std::uint64_t itself = rdp::detail::enumerate_lattice_points(
          l->generator(), x, d2 + 1e-10 * (d2 + s * s),
          [](const Eigen::VectorXd&, double) { return true; });
      if (itself == 0) ++failures;
    }
    CHECK(failures == 0);
  }
}

TEST_CASE("lattice Leech: the fast decoder agrees with the 8192-coset brute force") {
  const rdp::LatticePtr fast = rdp::make_lattice("leech");
  const rdp::LatticePtr oracle = rdp::make_lattice("leech:decoder=cosets");
  int mismatches = 0;
  // 3 × 60 points; the oracle takes ~1 ms per point.
  for (const Eigen::VectorXd& x : test_points(*fast, 60, 2)) {
    const Eigen::VectorXd a = nearest(*fast, x), b = nearest(*oracle, x);
    // Integral coordinates of size ~10: distances agree to rounding, points exactly unless tied.
    if (std::fabs((x - a).squaredNorm() - (x - b).squaredNorm()) > 1e-9) ++mismatches;
    if (lattice_residual(*fast, a) > 1e-8) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("lattice Leech: the coset oracle finds the nearest point of a neighbourhood search") {
  // Independent check of the oracle itself on a few points (the search is slow in 24 dimensions).
  const rdp::LatticePtr oracle = rdp::make_lattice("leech:decoder=cosets");
  rdp::Philox rng(rdp_test_seed(), 3);
  for (int p = 0; p < 3; ++p) {
    Eigen::VectorXd x(24);
    for (int i = 0; i < 24; ++i) x(i) = 8.0 * rng.normal();
    const Eigen::VectorXd q = nearest(*oracle, x);
    const double d2 = (x - q).squaredNorm();
    CHECK(rdp::detail::enumerate_lattice_points(
              oracle->generator(), x, d2 - 1e-9,
              [](const Eigen::VectorXd&, double) { return false; }) == 0);
  }
}

TEST_CASE("lattice decoders: Q(x + λ) = Q(x) + λ") {
  for (const char* name :
       {"z4", "a2", "a5", "d4", "d6star", "e8", "bw16", "leech", "e8^2", "leech:decoder=cosets"}) {
    const std::string label = name;
    CAPTURE(label);
    const rdp::LatticePtr l = rdp::make_lattice(name);
    const int n = l->dimension();
    const double s = scale(*l);
    rdp::Philox rng(rdp_test_seed(), 4);
    const int count = std::string(name) == "leech:decoder=cosets" ? 5 : 200;
    double worst = 0.0;
    for (int p = 0; p < count; ++p) {
      Eigen::VectorXd x(n), k(n);
      for (int i = 0; i < n; ++i) {
        x(i) = 2.0 * s * rng.normal();
        k(i) = std::floor(11.0 * rng.uniform01()) - 5.0;
      }
      const Eigen::VectorXd lambda = l->generator() * k;
      worst = std::max(worst, (nearest(*l, x + lambda) - nearest(*l, x) - lambda).norm());
    }
    // Exact up to the rounding of x + λ (coordinates ~10·scale, relative 1e-16).
    CHECK(worst < 1e-9 * s);
  }
}

TEST_CASE("lattice scaling: Q_{aΛ}(x) = a·Q_Λ(x/a) and the covolume scales by a^n") {
  const rdp::LatticePtr e8 = rdp::make_lattice("e8");
  const rdp::LatticePtr big = rdp::make_scaled(e8, 3.0);
  CHECK(big->covolume() == doctest::Approx(std::pow(3.0, 8)).epsilon(1e-12));
  CHECK(big->minimal_vectors().norm == doctest::Approx(18.0).epsilon(1e-12));
  rdp::Philox rng(rdp_test_seed(), 5);
  for (int p = 0; p < 100; ++p) {
    Eigen::VectorXd x(8);
    for (int i = 0; i < 8; ++i) x(i) = 5.0 * rng.normal();
    const Eigen::VectorXd q = nearest(*big, x);
    CHECK((q - 3.0 * nearest(*e8, x / 3.0)).norm() < 1e-12);
    CHECK(lattice_residual(*big, q) < 1e-9);
  }
}

TEST_CASE("lattice decoders: in place, batch and single-point calls agree") {
  for (const char* name : {"z3", "a3", "d5", "d4star", "e8", "bw16", "leech", "a2^4"}) {
    const std::string label = name;
    CAPTURE(label);
    const rdp::LatticePtr l = rdp::make_lattice(name);
    const int n = l->dimension();
    const int count = 5000;  // above the batch's parallel threshold for n ≥ 14
    std::vector<double> x(count * n), batch(count * n);
    rdp::Philox rng(rdp_test_seed(), 6);
    for (double& v : x) v = 4.0 * rng.normal();
    l->nearest_points(x.data(), batch.data(), count);
    int mismatches = 0;
    for (int p = 0; p < count; ++p) {
      std::vector<double> single(n), inplace(x.begin() + p * n, x.begin() + (p + 1) * n);
      l->nearest_point(&x[p * n], single.data());
      l->nearest_point(inplace.data(), inplace.data());
      for (int i = 0; i < n; ++i)
        if (single[i] != batch[p * n + i] || single[i] != inplace[i]) ++mismatches;
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("lattice Voronoi sampling: the samples lie in V0 and repeat for a fixed seed") {
  for (const char* name : {"z2", "a2", "d4", "d4star", "e8", "bw16", "leech", "e8^2"}) {
    const std::string label = name;
    CAPTURE(label);
    const rdp::LatticePtr l = rdp::make_lattice(name);
    const int n = l->dimension();
    int outside = 0, differ = 0;
    for (std::uint64_t i = 0; i < 200; ++i) {
      std::vector<double> a(n), b(n), c(n), q(n);
      rdp::Philox r1(rdp_test_seed(), i), r2(rdp_test_seed(), i), r3(rdp_test_seed(), i + 1000);
      l->sample_voronoi(r1, a.data());
      l->sample_voronoi(r2, b.data());
      l->sample_voronoi(r3, c.data());
      l->nearest_point(a.data(), q.data());
      for (int j = 0; j < n; ++j) outside += q[j] != 0.0;
      differ += a != b;
      CHECK(a != c);  // another stream gives another point
    }
    CHECK(outside == 0);
    CHECK(differ == 0);
  }
}

namespace {
// A user's lattice as the documentation invites one: h·Z^n with only nearest_point written, so
// sample_fundamental_domain(), sample_voronoi() and minimal_vectors() are the base class's.
class UserCubicLattice final : public rdp::Lattice {
 public:
  UserCubicLattice(int n, double h)
      : rdp::Lattice("user_cubic", h * Eigen::MatrixXd::Identity(n, n)), h_(h) {}
  void nearest_point(const double* x, double* out) const override {
    for (int i = 0; i < dimension(); ++i) out[i] = h_ * std::floor(x[i] / h_ + 0.5);
  }

 private:
  double h_;
};
}  // namespace

TEST_CASE("lattice base class: a user's n = 300 lattice samples its Voronoi cell") {
  // Beyond kMaxBaseLatticeDimension = 256 the base class's samplers once wrote past a 256-entry
  // stack buffer (ASan: stack-buffer-overflow). The cell of h·Z^n is the cube [−h/2, h/2]^n,
  // and ‖e‖²/n of a uniform point has mean h²/12 and variance h⁴/(180 n) (each coordinate:
  // E e⁴ = h⁴/80, so Var e² = h⁴/80 − h⁴/144 = h⁴/180).
  const int n = 300;
  const double h = 0.5;
  const UserCubicLattice l(n, h);
  CHECK(l.log_covolume() == doctest::Approx(n * std::log(h)).epsilon(1e-13));
  std::vector<double> e(n), q(n);
  const int samples = 400;
  double outside = 0.0, sum = 0.0;
  for (int s = 0; s < samples; ++s) {
    rdp::Philox rng(rdp_test_seed(), s);
    l.sample_voronoi(rng, e.data());
    l.nearest_point(e.data(), q.data());
    double r2 = 0.0;
    for (int i = 0; i < n; ++i) {
      outside += std::fabs(e[i]) > 0.5 * h || q[i] != 0.0;
      r2 += e[i] * e[i];
    }
    sum += r2 / n;
  }
  CHECK(outside == 0.0);
  const double mean = sum / samples;
  const double se = h * h / std::sqrt(180.0 * n * samples);
  CHECK(std::fabs(mean - h * h / 12.0) <= 4.0 * se);
  // ±h·e_i: 2n vectors of norm h², by the base class's Fincke–Pohst search.
  const rdp::Lattice::MinimalVectors mv = l.minimal_vectors();
  CHECK(mv.count == 2u * n);
  CHECK(mv.norm == doctest::Approx(h * h).epsilon(1e-12));
}

TEST_CASE("lattice base class: generators outside the stored range throw InvalidArgument") {
  struct Raw final : rdp::Lattice {
    explicit Raw(Eigen::MatrixXd g) : rdp::Lattice("raw", std::move(g)) {}
    void nearest_point(const double* x, double* out) const override {
      std::copy(x, x + dimension(), out);
    }
  };
  const int too_big = rdp::kMaxLatticeDimension + 1;
  Eigen::MatrixXd singular = Eigen::MatrixXd::Identity(3, 3);
  singular(2, 2) = 0.0;
  Eigen::MatrixXd infinite = Eigen::MatrixXd::Identity(2, 2);
  infinite(0, 1) = INFINITY;
  for (const Eigen::MatrixXd& g :
       {Eigen::MatrixXd(Eigen::MatrixXd::Identity(too_big, too_big)), Eigen::MatrixXd(2, 3),
        Eigen::MatrixXd(0, 0), singular, infinite}) {
    CAPTURE(g.rows());
    try {
      Raw l(g);
      FAIL("no exception");
    } catch (const rdp::InvalidArgument& e) {
      CHECK(e.parameter() == "lattice generator");
    }
  }
}

TEST_CASE("lattice covolume: the log stays finite where the volume leaves the doubles") {
  // ln V of a product is k ln V(Λ), and of a·Λ it is n ln a + ln V(Λ): closed forms from the
  // factor's volume, Λ24's 8^12 (4^24 · 2 / 8192 from its 8192 cosets of 4D24).
  const rdp::LatticePtr leech40 = rdp::make_lattice("leech^40");
  CHECK(leech40->dimension() == 960);
  CHECK(leech40->log_covolume() == doctest::Approx(40 * 12 * std::log(8.0)).epsilon(1e-13));
  CHECK(std::isinf(leech40->covolume()));  // 2^1440, documented to overflow
  const rdp::LatticePtr fine = rdp::make_scaled(rdp::make_lattice("z1^1000"), 1e-3);
  CHECK(fine->log_covolume() == doctest::Approx(1000 * std::log(1e-3)).epsilon(1e-13));
  CHECK(fine->covolume() == 0.0);  // 10^-3000, documented to underflow
  // Where V fits, ln V from the LU pivots matches the constructions' volumes (as in the factory
  // test above): A_n √(n+1), D_n 2, D_n* ½, E8 1, Λ16 2^12, Λ24 2^36.
  const struct {
    const char* name;
    double log_covolume;
  } cases[] = {{"a5", 0.5 * std::log(6.0)},
               {"d7", std::log(2.0)},
               {"d5star", -std::log(2.0)},
               {"e8", 0.0},
               {"bw16", 12 * std::log(2.0)},
               {"leech", 36 * std::log(2.0)},
               {"e8^3", 0.0}};
  for (const auto& c : cases) {
    const std::string label = c.name;
    CAPTURE(label);
    // Absolute 1e-12: the pivots of these small integral bases are exact to rounding.
    CHECK(std::fabs(rdp::make_lattice(c.name)->log_covolume() - c.log_covolume) < 1e-12);
  }
}
