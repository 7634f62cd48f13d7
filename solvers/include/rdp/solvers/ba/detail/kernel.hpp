#pragma once
// The hot loop of the Blahut–Arimoto solver, exposed for the benchmark.
namespace rdp::detail {

/// One sweep over the row-major m×n kernel K: Z_i = Σ_j K_ij w_j, v_i = p_i / Z_i,
/// c_j = Σ_i v_i K_ij. Reads K once; allocation-free.
void fused_kernel_pass(const double* k, long m, long n, const double* w, const double* p, double* z,
                       double* v, double* c);

}  // namespace rdp::detail
