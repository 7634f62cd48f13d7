#include "toeplitz.hpp"

#include <algorithm>
#include <cmath>

#include "rdp/solvers/ba/detail/kernel.hpp"

namespace rdp::ba {

ToeplitzExcess toeplitz_excess(const RowMatrix& excess, double tolerance) {
  const Eigen::Index m = excess.rows(), n = excess.cols();
  ToeplitzExcess gen;
  if (m == 0 || n == 0) return gen;
  std::vector<double> e(static_cast<std::size_t>(m + n - 1));
  for (Eigen::Index d = 0; d < m; ++d) e[d + n - 1] = excess(d, 0);
  for (Eigen::Index d = 1; d < n; ++d) e[n - 1 - d] = excess(0, d);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (!(std::abs(excess(i, j) - e[i - j + n - 1]) <= tolerance)) return gen;
  gen.m = m, gen.n = n, gen.e = std::move(e);
  return gen;
}

namespace {

// The spectrum of x (length len, zero-padded to nfft) into out (nfft/2 + 1 values).
void spectrum_of(const double* x, Eigen::Index len, Eigen::Index nfft, FftWork& work,
                 std::vector<std::complex<double>>& out) {
  work.real.resize(static_cast<std::size_t>(nfft));
  std::fill(work.real.begin(), work.real.end(), 0.0);
  std::copy(x, x + len, work.real.begin());
  out.resize(static_cast<std::size_t>(nfft / 2 + 1));
  work.fft.fwd(out.data(), work.real.data(), nfft);
}

// work.real ← the circular convolution of x (length len, zero-padded) with the sequence whose
// spectrum is kernel_hat.
void convolve(const double* x, Eigen::Index len,
              const std::vector<std::complex<double>>& kernel_hat, Eigen::Index nfft,
              FftWork& work) {
  spectrum_of(x, len, nfft, work, work.spectrum);
  for (std::size_t t = 0; t < kernel_hat.size(); ++t) work.spectrum[t] *= kernel_hat[t];
  work.fft.inv(work.real.data(), work.spectrum.data(), nfft);
}

}  // namespace

void toeplitz_spectra(const ToeplitzExcess& gen, double s, FftWork& work, ToeplitzSpectra& out) {
  if (gen.e.empty()) return;
  const Eigen::Index m = gen.m, n = gen.n, len = m + n - 1;
  // A circular convolution of length N ≥ m + n − 1 leaves the entries the pass reads unaliased:
  // the wrapped ones land below index min(m, n) − 1.
  Eigen::Index nfft = 4;
  while (nfft < len) nfft *= 2;
  std::vector<double> a(static_cast<std::size_t>(len));
  for (Eigen::Index t = 0; t < len; ++t) a[t] = std::exp(-s * gen.e[t]);
  spectrum_of(a.data(), len, nfft, work, out.forward);
  std::reverse(a.begin(), a.end());
  spectrum_of(a.data(), len, nfft, work, out.adjoint);
  out.m = m, out.n = n, out.nfft = nfft;
}

void fft_kernel_pass(const ToeplitzSpectra& spectra, const double* k, const double* w,
                     const double* p, double* z, double* v, double* c, FftWork& work) {
  const Eigen::Index m = spectra.m, n = spectra.n, nfft = spectra.nfft;
  work.exact_rows.reserve(static_cast<std::size_t>(m));
  // z_i = Σ_j a[i − j + n − 1] w_j is entry i + n − 1 of the convolution a * w.
  convolve(w, n, spectra.forward, nfft, work);
  double zmax = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    z[i] = work.real[i + n - 1];
    zmax = std::max(zmax, z[i]);
  }
  // The FFT's error is about 1e-16·N of the largest term; below 1e-8 of the largest z it would
  // show in the relative value, so such rows (a source's tails) are exact.
  const double floor = 1e-8 * zmax;
  work.exact_rows.clear();
  for (Eigen::Index i = 0; i < m; ++i)
    if (!(z[i] >= floor) || !(zmax > 0.0)) work.exact_rows.push_back(i);
  if (4 * static_cast<Eigen::Index>(work.exact_rows.size()) > m) {
    detail::fused_kernel_pass(k, m, n, w, p, z, v, c);
    return;
  }
  for (Eigen::Index i : work.exact_rows) {
    const double* row = k + i * n;
    double acc = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) acc += row[j] * w[j];
    z[i] = acc;
  }
  // c_j = Σ_i a[i − j + n − 1] v_i is entry j + m − 1 of (reversed a) * v; the exact rows are
  // added from the dense kernel instead.
  for (Eigen::Index i = 0; i < m; ++i) v[i] = p[i] / z[i];
  for (Eigen::Index i : work.exact_rows) v[i] = 0.0;
  convolve(v, m, spectra.adjoint, nfft, work);
  for (Eigen::Index j = 0; j < n; ++j) c[j] = std::max(work.real[j + m - 1], 0.0);
  for (Eigen::Index i : work.exact_rows) {
    const double vi = p[i] / z[i];
    v[i] = vi;
    const double* row = k + i * n;
    for (Eigen::Index j = 0; j < n; ++j) c[j] += vi * row[j];
  }
}

}  // namespace rdp::ba
