#pragma once
/// Counter-based random numbers (Philox4x32-10, Salmon et al., SC 2011, via Random123).
///
/// A generator is a pure function of (seed, stream, counter): giving each Monte-Carlo sample or
/// block its own stream makes results independent of how samples are spread over threads.
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace rdp {

class Philox {
 public:
  using result_type = std::uint32_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  /// `seed` is the experiment's seed, `stream` identifies an independent sequence (a sample
  /// index, a block index, a role such as "shared dither").
  Philox(std::uint64_t seed, std::uint64_t stream) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    ctr_ = {{static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32), 0u, 0u}};
  }

  result_type operator()() {
    if (pos_ == 4) refill();
    return out_.v[pos_++];
  }

  /// Uniform on the open interval (0,1): 52 random bits k, returned as (k + ½)·2⁻⁵². Every
  /// value is exact (k + ½ needs 53 significant bits), the extremes are 2⁻⁵³ and 1 − 2⁻⁵³, so
  /// log(u), log(1 − u) and a quantile function at u are always finite.
  double uniform01() {
    const std::uint64_t hi = (*this)() >> 6;  // 26 bits
    const std::uint64_t lo = (*this)() >> 6;  // 26 bits
    return uniform01_from_bits((hi << 26) | lo);
  }

  /// The map behind uniform01(), exposed so that its extremes can be tested: the low 52 bits of
  /// `bits` as (k + ½)·2⁻⁵².
  static constexpr double uniform01_from_bits(std::uint64_t bits) {
    return (static_cast<double>(bits & ((std::uint64_t{1} << 52) - 1)) + 0.5) * 0x1.0p-52;
  }

  /// Standard normal by the Box–Muller transform; the second variate is kept for the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = uniform01();
    const double u2 = uniform01();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double t = 2.0 * 3.14159265358979323846 * u2;
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }

 private:
  void refill() {
    out_ = philox_(ctr_, key_);
    if (++ctr_.v[2] == 0) ++ctr_.v[3];
    pos_ = 0;
  }

  r123::Philox4x32 philox_;
  r123::Philox4x32::key_type key_;
  r123::Philox4x32::ctr_type ctr_;
  r123::Philox4x32::ctr_type out_{};
  int pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace rdp
