#include "codec_runs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "experiment.hpp"
#include "rdp/codec/bitstream.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/perfect_realism.hpp"
#include "rdp/sources.hpp"

namespace rdp::experiments {
namespace {

constexpr std::uint64_t kNsmSamples = 100000;

// The bound each codec is compared with (docs/THEORY.md §3, §5), at the measured D and the target
// P: R(D,P) for SD (Zhang et al. 2021); for PD and QSD at P = 0 the bounds of their common
// randomness (R(D/2,∞) without, Wagner's R(D, Rc) with Rc = log2 a); for P > 0 R(D,P) with
// unlimited common randomness, which only bounds them from below.
void set_theory(CodecRun& run, double sigma) {
  const double d = run.result.distortion_mse.value, p = run.point.perception_target;
  const CodecKind kind = run.point.kind;
  if (kind == CodecKind::sd || p > 0.0) {
    run.theory_rate_bits = rate_distortion_perception_gaussian_w2sq(sigma, d, p).rate_bits;
    run.theory = kind == CodecKind::sd
                     ? "R(D,P), W2sq (Zhang et al. 2021)"
                     : "R(D,P), W2sq, unlimited common randomness: a lower bound here";
  } else if (kind == CodecKind::pd) {
    run.theory_rate_bits = rate_half_distortion_gaussian(sigma, d);
    run.theory = "R(D/2,inf) (no common randomness, P = 0)";
  } else {
    run.theory_rate_bits =
        rate_common_randomness_gaussian(sigma, d, std::log2(double(run.point.nesting)));
    run.theory = "Wagner R(D, Rc = log2 a) at P = 0";
  }
}

// Physical memory of this machine, bytes (0 if unknown).
double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0.0;
}

nlohmann::json number(double x) { return x; }
nlohmann::json null() { return nullptr; }

}  // namespace

std::uint64_t simulation_blocks(double samples, const std::string& samples_text, int n) {
  if (!(samples >= 64.0 * n))
    throw InvalidArgument(
        "samples",
        "[" + std::to_string(64 * n) + ", 2e9] (64 blocks of dimension " + std::to_string(n) + ")",
        samples_text);
  const auto blocks = static_cast<std::uint64_t>(std::ceil(samples / n));
  const double need = double(simulation_memory_bytes(blocks, n));
  const double have = 0.5 * physical_memory_bytes();
  if (have > 0.0 && need > have) {
    const double max_samples = std::floor(have / need * double(blocks)) * n;
    throw InvalidArgument(
        "samples",
        fmt::format("[{}, {}] on this machine (the run needs {:.3g} GB, half its memory is "
                    "{:.3g} GB)",
                    64 * n, format_number(std::min(max_samples, kMaxSimulationSamples)), need / 1e9,
                    have / 1e9),
        samples_text);
  }
  return blocks;
}

CodecNsm codec_nsm(const Lattice& base, const std::string& name, std::uint64_t seed) {
  // Conway & Sloane's value where tabulated; the Monte Carlo only where it is not.
  if (const auto tabulated = reference_nsm(name)) return {*tabulated, "conway_sloane"};
  return {normalized_second_moment(base, kNsmSamples, seed).nsm, "monte_carlo"};
}

CodecRun run_codec_point(const CodecPoint& point, const ContinuousSource& source,
                         const SimulationOptions& options) {
  CodecRun run;
  run.point = point;
  if (point.kind != CodecKind::qsd) run.point.nesting = 1;
  run.source = source.spec();
  run.seed = options.seed;
  const LatticePtr base = make_lattice(point.lattice);
  run.dimension = base->dimension();
  const CodecNsm nsm = codec_nsm(*base, point.lattice, options.seed);
  run.nsm = nsm.nsm;
  run.nsm_method = nsm.method;
  run.source_variance = source.variance();
  const double sigma = std::sqrt(run.source_variance);
  run.parameters =
      choose_codec_parameters(point.kind, *base, run.nsm, source.mean(), sigma,
                              point.distortion_target, point.perception_target, run.point.nesting);
  const auto lattices = std::make_shared<CodecLattices>(base, run.parameters);
  run.result = simulate_codec(lattices, source, options);
  // The file's payload for simulate_codec's own blocks (Philox(derive_seed(seed, 3), block)),
  // drawn and coded a chunk at a time so that memory stays at one chunk.
  const int n = run.dimension;
  const std::uint64_t chunk = payload_chunk_blocks(n), blocks = run.result.blocks;
  const std::uint64_t source_seed = derive_seed(options.seed, 3);
  const std::uint64_t common_seed = derive_seed(options.seed, 1);
  std::vector<double> x(static_cast<std::size_t>(std::min(chunk, blocks)) * n);
  double bytes = 0.0;
  for (std::uint64_t b0 = 0; b0 < blocks; b0 += chunk) {
    const std::uint64_t count = std::min(chunk, blocks - b0);
    for (std::uint64_t b = 0; b < count; ++b) {
      Philox rng(source_seed, b0 + b);
      for (int k = 0; k < n; ++k) x[b * n + k] = source.sample(rng);
    }
    bytes += double(encode_payload(lattices, source, common_seed, x.data(), count, b0).size());
  }
  run.coded_payload_bytes = bytes;
  {
    BitstreamHeader h;
    h.lattice = base->name();
    h.source = source.spec();
    h.shape = {blocks * static_cast<std::uint64_t>(n)};
    run.coded_header_bytes = double(bitstream_overhead_bytes(h));
  }
  run.coded_rate_bits = 8.0 * bytes / (double(blocks) * n);
  if (const auto* g = dynamic_cast<const Gaussian*>(&source)) {
    run.gaussian = true;
    set_theory(run, g->sigma());
  }
  return run;
}

std::vector<std::pair<std::string, nlohmann::json>> codec_fields(const CodecRun& run) {
  const SimulationResult& r = run.result;
  const CodecParameters& par = run.parameters;
  // codec_columns() lists the names from an empty run, which has nothing to compute from.
  const bool ran = run.dimension > 0;
  const bool sd = ran && run.point.kind == CodecKind::sd;
  const bool perception = r.has_perception;
  auto measured = [&](bool present, const Estimate& e) {
    return std::pair{present ? number(e.value) : null(), present ? number(e.stderr_) : null()};
  };
  const auto [marg, marg_se] = measured(perception, r.perception.marginal_w2sq);
  const auto [frechet, frechet_se] = measured(perception, r.perception.frechet_w2sq);
  const auto [sliced, sliced_se] = measured(perception, r.perception.sliced_w2sq);
  const auto [kl, kl_se] = measured(perception, r.perception.fitted_kl_nats);
  const bool monte_carlo_rate = r.rate_method == "cell_monte_carlo";
  return {
      {"codec", codec_name(run.point.kind)},
      {"lattice", run.point.lattice},
      {"dimension", run.dimension},
      {"source", run.source},
      {"seed", run.seed},
      {"nesting", par.nesting_ratio},
      // SD shares the whole dither: unlimited common randomness.
      {"common_randomness_bits",
       sd ? nlohmann::json("inf") : number(std::log2(double(par.nesting_ratio)))},
      {"D_target", run.point.distortion_target},
      {"P_target_frechet_w2sq", run.point.perception_target},
      {"samples", r.blocks * static_cast<std::uint64_t>(run.dimension)},
      {"blocks", r.blocks},
      {"rate_bits", r.rate_bits.value},
      {"rate_stderr", r.rate_bits.stderr_},
      {"rate_lower_bits", r.rate_lower_bits.value},
      {"rate_lower_stderr", r.rate_lower_bits.stderr_},
      {"rate_bias_bound_bits", r.rate_bias_bound_bits.value},
      {"coded_rate_bits", std::isnan(run.coded_rate_bits) ? null() : number(run.coded_rate_bits)},
      {"coded_payload_bytes",
       std::isnan(run.coded_payload_bytes) ? null() : number(run.coded_payload_bytes)},
      {"coded_header_bytes",
       std::isnan(run.coded_header_bytes) ? null() : number(run.coded_header_bytes)},
      {"rate_method", r.rate_method},
      {"rate_points", r.rate_points},
      {"rate_mean_draws", monte_carlo_rate ? number(r.rate_mean_draws) : null()},
      {"rate_upper_bound_bits",
       sd ? number(sd_rate_upper_bound_bits(run.source_variance, par.noise_second_moment, run.nsm))
          : null()},
      {"distortion", r.distortion_mse.value},
      {"distortion_stderr", r.distortion_mse.stderr_},
      {"perception_marginal_w2sq", marg},
      {"perception_marginal_w2sq_stderr", marg_se},
      {"perception_frechet_w2sq", frechet},
      {"perception_frechet_w2sq_stderr", frechet_se},
      {"perception_sliced_w2sq", sliced},
      {"perception_sliced_w2sq_stderr", sliced_se},
      {"perception_fitted_kl_nats", kl},
      {"perception_fitted_kl_nats_stderr", kl_se},
      {"projections", perception ? nlohmann::json(r.perception.projections) : null()},
      {"lattice_scale", par.lattice_scale},
      {"noise_second_moment", par.noise_second_moment},
      {"decoder_gain", par.decoder_gain},
      {"dither_magnitude", par.dither_magnitude},
      {"nsm", run.nsm},
      {"nsm_method", run.nsm_method},
      {"loss_bits", ran ? number(space_filling_loss_bits(run.nsm)) : null()},
      {"moment_method", par.moment_method},
      {"predicted_distortion", par.predicted_distortion_mse},
      {"predicted_output_std", par.predicted_output_std},
      {"theory", run.gaussian ? nlohmann::json(run.theory) : null()},
      {"theory_rate_bits", run.gaussian ? number(run.theory_rate_bits) : null()},
      {"gap_bits", run.gaussian ? number(r.rate_bits.value - run.theory_rate_bits) : null()},
      {"rule", par.rule},
  };
}

std::vector<std::string> codec_columns() {
  std::vector<std::string> names;
  for (const auto& [name, value] : codec_fields(CodecRun{})) names.push_back(name);
  return names;
}

std::vector<std::string> codec_cells(const CodecRun& run) {
  std::vector<std::string> cells;
  for (const auto& [name, value] : codec_fields(run)) {
    if (value.is_null())
      cells.emplace_back();
    else if (value.is_string())
      cells.push_back(value.get<std::string>());
    else if (value.is_number_float())
      cells.push_back(CsvTable::cell(value.get<double>()));
    else
      cells.push_back(value.dump());
  }
  return cells;
}

SimulationOptions figure_simulation_options(const CodecRunSettings& settings, int dimension) {
  SimulationOptions so;
  // Λ16 and Λ24 decode in microseconds, and their cell integrals need many more rounds at low
  // rate: a quarter of the samples and a lower round cap keep a figure within minutes (their
  // standard errors and mean draws are in the CSV).
  const bool heavy = dimension >= 16;
  so.blocks =
      std::max<std::uint64_t>(64, (heavy ? settings.samples / 4 : settings.samples) / dimension);
  so.rate_max_rounds = heavy ? 8 : 32;
  so.seed = settings.seed;
  so.rate_points = settings.rate_points;
  so.projections = settings.projections;
  so.batches = 16;
  return so;
}

}  // namespace rdp::experiments
