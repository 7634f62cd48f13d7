#include "codec_runs.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "rdp/codec/simulate.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/sources.hpp"

namespace rdp::experiments {

std::vector<std::string> codec_columns() {
  return {"codec",
          "lattice",
          "dimension",
          "nesting",
          "common_randomness_bits",
          "D_target",
          "P_target",
          "rate_bits",
          "rate_stderr",
          "distortion",
          "distortion_stderr",
          "perception_w2sq",
          "perception_w2sq_stderr",
          "perception_sliced_w2sq",
          "perception_sliced_w2sq_stderr",
          "lattice_scale",
          "decoder_gain",
          "dither_magnitude",
          "loss_bits",
          "rate_mean_draws",
          "rate_lower_bits",
          "rate_lower_stderr",
          "rate_upper_bound_bits"};
}

std::vector<std::string> codec_row(const CodecPoint& point, const CodecRunSettings& settings) {
  const LatticePtr base = make_lattice(point.lattice);
  const double nsm = reference_nsm(point.lattice)
                         .value_or(normalized_second_moment(*base, 100000, settings.seed).nsm);
  const CodecParameters params =
      choose_codec_parameters(point.kind, *base, nsm, 0.0, settings.sigma, point.distortion_target,
                              point.perception_target, point.nesting);
  const auto lattices = std::make_shared<CodecLattices>(base, params);
  SimulationOptions so;
  const int n = base->dimension();
  // Λ16 and Λ24 decode in microseconds, and their cell integrals need many more rounds at low
  // rate: a quarter of the samples and a lower round cap keep a figure within minutes (their
  // standard errors and mean draws are in the CSV).
  const bool heavy = n >= 16;
  so.blocks = std::max<std::uint64_t>(64, (heavy ? settings.samples / 4 : settings.samples) / n);
  so.rate_max_rounds = heavy ? 8 : 32;
  so.seed = settings.seed;
  so.rate_points = settings.rate_points;
  so.projections = settings.projections;
  so.batches = 16;
  const auto r = simulate_codec(lattices, Gaussian(0.0, settings.sigma), so);
  const double rc = point.kind == CodecKind::sd   ? INFINITY
                    : point.kind == CodecKind::pd ? 0.0
                                                  : std::log2(double(point.nesting));
  auto c = [](double x) { return CsvTable::cell(x); };
  return {codec_name(point.kind),
          point.lattice,
          std::to_string(n),
          std::to_string(params.nesting_ratio),
          c(rc),
          c(point.distortion_target),
          c(point.perception_target),
          c(r.rate_bits.value),
          c(r.rate_bits.stderr_),
          c(r.distortion_mse.value),
          c(r.distortion_mse.stderr_),
          c(r.perception.marginal_w2sq.value),
          c(r.perception.marginal_w2sq.stderr_),
          c(r.perception.sliced_w2sq.value),
          c(r.perception.sliced_w2sq.stderr_),
          c(params.lattice_scale),
          c(params.decoder_gain),
          c(params.dither_magnitude),
          c(space_filling_loss_bits(nsm)),
          c(r.rate_mean_draws),
          c(r.rate_lower_bits.value),
          c(r.rate_lower_bits.stderr_),
          point.kind == CodecKind::sd ? c(sd_rate_upper_bound_bits(settings.sigma * settings.sigma,
                                                                   params.noise_second_moment, nsm))
                                      : std::string("")};
}

}  // namespace rdp::experiments
