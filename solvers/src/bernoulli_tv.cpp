#include "rdp/solvers/bernoulli_tv.hpp"

#include <algorithm>
#include <cmath>

#include "rdp/error.hpp"
#include "rdp/information.hpp"
#include "rdp/solvers/detail/roots.hpp"

namespace rdp {
namespace {

struct Boundaries {
  double p, q, perception;  // p <= ½, perception clipped to [0, p]
  double s1_end, s3_start;
};

Boundaries boundaries(double p_in, double perception_tv) {
  Boundaries b;
  b.p = std::min(p_in, 1.0 - p_in);
  b.q = 1.0 - b.p;
  b.perception = std::min(perception_tv, b.p);  // TV between Bernoullis never needs more than p
  b.s1_end = b.perception / (1.0 - 2.0 * (b.p - b.perception));
  b.s3_start = 2.0 * b.p * b.q - (b.q - b.p) * b.perception;
  return b;
}

}  // namespace

BernoulliTvRate rate_distortion_perception_bernoulli_tv(double p, double distortion,
                                                        double perception_tv) {
  require_in_interval("p", p, 0.0, 1.0, true, true);
  require_nonnegative("D", distortion);
  require_nonnegative("P", perception_tv);
  const Boundaries b = boundaries(p, perception_tv);
  const double d = distortion, pp = b.perception;
  BernoulliTvRate out;
  if (d >= b.s3_start) {
    // X̂ independent of X with X̂ ~ Bern(p − P): E[Δ] = p(1−p+P) + q(p−P) = 2pq − (q−p)P.
    out.region = "S3";
    out.rate_bits = 0.0;
    out.a = b.q * (b.p - pp);
    out.b = b.p * (b.q + pp);
  } else if (d <= b.s1_end) {
    // Shannon's backward BSC(D) channel; its output Bern((p−D)/(1−2D)) meets the TV budget here.
    out.region = "S1";
    out.rate_bits = binary_entropy_bits(b.p) - binary_entropy_bits(d);
    const double r = (b.p - d) / (1.0 - 2.0 * d);  // P(X̂ = 1)
    out.a = r * d;
    out.b = (1.0 - r) * d;
  } else {
    out.region = "S2";
    out.a = 0.5 * (d - pp);
    out.b = 0.5 * (d + pp);
    out.rate_bits = 2.0 * binary_entropy_bits(b.p) + binary_entropy_bits(b.p - pp) -
                    ternary_entropy_bits(out.a, b.p) - ternary_entropy_bits(out.b, b.q);
  }
  // Cancellation in S2 can leave −1e-16 where the true value is 0.
  out.rate_bits = std::max(out.rate_bits, 0.0);
  return out;
}

double distortion_rate_perception_bernoulli_tv(double p, double rate_bits, double perception_tv) {
  require_in_interval("p", p, 0.0, 1.0, true, true);
  require_nonnegative("R", rate_bits);
  require_nonnegative("P", perception_tv);
  const Boundaries b = boundaries(p, perception_tv);
  if (rate_bits >= binary_entropy_bits(b.p)) return 0.0;
  if (rate_bits == 0.0) return b.s3_start;
  // R(·,P) is continuous and strictly decreasing on [0, s3_start].
  return detail::bracketed_root(
      [&](double d) {
        return rate_distortion_perception_bernoulli_tv(p, d, perception_tv).rate_bits - rate_bits;
      },
      0.0, b.s3_start);
}

}  // namespace rdp
