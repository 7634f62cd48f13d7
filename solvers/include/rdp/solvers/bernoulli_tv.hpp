#pragma once
/// R(D,P) of a Bernoulli source with Hamming distortion and total-variation perception
/// (Blau & Michaeli, ICML 2019, Thm. 3 / App. B; docs/THEORY.md §2). Rates in bits.
#include <string>

namespace rdp {

struct BernoulliTvRate {
  double rate_bits = 0.0;
  /// "S1" (perception inactive, Shannon's R(D)), "S2" (both constraints active), "S3" (R = 0).
  std::string region;
  /// The optimal test channel's joint masses a = P(X=0, X̂=1), b = P(X=1, X̂=0), in the
  /// labelling where p = P(X = 1) <= ½.
  double a = 0.0, b = 0.0;
};

/// With p' = min(p, 1−p), q' = 1 − p' and P clipped to p' (beyond it TV is inactive):
///   S1, D <= P / (1 − 2(p'−P)):           R = H_b(p') − H_b(D)
///   S2, up to D < 2p'q' − (q'−p')P:        R = 2H_b(p') + H_b(p'−P) − H_t((D−P)/2, p') −
///   H_t((D+P)/2, q') S3, D >= 2p'q' − (q'−p')P:             R = 0.
/// Domain: p in (0,1), D >= 0, P >= 0, all finite. Continuous across region boundaries.
BernoulliTvRate rate_distortion_perception_bernoulli_tv(double p, double distortion,
                                                        double perception_tv);

/// D(R,P): the least D with R(D,P) <= R, by root finding in D (Boost.Math TOMS 748).
/// 0 when R >= H_b(p). Domain R >= 0.
double distortion_rate_perception_bernoulli_tv(double p, double rate_bits, double perception_tv);

}  // namespace rdp
