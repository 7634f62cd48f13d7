#pragma once
// The scaled kernel K = exp(−s·excess) at the current slope s (lifetime: one slope).
#include <cstdint>
#include <vector>

#include "common.hpp"
#include "toeplitz.hpp"

namespace rdp::ba {

struct ScaledKernel {
  // Allocates K and indexes the distinct values of `excess` (the problem's, fixed).
  explicit ScaledKernel(const RowMatrix& excess);
  // Rebuilds K for slope s (nothing to do if s is the current slope).
  void set_slope(double s, const RowMatrix& excess);

  double slope = -1.0;
  RowMatrix k;
  // The distinct values of `excess` and each entry's index among them (row-major), when there
  // are few: then a new slope costs one exponential per distinct value and a gather, not m·n
  // exponentials. Grids have few (the 256-cell Gaussian with squared error: 848 of 65536), and
  // the kernel stays exact: the same doubles go through the same exp.
  std::vector<double> excess_values, excess_exp;
  std::vector<std::int32_t> excess_index;
  // Where the excess is Toeplitz (a uniform grid under a translation-invariant distortion), its
  // diagonals and, per slope, the spectra of the FFT pass (toeplitz.hpp); K stays exact beside
  // them, for the bounds.
  ToeplitzExcess toeplitz;
  ToeplitzSpectra spectra;
  FftWork fft_work;

 private:
  void index_excess(const RowMatrix& excess);
};

}  // namespace rdp::ba
