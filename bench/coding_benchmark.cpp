// The entropy coder (issue 12): throughput (targets: the rANS coder alone >= 1e8 symbols/s decode
// on one core; the Z^n payload coder >= 1e7 scalar samples/s encode, E8 >= 1e6, decode at least
// as fast; run
// with OMP_NUM_THREADS=1 for one core) and the coded rate's overhead over the exact H(c | u).
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <vector>

#include "rdp/codec/bitstream.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/coding/rans.hpp"
#include "rdp/rng.hpp"
#include "rdp/sources.hpp"

namespace {

constexpr std::size_t kSymbols = 1 << 22;

// A discretised Gaussian over `alphabet` symbols (about log2(alphabet) − 2 bits per symbol) and
// a stream drawn from it.
struct StaticStream {
  rdp::RansTable table;
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint16_t> symbols;
};

StaticStream make_stream(int alphabet) {
  std::vector<double> pmf(alphabet);
  for (int i = 0; i < alphabet; ++i) {
    const double z = (i - 0.5 * alphabet) / (alphabet / 8.0);
    pmf[i] = std::exp(-0.5 * z * z);
  }
  StaticStream s{rdp::RansTable(rdp::quantize_pmf(pmf)), {}, {}};
  rdp::Philox rng(1, 2);
  s.symbols.resize(kSymbols);
  for (auto& v : s.symbols) {
    const std::uint32_t slot = rng() & 0xffff;
    int lo = 0, hi = alphabet - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (s.table.start(mid) <= slot)
        lo = mid;
      else
        hi = mid - 1;
    }
    v = static_cast<std::uint16_t>(lo);
  }
  rdp::RansEncoder enc;
  for (auto v : s.symbols) s.table.put(enc, v);
  s.bytes = enc.finish();
  return s;
}

void BM_RansDecodeStatic(benchmark::State& state) {
  const StaticStream s = make_stream(static_cast<int>(state.range(0)));
  std::uint64_t check = 0;
  for (auto _ : state) {
    rdp::RansDecoder dec(s.bytes.data(), s.bytes.size());
    for (std::size_t i = 0; i < kSymbols; ++i) check += s.table.get(dec);
    benchmark::DoNotOptimize(check);
  }
  state.SetItemsProcessed(state.iterations() * kSymbols);
  state.counters["bits_per_symbol"] = 8.0 * s.bytes.size() / kSymbols;
}

void BM_RansEncodeStatic(benchmark::State& state) {
  const StaticStream s = make_stream(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    rdp::RansEncoder enc;
    for (auto v : s.symbols) s.table.put(enc, v);
    benchmark::DoNotOptimize(enc.finish());
  }
  state.SetItemsProcessed(state.iterations() * kSymbols);
}

std::shared_ptr<const rdp::CodecLattices> make_codec(const char* lattice, rdp::CodecKind kind,
                                                     double d) {
  const auto base = rdp::make_lattice(lattice);
  return std::make_shared<rdp::CodecLattices>(
      base, rdp::choose_codec_parameters(kind, *base, 1.0 / 12, 0.0, 1.0, d, 0.0, 2));
}

std::vector<double> gaussian_samples(std::size_t count) {
  std::vector<double> x(count);
  rdp::Philox rng(3, 4);
  for (auto& v : x) v = rng.normal();
  return x;
}

// range(0): 1000 × D. The payload coder on Z^n, 2^20 scalar samples.
void BM_PayloadEncode(benchmark::State& state, const char* lattice, rdp::CodecKind kind) {
  const auto codec = make_codec(lattice, kind, state.range(0) / 1000.0);
  const rdp::Gaussian source(0.0, 1.0);
  const std::uint64_t blocks = (1u << 20) / codec->dimension();
  const auto x = gaussian_samples(blocks * codec->dimension());
  std::vector<std::uint8_t> bytes;
  for (auto _ : state) {
    bytes = rdp::encode_payload(codec, source, 5, x.data(), blocks);
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetItemsProcessed(state.iterations() * blocks * codec->dimension());
  state.counters["bits_per_dimension"] = 8.0 * bytes.size() / (blocks * codec->dimension());
}

void BM_PayloadDecode(benchmark::State& state, const char* lattice, rdp::CodecKind kind) {
  const auto codec = make_codec(lattice, kind, state.range(0) / 1000.0);
  const rdp::Gaussian source(0.0, 1.0);
  const std::uint64_t blocks = (1u << 20) / codec->dimension();
  const auto x = gaussian_samples(blocks * codec->dimension());
  const auto bytes = rdp::encode_payload(codec, source, 5, x.data(), blocks);
  for (auto _ : state)
    benchmark::DoNotOptimize(
        rdp::decode_payload(codec, source, 5, bytes.data(), bytes.size(), blocks));
  state.SetItemsProcessed(state.iterations() * blocks * codec->dimension());
  state.counters["bits_per_dimension"] = 8.0 * bytes.size() / (blocks * codec->dimension());
}

// The accuracy target: over 10^6 samples on Z, the payload's bits per dimension against the
// exact H(c | u) that simulate_codec reports for the same blocks. range(0): 10^6 × D; range(1): a.
void BM_CodedRateOverhead(benchmark::State& state, rdp::CodecKind kind) {
  const double d = state.range(0) / 1e6;
  const int a = static_cast<int>(state.range(1));
  const auto base = rdp::make_lattice("z1");
  const auto codec = std::make_shared<rdp::CodecLattices>(
      base, rdp::choose_codec_parameters(kind, *base, 1.0 / 12, 0.0, 1.0, d, 0.0, a));
  const rdp::Gaussian source(0.0, 1.0);
  const std::uint64_t samples = 1000000, seed = 11;
  rdp::SimulationOptions o;
  o.blocks = samples;
  o.seed = seed;
  o.estimate_perception = false;
  std::vector<double> x(samples);
  const std::uint64_t source_seed = rdp::derive_seed(seed, 3);
  for (std::uint64_t b = 0; b < samples; ++b) {
    rdp::Philox rng(source_seed, b);
    x[b] = source.sample(rng);
  }
  double exact = 0.0, coded = 0.0;
  for (auto _ : state) {
    exact = rdp::simulate_codec(codec, source, o).rate_bits.value;
    coded =
        8.0 *
        rdp::encode_payload(codec, source, rdp::derive_seed(seed, 1), x.data(), samples).size() /
        samples;
  }
  state.counters["exact_bits"] = exact;
  state.counters["coded_bits"] = coded;
  state.counters["overhead_bits"] = coded - exact;
}

}  // namespace

BENCHMARK_CAPTURE(BM_CodedRateOverhead, sd, rdp::CodecKind::sd)
    ->Args({1750000, 1})
    ->Args({200000, 1})
    ->Args({13000, 1})
    ->Args({340, 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CodedRateOverhead, pd, rdp::CodecKind::pd)
    ->Args({1880000, 1})
    ->Args({300000, 1})
    ->Args({700, 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CodedRateOverhead, qsd, rdp::CodecKind::qsd)
    ->Args({1000000, 2})
    ->Args({20000, 4})
    ->Args({1000, 3})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RansDecodeStatic)->Arg(16)->Arg(256)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RansEncodeStatic)->Arg(16)->Arg(256)->Arg(4096)->Unit(benchmark::kMillisecond);
// D = 0.3 and 0.01: about 1.2 and 3.4 bits per dimension for SD on Z.
BENCHMARK_CAPTURE(BM_PayloadEncode, sd_z1, "z1", rdp::CodecKind::sd)
    ->Arg(300)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadDecode, sd_z1, "z1", rdp::CodecKind::sd)
    ->Arg(300)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadEncode, sd_z8, "z8", rdp::CodecKind::sd)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadDecode, sd_z8, "z8", rdp::CodecKind::sd)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadEncode, qsd_z8, "z8", rdp::CodecKind::qsd)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadDecode, qsd_z8, "z8", rdp::CodecKind::qsd)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);
// Lattices without box cells (the chain model over a reduced basis): D = 0.2 is about 1.35 bits per
// dimension on E8 and 1.3 on Λ24.
BENCHMARK_CAPTURE(BM_PayloadEncode, sd_e8, "e8", rdp::CodecKind::sd)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadDecode, sd_e8, "e8", rdp::CodecKind::sd)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadEncode, pd_e8, "e8", rdp::CodecKind::pd)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadDecode, pd_e8, "e8", rdp::CodecKind::pd)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadEncode, sd_leech, "leech", rdp::CodecKind::sd)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PayloadDecode, sd_leech, "leech", rdp::CodecKind::sd)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
