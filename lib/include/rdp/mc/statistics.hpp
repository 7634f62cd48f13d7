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

/// Streaming sums for a mean and its standard error, mergeable across threads in a fixed order.
struct RunningMean {
  double count = 0.0, sum = 0.0, sum_sq = 0.0;
  void add(double x) {
    count += 1.0;
    sum += x;
    sum_sq += x * x;
  }
  void merge(const RunningMean& o) {
    count += o.count;
    sum += o.sum;
    sum_sq += o.sum_sq;
  }
  Estimate estimate() const {
    if (count < 1.0) return {};
    const double mean = sum / count;
    const double var =
        count > 1.0 ? std::max(sum_sq / count - mean * mean, 0.0) * count / (count - 1.0) : 0.0;
    return {mean, std::sqrt(var / count)};
  }
};

}  // namespace rdp
