// Throughput of the codec Monte-Carlo (target: SD-LTC with E8 at >= 1e6 scalar samples/s
// end to end, encode + decode + distortion + perception, on the 2-core machine); the rate
// estimator is timed on its own, with its number of cell-integration points.
#include <benchmark/benchmark.h>

#include <memory>

#include "rdp/codec/simulate.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/sources.hpp"

namespace {

std::shared_ptr<const rdp::CodecLattices> make_codec(const char* lattice, rdp::CodecKind kind) {
  const auto base = rdp::make_lattice(lattice);
  return std::make_shared<rdp::CodecLattices>(
      base, rdp::choose_codec_parameters(kind, *base, *rdp::reference_nsm(lattice), 0.0, 1.0, 0.1,
                                         0.0, 3));
}

// range(0): lattice index; end to end without the rate estimator.
void BM_SimulateEndToEnd(benchmark::State& state, const char* lattice) {
  const auto codec = make_codec(lattice, rdp::CodecKind::sd);
  rdp::SimulationOptions o;
  o.blocks = 1000000 / codec->dimension();
  o.estimate_rate = false;
  o.projections = 64;
  const rdp::Gaussian source(0.0, 1.0);
  for (auto _ : state) benchmark::DoNotOptimize(rdp::simulate_codec(codec, source, o));
  state.SetItemsProcessed(state.iterations() * o.blocks * codec->dimension());
  state.counters["scalar_samples_per_s"] = benchmark::Counter(
      double(state.iterations() * o.blocks * codec->dimension()), benchmark::Counter::kIsRate);
}

void BM_RateEstimator(benchmark::State& state, const char* lattice) {
  const auto codec = make_codec(lattice, rdp::CodecKind::sd);
  rdp::SimulationOptions o;
  o.blocks = 200000 / codec->dimension();
  o.estimate_perception = false;
  o.rate_points = static_cast<int>(state.range(0));
  const rdp::Gaussian source(0.0, 1.0);
  rdp::SimulationResult r;
  for (auto _ : state) r = rdp::simulate_codec(codec, source, o);
  state.counters["rate_seconds_per_1e6_samples"] =
      r.seconds_rate * 1e6 / (o.blocks * codec->dimension());
  state.counters["rate_stderr_bits"] = r.rate_bits.stderr_;
  state.counters["rate_bias_bound_bits"] = r.rate_bias_bound_bits.value;
  state.counters["mean_draws"] = r.rate_mean_draws;
}

}  // namespace

BENCHMARK_CAPTURE(BM_SimulateEndToEnd, e8, "e8")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_SimulateEndToEnd, z8, "z8")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_SimulateEndToEnd, leech, "leech")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_RateEstimator, e8, "e8")
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
