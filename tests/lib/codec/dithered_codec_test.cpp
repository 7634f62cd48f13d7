// Dithered lattice codecs (Lei, Hassani, Saeedi Bidokhti, arXiv 2503.17558; docs/THEORY.md §5).
#include "rdp/codec/dithered_codec.hpp"

#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/mc/statistics.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/perfect_realism.hpp"
#include "rdp/solvers/shannon.hpp"
#include "rdp/sources.hpp"
#include "test_support.hpp"

namespace {

std::shared_ptr<const rdp::CodecLattices> codec(rdp::CodecKind kind, const char* lattice, double d,
                                                double p, int a = 1) {
  const auto base = rdp::make_lattice(lattice);
  const double nsm = *rdp::reference_nsm(lattice);
  return std::make_shared<rdp::CodecLattices>(
      base, rdp::choose_codec_parameters(kind, *base, nsm, 0.0, 1.0, d, p, a));
}

rdp::SimulationResult run(const std::shared_ptr<const rdp::CodecLattices>& c, std::uint64_t blocks,
                          int rate_points = 32) {
  rdp::SimulationOptions o;
  o.blocks = blocks;
  o.seed = rdp_test_seed();
  o.rate_points = rate_points;
  o.projections = 16;
  return rdp::simulate_codec(c, rdp::Gaussian(0.0, 1.0), o);
}

}  // namespace

TEST_CASE("Codec parameters: SD reproduces the jointly Gaussian optimum of R(D,P) with W2") {
  // In the moment model SD's output is g(x + e), so ρ = σ/√(σ² + σ_e²) and s = g√(σ² + σ_e²);
  // they must be the (ρ*, s*) of Zhang et al.'s closed form (gaussian_rdp.hpp).
  const auto base = rdp::make_lattice("e8");
  for (double d : {0.05, 0.3, 0.8}) {
    for (double p : {0.0, 0.01, 0.1, 2.0}) {
      const auto prm =
          rdp::choose_codec_parameters(rdp::CodecKind::sd, *base, 929.0 / 12960, 0.0, 1.0, d, p);
      const auto th = rdp::rate_distortion_perception_gaussian_w2sq(1.0, d, p);
      INFO("D=" << d << " P=" << p);
      CHECK(std::abs(prm.predicted_correlation - th.correlation) <= 1e-9);
      CHECK(std::abs(prm.predicted_output_std - th.output_std) <= 1e-9);
    }
  }
}

TEST_CASE("Codec parameters: PD at P = 0 is posterior-sampling shaped, Remark 4.7 at high rate") {
  // With the true moments A = E c̃², B = E[x c̃] (exact on Z): g = B/A (the linear MMSE gain),
  // output std σ, and D = 2(σ² − B²/A), twice the linear MMSE error. At high rate A → σ² + σ_e²,
  // B → σ² (Sheppard; the corrections are O(exp(−2π²σ²/Δ²)), < 1e−7 for D <= 0.2), so s tends to
  // Lei et al.'s σ/√(σ² − D/2) (Remark 4.7).
  const auto base = rdp::make_lattice("z1");
  for (double d : {0.02, 0.2, 1.0, 1.8}) {
    INFO("D=" << d);
    const auto prm =
        rdp::choose_codec_parameters(rdp::CodecKind::pd, *base, 1.0 / 12, 0.0, 1.0, d, 0.0);
    const double a = prm.reconstruction_second_moment, b = prm.reconstruction_cross_moment;
    CHECK(prm.moment_method == "exact_integer_cells");
    CHECK(std::abs(prm.decoder_gain - b / a) <= 1e-12);
    CHECK(std::abs(prm.predicted_output_std - 1.0) <= 1e-12);
    CHECK(std::abs(2 * (1 - b * b / a) - d) <= 1e-9);
    CHECK(std::abs(prm.predicted_distortion_mse - d) <= 1e-9);
    if (d <= 0.2) CHECK(std::abs(prm.dither_magnitude - 1.0 / std::sqrt(1.0 - d / 2)) <= 1e-6);
  }
  CHECK_THROWS_AS(
      rdp::choose_codec_parameters(rdp::CodecKind::pd, *base, 1.0 / 12, 0.0, 1.0, 2.5, 0.0),
      std::invalid_argument);
  CHECK_THROWS_AS(
      rdp::choose_codec_parameters(rdp::CodecKind::qsd, *base, 1.0 / 12, 0.0, 1.0, 0.5, 0.0, 0),
      std::invalid_argument);
  // QSD with a = 2 cannot reach every D below σ² + f²: as the scale grows the coset points ±Δ/2
  // grow with it and c̃ keeps the sign of x (at a rate near 1/2 bit), so MSE(Δ) rises only to
  // ≈ 1.089 on Z at P = 0 (computed from the exact moments). D = 1.5 is refused, D = 1.05 is
  // reached.
  CHECK_THROWS_AS(
      rdp::choose_codec_parameters(rdp::CodecKind::qsd, *base, 1.0 / 12, 0.0, 1.0, 1.5, 0.0, 2),
      std::invalid_argument);
  const auto q =
      rdp::choose_codec_parameters(rdp::CodecKind::qsd, *base, 1.0 / 12, 0.0, 1.0, 1.05, 0.0, 2);
  CHECK(std::abs(q.predicted_distortion_mse - 1.05) <= 1e-9);
}

TEST_CASE("Codec moments: exact Z cells against quadrature and against the Monte-Carlo path") {
  // A = E c̃², B = E[x c̃] for c̃ the nearest point of ΔZ + o, averaged over o = jΔ/a: by direct
  // quadrature of x·Q(x) and Q(x)² against the Gaussian density, and by the Monte-Carlo moments
  // on z1^2 (box cells, but not recognised as Z^n by name, so it takes the general path).
  const boost::math::normal_distribution<> nd;
  for (int a : {1, 2, 3}) {
    for (double step : {0.4, 1.5, 3.0}) {
      INFO("a=" << a << " step=" << step);
      const auto exact = rdp::detail::integer_lattice_moments(1.0, step, a);
      double qa = 0.0, qb = 0.0;
      for (int j = 0; j < a; ++j) {
        const double o = step * j / a;
        auto q = [&](double x) { return std::nearbyint((x - o) / step) * step + o; };
        // Integrate cell by cell so that the integrand is smooth on each piece.
        for (int k = -40; k <= 40; ++k) {
          const double lo = (k - 0.5) * step + o, hi = (k + 0.5) * step + o;
          if (hi < -12 || lo > 12) continue;
          const double c = q(0.5 * (lo + hi));
          qa += boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
                    [&](double x) { return c * c * boost::math::pdf(nd, x); }, lo, hi, 5, 1e-14) /
                a;
          qb += boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
                    [&](double x) { return x * c * boost::math::pdf(nd, x); }, lo, hi, 5, 1e-14) /
                a;
        }
      }
      CHECK(std::abs(exact.second_moment - qa) <= 1e-10);
      CHECK(std::abs(exact.cross_moment - qb) <= 1e-10);
      // Monte Carlo on 2^17 blocks of z1^2: per-scalar SD of x·err and err² is below 2 for
      // these steps, so 2^18 scalars give SE < 0.004; 5 SE = 0.02 (rounding ties aside, exact).
      const auto z2 = rdp::make_lattice("z1^2");
      const rdp::detail::MonteCarloMoments mc(*z2, a, 12345, 1u << 17);
      const auto m = mc.at(1.0, step);
      CHECK(std::abs(m.second_moment - exact.second_moment) <= 0.02);
      CHECK(std::abs(m.cross_moment - exact.cross_moment) <= 0.02);
    }
  }
  // Sheppard regime (step < σ/64) joins the cell sum continuously.
  const auto s1 = rdp::detail::integer_lattice_moments(2.0, 2.0 / 64 * 0.999, 1);
  const auto s2 = rdp::detail::integer_lattice_moments(2.0, 2.0 / 64 * 1.001, 1);
  CHECK(std::abs(s1.second_moment - s2.second_moment) <= 1e-5);
  CHECK(std::abs(s1.cross_moment - 4.0) <= 1e-12);
  CHECK(std::abs(s2.cross_moment - 4.0) <= 1e-12);
}

namespace {
// D and P only (no rate): the targets of choose_codec_parameters() against the simulation.
rdp::SimulationResult run_dp(const std::shared_ptr<const rdp::CodecLattices>& c,
                             std::uint64_t blocks) {
  rdp::SimulationOptions o;
  o.blocks = blocks;
  o.seed = rdp_test_seed();
  o.projections = 8;
  o.estimate_rate = false;
  return rdp::simulate_codec(c, rdp::Gaussian(0.0, 1.0), o);
}
}  // namespace

TEST_CASE("PD- and QSD-LTC at low and mid rate hit the target D and Frechet W2 (true moments)") {
  // The additive model (error uncorrelated with x) is wrong for PD/QSD below ~1.5 bits: on Z at
  // D = 0.8 it gave D ≈ 0.858 and Fréchet W2² ≈ 0.0058. Tolerances: D within 4 SE plus an
  // allowance for the moments — 1e-6 on Z (exact moments, root tolerance ~1e-12), 0.006 for the
  // Monte-Carlo moments on D4 (2^17 blocks: the SE of B²/A is ~1e-3 at D = 0.8, and D moves by
  // ~2 δ(B²/A); 0.006 is 3 of those). Fréchet W2² (>= 0, biased upwards by ~Var(std)) within
  // 4 SE + 1e-4 of 0: 60× below the old error, far above its O(1/N) bias (~1e-5 at N = 1e5).
  struct Case {
    rdp::CodecKind kind;
    const char* lattice;
    int a;
    double allowance;
  };
  for (const Case& cs :
       {Case{rdp::CodecKind::pd, "z1", 1, 1e-6}, Case{rdp::CodecKind::qsd, "z1", 2, 1e-6},
        Case{rdp::CodecKind::pd, "d4", 1, 0.006}, Case{rdp::CodecKind::qsd, "d4", 2, 0.006}}) {
    for (double d : {0.8, 0.3}) {
      const auto c = codec(cs.kind, cs.lattice, d, 0.0, cs.a);
      const int n = c->dimension();
      const auto r = run_dp(c, 100000 / n);
      INFO(std::string(rdp::codec_name(cs.kind))
           << " a=" << cs.a << " on " << std::string(cs.lattice) << " D=" << d << ": measured "
           << r.distortion_mse.value << " +- " << r.distortion_mse.stderr_ << ", Frechet "
           << r.perception.frechet_w2sq.value << " +- " << r.perception.frechet_w2sq.stderr_);
      // The Monte-Carlo MSE(t) is a step function (steps ~1/N): the root lands within ~1e-5.
      CHECK(std::abs(c->parameters().predicted_distortion_mse - d) <= (n == 1 ? 1e-9 : 1e-5));
      CHECK(std::abs(r.distortion_mse.value - d) <= 4 * r.distortion_mse.stderr_ + cs.allowance);
      CHECK(r.perception.frechet_w2sq.value <= 4 * r.perception.frechet_w2sq.stderr_ + 1e-4);
    }
  }
}

TEST_CASE("PD-LTC at P > 0: the Frechet W2 budget is met and unused noise is dropped") {
  // P = 0.04 on Z at D = 0.5: the output std may fall to σ − √P = 0.8. If the MMSE estimate's
  // std B/√A is already >= 0.8, no private noise is needed (s = 0); otherwise std is exactly 0.8.
  const auto c = codec(rdp::CodecKind::pd, "z1", 0.5, 0.04);
  const auto& prm = c->parameters();
  const double mmse_std =
      prm.reconstruction_cross_moment / std::sqrt(prm.reconstruction_second_moment);
  CHECK(prm.predicted_output_std >= 0.8 - 1e-12);
  if (mmse_std >= 0.8)
    CHECK(prm.dither_magnitude == 0.0);
  else
    CHECK(std::abs(prm.predicted_output_std - 0.8) <= 1e-12);
  const auto r = run_dp(c, 100000);
  const double fw = std::pow(1.0 - prm.predicted_output_std, 2);
  INFO("predicted Frechet " << fw << " measured " << r.perception.frechet_w2sq.value);
  CHECK(fw <= 0.04 + 1e-12);
  CHECK(std::abs(r.distortion_mse.value - 0.5) <= 4 * r.distortion_mse.stderr_ + 1e-6);
  CHECK(std::abs(r.perception.frechet_w2sq.value - fw) <=
        4 * r.perception.frechet_w2sq.stderr_ + 1e-4);
}

TEST_CASE("Codec: the decoder sees only the lattice point, the block number and its seeds") {
  const auto sd = codec(rdp::CodecKind::sd, "e8", 0.2, 0.0);
  const rdp::Encoder enc(sd, 7);
  const rdp::Decoder dec(sd, 7, 99), wrong(sd, 8, 99);
  double x[8], c[8], y1[8], y2[8], y3[8];
  rdp::Philox rng(rdp_test_seed(), 1);
  double err_right = 0, err_wrong = 0;
  for (std::uint64_t b = 0; b < 2000; ++b) {
    for (double& v : x) v = rng.normal();
    enc.encode(b, x, c);
    dec.decode(b, c, y1);
    dec.decode(b, c, y2);  // same inputs, same output: nothing else enters
    wrong.decode(b, c, y3);
    for (int k = 0; k < 8; ++k) {
      CHECK(y1[k] == y2[k]);
      err_right += (y1[k] - x[k]) * (y1[k] - x[k]);
      err_wrong += (y3[k] - x[k]) * (y3[k] - x[k]);
    }
  }
  // Without the true shared dither the decoder is off by a whole dither: clearly worse.
  CHECK(err_wrong > 1.3 * err_right);
  // PD has no common randomness: its decoder cannot even be given a common seed that matters.
  const auto pd = codec(rdp::CodecKind::pd, "e8", 0.2, 0.0);
  CHECK_THROWS_AS(rdp::Decoder(sd, 99), std::logic_error);
  const rdp::Encoder pe1(pd, 1), pe2(pd, 2);
  const rdp::Decoder pdec(pd, 99);
  for (double& v : x) v = rng.normal();
  pe1.encode(3, x, c);
  pe2.encode(3, x, y1);
  for (int k = 0; k < 8; ++k) CHECK(c[k] == y1[k]);
}

TEST_CASE("Codec simulation is identical for 1 and 2 threads") {
  // Enough blocks that Eigen would split its products over threads if it were allowed to.
  const auto c = codec(rdp::CodecKind::sd, "d4", 0.3, 0.0);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto a = run(c, 20000, 4);
  omp_set_num_threads(2);
  const auto b = run(c, 20000, 4);
  omp_set_num_threads(saved);
  CHECK(a.rate_bits.value == b.rate_bits.value);
  CHECK(a.distortion_mse.value == b.distortion_mse.value);
  CHECK(a.perception.sliced_w2sq.value == b.perception.sliced_w2sq.value);
  CHECK(a.perception.marginal_w2sq.value == b.perception.marginal_w2sq.value);
  CHECK(a.perception.frechet_w2sq.value == b.perception.frechet_w2sq.value);
  CHECK(a.perception.fitted_kl_nats.value == b.perception.fitted_kl_nats.value);
  CHECK(a.perception.frechet_w2sq.stderr_ == b.perception.frechet_w2sq.stderr_);
}

TEST_CASE("SD-LTC on Z: exact rate equals h(Y+E) - log2(step) by quadrature (Zamir & Feder)") {
  // H(c|u) = I(Y; Y+E) = h(Y+E) − h(E), E uniform on [−Δ/2, Δ/2]; the density of Y+E is
  // f(z) = (Φ(z + Δ/2) − Φ(z − Δ/2))/Δ for σ = 1.
  const auto c = codec(rdp::CodecKind::sd, "z1", 0.3, 0.0);
  const double step = c->parameters().lattice_scale;
  const boost::math::normal_distribution<> nd;
  auto f = [&](double z) {
    return (boost::math::cdf(nd, z + step / 2) - boost::math::cdf(nd, z - step / 2)) / step;
  };
  const double h = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
      [&](double z) {
        const double v = f(z);
        return v > 0 ? -v * std::log2(v) : 0.0;
      },
      -12.0 - step, 12.0 + step, 15, 1e-13);
  const double exact = h - std::log2(step);
  const auto r = run(c, 200000);
  INFO("exact " << exact << " MC " << r.rate_bits.value << " +- " << r.rate_bits.stderr_);
  CHECK(r.rate_method == "exact_box_cells");
  CHECK(std::abs(r.rate_bits.value - exact) <= 5 * r.rate_bits.stderr_);
}

TEST_CASE("SD-LTC at high rate sits one space-filling loss above R(D,P)") {
  // At ~4 bits/dimension, rate − R(D_measured, 0) → ½ log2(2πeG): Z 0.2546, E8 0.1460.
  // Allowance: 5 SE of the rate plus the slope of R times 5 SE of D, plus 0.01 bits for the
  // finite-rate difference between the cell-smoothed and Gaussian densities (O(σ_e²/σ²) ≈ 0.004).
  for (const char* name : {"z1", "e8"}) {
    const auto c = codec(rdp::CodecKind::sd, name, 0.004, 0.0);
    const auto r = run(c, name[0] == 'z' ? 100000 : 20000, 16);
    const double d = r.distortion_mse.value;
    const double theory = rdp::rate_perfect_realism_gaussian(1.0, d);
    const double loss = rdp::space_filling_loss_bits(*rdp::reference_nsm(name));
    const double slope = 1.0 / (d * std::log(2.0));  // |dR/dD| of R(D,0) for small D, bits
    INFO(name << ": rate " << r.rate_bits.value << " theory " << theory << " loss " << loss);
    CHECK(r.rate_bits.value > 3.0);
    CHECK(std::abs(r.rate_bits.value - theory - loss) <=
          5 * r.rate_bits.stderr_ + 5 * slope * r.distortion_mse.stderr_ + 0.01);
    // Output targeted at P = 0: small perception, far below the output's own variance.
    CHECK(r.perception.sliced_w2sq.value < 1e-3);
  }
}

TEST_CASE("SD-LTC on Z: measured marginal W2 matches the quadrature value of the exact law") {
  // x̂ = g(x + e), x ~ N(0,1), e ~ U[−Δ/2, Δ/2]: W2²(law x̂, N(0,1)) = ∫ (g z − Φ⁻¹(F(z)))² f(z) dz,
  // F(z) = (Ψ(z + Δ/2) − Ψ(z − Δ/2))/Δ, Ψ(t) = tΦ(t) + φ(t), computed by quadrature.
  const auto c = codec(rdp::CodecKind::sd, "z1", 0.5, 0.0);
  const double step = c->parameters().lattice_scale, g = c->parameters().decoder_gain;
  const boost::math::normal_distribution<> nd;
  auto psi = [&](double t) { return t * boost::math::cdf(nd, t) + boost::math::pdf(nd, t); };
  auto f = [&](double z) {
    return (boost::math::cdf(nd, z + step / 2) - boost::math::cdf(nd, z - step / 2)) / step;
  };
  auto big_f = [&](double z) { return (psi(z + step / 2) - psi(z - step / 2)) / step; };
  const double exact = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
      [&](double z) {
        const double u = std::clamp(big_f(z), 1e-300, 1 - 1e-16);
        const double d = g * z - boost::math::quantile(nd, u);
        return d * d * f(z);
      },
      -9.0, 9.0, 15, 1e-12);
  const auto r = run(c, 200000);
  INFO("exact " << exact << " MC " << r.perception.marginal_w2sq.value << " +- "
                << r.perception.marginal_w2sq.stderr_);
  CHECK(exact > 1e-5);  // a real, non-zero perception at finite rate
  CHECK(std::abs(r.perception.marginal_w2sq.value - exact) <=
        5 * r.perception.marginal_w2sq.stderr_ + 10 * std::log(2e5) / 2e5);
}

TEST_CASE("PD-LTC at P = 0: distortion twice the quantisation MSE, rate near R(D/2,inf) + loss") {
  const auto c = codec(rdp::CodecKind::pd, "e8", 0.008, 0.0);
  const auto r = run(c, 20000, 16);
  const double ve = c->parameters().noise_second_moment;
  // D = 2σ²σ_e²/(σ² + σ_e²) ≈ 2σ_e² at high rate (the moment model, exact to O(σ_e⁴)).
  CHECK(std::abs(r.distortion_mse.value - 2 * ve) <=
        5 * r.distortion_mse.stderr_ + 2 * ve * ve + 0.02 * ve);
  const double theory = rdp::rate_half_distortion_gaussian(1.0, r.distortion_mse.value);
  const double loss = rdp::space_filling_loss_bits(929.0 / 12960);
  INFO("rate " << r.rate_bits.value << " R(D/2,inf) " << theory << " loss " << loss);
  CHECK(std::abs(r.rate_bits.value - theory - loss) <= 5 * r.rate_bits.stderr_ + 0.02);
}

TEST_CASE("QSD-LTC at fixed (D, P = 0) on E8: the rate falls from PD (a = 1) towards SD") {
  // Lei et al. (arXiv 2503.17558) find QSD with a = 3 nearly as good as SD. Measured with
  // `rdp simulate --lattice e8 --D 0.3 --P 0 --samples 200000 --seed 1`: PD 1.519, a = 2 1.226,
  // a = 3 1.148, a = 4 1.118, SD 1.077 (± 0.0022) bits per dimension: a = 3 is 0.071 above SD
  // (0.37 below PD). All runs use the same seed, hence the same source blocks, so each step is
  // judged by the paired per-block difference of the rates: a decrease by more than 3 SE of it
  // (the a = 3 -> 4 and 4 -> SD steps are ~0.035, ~9 SE at 6000 blocks). The codecs share the
  // target D; each measured D is checked against it (4 SE + 0.006 for the Monte-Carlo moments).
  const double d = 0.3;
  const int blocks = 6000;
  auto run_kept = [&](rdp::CodecKind kind, int a) {
    rdp::SimulationOptions o;
    o.blocks = blocks;
    o.seed = rdp_test_seed();
    o.rate_points = 8;
    o.estimate_perception = false;
    o.keep_block_rates = true;
    return rdp::simulate_codec(codec(kind, "e8", d, 0.0, a), rdp::Gaussian(0.0, 1.0), o);
  };
  // a = 1 is PD: identical output for the same seed (checked on a small run).
  const auto pd_small = run(codec(rdp::CodecKind::pd, "e8", d, 0.0), 500, 8);
  const auto q1_small = run(codec(rdp::CodecKind::qsd, "e8", d, 0.0, 1), 500, 8);
  CHECK(q1_small.distortion_mse.value == pd_small.distortion_mse.value);
  CHECK(q1_small.rate_bits.value == pd_small.rate_bits.value);
  const auto pd = run_kept(rdp::CodecKind::pd, 1);
  auto paired = [](const rdp::SimulationResult& hi, const rdp::SimulationResult& lo) {
    std::vector<double> diff(hi.block_rate_bits.size());
    for (std::size_t b = 0; b < diff.size(); ++b)
      diff[b] = hi.block_rate_bits[b] - lo.block_rate_bits[b];
    return rdp::mean_with_error(diff);
  };
  auto decreases = [&](const rdp::SimulationResult& hi, const rdp::SimulationResult& lo) {
    const rdp::Estimate diff = paired(hi, lo);
    INFO("step " << diff.value << " +- " << diff.stderr_);
    CHECK(diff.value > 3 * diff.stderr_);
  };
  rdp::SimulationResult previous = pd;
  std::vector<rdp::SimulationResult> q;
  for (int a : {2, 3, 4}) {
    q.push_back(run_kept(rdp::CodecKind::qsd, a));
    INFO("a=" << a << " rate " << q.back().rate_bits.value << " +- " << q.back().rate_bits.stderr_
              << " D " << q.back().distortion_mse.value << "; previous "
              << previous.rate_bits.value);
    CHECK(std::abs(q.back().distortion_mse.value - d) <=
          4 * q.back().distortion_mse.stderr_ + 0.006);
    decreases(previous, q.back());
    previous = q.back();
  }
  const auto sd = run_kept(rdp::CodecKind::sd, 1);
  INFO("SD " << sd.rate_bits.value << " a=4 " << previous.rate_bits.value);
  decreases(previous, sd);
  // Lei et al.'s finding, as a ratio rather than a number measured here: a = 3 is "nearly as
  // good as SD", i.e. it closes most of PD's gap to SD (at 200000 samples it closes 84%; the
  // check asks for 75%, the paired SE being ~0.003 against gaps of 0.07 and 0.44).
  const rdp::Estimate gap3 = paired(q[1], sd), gap_pd = paired(pd, sd);
  INFO("a=3 gap to SD " << gap3.value << " +- " << gap3.stderr_ << "; PD gap " << gap_pd.value);
  CHECK(gap3.value + 4 * gap3.stderr_ <= 0.25 * (gap_pd.value - 4 * gap_pd.stderr_));
  // The converse every code obeys, whatever its common randomness: per dimension, H(c | U) >=
  // R(D) at the code's distortion (Cover & Thomas Thm. 10.2.1 for each dither value, then
  // convexity of R(D)). The lower end of each rate bracket may miss it only by its SE.
  for (const rdp::SimulationResult* r :
       std::initializer_list<const rdp::SimulationResult*>{&pd, &q[0], &q[1], &q[2], &sd}) {
    const double shannon = rdp::shannon_rate_gaussian_mse(1.0, r->distortion_mse.value);
    INFO("rate lower " << r->rate_lower_bits.value << " +- " << r->rate_lower_bits.stderr_
                       << " R(D) " << shannon);
    CHECK(r->rate_lower_bits.value + 4 * r->rate_lower_bits.stderr_ >= shannon);
  }
}

TEST_CASE("PD-LTC on Z at low and mid rate: the rate is the entropy of the quantised Gaussian") {
  // c = Q_Δ(x), no dither: H(c) = −Σ p_k log2 p_k over the cells [(k ± ½)Δ], a deterministic sum;
  // the simulation averages −log2 p_c over blocks. 4 SE.
  const boost::math::normal_distribution<> nd;
  for (double d : {0.8, 0.3}) {
    const auto c = codec(rdp::CodecKind::pd, "z1", d, 0.0);
    const double step = c->parameters().lattice_scale;
    double h = 0.0;
    for (int k = -200; k <= 200; ++k) {
      const double p =
          boost::math::cdf(nd, (k + 0.5) * step) - boost::math::cdf(nd, (k - 0.5) * step);
      if (p > 0) h -= p * std::log2(p);
    }
    const auto r = run(c, 40000);
    INFO("D=" << d << " H " << h << " simulated " << r.rate_bits.value << " +- "
              << r.rate_bits.stderr_);
    CHECK(std::abs(r.rate_bits.value - h) <= 4 * r.rate_bits.stderr_);
    // Rate above R(D/2,∞) at the measured D (the no-common-randomness limit, Thm. 4.5).
    CHECK(r.rate_bits.value > rdp::rate_half_distortion_gaussian(1.0, r.distortion_mse.value));
  }
}

TEST_CASE("Cell Monte-Carlo rate brackets the exact box-cell rate on the same blocks") {
  // z4 has box cells; force_cell_monte_carlo runs the integrator on the same blocks as the exact
  // formula, so the paired differences have only the integrator's noise. In expectation
  // upper >= exact >= lower (Jensen; the posterior-sample sandwich), and upper − exact <= the
  // paired gap upper − lower. Tolerance 4 paired SE each; and the gap, the integrator's
  // worst-case bias, is small: < 0.01 bits per dimension (pilot aims at a 0.002 Jensen bias).
  for (double d : {0.8, 0.3, 0.05}) {
    const auto base = rdp::make_lattice("z4");
    const auto lat = std::make_shared<rdp::CodecLattices>(
        base, rdp::choose_codec_parameters(rdp::CodecKind::sd, *base, 1.0 / 12, 0.0, 1.0, d, 0.0));
    rdp::SimulationOptions o;
    o.blocks = 3000;
    o.seed = rdp_test_seed();
    o.rate_points = 16;
    o.estimate_perception = false;
    o.force_cell_monte_carlo = true;
    const auto r = rdp::simulate_codec(lat, rdp::Gaussian(0.0, 1.0), o);
    const auto& up = r.rate_upper_minus_exact_bits;
    const auto& lo = r.rate_lower_minus_exact_bits;
    INFO("D=" << d << " exact " << r.rate_exact_bits.value << " upper-exact " << up.value << " +- "
              << up.stderr_ << " lower-exact " << lo.value << " +- " << lo.stderr_ << " gap "
              << r.rate_bias_bound_bits.value << " draws " << r.rate_mean_draws);
    CHECK(r.rate_method == "cell_monte_carlo");
    CHECK(up.value >= -4 * up.stderr_);
    CHECK(lo.value <= 4 * lo.stderr_);
    CHECK(up.value <= r.rate_bias_bound_bits.value +
                          4 * std::hypot(up.stderr_, r.rate_bias_bound_bits.stderr_));
    CHECK(r.rate_bias_bound_bits.value < 0.01);
    // The maximum-entropy bound against the exact rate: h(X + E) <= h of the Gaussian of equal
    // variance, with equality only for Gaussian X + E; at D = 0.05 (σ_e² ≈ 0.05) the deficit is
    // the negentropy of N(0,1) + uniform noise, about κ4²/48 ≈ 2e-7 nats (κ4 = −1.2σ_e⁴).
    const double bound =
        rdp::sd_rate_upper_bound_bits(1.0, lat->parameters().noise_second_moment, 1.0 / 12);
    // The exact rate is a mean of −log2 P(c | u) over blocks: 4 SE.
    const double se = r.rate_exact_bits.stderr_;
    CHECK(r.rate_exact_bits.value <= bound + 4 * se);
    if (d == 0.05) CHECK(bound - r.rate_exact_bits.value < 1e-4 + 4 * se);
  }
}

TEST_CASE(
    "SD-LTC rate on E8 and Leech at low rate stays below the Gaussian maximum-entropy bound") {
  // H(c|u) = h(X+E) − log V (Zamir & Feder) <= ½ log2(2πe(σ² + σ_e²)) − log2(V)/n per dimension.
  // The reported rate is conservative (an upper bound in expectation), so it may exceed the bound
  // only by its Monte-Carlo error: 4 SE. Before the posterior-Gaussian proposal and the
  // sandwich, Leech at D = 0.8 gave 0.511 against a bound of 0.406.
  struct Case {
    const char* lattice;
    double d;
    int blocks;
  };
  for (const Case& cs : {Case{"e8", 0.8, 3000}, Case{"e8", 0.3, 3000}, Case{"leech", 0.8, 500}}) {
    const auto c = codec(rdp::CodecKind::sd, cs.lattice, cs.d, 0.0);
    const auto r = run(c, cs.blocks, 16);
    const double nsm = *rdp::reference_nsm(cs.lattice);
    const double ve = c->parameters().noise_second_moment;
    const double bound = rdp::sd_rate_upper_bound_bits(1.0, ve, nsm);
    INFO(std::string(cs.lattice) << " D=" << cs.d << " rate " << r.rate_bits.value << " +- "
                                 << r.rate_bits.stderr_ << " lower " << r.rate_lower_bits.value
                                 << " bound " << bound);
    CHECK(r.rate_bits.value <= bound + 4 * r.rate_bits.stderr_);
    CHECK(r.rate_lower_bits.value <= r.rate_bits.value);
    // And not far below it: at these rates X + E is close to Gaussian (within 0.05 bits).
    CHECK(r.rate_lower_bits.value >= bound - 0.05);
  }
}

// Scaling the source by σ scales the lattice, the dither and the reconstruction by σ: rate and
// D/σ² do not change (the codec is equivariant). Checked at the ends of the documented σ range,
// where σ⁴ (the error's fourth moment) is 1e±240, and rejected beyond it with the message.
TEST_CASE("Codecs are scale equivariant over their documented sigma range") {
  const auto base = rdp::make_lattice("d4");
  const double nsm = *rdp::reference_nsm("d4");
  auto simulate = [&](rdp::CodecKind kind, double sigma) {
    const auto prm =
        rdp::choose_codec_parameters(kind, *base, nsm, 0.0, sigma, 0.3 * sigma * sigma, 0.0);
    rdp::SimulationOptions o;
    o.blocks = 400;
    o.seed = rdp_test_seed();
    o.rate_points = 8;
    o.projections = 8;
    return rdp::simulate_codec(std::make_shared<rdp::CodecLattices>(base, prm),
                               rdp::Gaussian(0.0, sigma), o);
  };
  for (auto kind : {rdp::CodecKind::sd, rdp::CodecKind::pd}) {
    const auto unit = simulate(kind, 1.0);
    for (double sigma : {1e-60, 1e60}) {
      CAPTURE(sigma);
      const auto r = simulate(kind, sigma);
      // Same seed, same normal draws scaled by σ: only the roundings of the scaling differ.
      CHECK(std::abs(r.rate_bits.value - unit.rate_bits.value) <= 1e-9);
      CHECK(std::abs(r.distortion_mse.value / (sigma * sigma) - unit.distortion_mse.value) <= 1e-9);
      CHECK(std::isfinite(r.distortion_mse.stderr_));
      CHECK(std::abs(r.distortion_mse.stderr_ / (sigma * sigma) - unit.distortion_mse.stderr_) <=
            1e-9);
    }
  }
  auto message = [&](double sigma, double d) {
    try {
      rdp::choose_codec_parameters(rdp::CodecKind::sd, *base, nsm, 0.0, sigma, d, 0.0);
    } catch (const rdp::InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message(1e100, 3e199) ==
        "invalid source sigma: 1e+100; valid range [1e-60, 1e60] for a codec");
  CHECK(message(1.0, 1e-310) == "invalid D: 1e-310; valid range [1e-20, 2)");
}
