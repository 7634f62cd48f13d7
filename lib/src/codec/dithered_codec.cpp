#include "rdp/codec/dithered_codec.hpp"

#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <stdexcept>

#include "rdp/error.hpp"

namespace rdp {

const char* codec_name(CodecKind kind) {
  switch (kind) {
    case CodecKind::sd: return "sd";
    case CodecKind::pd: return "pd";
    case CodecKind::qsd: return "qsd";
  }
  return "?";
}

CodecKind parse_codec(const std::string& name) {
  if (name == "sd") return CodecKind::sd;
  if (name == "pd") return CodecKind::pd;
  if (name == "qsd") return CodecKind::qsd;
  throw InvalidArgument("codec", "one of sd, pd, qsd", "'" + name + "'");
}

namespace {

struct MomentModel {
  double gain, output_std, correlation, mse;
};

// The moment model of choose_codec_parameters() at noise second moment ve = σ_e².
MomentModel moment_model(CodecKind kind, double sigma, double p, int a, double ve) {
  const double var = sigma * sigma;
  const double s2 = 1.0 + ve / var;  // private dither magnitude squared (PD, QSD)
  const double kappa = kind == CodecKind::sd ? 0.0 : kind == CodecKind::pd ? s2 : s2 / (double(a) * a);
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

}  // namespace

CodecParameters choose_codec_parameters(CodecKind kind, const Lattice& base, double nsm, double mu,
                                        double sigma, double distortion_mse,
                                        double perception_w2sq, int nesting_ratio) {
  require_finite("mu", mu);
  require_positive("sigma", sigma);
  require_positive("nsm", nsm);
  require_nonnegative("P", perception_w2sq);
  const double floor_std = std::max(sigma - std::sqrt(perception_w2sq), 0.0);
  const double d_max = sigma * sigma + floor_std * floor_std;  // the zero-rate distortion
  require_in_interval("D", distortion_mse, 0.0, d_max, true, true);
  if (kind == CodecKind::qsd && (nesting_ratio < 1 || nesting_ratio > 1024))
    throw InvalidArgument("nesting", "[1, 1024]", std::to_string(nesting_ratio));
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
  out.noise_second_moment = ve;
  const int n = base.dimension();
  // σ_e² = G V(tΛ)^{2/n} = G t² V(Λ)^{2/n}.
  out.lattice_scale = std::sqrt(ve / (nsm * std::pow(base.covolume(), 2.0 / n)));
  out.decoder_gain = m.gain;
  out.dither_magnitude = kind == CodecKind::sd ? 1.0 : std::sqrt(1.0 + ve / (sigma * sigma));
  out.nesting_ratio = a;
  out.source_mean = mu;
  out.predicted_output_std = m.output_std;
  out.predicted_correlation = m.correlation;
  out.rule =
      "moment model (THEORY.md §5): largest lattice noise whose predicted MSE is D with output std "
      ">= sigma - sqrt(P); s = sqrt(1 + sigma_e^2/sigma^2) (Lei et al. Remark 4.7)";
  return out;
}

double sd_rate_upper_bound_bits(double variance, double noise_second_moment, double nsm) {
  require_positive("variance", variance);
  require_positive("noise second moment", noise_second_moment);
  require_positive("nsm", nsm);
  return 0.5 * std::log2(2.0 * M_PI * M_E * (variance + noise_second_moment)) -
         0.5 * std::log2(noise_second_moment / nsm);
}

CodecLattices::CodecLattices(LatticePtr base, const CodecParameters& params) : params_(params) {
  if (params.kind == CodecKind::qsd) {
    nested_ = std::make_unique<NestedLattice>(
        make_scaled(base, params.lattice_scale / params.nesting_ratio), params.nesting_ratio);
    quantizer_ = make_scaled(base, params.lattice_scale);
  } else {
    quantizer_ = make_scaled(base, params.lattice_scale);
  }
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
