// Mean and standard error (lib/include/rdp/mc/statistics.hpp) against values known exactly.
#include "rdp/mc/statistics.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

TEST_CASE("mean_with_error: exact values, also far from zero") {
  // {c+1, c+2, c+3}: mean c + 2, sample variance 1, SE = 1/√3, whatever the offset c (every
  // value is an integer below 2^53, so the data themselves are exact).
  for (double c : {0.0, 1e9, 1e12, -3e14}) {
    CAPTURE(c);
    const auto e = rdp::mean_with_error({c + 1, c + 2, c + 3});
    CHECK(e.value == c + 2);
    CHECK(std::abs(e.stderr_ - 1.0 / std::sqrt(3.0)) <= 1e-15);
  }
  CHECK(rdp::mean_with_error({}).value == 0.0);
  CHECK(rdp::mean_with_error({5.0}).stderr_ == 0.0);
}

TEST_CASE("RunningMean: merging partial sums equals one pass, in any fixed split") {
  std::vector<double> x;
  for (int i = 0; i < 1000; ++i) x.push_back(1e6 + std::sin(0.37 * i));
  rdp::RunningMean whole;
  for (double v : x) whole.add(v);
  for (std::size_t split : {std::size_t{0}, std::size_t{1}, std::size_t{400}, x.size()}) {
    rdp::RunningMean a, b;
    for (std::size_t i = 0; i < x.size(); ++i) (i < split ? a : b).add(x[i]);
    a.merge(b);
    CHECK(a.count == whole.count);
    // Different association of the same sums: agreement to a few ulp of the data's scale.
    CHECK(std::abs(a.estimate().value - whole.estimate().value) <= 1e-9);
    CHECK(std::abs(a.estimate().stderr_ - whole.estimate().stderr_) <=
          1e-9 * whole.estimate().stderr_);
  }
  // The SE itself, against a two-pass computation on the same data.
  double mean = 0.0, ss = 0.0;
  for (double v : x) mean += v;
  mean /= x.size();
  for (double v : x) ss += (v - mean) * (v - mean);
  const double se = std::sqrt(ss / (x.size() - 1) / x.size());
  CHECK(std::abs(whole.estimate().stderr_ - se) <= 1e-9 * se);
}
