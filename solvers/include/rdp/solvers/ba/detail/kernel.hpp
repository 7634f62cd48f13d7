#pragma once
// The O(m·n) passes of the Blahut–Arimoto solver (solvers/src/ba/kernel.cpp), allocation-free;
// fused_kernel_pass is also what bench/ba_benchmark times.
#include <cstdint>

namespace rdp::detail {

/// One sweep over the row-major m×n kernel K: Z_i = Σ_j K_ij w_j, v_i = p_i / Z_i,
/// c_j = Σ_i v_i K_ij. Reads K once.
void fused_kernel_pass(const double* k, long m, long n, const double* w, const double* p, double* z,
                       double* v, double* c);

/// Σ_i v_i Σ_j K_ij Δ_ij w_j for row-major K and Δ: E[Δ] of the channel v_i K_ij w_j.
double weighted_trilinear(const double* k, const double* d, long m, long n, const double* w,
                          const double* v);

/// Blahut's dual repaired row by row: M_i = max(1, max{c_j : K_ij >= tau}), v'_i = v_i / M_i,
/// c'_j = Σ_i v'_i K_ij. Writes log M_i into log_m and returns Σ_i p_i log M_i.
double repair_rows(const double* k, long m, long n, const double* c, const double* p,
                   const double* v, double tau, double* log_m, double* v_out, double* c_out);

/// out[t] = table[index[t]]: the kernel rebuilt from the exponentials of its distinct exponents.
void gather(const double* table, const std::int32_t* index, long count, double* out);

}  // namespace rdp::detail
