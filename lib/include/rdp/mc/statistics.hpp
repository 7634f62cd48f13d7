#pragma once
/// Monte-Carlo estimates with their standard errors.
#include <algorithm>
#include <cmath>
#include <vector>

namespace rdp {

/// An estimate and its standard error (one standard deviation of the estimator).
struct Estimate {
  double value = 0.0;
  double stderr_ = 0.0;
};

/// Mean and standard error of i.i.d. values (SE = sample sd / √n; 0 for n < 2).
Estimate mean_with_error(const std::vector<double>& values);

/// Streaming mean and standard error by Welford's update (Welford 1962), with Chan, Golub and
/// LeVeque's pairwise merge (1979), so that threads' partial results combine in a fixed order.
/// Deviations are accumulated about the running mean, not raw squares: a naive Σx² − n·mean²
/// loses every digit when the mean is large against the spread (1e9 ± 1).
struct RunningMean {
  double count = 0.0, mean = 0.0, m2 = 0.0;  // m2 = Σ (x − mean)²
  void add(double x) {
    count += 1.0;
    const double delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
  }
  void merge(const RunningMean& o) {
    if (o.count == 0.0) return;
    if (count == 0.0) {
      *this = o;
      return;
    }
    const double n = count + o.count, delta = o.mean - mean;
    mean += delta * (o.count / n);
    m2 += o.m2 + delta * delta * (count * (o.count / n));
    count = n;
  }
  Estimate estimate() const {
    if (count < 1.0) return {};
    const double var = count > 1.0 ? std::max(m2, 0.0) / (count - 1.0) : 0.0;
    return {mean, std::sqrt(var / count)};
  }
};

}  // namespace rdp
