#include "rdp/information.hpp"

#include <algorithm>
#include <cmath>

namespace rdp {

double xlog2x_neg(double x) { return x > 0.0 ? -x * std::log2(x) : 0.0; }

double binary_entropy_bits(double p) {
  if (!(p > 0.0 && p < 1.0)) return 0.0;
  // −(1−p) log2(1−p) through log1p: for p below 1e-16, 1 − p rounds to 1 and the term (≈ p·log2 e)
  // would vanish, a relative error of up to 1/ln(1/p) in H_b(p).
  const double q = std::min(p, 1.0 - p);
  return xlog2x_neg(q) - (1.0 - q) * std::log1p(-q) / std::log(2.0);
}

double ternary_entropy_bits(double alpha, double beta) {
  return xlog2x_neg(alpha) + xlog2x_neg(beta) + xlog2x_neg(1.0 - alpha - beta);
}

double entropy_bits(const Eigen::Ref<const Eigen::VectorXd>& pmf) {
  double h = 0.0;
  for (Eigen::Index i = 0; i < pmf.size(); ++i) h += xlog2x_neg(pmf[i]);
  return h;
}

double mutual_information_bits(const Eigen::Ref<const Eigen::VectorXd>& p_x,
                               const Eigen::Ref<const Eigen::MatrixXd>& channel) {
  const Eigen::VectorXd q = channel.transpose() * p_x;  // output pmf
  // Column by column: contiguous in Eigen's column-major storage, and log2 q_j once per column.
  double info = 0.0;
  for (Eigen::Index j = 0; j < channel.cols(); ++j) {
    const double log_q = std::log2(q[j]);
    double column = 0.0;
    for (Eigen::Index i = 0; i < channel.rows(); ++i) {
      // A joint mass that underflows contributes nothing; q_j >= p_i w holds exactly, and the
      // max keeps it so when q_j underflowed first (tails of fine grids), instead of w/0.
      const double w = channel(i, j), joint = p_x[i] * w;
      if (!(joint > 0.0)) continue;
      column += joint * (std::log2(w) - (joint > q[j] ? std::log2(joint) : log_q));
    }
    info += column;
  }
  return info;
}

}  // namespace rdp
