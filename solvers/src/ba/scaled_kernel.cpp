#include "scaled_kernel.hpp"

#include <algorithm>
#include <cmath>

#include "rdp/solvers/ba/detail/kernel.hpp"

namespace rdp::ba {

ScaledKernel::ScaledKernel(const RowMatrix& excess) {
  k.resize(excess.rows(), excess.cols());
  index_excess(excess);
  // Grid points are computed in floating point, so a diagonal's entries agree to rounding only.
  // A tolerance of 1e-12 of the largest exponent lets the FFT pass (a search step, never a bound)
  // see K off by a factor exp(±1e-12·s·max excess), at most 1 ± 1.5e-9 for D ≥ 0.05 on the
  // N(0,1) grid (s ≤ 10 nats, excess ≤ 144), and keeps every grid that is not uniform to that
  // accuracy on the dense path.
  const double scale = std::max(excess.size() > 0 ? excess.cwiseAbs().maxCoeff() : 0.0, 1e-300);
  toeplitz = toeplitz_excess(excess, 1e-12 * scale);
}

void ScaledKernel::index_excess(const RowMatrix& excess) {
  const Eigen::Index m = excess.rows(), n = excess.cols();
  const long count = static_cast<long>(m * n);
  excess_values.assign(excess.data(), excess.data() + count);
  std::sort(excess_values.begin(), excess_values.end());
  excess_values.erase(std::unique(excess_values.begin(), excess_values.end()), excess_values.end());
  // A gather costs about a fifth of an exponential; past m·n/8 distinct values it stops paying.
  if (static_cast<long>(excess_values.size()) > count / 8) {
    std::vector<double>().swap(excess_values);  // clear() would keep the m·n capacity
    return;
  }
  excess_values.shrink_to_fit();
  excess_exp.resize(excess_values.size());
  excess_index.resize(static_cast<std::size_t>(count));
  const double* e = excess.data();
  for (long t = 0; t < count; ++t)
    excess_index[t] = static_cast<std::int32_t>(
        std::lower_bound(excess_values.begin(), excess_values.end(), e[t]) - excess_values.begin());
}

void ScaledKernel::set_slope(double s, const RowMatrix& excess) {
  const Eigen::Index m = excess.rows(), n = excess.cols();
  if (s == slope) return;
  slope = s;
  if (!excess_values.empty()) {
    for (std::size_t u = 0; u < excess_values.size(); ++u)
      excess_exp[u] = std::exp(-s * excess_values[u]);
    detail::gather(excess_exp.data(), excess_index.data(), static_cast<long>(m * n), k.data());
  } else {
    // Otherwise m·n exponentials, about 20 passes' worth.
    k.array() = (excess.array() * (-s)).exp();
  }
  toeplitz_spectra(toeplitz, s, fft_work, spectra);
}

}  // namespace rdp::ba
