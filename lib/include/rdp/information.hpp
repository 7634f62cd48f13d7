#pragma once
/// Entropies and mutual information of finite distributions, in bits.
#include <Eigen/Core>

namespace rdp {

/// −x log2 x with the continuous extension 0 at x = 0.
double xlog2x_neg(double x);

/// Binary entropy H_b(p) = −p log2 p − (1−p) log2(1−p), bits; p in [0,1].
double binary_entropy_bits(double p);

/// H_t(α, β) = −α log2 α − β log2 β − (1−α−β) log2(1−α−β), bits (Blau & Michaeli 2019, §B),
/// the entropy of the three-point pmf (α, β, 1−α−β).
double ternary_entropy_bits(double alpha, double beta);

/// Shannon entropy of a pmf, bits. Zero masses contribute zero.
double entropy_bits(const Eigen::Ref<const Eigen::VectorXd>& pmf);

/// I(X;X̂) in bits for input pmf `p_x` (m) and test channel `channel` (m×n, rows are p(x̂|x)).
double mutual_information_bits(const Eigen::Ref<const Eigen::VectorXd>& p_x,
                               const Eigen::Ref<const Eigen::MatrixXd>& channel);

}  // namespace rdp
