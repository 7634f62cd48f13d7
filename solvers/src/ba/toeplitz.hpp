#pragma once
// A Blahut–Arimoto pass through a Toeplitz kernel by FFT. On a uniform grid with a
// translation-invariant distortion (MSE, |x − x̂|^r on the discretised continuous sources) the
// exponent of K = exp(−s·excess) depends on i − j only, so the pass's two products Kw and Kᵀv are
// convolutions: O(N log N) with N ≥ m + n − 1 instead of O(m·n). The FFT's error is absolute
// (about 1e-16 of the largest term), so rows whose Kw falls below a small fraction of the largest
// are recomputed exactly from the dense kernel. The pass is only a search step: every bound and
// every convergence decision is taken on an exact pass (inner.cpp), so the approximation never
// enters a certificate.
#include <Eigen/Core>
#include <complex>
#include <unsupported/Eigen/FFT>
#include <vector>

#include "common.hpp"

namespace rdp::ba {

// The exponent per unit slope along the diagonals, e[d + n − 1] for d = i − j (lifetime: the
// solver). Empty when the excess is not Toeplitz.
struct ToeplitzExcess {
  Eigen::Index m = 0, n = 0;
  std::vector<double> e;
};

// The diagonals of `excess` if every entry is within `tolerance` of its diagonal's first entry,
// else an empty generator.
ToeplitzExcess toeplitz_excess(const RowMatrix& excess, double tolerance);

// Scratch of the FFT pass (lifetime: the solver; no allocation per pass once sized).
struct FftWork {
  FftWork() { fft.SetFlag(Eigen::FFT<double>::HalfSpectrum); }
  Eigen::FFT<double> fft;
  std::vector<double> real;
  std::vector<std::complex<double>> spectrum;
  std::vector<Eigen::Index> exact_rows;
};

// The spectra of the two convolutions at one slope (lifetime: one slope).
struct ToeplitzSpectra {
  Eigen::Index m = 0, n = 0, nfft = 0;
  std::vector<std::complex<double>> forward;  // of the generator: z = K w
  std::vector<std::complex<double>> adjoint;  // of the reversed generator: c = Kᵀ v
  bool ready() const { return nfft > 0; }
};

// Fills `out` for K = exp(−s·excess); out.nfft stays 0 if the generator is empty.
void toeplitz_spectra(const ToeplitzExcess& gen, double s, FftWork& work, ToeplitzSpectra& out);

// z = K w, v = p ⊘ z, c = Kᵀ v as fused_kernel_pass() computes them, the convolutions by FFT and
// the rows with z_i < 1e-8·max z (where the FFT's absolute error would be large relative to z_i)
// exactly from the row-major m×n kernel k. Where more than a quarter of the rows would need that,
// the whole pass is the dense one. c is clipped at 0 (an FFT value below its own error).
void fft_kernel_pass(const ToeplitzSpectra& spectra, const double* k, const double* w,
                     const double* p, double* z, double* v, double* c, FftWork& work);

}  // namespace rdp::ba
