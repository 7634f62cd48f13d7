#pragma once
// Stable log-sum-exp: the largest exponent is factored out before anything is exponentiated, so
// no term overflows and the largest contributes exactly its weight to the sum.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

namespace rdp::detail {

/// μ log Σ_k w_k e^{x_k/μ} over the k < n with w_k > 0 (μ > 0), computed as
/// t + μ log Σ w_k e^{(x_k − t)/μ} with t = max x_k over those terms. weight(k) and exponent(k)
/// are each called twice per term and must give the same value both times. No term: −inf; terms
/// whose largest x_k is −inf give NaN (−inf − −inf), so a caller whose exponents can all vanish
/// to −inf must exclude them through the weight.
template <class Weight, class Exponent>
double tempered_log_sum_exp(Eigen::Index n, Weight&& weight, Exponent&& exponent, double mu) {
  double top = -std::numeric_limits<double>::infinity();
  for (Eigen::Index k = 0; k < n; ++k)
    if (weight(k) > 0.0) top = std::max(top, exponent(k));
  double sum = 0.0;
  for (Eigen::Index k = 0; k < n; ++k) {
    const double w = weight(k);
    if (w > 0.0) sum += w * std::exp((exponent(k) - top) / mu);
  }
  return top + mu * std::log(sum);
}

/// log Σ_k e^{x_k} over the k < n for which included(k) holds: tempered_log_sum_exp with unit
/// weights and μ = 1 (multiplying and dividing by 1 is exact, so it is the same arithmetic as
/// t + log Σ e^{x_k − t}).
template <class Included, class Exponent>
double log_sum_exp(Eigen::Index n, Included&& included, Exponent&& exponent) {
  return tempered_log_sum_exp(
      n, [&](Eigen::Index k) { return included(k) ? 1.0 : 0.0; }, exponent, 1.0);
}

/// log(e^a + e^b) for a running sum started at a = −inf: max(a, b) + log1p(e^{−|a − b|}).
inline double log_add_exp(double a, double b) {
  return a == -std::numeric_limits<double>::infinity()
             ? b
             : std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

}  // namespace rdp::detail
