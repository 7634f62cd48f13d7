// Explicit heavy-tailed channels for a Gaussian source under forward KL
// (solvers/gaussian_kl_channel.hpp): the family's Gaussian member against the closed forms, and the
// construction of issue 16 that beats the jointly Gaussian value, rebuilt by quadrature.
#include "rdp/solvers/gaussian_kl_channel.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include "rdp/solvers/gaussian_rdp.hpp"

TEST_CASE("Heavy-tail KL channel: the Gaussian member has the Gaussian figures") {
  // c = 0: q = N(0, a²), KL(N(0,1) ‖ N(0,a²)) = ln a + 1/(2a²) − ½, E x² = a², and the comonotone
  // E[Y T(Y)] = a.
  for (double a : {0.4, 0.9, 1.0, 1.7}) {
    const auto f = rdp::heavy_tail_figures({a, 0.0, 0.3});
    INFO("a = " << a);
    CHECK(f.kl_nats == doctest::Approx(std::log(a) + 0.5 / (a * a) - 0.5).epsilon(1e-11));
    CHECK(f.second_moment == doctest::Approx(a * a).epsilon(1e-11));
    CHECK(f.cross_moment == doctest::Approx(a).epsilon(1e-10));
    CHECK(f.error_estimate < 1e-9);
  }
}

TEST_CASE("Heavy-tail KL channel: beats the jointly Gaussian R(D,P) at D = 0.8, P = 0.05 nats") {
  // The construction, a ≈ 0.98, c ≈ 0.94, k ≈ 0.46 with ρ meeting D = 0.8: KL 0.0499997
  // and 0.234862 bits against the jointly Gaussian 0.237011. Rebuilt here from its definition.
  const double jg =
      rdp::rate_distortion_perception_gaussian_kl(1.0, 0.8, 0.05, rdp::KlDirection::forward)
          .rate_bits;
  CHECK(jg == doctest::Approx(0.237011).epsilon(1e-5));
  // The parameters are rounded (they give KL 0.0505 here): the family is optimised
  // instead, from the jointly Gaussian optimum.
  // Optimised over the family: at most the 0.2349 target, meeting D and P.
  const auto t0 = std::chrono::steady_clock::now();
  const auto best = rdp::best_heavy_tail_kl_channel(1.0, 0.8, 0.05);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("optimised: a " << best.output.a << " c " << best.output.c << " k " << best.output.k
                          << ": rate " << best.rate_bits << " (jointly Gaussian " << jg << "), KL "
                          << best.perception_kl_nats << ", D " << best.distortion_mse << ", "
                          << seconds << " s");
  CHECK(best.perception_kl_nats <= 0.05);
  CHECK(best.distortion_mse <= 0.8);
  CHECK(best.rate_bits <= 0.2349);
  CHECK(best.rate_bits < jg - 0.002);  // the margin the issue states: 0.00215 bits
  CHECK(best.output.c > 0.5);          // a genuinely heavy tail, not a Gaussian
  // Scale: the same channel in σ units.
  const auto scaled = rdp::heavy_tail_kl_channel(3.0, best.distortion_mse * 9.0, best.output);
  CHECK(scaled.rate_bits == doctest::Approx(best.rate_bits).epsilon(1e-12));
}

TEST_CASE("Heavy-tail KL channel: below the jointly Gaussian value wherever the perception binds") {
  // Points of fig3's cross-sections; the jointly Gaussian optimum is itself in the family (c = 0),
  // so "below" is a strict improvement found by the optimiser, and each channel meets D and P.
  for (const auto& [d, p] : {std::pair{0.3, 0.03}, std::pair{0.6, 0.1}, std::pair{1.0, 0.3}}) {
    const double jg =
        rdp::rate_distortion_perception_gaussian_kl(1.0, d, p, rdp::KlDirection::forward).rate_bits;
    const auto ch = rdp::best_heavy_tail_kl_channel(1.0, d, p);
    INFO("D = " << d << ", P = " << p << ": " << ch.rate_bits << " against " << jg);
    CHECK(ch.rate_bits < jg - 1e-5);
    CHECK(ch.distortion_mse <= d);
    CHECK(ch.perception_kl_nats <= p);
  }
}
