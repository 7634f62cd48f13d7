#include "rdp/lattice/constants.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/mc/statistics.hpp"

namespace rdp {

namespace {
constexpr std::uint64_t kBlock = 1024;  // samples per partial sum
}

NsmEstimate normalized_second_moment(const Lattice& lattice, std::uint64_t samples,
                                     std::uint64_t seed) {
  if (samples < 2) throw InvalidArgument("samples", "[2, 2^64)", std::to_string(samples));
  const int n = lattice.dimension();
  // 1/(n V^{2/n}) from ln V: V itself overflows a double in high dimension (leech^40).
  const double unit = std::exp(-2.0 * lattice.log_covolume() / n) / n;
  const std::uint64_t blocks = (samples + kBlock - 1) / kBlock;
  // One running mean per block, merged in block order afterwards, so neither the thread count
  // nor the schedule changes a bit.
  std::vector<RunningMean> partial(blocks);
#pragma omp parallel
  {
    std::vector<double> e(n);
#pragma omp for schedule(dynamic, 4)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks); ++b) {
      const std::uint64_t lo = static_cast<std::uint64_t>(b) * kBlock;
      const std::uint64_t hi = std::min(samples, lo + kBlock);
      RunningMean& m = partial[static_cast<std::size_t>(b)];
      for (std::uint64_t i = lo; i < hi; ++i) {
        Philox rng(seed, i);
        lattice.sample_voronoi(rng, e.data());
        double r2 = 0.0;
        for (int j = 0; j < n; ++j) r2 += e[j] * e[j];
        m.add(r2 * unit);
      }
    }
  }
  RunningMean total;
  for (const RunningMean& m : partial) total.merge(m);
  const Estimate g = total.estimate();
  NsmEstimate est;
  est.nsm = g.value;
  est.samples = samples;
  est.standard_error = g.stderr_;
  return est;
}

double space_filling_loss_bits(double nsm) {
  require_positive("nsm", nsm);
  const double two_pi_e = 2.0 * 3.14159265358979323846 * 2.71828182845904523536;
  return 0.5 * std::log2(two_pi_e * nsm);
}

std::optional<double> reference_nsm(std::string_view name) {
  // Products Λ^k have the G of Λ; strip every "^k".
  while (true) {
    const auto caret = name.rfind('^');
    if (caret == std::string_view::npos) break;
    name = name.substr(0, caret);
  }
  // SPLAG Table 2.3 / docs/THEORY.md §4.
  if (!name.empty() && name[0] == 'z') return 1.0 / 12.0;
  if (name == "a1") return 1.0 / 12.0;
  if (name == "a2") return 5.0 / (36.0 * std::sqrt(3.0));
  if (name == "a3" || name == "d3") return std::pow(2.0, -11.0 / 3.0);
  if (name == "d3star") return 19.0 / (192.0 * std::cbrt(2.0));                  // bcc = A3*
  if (name == "d4" || name == "d4star") return 13.0 / (120.0 * std::sqrt(2.0));  // D4* ≅ D4
  if (name == "e8") return 929.0 / 12960.0;
  if (name == "bw16") return 0.068299;
  if (name == "leech" || name == "leech:decoder=cosets") return 0.065771;
  return std::nullopt;
}

}  // namespace rdp
