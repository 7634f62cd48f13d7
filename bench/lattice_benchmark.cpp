// Nearest-point decoding speed, nanoseconds per point, for every lattice the factory names: single
// thread (Threads(1)) and all cores (Threads(2) on the 2-core reference machine; each thread
// decodes its own points, so items_per_second is the aggregate throughput).
//   ./build/bench/lattice_benchmark --benchmark_filter=Decode
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "rdp/lattice/constants.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/rng.hpp"

namespace {

const char* const kLattices[] = {"z1", "z8",   "a2",    "d4",   "d4star",
                                 "e8", "bw16", "leech", "e8^3", "leech^2"};

// 4096 points per thread, uniform over three times a fundamental domain (several cells).
std::vector<double> test_points(const rdp::Lattice& lattice, std::uint64_t stream) {
  const int n = lattice.dimension();
  const std::size_t count = 4096;
  std::vector<double> x(count * n);
  rdp::Philox rng(12345, stream);
  for (std::size_t p = 0; p < count; ++p) {
    lattice.sample_fundamental_domain(rng, &x[p * n]);
    for (int i = 0; i < n; ++i) x[p * n + i] *= 3.0;
  }
  return x;
}

void BM_Decode(benchmark::State& state, const std::string& name) {
  const rdp::LatticePtr lattice = rdp::make_lattice(name);
  const int n = lattice->dimension();
  const std::vector<double> x = test_points(*lattice, state.thread_index());
  std::vector<double> out(n);
  const std::size_t count = x.size() / n;
  std::size_t p = 0;
  for (auto _ : state) {
    lattice->nearest_point(&x[p * n], out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    if (++p == count) p = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SampleVoronoi(benchmark::State& state, const std::string& name) {
  const rdp::LatticePtr lattice = rdp::make_lattice(name);
  std::vector<double> out(lattice->dimension());
  std::uint64_t i = 0;
  for (auto _ : state) {
    rdp::Philox rng(1, i++);
    lattice->sample_voronoi(rng, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// Lattice::nearest_points on 10^6 fresh N(0,1) points (row-major, 64 MB in and out, OpenMP): the
// batch a numpy caller hands over, where each point is decoded once (the 4096 cache-resident
// points of BM_Decode are revisited, so their branches are learnt). The reference for the
// rdpkit.Lattice.nearest_point timing of bench/python_bench.py. Items are points.
void BM_DecodeBatch(benchmark::State& state, const std::string& name) {
  const rdp::LatticePtr lattice = rdp::make_lattice(name);
  const int n = lattice->dimension();
  const std::size_t count = 1000000;
  std::vector<double> x(count * n), out(count * n);
  for (std::size_t p = 0; p < count; ++p) {
    rdp::Philox rng(777, p);
    for (int i = 0; i < n; ++i) x[p * n + i] = rng.normal();
  }
  for (auto _ : state) {
    lattice->nearest_points(x.data(), out.data(), count);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
}

void BM_NestedSample(benchmark::State& state, const std::string& name, int ratio) {
  const rdp::NestedLattice nested(rdp::make_lattice(name), ratio);
  std::vector<double> out(nested.dimension());
  std::uint64_t i = 0;
  for (auto _ : state) {
    rdp::Philox rng(1, i++);
    nested.sample_coset_representative(rng, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
  for (const char* name : kLattices) {
    for (int threads : {1, 2})
      benchmark::RegisterBenchmark((std::string("Decode/") + name).c_str(), BM_Decode, name)
          ->Threads(threads)
          ->UseRealTime();
    benchmark::RegisterBenchmark((std::string("SampleVoronoi/") + name).c_str(), BM_SampleVoronoi,
                                 name);
  }
  benchmark::RegisterBenchmark("Decode/leech:decoder=cosets", BM_Decode,
                               std::string("leech:decoder=cosets"))
      ->Iterations(200);
  benchmark::RegisterBenchmark("DecodeBatch/e8/1e6", BM_DecodeBatch, std::string("e8"))
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("NestedSample/e8/a=3", BM_NestedSample, std::string("e8"), 3);
  benchmark::RegisterBenchmark("NestedSample/leech/a=2", BM_NestedSample, std::string("leech"), 2);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
