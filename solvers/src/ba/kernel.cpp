// The O(m·n) passes of the Blahut–Arimoto iteration (detail/kernel.hpp), each compiled for the
// x86-64 levels the machine may have (target_clones): the hot loops of the solver.
#include "rdp/solvers/ba/detail/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace rdp {

namespace detail {

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define RDP_BA_TARGET_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RDP_BA_TARGET_CLONES
#endif

/// One Blahut–Arimoto sweep over the row-major kernel K (m×n):
///   Z_i = Σ_j K_ij w_j,  v_i = p_i / Z_i,  c_j = Σ_i v_i K_ij.
/// Both products read a block of rows while it is in L1, so K streams from memory once per
/// iteration. Four rows at a time: four independent dot-product chains hide the FMA latency, and
/// c is loaded and stored once per four rows.
RDP_BA_TARGET_CLONES
void fused_kernel_pass(const double* __restrict k, long m, long n, const double* __restrict w,
                       const double* __restrict p, double* __restrict z, double* __restrict v,
                       double* __restrict c) {
  for (long j = 0; j < n; ++j) c[j] = 0.0;
  long i = 0;
  for (; i + 4 <= m; i += 4) {
    const double* __restrict r0 = k + i * n;
    const double* __restrict r1 = r0 + n;
    const double* __restrict r2 = r1 + n;
    const double* __restrict r3 = r2 + n;
    double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
    for (long j = 0; j < n; ++j) {
      a0 += r0[j] * w[j];
      a1 += r1[j] * w[j];
      a2 += r2[j] * w[j];
      a3 += r3[j] * w[j];
    }
    z[i] = a0, z[i + 1] = a1, z[i + 2] = a2, z[i + 3] = a3;
    const double v0 = p[i] / a0, v1 = p[i + 1] / a1, v2 = p[i + 2] / a2, v3 = p[i + 3] / a3;
    v[i] = v0, v[i + 1] = v1, v[i + 2] = v2, v[i + 3] = v3;
#pragma omp simd
    for (long j = 0; j < n; ++j) c[j] += v0 * r0[j] + v1 * r1[j] + v2 * r2[j] + v3 * r3[j];
  }
  for (; i < m; ++i) {
    const double* __restrict row = k + i * n;
    double acc = 0.0;
#pragma omp simd reduction(+ : acc)
    for (long j = 0; j < n; ++j) acc += row[j] * w[j];
    z[i] = acc;
    const double vi = p[i] / acc;
    v[i] = vi;
#pragma omp simd
    for (long j = 0; j < n; ++j) c[j] += vi * row[j];
  }
}

/// Σ_i v_i Σ_j K_ij Δ_ij w_j for row-major K and Δ: E[Δ] of the channel v_i K_ij w_j.
RDP_BA_TARGET_CLONES
double weighted_trilinear(const double* __restrict k, const double* __restrict d, long m, long n,
                          const double* __restrict w, const double* __restrict v) {
  double out = 0.0;
  for (long i = 0; i < m; ++i) {
    const double* __restrict krow = k + i * n;
    const double* __restrict drow = d + i * n;
    double acc = 0.0;
#pragma omp simd reduction(+ : acc)
    for (long j = 0; j < n; ++j) acc += krow[j] * drow[j] * w[j];
    out += v[i] * acc;
  }
  return out;
}

/// Blahut's dual repaired row by row (see repaired_shannon_conjugate in iterate.cpp):
///   M_i = max(1, max{c_j : K_ij >= tau}),  v'_i = v_i / M_i,  c'_j = Σ_i v'_i K_ij.
/// Writes log M_i into log_m and returns Σ_i p_i log M_i.
RDP_BA_TARGET_CLONES
double repair_rows(const double* __restrict k, long m, long n, const double* __restrict c,
                   const double* __restrict p, const double* __restrict v, double tau,
                   double* __restrict log_m, double* __restrict v_out, double* __restrict c_out) {
  double shift = 0.0;
  for (long j = 0; j < n; ++j) c_out[j] = 0.0;
  for (long i = 0; i < m; ++i) {
    const double* __restrict row = k + i * n;
    double top = 1.0;
#pragma omp simd reduction(max : top)
    for (long j = 0; j < n; ++j) top = std::max(top, row[j] >= tau ? c[j] : 0.0);
    log_m[i] = std::log(top);
    shift += p[i] * log_m[i];
    const double vi = v[i] / top;
    v_out[i] = vi;
#pragma omp simd
    for (long j = 0; j < n; ++j) c_out[j] += vi * row[j];
  }
  return shift;
}

/// out[t] = table[index[t]]: the kernel rebuilt from the exponentials of its distinct exponents.
RDP_BA_TARGET_CLONES
void gather(const double* __restrict table, const std::int32_t* __restrict index, long count,
            double* __restrict out) {
  for (long t = 0; t < count; ++t) out[t] = table[index[t]];
}

}  // namespace detail

}  // namespace rdp
