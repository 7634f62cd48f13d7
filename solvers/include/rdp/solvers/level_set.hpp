#pragma once
/// Equi-rate level sets {(D,P) : R(D,P) = R} of any rate function non-increasing in D, by root
/// finding in D at each P (not by contouring a grid).
#include <functional>
#include <vector>

namespace rdp {

using RateFunction = std::function<double(double distortion, double perception)>;

struct LevelSetPoint {
  double distortion = 0.0;
  double perception = 0.0;
};

/// For each P, the D in [d_lo, d_hi] with R(D,P) = rate_bits (TOMS 748 to full precision). P
/// values where R(d_lo,P) < rate_bits (the rate is unreachable in the range) are skipped; where
/// R(d_hi,P) > rate_bits the range is too short and d_hi is a lower bound, also skipped.
std::vector<LevelSetPoint> equi_rate_level_set(const RateFunction& rate, double rate_bits,
                                               const std::vector<double>& perceptions, double d_lo,
                                               double d_hi);

/// n evenly spaced values from lo to hi inclusive (n >= 2), or {lo} for n = 1.
std::vector<double> linspace(double lo, double hi, int n);

}  // namespace rdp
