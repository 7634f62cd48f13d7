#include "rdp/codec/dithered_codec.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <stdexcept>

#include "rdp/error.hpp"

namespace rdp {

const char* codec_name(CodecKind kind) {
  switch (kind) {
    case CodecKind::sd:
      return "sd";
    case CodecKind::pd:
      return "pd";
    case CodecKind::qsd:
      return "qsd";
  }
  return "?";
}

CodecKind parse_codec(const std::string& name) {
  if (name == "sd") return CodecKind::sd;
  if (name == "pd") return CodecKind::pd;
  if (name == "qsd") return CodecKind::qsd;
  throw InvalidArgument("codec", "one of sd, pd, qsd", "'" + name + "'");
}

namespace detail {

ReconstructionMoments integer_lattice_moments(double sigma, double step, int nesting_ratio) {
  require_positive("sigma", sigma);
  require_positive("lattice step", step);
  require_nesting_ratio(nesting_ratio, "nesting");
  ReconstructionMoments m;
  if (step < sigma / 64) {
    // Sheppard: the periodic corrections are O(exp(−2π²σ²/Δ²)), below 1e−30000 here.
    m.second_moment = sigma * sigma + step * step / 12.0;
    m.cross_moment = sigma * sigma;
    return m;
  }
  const boost::math::normal_distribution<> nd;
  const double reach = 12.0 * sigma;  // mass beyond: < 1e−32
  for (int j = 0; j < nesting_ratio; ++j) {
    const double o = step * j / nesting_ratio;
    const long k_lo = static_cast<long>(std::floor((-reach - o) / step)) - 1;
    const long k_hi = static_cast<long>(std::ceil((reach - o) / step)) + 1;
    double a = 0.0, b = 0.0;
    for (long k = k_lo; k <= k_hi; ++k) {
      const double centre = k * step + o;
      const double lo = (centre - 0.5 * step) / sigma, hi = (centre + 0.5 * step) / sigma;
      // Upper tails above 0 so that the difference does not cancel.
      const double p = lo > 0.0 ? boost::math::cdf(boost::math::complement(nd, lo)) -
                                      boost::math::cdf(boost::math::complement(nd, hi))
                                : boost::math::cdf(nd, hi) - boost::math::cdf(nd, lo);
      a += centre * centre * p;
      // E[x; lo < x/σ < hi] = σ(φ(lo) − φ(hi)).
      b += centre * sigma * (boost::math::pdf(nd, lo) - boost::math::pdf(nd, hi));
    }
    m.second_moment += a / nesting_ratio;
    m.cross_moment += b / nesting_ratio;
  }
  return m;
}

MonteCarloMoments::MonteCarloMoments(const Lattice& base, int nesting_ratio, std::uint64_t seed,
                                     std::uint64_t blocks)
    : base_(&base), n_(base.dimension()), a_(nesting_ratio), blocks_(blocks) {
  require_nesting_ratio(nesting_ratio, "nesting");
  const std::size_t size = static_cast<std::size_t>(blocks) * n_;
  x_.resize(size);
  if (a_ > 1) offset_.resize(size);
  const Eigen::MatrixXd& gen = base.generator();
  for (std::uint64_t b = 0; b < blocks; ++b) {
    Philox rng(seed, b);
    double* x = x_.data() + b * n_;
    for (int k = 0; k < n_; ++k) x[k] = rng.normal();
    if (a_ > 1) {
      // A fine point G·k/a, k uniform on {0,…,a−1}^n: one per coset of Λ in Λ/a, which is all
      // that matters (c̃ is the nearest point of Λ + û, a set that depends on the coset only).
      Eigen::VectorXd kv(n_);
      for (int k = 0; k < n_; ++k) kv[k] = static_cast<double>(rng() % static_cast<unsigned>(a_));
      const Eigen::VectorXd u = gen * kv / double(a_);
      std::copy(u.data(), u.data() + n_, offset_.data() + b * n_);
    }
  }
}

ReconstructionMoments MonteCarloMoments::at(double sigma, double scale) const {
  std::vector<double> cross(blocks_), extra(blocks_);
#pragma omp parallel
  {
    std::vector<double> scratch(2 * static_cast<std::size_t>(n_));
    double* y = scratch.data();
    double* c = y + n_;
#pragma omp for schedule(static)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks_); ++b) {
      const double* x = x_.data() + b * n_;
      const double* u = offset_.empty() ? nullptr : offset_.data() + b * n_;
      for (int k = 0; k < n_; ++k) y[k] = sigma * x[k] / scale - (u ? u[k] : 0.0);
      base_->nearest_point(y, c);
      double xe = 0.0, ee = 0.0;
      for (int k = 0; k < n_; ++k) {
        const double xs = sigma * x[k];
        const double err = scale * (c[k] + (u ? u[k] : 0.0)) - xs;
        xe += xs * err;
        ee += err * err;
      }
      cross[b] = xe;
      extra[b] = 2.0 * xe + ee;
    }
  }
  // Summed in block order: independent of the number of threads.
  double sx = 0.0, se = 0.0;
  for (std::uint64_t b = 0; b < blocks_; ++b) {
    sx += cross[b];
    se += extra[b];
  }
  const double count = double(blocks_) * n_;
  ReconstructionMoments m;
  m.second_moment = sigma * sigma + se / count;
  m.cross_moment = sigma * sigma + sx / count;
  return m;
}

}  // namespace detail

namespace {

struct MomentModel {
  double gain, output_std, correlation, mse;
};

// The SD model of choose_codec_parameters() at noise second moment ve = σ_e² (exact for SD). For
// PD and QSD it is the additive approximation, used only as the starting point of the search.
MomentModel moment_model(CodecKind kind, double sigma, double p, int a, double ve) {
  const double var = sigma * sigma;
  const double s2 = 1.0 + ve / var;  // private dither magnitude squared (PD, QSD)
  const double kappa = kind == CodecKind::sd   ? 0.0
                       : kind == CodecKind::pd ? s2
                                               : s2 / (double(a) * a);
  const double k = var + ve * (1.0 + kappa);
  const double floor_std = std::max(sigma - std::sqrt(p), 0.0);
  double g = var / k;
  if (g * std::sqrt(k) < floor_std) g = floor_std / std::sqrt(k);
  MomentModel m;
  m.gain = g;
  m.output_std = g * std::sqrt(k);
  m.correlation = sigma / std::sqrt(k);
  m.mse = var + g * g * k - 2.0 * g * var;
  return m;
}

// PD/QSD decoder design from the true moments (A, B) of c̃ at noise second moment ve = σ_e².
struct PrivateDesign {
  double gain = 0.0, dither_magnitude = 0.0, output_std = 0.0, correlation = 0.0, mse = 0.0;
};

PrivateDesign private_design(double sigma, double floor_std, int a, double ve,
                             detail::ReconstructionMoments mo) {
  const double var = sigma * sigma, f2 = floor_std * floor_std;
  PrivateDesign d;
  const double A = mo.second_moment, B = mo.cross_moment;
  if (!(A > 0.0) || !(B > 0.0)) {  // c̃ carries nothing about x: the zero-rate end
    d.mse = var + f2;
    d.output_std = floor_std;
    return d;
  }
  const double mmse_var = B * B / A;
  const double s2 = std::max(0.0, f2 - mmse_var) * (A / B) * (A / B) / ve;
  const double k = A + s2 * ve / (double(a) * a);
  double g = B / k;
  if (g * std::sqrt(k) < floor_std) g = floor_std / std::sqrt(k);
  d.gain = g;
  d.dither_magnitude = std::sqrt(s2);
  d.output_std = g * std::sqrt(k);
  d.correlation = B / (sigma * std::sqrt(k));
  d.mse = var + g * g * k - 2.0 * g * B;
  return d;
}

// The codec's documented domain (see the header): the simulation squares squared errors, and a
// lattice step must stay far above the double resolution of x − μ.
constexpr double kMinCodecSigma = 1e-60, kMaxCodecSigma = 1e60, kMinCodecRelativeD = 1e-20;

std::uint64_t moment_seed(const std::string& name, int a) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a of the name, then a
  for (unsigned char ch : name) h = (h ^ ch) * 0x100000001b3ull;
  return (h ^ static_cast<std::uint64_t>(a)) * 0x100000001b3ull;
}

}  // namespace

CodecParameters choose_codec_parameters(CodecKind kind, const Lattice& base, double nsm, double mu,
                                        double sigma, double distortion_mse, double perception_w2sq,
                                        int nesting_ratio) {
  require_finite("mu", mu);
  if (!(sigma >= kMinCodecSigma && sigma <= kMaxCodecSigma))
    throw InvalidArgument("source sigma", "[1e-60, 1e60] for a codec", format_number(sigma));
  require_positive("nsm", nsm);
  require_nonnegative("P", perception_w2sq);
  const double floor_std = std::max(sigma - std::sqrt(perception_w2sq), 0.0);
  const double d_max = sigma * sigma + floor_std * floor_std;  // the zero-rate distortion
  require_in_interval("D", distortion_mse, kMinCodecRelativeD * sigma * sigma, d_max, false, true);
  if (kind == CodecKind::qsd) require_nesting_ratio(nesting_ratio, "nesting");
  const int a = kind == CodecKind::qsd ? nesting_ratio : 1;

  // MSE(σ_e²) rises from 0 to d_max: bracket in log σ_e² and solve MSE = D.
  auto f = [&](double log_ve) {
    return moment_model(kind, sigma, perception_w2sq, a, std::exp(log_ve)).mse - distortion_mse;
  };
  double lo = std::log(sigma * sigma) - 2.0, hi = lo + 4.0;
  for (int i = 0; i < 200 && f(lo) > 0.0; ++i) lo -= 4.0;
  for (int i = 0; i < 200 && f(hi) < 0.0; ++i) hi += 4.0;
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(
      f, lo, hi, boost::math::tools::eps_tolerance<double>(50), iterations);
  const double ve = std::exp(0.5 * (root.first + root.second));
  const MomentModel m = moment_model(kind, sigma, perception_w2sq, a, ve);

  CodecParameters out;
  out.kind = kind;
  const int n = base.dimension();
  // σ_e² = G V(tΛ)^{2/n} = G t² V(Λ)^{2/n}.
  const double ve_per_scale2 = nsm * std::exp(2.0 * base.log_covolume() / n);
  out.nesting_ratio = a;
  out.source_mean = mu;
  if (kind == CodecKind::sd) {
    out.noise_second_moment = ve;
    out.lattice_scale = std::sqrt(ve / ve_per_scale2);
    out.decoder_gain = m.gain;
    out.dither_magnitude = 1.0;
    out.predicted_output_std = m.output_std;
    out.predicted_correlation = m.correlation;
    out.predicted_distortion_mse = m.mse;
    out.reconstruction_second_moment = sigma * sigma + ve;
    out.reconstruction_cross_moment = sigma * sigma;
    out.moment_method = "additive_exact";
    out.rule =
        "SD moment model (exact): largest lattice noise whose MSE is D with output std >= "
        "sigma - sqrt(P)";
    return out;
  }

  // PD, QSD: the true moments of c̃ as a function of the lattice scale t.
  const bool integer = integer_lattice_step(base) > 0.0;
  std::unique_ptr<detail::MonteCarloMoments> mc;
  if (!integer) {
    const std::uint64_t blocks = std::max<std::uint64_t>((1u << 19) / n, 1u << 12);
    mc = std::make_unique<detail::MonteCarloMoments>(base, a, moment_seed(base.name(), a), blocks);
  }
  const double step_per_scale = std::exp(base.log_covolume() / n);  // Z^n: covolume 1
  auto moments = [&](double t) {
    return integer ? detail::integer_lattice_moments(sigma, t * step_per_scale, a)
                   : mc->at(sigma, t);
  };
  auto design = [&](double t) {
    return private_design(sigma, floor_std, a, ve_per_scale2 * t * t, moments(t));
  };
  // Scales beyond σ_e = 1000σ are not searched: the cells are then far wider than the source
  // and, for QSD, MSE(t) need not tend to σ² + f² (with a >= 2 the coset points themselves grow
  // with t, and c̃ keeps one sign-like bit about x), so a D above MSE(t_max) is not reachable.
  const double t_max = 1000.0 * sigma / std::sqrt(ve_per_scale2);
  const double mse_max = design(t_max).mse;
  if (!(mse_max > distortion_mse))
    throw InvalidArgument("D",
                          std::string("(0, ") + std::to_string(mse_max) + ") for " +
                              codec_name(kind) + " with a = " + std::to_string(a) + " on " +
                              base.name() + " at this P (the decoder family's largest MSE)",
                          std::to_string(distortion_mse));
  const double t_guess = std::min(std::sqrt(ve / ve_per_scale2), 0.5 * t_max);
  std::uintmax_t max_iter = 200;
  const auto bracket = boost::math::tools::bracket_and_solve_root(
      [&](double t) { return design(std::min(t, t_max)).mse - distortion_mse; }, t_guess, 2.0, true,
      boost::math::tools::eps_tolerance<double>(integer ? 40 : 24), max_iter);
  if (max_iter >= 200)
    throw std::runtime_error("choose_codec_parameters: the scale search did not converge");
  const double t = std::min(0.5 * (bracket.first + bracket.second), t_max);
  const detail::ReconstructionMoments mo = moments(t);
  const PrivateDesign d = private_design(sigma, floor_std, a, ve_per_scale2 * t * t, mo);
  out.lattice_scale = t;
  out.noise_second_moment = ve_per_scale2 * t * t;
  out.decoder_gain = d.gain;
  out.dither_magnitude = d.dither_magnitude;
  out.predicted_output_std = d.output_std;
  out.predicted_correlation = d.correlation;
  out.predicted_distortion_mse = d.mse;
  out.reconstruction_second_moment = mo.second_moment;
  out.reconstruction_cross_moment = mo.cross_moment;
  out.moment_method = integer ? "exact_integer_cells" : "monte_carlo";
  out.rule =
      "true moments of the reconstruction (" + out.moment_method +
      "): MMSE gain plus private noise up to output std sigma - sqrt(P) (PD; QSD keeps s, noise "
      "/a); scale from MSE = D (TOMS 748)";
  return out;
}

double sd_rate_upper_bound_bits(double variance, double noise_second_moment, double nsm) {
  require_positive("variance", variance);
  require_positive("noise second moment", noise_second_moment);
  require_positive("nsm", nsm);
  return 0.5 * std::log2(2.0 * M_PI * M_E * (variance + noise_second_moment)) -
         0.5 * std::log2(noise_second_moment / nsm);
}

CodecLattices::CodecLattices(LatticePtr base, const CodecParameters& params)
    : params_(params), base_(base), quantizer_(make_scaled(base, params.lattice_scale)) {
  if (params.kind == CodecKind::qsd)
    nested_ = std::make_unique<NestedLattice>(
        make_scaled(base, params.lattice_scale / params.nesting_ratio), params.nesting_ratio);
}

void shared_dither(const CodecLattices& lattices, std::uint64_t common_seed, std::uint64_t block,
                   double* u) {
  Philox rng(common_seed, block);
  switch (lattices.parameters().kind) {
    case CodecKind::sd:
      lattices.quantizer().sample_voronoi(rng, u);
      break;
    case CodecKind::qsd:
      lattices.nested()->sample_coset_representative(rng, u);
      break;
    case CodecKind::pd:
      std::fill(u, u + lattices.dimension(), 0.0);
      break;
  }
}

namespace {
constexpr int kMaxBlock = 4096;  // stack buffers; products beyond this are not codec blocks
}

Encoder::Encoder(std::shared_ptr<const CodecLattices> lattices, std::uint64_t common_seed)
    : lattices_(std::move(lattices)), common_seed_(common_seed) {
  if (lattices_->dimension() > kMaxBlock)
    throw InvalidArgument("lattice dimension", "[1, 4096] for a codec",
                          std::to_string(lattices_->dimension()));
}

void Encoder::encode(std::uint64_t block, const double* x, double* c) const {
  const int n = lattices_->dimension();
  double u[kMaxBlock], y[kMaxBlock];
  shared_dither(*lattices_, common_seed_, block, u);
  const double mu = lattices_->parameters().source_mean;
  for (int k = 0; k < n; ++k) y[k] = x[k] - mu - u[k];
  lattices_->quantizer().nearest_point(y, c);
}

Decoder::Decoder(std::shared_ptr<const CodecLattices> lattices, std::uint64_t common_seed,
                 std::uint64_t private_seed)
    : lattices_(std::move(lattices)), common_seed_(common_seed), private_seed_(private_seed) {}

Decoder::Decoder(std::shared_ptr<const CodecLattices> lattices, std::uint64_t private_seed)
    : lattices_(std::move(lattices)), private_seed_(private_seed) {
  if (lattices_->parameters().kind != CodecKind::pd)
    throw std::logic_error("SD and QSD decoders need the common seed");
}

void Decoder::decode(std::uint64_t block, const double* c, double* x_hat) const {
  const int n = lattices_->dimension();
  const CodecParameters& p = lattices_->parameters();
  double u[kMaxBlock], v[kMaxBlock];
  shared_dither(*lattices_, common_seed_, block, u);
  Philox rng(private_seed_, block);
  switch (p.kind) {
    case CodecKind::sd:
      std::fill(v, v + n, 0.0);
      break;
    case CodecKind::pd:
      lattices_->quantizer().sample_voronoi(rng, v);
      break;
    case CodecKind::qsd:
      lattices_->nested()->fine().sample_voronoi(rng, v);
      break;
  }
  for (int k = 0; k < n; ++k)
    x_hat[k] = p.source_mean + p.decoder_gain * (c[k] + u[k] + p.dither_magnitude * v[k]);
}

}  // namespace rdp
