// Tests of the certified Blahut–Arimoto solver (solvers/ba). Every case name starts with "BA" so
// that `rdp_tests -tc='*BA*'` selects them. Status is checked before values; tolerances are set
// explicitly (rates live near zero, where bare doctest::Approx is too loose).
#include <doctest/doctest.h>
#include <omp.h>

#include <Eigen/Core>
#include <cmath>
#include <nlopt.hpp>
#include <random>

#include "rdp/error.hpp"
#include "rdp/information.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/bernoulli_tv.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/sources.hpp"
#include "test_support.hpp"

namespace {

// Rounding in the recomputed bounds is ~1e-15 per term; 1e-9 bits leaves room for sums.
constexpr double kRounding = 1e-9;

// N(0,1) discretised on `cells` cells, squared error.
rdp::FiniteRdpProblem gaussian_problem(rdp::Perception perception, int cells) {
  return rdp::make_problem_for_source(rdp::Gaussian(0.0, 1.0), rdp::squared_error_distortion(),
                                      perception, cells);
}

rdp::FiniteRdpProblem bernoulli_tv(double p) {
  return rdp::make_finite_problem(rdp::Bernoulli(p), rdp::hamming_distortion(),
                                  rdp::Perception::tv);
}

// The certificate must bracket the truth whatever the status.
void check_brackets(const rdp::BaResult& r, double truth) {
  CHECK(r.lower_bits <= truth + kRounding);
  CHECK(truth <= r.upper_bits + kRounding);
}

}  // namespace

TEST_CASE("BA: Bernoulli-Hamming-TV matches the closed form on a grid, certified") {
  // Reference: Blau & Michaeli 2019, Thm. 3 (rdp::rate_distortion_perception_bernoulli_tv).
  // The full 50x50 grid lives in bench/ba_benchmark.cpp; here a 7x7 grid over every region.
  const double p = 0.3;
  rdp::BaSolver solver(bernoulli_tv(p));
  for (int a = 1; a <= 7; ++a)
    for (int b = 0; b < 7; ++b) {
      const double d = 0.4 * a / 7.0, pp = 0.3 * b / 6.0;
      const auto r = solver.solve(d, pp);
      const double truth = rdp::rate_distortion_perception_bernoulli_tv(p, d, pp).rate_bits;
      CAPTURE(d);
      CAPTURE(pp);
      REQUIRE(r.status == rdp::BaStatus::converged);
      CHECK(r.gap_bits <= 1e-6 * (1 + 1e-9));
      check_brackets(r, truth);
      CHECK(std::abs(r.rate_bits - truth) <= 1e-6);
    }
}

TEST_CASE("BA: the 50x50 Bernoulli-Hamming-TV surface converges everywhere to 1e-6") {
  // The issue's accuracy target, as bench/ba_benchmark.cpp's BM_BernoulliTvGrid sweeps it
  // (columns of fixed D, warm-started along P). Two points near R = 0 (R ≈ 1e-4 bits) only
  // close with the primal polish; before it they stopped 5e-5 bits above R after 400k passes.
  const double p = 0.3;
  rdp::BaOptions o;
  o.gap_bits = 1e-6;
  const auto ds = rdp::linspace(0.42 / 50, 0.42, 50), ps = rdp::linspace(0.0, 0.3, 50);
  const auto grid = rdp::ba_surface(bernoulli_tv(p), ds, ps, o);
  int not_converged = 0;
  for (std::size_t i = 0; i < ds.size(); ++i)
    for (std::size_t j = 0; j < ps.size(); ++j) {
      const auto& r = grid[i * ps.size() + j];
      const double truth = rdp::rate_distortion_perception_bernoulli_tv(p, ds[i], ps[j]).rate_bits;
      CAPTURE(ds[i]);
      CAPTURE(ps[j]);
      if (r.status != rdp::BaStatus::converged) ++not_converged;
      check_brackets(r, truth);
      CHECK(std::abs(r.rate_bits - truth) <= 1e-6);
    }
  CHECK(not_converged == 0);
}

TEST_CASE("BA: Bernoulli-Hamming-TV near R = 0, where the dual is flat, still certifies 1e-6") {
  // Points of the benchmark's 50x50 grid that stopped at the iteration cap with gaps up to 5e-5
  // bits before the joint dual polish (R between 1e-5 and 6e-4 bits). Cold solves, each on its
  // own solver, so no warm start helps.
  const double p = 0.3;
  const std::vector<std::pair<double, double>> hard = {{0.3612, 0.1224489795918367},
                                                       {0.378, 0.09183673469387756},
                                                       {0.3864, 0.0673469387755102},
                                                       {0.3108, 0.26326530612244897},
                                                       {0.4032, 0.03673469387755102}};
  for (const auto& [d, pp] : hard) {
    const auto r = rdp::solve_rdp_ba(bernoulli_tv(p), d, pp);
    const double truth = rdp::rate_distortion_perception_bernoulli_tv(p, d, pp).rate_bits;
    CAPTURE(d);
    CAPTURE(pp);
    CAPTURE(r.message);
    REQUIRE(r.status == rdp::BaStatus::converged);
    CHECK(r.gap_bits <= 1e-6 * (1 + 1e-9));
    check_brackets(r, truth);
  }
}

TEST_CASE("BA: the channel in the result is the certificate") {
  const auto pb = bernoulli_tv(0.3);
  const auto r = rdp::solve_rdp_ba(pb, 0.12, 0.04);
  REQUIRE(r.status == rdp::BaStatus::converged);
  REQUIRE(r.channel.rows() == 2);
  for (Eigen::Index i = 0; i < r.channel.rows(); ++i)
    CHECK(r.channel.row(i).sum() == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(rdp::mutual_information_bits(pb.source_pmf, r.channel) ==
        doctest::Approx(r.upper_bits).epsilon(1e-12));
  const double ed = (pb.source_pmf.asDiagonal() * r.channel).cwiseProduct(pb.distortion).sum();
  CHECK(ed <= 0.12 + 1e-12);
  const Eigen::VectorXd q = r.channel.transpose() * pb.source_pmf;
  CHECK(rdp::total_variation(pb.source_pmf, q) <= 0.04 + 1e-12);
  CHECK(r.slope_distortion_bits > 0.0);
}

TEST_CASE("BA: R = 0 and D at its minimum need no iteration") {
  const auto pb = bernoulli_tv(0.3);
  // S3: D >= 2pq - (q - p)P.
  const auto zero = rdp::solve_rdp_ba(pb, 0.45, 0.1);
  REQUIRE(zero.status == rdp::BaStatus::converged);
  CHECK(zero.iterations == 0);
  CHECK(zero.upper_bits == 0.0);
  // D = 0: the identity is the only channel; R = H(X).
  const auto exact = rdp::solve_rdp_ba(pb, 0.0, 0.0);
  REQUIRE(exact.status == rdp::BaStatus::converged);
  CHECK(exact.iterations == 0);
  CHECK(exact.rate_bits == doctest::Approx(rdp::binary_entropy_bits(0.3)).epsilon(1e-14));
}

TEST_CASE("BA: infeasible targets are reported, not iterated") {
  // Reconstruction alphabet {0.5}: every x errs, so D < 1 cannot be met with Hamming distortion.
  rdp::FinitePmf src({0.0, 1.0}, {0.4, 0.6});
  const auto pb =
      rdp::make_finite_problem(src, rdp::hamming_distortion(), rdp::Perception::tv, {0.0});
  const auto r = rdp::solve_rdp_ba(pb, 0.1, 0.9);
  CHECK(r.status == rdp::BaStatus::infeasible);
  CHECK(r.iterations == 0);
  // TV against a one-point alphabet is at least 0.6 (the unmatched mass).
  const auto r2 = rdp::solve_rdp_ba(pb, 1.0, 0.5);
  CHECK(r2.status == rdp::BaStatus::infeasible);
  CHECK_THROWS_AS(rdp::solve_rdp_ba(pb, -1.0, 0.1), rdp::InvalidArgument);
  rdp::BaOptions bad;
  bad.gap_bits = 0.0;
  CHECK_THROWS_AS(bad.validate(), rdp::InvalidArgument);
}

TEST_CASE("BA: zero masses and duplicate reconstruction points do not change R") {
  rdp::FinitePmf plain({0.0, 1.0, 2.0}, {0.5, 0.3, 0.2});
  rdp::FinitePmf padded({0.0, 1.0, 2.0, 3.0}, {0.5, 0.3, 0.2, 0.0});
  const auto a = rdp::solve_rdp_ba(
      rdp::make_finite_problem(plain, rdp::squared_error_distortion(), rdp::Perception::rkl), 0.3,
      0.05);
  const auto b =
      rdp::solve_rdp_ba(rdp::make_finite_problem(padded, rdp::squared_error_distortion(),
                                                 rdp::Perception::rkl, {0.0, 1.0, 1.0, 2.0}),
                        0.3, 0.05);
  REQUIRE(a.status == rdp::BaStatus::converged);
  REQUIRE(b.status == rdp::BaStatus::converged);
  CHECK(std::abs(a.rate_bits - b.rate_bits) <= 2e-6);
}

namespace {

// Brute force: minimise I(W) over 3x3 channels (softmax rows) subject to E[Δ] <= D and
// d(p, q) <= P with NLopt's COBYLA from random starts. I is convex in W and the constraints are
// convex, so local minima are global; the random starts guard against stalls.
double brute_force_rate(const rdp::FiniteRdpProblem& pb, double d, double p, std::uint64_t seed) {
  const int m = static_cast<int>(pb.source_pmf.size()), n = static_cast<int>(pb.distortion.cols());
  auto channel = [&](const std::vector<double>& x) {
    Eigen::MatrixXd w(m, n);
    for (int i = 0; i < m; ++i) {
      double top = -1e300;
      for (int j = 0; j < n; ++j) top = std::max(top, x[i * n + j]);
      for (int j = 0; j < n; ++j) w(i, j) = std::exp(x[i * n + j] - top);
      w.row(i) /= w.row(i).sum();
    }
    return w;
  };
  struct Ctx {
    const rdp::FiniteRdpProblem* pb;
    decltype(channel)* ch;
    double d, p;
  } ctx{&pb, &channel, d, p};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 2.0);
  double best = 1e300;
  for (int start = 0; start < 12; ++start) {
    nlopt::opt o(nlopt::LN_COBYLA, static_cast<unsigned>(m * n));
    o.set_min_objective(
        [](const std::vector<double>& x, std::vector<double>&, void* data) {
          auto* c = static_cast<Ctx*>(data);
          return rdp::mutual_information_bits(c->pb->source_pmf, (*c->ch)(x));
        },
        &ctx);
    o.add_inequality_constraint(
        [](const std::vector<double>& x, std::vector<double>&, void* data) {
          auto* c = static_cast<Ctx*>(data);
          const Eigen::MatrixXd w = (*c->ch)(x);
          return (c->pb->source_pmf.asDiagonal() * w).cwiseProduct(c->pb->distortion).sum() - c->d;
        },
        &ctx, 1e-10);
    o.add_inequality_constraint(
        [](const std::vector<double>& x, std::vector<double>&, void* data) {
          auto* c = static_cast<Ctx*>(data);
          const Eigen::VectorXd q = (*c->ch)(x).transpose() * c->pb->source_pmf;
          return c->pb->perception->value(q) - c->p;
        },
        &ctx, 1e-10);
    o.set_xtol_rel(1e-10);
    o.set_maxeval(6000);
    std::vector<double> x(static_cast<std::size_t>(m * n));
    for (auto& v : x) v = normal(rng);
    for (int i = 0; i < std::min(m, n); ++i) x[i * n + i] += 3.0;  // start near a feasible map
    double f = 0.0;
    try {
      o.optimize(x, f);
    } catch (const std::exception&) {
      // roundoff_limited and friends: keep whatever point it reached, checked below.
    }
    const Eigen::MatrixXd w = channel(x);
    const double ed = (pb.source_pmf.asDiagonal() * w).cwiseProduct(pb.distortion).sum();
    const Eigen::VectorXd q = w.transpose() * pb.source_pmf;
    if (ed <= d + 1e-8 && pb.perception->value(q) <= p + 1e-8)
      best = std::min(best, rdp::mutual_information_bits(pb.source_pmf, w));
  }
  return best;
}

}  // namespace

TEST_CASE("BA: 3-letter KL and W1 cases against a brute-force search") {
  rdp::FinitePmf src({0.0, 1.0, 3.0}, {0.5, 0.3, 0.2});
  struct Case {
    rdp::Perception perception;
    double d, p;
  };
  // Every case converges to the 1e-6 gap: KL in both directions by its exact prox, the transport
  // divergences (W1, W2²) through the Newton inner solve (docs/THEORY.md §6.5; their damped
  // subgradient tilt alone stalls here). The certificate must bracket the brute-force optimum.
  const Case cases[] = {{rdp::Perception::kl, 0.4, 0.05},
                        {rdp::Perception::rkl, 0.4, 0.05},
                        {rdp::Perception::w1, 0.3, 0.1},
                        {rdp::Perception::w2sq, 0.5, 0.2}};
  for (const auto& c : cases) {
    const auto pb = rdp::make_finite_problem(src, rdp::squared_error_distortion(), c.perception);
    const auto r = rdp::solve_rdp_ba(pb, c.d, c.p);
    CAPTURE(rdp::perception_name(c.perception));
    REQUIRE(r.status == rdp::BaStatus::converged);
    REQUIRE(std::isfinite(r.upper_bits));
    const double brute = brute_force_rate(pb, c.d, c.p, rdp_test_seed());
    CAPTURE(brute);
    CAPTURE(r.lower_bits);
    CAPTURE(r.upper_bits);
    // Nothing feasible beats the certified lower bound (the brute force is feasible to 1e-8,
    // which the slopes turn into at most ~1e-7 bits) ...
    CHECK(brute >= r.lower_bits - 1e-6);
    // ... and the solver's channel is as good as the brute force (converged to ~1e-5 bits).
    CHECK(r.upper_bits <= brute + 1e-4);
  }
}

TEST_CASE("BA: a cost-matrix Wasserstein divergence gives valid bounds like W1 on the line") {
  rdp::FinitePmf src({0.0, 1.0, 3.0}, {0.5, 0.3, 0.2});
  const auto line =
      rdp::make_finite_problem(src, rdp::squared_error_distortion(), rdp::Perception::w1);
  auto general = line;
  Eigen::MatrixXd cost(3, 3);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) cost(i, j) = std::abs(src.support()[i] - src.support()[j]);
  general.perception = rdp::make_wasserstein_cost_divergence(line.source_pmf, cost);
  // Same divergence, two implementations: values agree (entropic value within its tolerance).
  Eigen::VectorXd q(3);
  q << 0.6, 0.3, 0.1;
  CHECK(general.perception->value(q) == doctest::Approx(line.perception->value(q)).epsilon(1e-6));
  CHECK(general.perception->value(q) >= line.perception->value(q) - 1e-12);
  rdp::BaOptions o;
  o.gap_bits = 1e-5;
  o.max_iterations = 5000;
  const auto a = rdp::solve_rdp_ba(line, 0.3, 0.1, o);
  const auto b = rdp::solve_rdp_ba(general, 0.3, 0.1, o);
  REQUIRE(std::isfinite(a.upper_bits));
  REQUIRE(std::isfinite(b.upper_bits));
  // Both certificates bracket the same R(D,P).
  CHECK(a.lower_bits <= b.upper_bits + kRounding);
  CHECK(b.lower_bits <= a.upper_bits + kRounding);
}

namespace {

// N(0,1) discretised on 96 cells, solved at every (D, P) of the grid by one warm-started solver;
// `check(r, closed_form)` receives each result, required converged, and the closed form there.
template <class ClosedForm, class Check>
void gaussian_grid(rdp::Perception perception, double gap_bits, const std::vector<double>& ds,
                   const std::vector<double>& ps, ClosedForm closed_form, Check check) {
  const auto pb = gaussian_problem(perception, 96);
  rdp::BaOptions o;
  o.gap_bits = gap_bits;
  rdp::BaSolver solver(pb, o);
  for (double d : ds)
    for (double p : ps) {
      const auto r = solver.solve(d, p);
      CAPTURE(d);
      CAPTURE(p);
      CAPTURE(r.message);
      REQUIRE(r.status == rdp::BaStatus::converged);
      check(r, closed_form(d, p));
    }
}

}  // namespace

TEST_CASE("BA: discretised Gaussian with reverse KL matches the Gaussian closed form") {
  // For KL(p_X̂‖p_X) the jointly Gaussian value is optimal (gaussian_rdp.hpp); 96 cells keep the
  // discretisation error near 1e-3 bits. The 1024-cell comparisons are in the benchmark.
  gaussian_grid(
      rdp::Perception::rkl, 1e-4, {0.3, 0.8}, {0.02, 0.2},
      [](double d, double p) {
        return rdp::rate_distortion_perception_gaussian_kl(1.0, d, p, rdp::KlDirection::reverse)
            .rate_bits;
      },
      [](const rdp::BaResult& r, double truth) { CHECK(std::abs(r.rate_bits - truth) <= 1e-2); });
}

TEST_CASE("BA: without a perception constraint it is Shannon's R(D), certified") {
  // Bernoulli(0.3), Hamming: R(D) = h(0.3) − h(D) for D < 0.3 (Cover & Thomas, Thm. 10.3.1).
  {
    const auto pb = rdp::make_finite_problem(rdp::Bernoulli(0.3), rdp::hamming_distortion(),
                                             rdp::Perception::none);
    rdp::BaSolver solver(pb);
    for (double d : {0.01, 0.1, 0.2, 0.29}) {
      const auto r = solver.solve(d, 0.0);
      const double truth = rdp::binary_entropy_bits(0.3) - rdp::binary_entropy_bits(d);
      CAPTURE(d);
      REQUIRE(r.status == rdp::BaStatus::converged);
      check_brackets(r, truth);
    }
  }
  // N(0,1) on 256 cells against ½ log2(1/D) (Cover & Thomas, Thm. 10.3.2): the discretisation
  // moves R by about 1.4e-4 bits at D = 0.1, so 1e-3 bounds it with room. The budget of 3000
  // passes per query is what the repaired dual bound needs at most here; Blahut's own bound,
  // held back by the near-empty tail cells, needed 9.5k (D = 0.05) to 18k (D = 0.83).
  const auto pb = gaussian_problem(rdp::Perception::none, 256);
  rdp::BaOptions o;
  o.gap_bits = 1e-4;
  o.max_iterations = 3000;
  for (double d : {0.05, 0.1, 0.3, 0.6, 0.83}) {
    const auto r = rdp::solve_rdp_ba(pb, d, 0.0, o);
    CAPTURE(d);
    CAPTURE(r.message);
    REQUIRE(r.status == rdp::BaStatus::converged);
    CHECK(std::abs(r.rate_bits - 0.5 * std::log2(1.0 / d)) <= 1e-3);
  }
}

TEST_CASE("BA: bounds stopped early still bracket R(D) (the repaired dual included)") {
  // The repaired Blahut bound matters most before convergence, when the tail cells' c_j > 1;
  // whatever the budget, [lower, upper] must contain a tightly certified reference.
  const auto pb = gaussian_problem(rdp::Perception::none, 64);
  for (double d : {0.1, 0.3, 0.7}) {
    rdp::BaOptions tight;
    tight.gap_bits = 1e-6;
    const auto ref = rdp::solve_rdp_ba(pb, d, 0.0, tight);
    REQUIRE(ref.status == rdp::BaStatus::converged);
    for (long budget : {3L, 10L, 30L, 100L, 300L}) {
      rdp::BaOptions o;
      o.gap_bits = 1e-8;
      o.max_iterations = budget;
      const auto r = rdp::solve_rdp_ba(pb, d, 0.0, o);
      CAPTURE(d);
      CAPTURE(budget);
      CHECK(r.lower_bits <= ref.upper_bits + kRounding);
      CHECK(r.upper_bits >= ref.lower_bits - kRounding);
    }
  }
}

TEST_CASE("BA: a sweep over P at fixed D solves Shannon's R(D) once") {
  // Where the perception constraint is inactive, R(D,P) = R(D); the solver remembers the μ = 0
  // phase for its D, so the second such point costs no pass. Every answer must still bracket a
  // cold solve's.
  const auto pb = gaussian_problem(rdp::Perception::rkl, 96);
  rdp::BaOptions o;
  o.gap_bits = 1e-4;
  rdp::BaSolver solver(pb, o);
  const double d = 0.6;
  const std::vector<double> ps = {1.0, 0.8, 0.1, 0.01, 0.0};
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const auto r = solver.solve(d, ps[k]);
    const auto cold = rdp::solve_rdp_ba(pb, d, ps[k], o);
    CAPTURE(ps[k]);
    REQUIRE(r.status == rdp::BaStatus::converged);
    REQUIRE(cold.status == rdp::BaStatus::converged);
    CHECK(r.lower_bits <= cold.upper_bits + kRounding);
    CHECK(cold.lower_bits <= r.upper_bits + kRounding);
    // P = 0.8: Shannon's channel at D = 0.6 has KL(q‖p_X) far below 0.8 (the Gaussian scheme's
    // is 0.5(0.4 − 1 − ln 0.4) = 0.16 nats), so the remembered phase certifies it.
    if (k == 1) CHECK(r.iterations == 0);
  }
}

TEST_CASE("BA: a surface is the same for 1 and 2 threads") {
  // Each column of fixed D has its own solver, so no warm start crosses threads.
  const auto pb = gaussian_problem(rdp::Perception::rkl, 64);
  rdp::BaOptions o;
  o.gap_bits = 1e-4;
  const std::vector<double> ds = {0.2, 0.5, 0.8, 1.1}, ps = {0.0, 0.1, 0.4};
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto a = rdp::ba_surface(pb, ds, ps, o);
  omp_set_num_threads(2);
  const auto b = rdp::ba_surface(pb, ds, ps, o);
  omp_set_num_threads(saved);
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    CHECK(a[k].status == b[k].status);
    CHECK(a[k].lower_bits == b[k].lower_bits);
    CHECK(a[k].upper_bits == b[k].upper_bits);
    CHECK(a[k].iterations == b[k].iterations);
  }
}

TEST_CASE("BA: R(D,P) is non-increasing in D and in P") {
  rdp::FinitePmf src({0.0, 1.0, 2.0, 3.0}, {0.1, 0.4, 0.3, 0.2});
  const auto pb =
      rdp::make_finite_problem(src, rdp::squared_error_distortion(), rdp::Perception::tv);
  rdp::BaOptions o;
  o.gap_bits = 1e-6;
  const std::vector<double> ds = {0.1, 0.3, 0.6}, ps = {0.0, 0.1, 0.3};
  const auto grid = rdp::ba_surface(pb, ds, ps, o);
  for (std::size_t i = 0; i < ds.size(); ++i)
    for (std::size_t j = 0; j < ps.size(); ++j) {
      const auto& r = grid[i * ps.size() + j];
      REQUIRE(r.status == rdp::BaStatus::converged);
      if (i > 0) CHECK(r.lower_bits <= grid[(i - 1) * ps.size() + j].upper_bits + kRounding);
      if (j > 0) CHECK(r.lower_bits <= grid[i * ps.size() + j - 1].upper_bits + kRounding);
    }
}

namespace {

// KL(u ‖ a/Σa) + μ d(p_X, u), the objective the entropic prox minimises.
double prox_objective(const rdp::PerceptionDivergence& div, const Eigen::VectorXd& a, double mu,
                      const Eigen::VectorXd& u) {
  const Eigen::VectorXd y = a / a.sum();
  double kl = 0.0;
  for (Eigen::Index k = 0; k < u.size(); ++k)
    if (u[k] > 0.0) kl += u[k] * std::log(u[k] / y[k]);
  return kl + mu * div.value(u);
}

}  // namespace

namespace {

// Minimises the prox objective over the 4-cell simplex by Nelder–Mead in softmax coordinates
// (started from the uniform pmf): a derivative-free search that can only be worse than the
// exact minimiser.
double nelder_mead_prox(const rdp::PerceptionDivergence& div, const Eigen::VectorXd& a, double mu) {
  using Ctx = std::tuple<const rdp::PerceptionDivergence*, const Eigen::VectorXd*, double>;
  Ctx ctx{&div, &a, mu};
  nlopt::opt opt(nlopt::LN_NELDERMEAD, 4);
  opt.set_xtol_abs(1e-12);
  opt.set_maxeval(20000);
  opt.set_min_objective(
      [](const std::vector<double>& t, std::vector<double>&, void* data) {
        auto* c = static_cast<Ctx*>(data);
        Eigen::VectorXd v(4);
        const double top = *std::max_element(t.begin(), t.end());
        for (int k = 0; k < 4; ++k) v[k] = std::exp(t[k] - top);
        v /= v.sum();
        return prox_objective(*std::get<0>(*c), *std::get<1>(*c), std::get<2>(*c), v);
      },
      &ctx);
  std::vector<double> t(4, 0.0);
  double found = 0.0;
  try {
    opt.optimize(t, found);
  } catch (const std::exception&) {
    found = opt.last_optimum_value();
  }
  return found;
}

}  // namespace

TEST_CASE("BA: the forward-KL prox is the exact minimiser") {
  // KL(u‖y) + μ KL(ref‖u) with a zero in ref (that cell follows y alone) and a small y_k where
  // ref is large (the case the subgradient tilt handled badly).
  Eigen::VectorXd a(4), ref(4);
  a << 0.5, 0.3, 0.02, 0.18;
  ref << 0.2, 0.0, 0.5, 0.3;
  rdp::CellReference cr;
  cr.ref = ref;
  const auto div = rdp::make_kl_forward_divergence(cr);
  std::mt19937_64 rng(rdp_test_seed());
  std::normal_distribution<double> gauss(0.0, 1.0);
  for (double mu : {0.1, 1.0, 10.0, 1000.0}) {
    Eigen::VectorXd u(4);
    div->prox(a, mu, u);
    const double best = prox_objective(*div, a, mu, u);
    CAPTURE(mu);
    CHECK(std::abs(u.sum() - 1.0) <= 1e-12);
    const double found = nelder_mead_prox(*div, a, mu);
    // Relative to the objective's scale (μ up to 1000).
    CHECK(best <= found + 1e-12 * (1.0 + mu));
    CHECK(found - best <= 1e-6 * (1.0 + mu));
    for (int trial = 0; trial < 200; ++trial) {
      Eigen::VectorXd v(4);
      for (int k = 0; k < 4; ++k) v[k] = u[k] * std::exp(1e-3 * gauss(rng));
      v /= v.sum();
      CHECK(prox_objective(*div, a, mu, v) >= best - 1e-12 * (1.0 + mu));
    }
  }
}

TEST_CASE("BA: the line-transport prox is the exact minimiser (W1 and W2², off-grid source)") {
  // Source points that are not cells, so the coupling splits masses. The prox claims to be the
  // exact minimiser; checked against a derivative-free search over the simplex (NLopt's
  // Nelder–Mead in softmax coordinates, started from the uniform pmf) and against random
  // multiplicative perturbations of its output.
  const std::vector<double> xs = {-1.3, -0.2, 0.4, 1.1, 2.0};
  Eigen::VectorXd px(5);
  px << 0.15, 0.3, 0.25, 0.2, 0.1;
  const std::vector<double> cells = {-1.0, 0.0, 0.7, 1.5};
  Eigen::VectorXd a(4);
  a << 0.4, 0.1, 0.3, 0.2;
  std::mt19937_64 rng(rdp_test_seed());
  std::normal_distribution<double> gauss(0.0, 1.0);
  for (double r : {1.0, 2.0})
    for (double mu : {0.3, 3.0, 30.0}) {
      const auto div = rdp::make_wasserstein_line_divergence(xs, px, cells, r);
      Eigen::VectorXd u(4);
      div->prox(a, mu, u);
      const double best = prox_objective(*div, a, mu, u);
      CAPTURE(r);
      CAPTURE(mu);
      CHECK(std::abs(u.sum() - 1.0) <= 1e-12);
      const double found = nelder_mead_prox(*div, a, mu);
      // The search can only be worse than the exact minimiser, and should come close to it.
      CHECK(best <= found + 1e-12);
      CHECK(found - best <= 1e-6);
      for (int trial = 0; trial < 200; ++trial) {
        Eigen::VectorXd v(4);
        for (int k = 0; k < 4; ++k) v[k] = u[k] * std::exp(1e-3 * gauss(rng));
        v /= v.sum();
        CHECK(prox_objective(*div, a, mu, v) >= best - 1e-13);
      }
    }
}

TEST_CASE("BA: the line-transport conjugate equals the direct c-transform") {
  // μφ*(ℓ/μ) = Σ_i p_i max_k (ℓ_k − μ|x_i − z_k|^r); the divergence computes it by divide and
  // conquer over monotone maximisers, checked against the O(m·n) maximum, cells excluded
  // (ℓ = −inf) included.
  std::mt19937_64 rng(rdp_test_seed());
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> xs(37), cells(23);
  for (auto& x : xs) x = 2.0 * gauss(rng);
  for (auto& z : cells) z = 2.0 * gauss(rng);
  Eigen::VectorXd px = Eigen::VectorXd::Zero(37);
  for (int i = 0; i < 37; ++i) px[i] = i % 5 == 0 ? 0.0 : std::exp(gauss(rng));
  px /= px.sum();
  for (double r : {1.0, 2.0, 3.0}) {
    const auto div = rdp::make_wasserstein_line_divergence(xs, px, cells, r);
    for (double mu : {0.0, 0.1, 2.0, 50.0}) {
      Eigen::VectorXd ell(23);
      for (int k = 0; k < 23; ++k)
        ell[k] = k % 7 == 3 ? -std::numeric_limits<double>::infinity() : gauss(rng);
      double direct = 0.0;
      for (int i = 0; i < 37; ++i) {
        double best = -std::numeric_limits<double>::infinity();
        for (int k = 0; k < 23; ++k)
          best = std::max(best, ell[k] - mu * std::pow(std::abs(xs[i] - cells[k]), r));
        direct += px[i] * best;
      }
      CAPTURE(r);
      CAPTURE(mu);
      CHECK(div->perspective_conjugate(ell, mu) == doctest::Approx(direct).epsilon(1e-13));
    }
  }
}

TEST_CASE("BA: discretised Gaussian with W2² matches the Gaussian closed form") {
  // Zhang et al. (NeurIPS 2021) Thm. 2 (docs/THEORY.md §3) for N(0,1); 96 cells keep the
  // discretisation error below ~1e-2 bits (measured 4e-4 at 256 cells, D = 0.3, P = 0.01). Both
  // perception-active points (P = 0.002, 0.01) and inactive ones (P = 0.1, which the Shannon
  // output already meets), at a surface-grade gap.
  gaussian_grid(
      rdp::Perception::w2sq, 1e-3, {0.3, 0.8}, {0.002, 0.01, 0.1},
      [](double d, double p) {
        return rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, p).rate_bits;
      },
      [](const rdp::BaResult& r, double truth) { CHECK(std::abs(r.rate_bits - truth) <= 1e-2); });
}

TEST_CASE(
    "BA: the Newton inner solve and Blahut-Arimoto alone certify the same transport answers") {
  // BaOptions::newton (docs/THEORY.md §6.5) changes only how the fixed-multiplier problems are
  // solved; each answer is certified by its own pass, so the two certified intervals must both
  // hold the truth and hence overlap (up to the 1e-12-bit rounding of a bound), and with Newton
  // every query must reach its gap. W2² is also held to the closed form as in the test above.
  for (const auto perception : {rdp::Perception::w2sq, rdp::Perception::w1}) {
    const auto pb = gaussian_problem(perception, 96);
    rdp::BaOptions with, without;
    with.gap_bits = without.gap_bits = 1e-5;
    without.newton = false;
    rdp::BaSolver newton(pb, with), plain(pb, without);
    for (double d : {0.3, 0.8})
      for (double p : {0.005, 0.05}) {
        const auto a = newton.solve(d, p), b = plain.solve(d, p);
        CAPTURE(rdp::perception_name(perception));
        CAPTURE(d);
        CAPTURE(p);
        CAPTURE(a.message);
        REQUIRE(a.status == rdp::BaStatus::converged);
        CHECK(a.gap_bits <= 1e-5);
        CHECK(a.lower_bits <= b.upper_bits + 1e-12);
        CHECK(b.lower_bits <= a.upper_bits + 1e-12);
        if (perception == rdp::Perception::w2sq)
          CHECK(std::abs(a.rate_bits -
                         rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, p).rate_bits) <=
                1e-2);
      }
  }
}

TEST_CASE("BA: the low-rank Newton step (256 cells) certifies the W2² closed form") {
  // On 256 cells the scaled kernel's pivoted-Cholesky rank (~47) is below n/4, so the Newton
  // solve runs on the low-rank Hessian (docs/THEORY.md §6.5); on 96 cells the test above runs
  // the dense one. Zhang et al.'s closed form is within the 256-cell discretisation error
  // (measured 4e-4 bits at D = 0.3, P = 0.01, so 2e-3 leaves room), and a Blahut–Arimoto-only
  // solve at a looser gap must overlap the certified interval.
  const auto pb = gaussian_problem(rdp::Perception::w2sq, 256);
  rdp::BaOptions with, without;
  with.gap_bits = 1e-6;
  without.gap_bits = 1e-3;
  without.newton = false;
  const double d = 0.5, p = 0.05;
  const auto a = rdp::solve_rdp_ba(pb, d, p, with), b = rdp::solve_rdp_ba(pb, d, p, without);
  CAPTURE(a.message);
  REQUIRE(a.status == rdp::BaStatus::converged);
  CHECK(a.lower_bits <= b.upper_bits + 1e-12);
  CHECK(b.lower_bits <= a.upper_bits + 1e-12);
  CHECK(std::abs(a.rate_bits -
                 rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, p).rate_bits) <= 2e-3);
}

TEST_CASE(
    "BA: discretised Gaussian with forward KL converges and never exceeds the Gaussian scheme") {
  // For KL(p_X‖p_X̂) the jointly Gaussian value (gaussian_rdp.hpp) is achievable, so R lies at or
  // below it; whether it is optimal is open (the benchmark reports where the certified upper
  // bound falls below it). On 96 cells the discretisation moves R by up to ~1e-2 bits.
  gaussian_grid(
      rdp::Perception::kl, 1e-4, {0.3, 0.8}, {0.01, 0.1},
      [](double d, double p) {
        return rdp::rate_distortion_perception_gaussian_kl(1.0, d, p, rdp::KlDirection::forward)
            .rate_bits;
      },
      [](const rdp::BaResult& r, double scheme) {
        CHECK(r.lower_bits <= scheme + 1e-2);
        CHECK(std::abs(r.rate_bits - scheme) <= 2e-2);
      });
}

TEST_CASE("BA: FFT passes and dense passes certify the same answers (512 cells)") {
  // BaOptions::fft_pass (docs/THEORY.md §6.6) only changes the search steps; every bound comes
  // from an exact pass, so both certified intervals must hold the truth and hence overlap (up to
  // the 1e-12-bit rounding of a bound), and both must reach the gap. Shannon's R(D) and W2² are
  // also held to their closed forms (½ log₂(1/D); Zhang et al., NeurIPS 2021, Thm. 2) within the
  // 512-cell discretisation error (measured 3.3e-5 and 5.5e-5 bits at D = 0.5, so 1e-3 leaves
  // room). 512 cells is where the solver starts taking FFT passes.
  struct Case {
    rdp::Perception perception;
    double d, p;
  };
  for (const Case c :
       {Case{rdp::Perception::none, 0.5, 0.0}, Case{rdp::Perception::w2sq, 0.5, 0.05},
        Case{rdp::Perception::kl, 0.3, 0.05}}) {
    const auto pb = gaussian_problem(c.perception, 512);
    rdp::BaOptions fast, dense;
    fast.gap_bits = dense.gap_bits = 1e-6;
    dense.fft_pass = false;
    const auto a = rdp::solve_rdp_ba(pb, c.d, c.p, fast),
               b = rdp::solve_rdp_ba(pb, c.d, c.p, dense);
    CAPTURE(rdp::perception_name(c.perception));
    CAPTURE(a.message);
    CAPTURE(b.message);
    REQUIRE(a.status == rdp::BaStatus::converged);
    REQUIRE(b.status == rdp::BaStatus::converged);
    CHECK(a.lower_bits <= b.upper_bits + 1e-12);
    CHECK(b.lower_bits <= a.upper_bits + 1e-12);
    double truth = std::nan("");
    if (c.perception == rdp::Perception::none) truth = 0.5 * std::log2(1.0 / c.d);
    if (c.perception == rdp::Perception::w2sq)
      truth = rdp::rate_distortion_perception_gaussian_w2sq(1.0, c.d, c.p).rate_bits;
    if (std::isfinite(truth)) CHECK(std::abs(a.rate_bits - truth) <= 1e-3);
  }
}
