// rANS coder (Duda, arXiv:1311.2540 §3; byte renormalisation as in Giesen, arXiv:1402.3392).
#include "rdp/coding/rans.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/rng.hpp"
#include "test_support.hpp"

namespace {

// A random pmf over n symbols with widely spread masses (exponentials of a wide normal), some
// exactly zero when `zeros`.
std::vector<double> random_pmf(rdp::Philox& rng, std::size_t n, bool zeros) {
  std::vector<double> p(n);
  for (auto& v : p) {
    v = std::exp(3.0 * rng.normal());
    if (zeros && rng() % 8 == 0) v = 0.0;
  }
  p[rng() % n] = 1.0;  // at least one positive mass
  return p;
}

// Draws a symbol from the quantised model (inverse cdf on the 2^16 slots).
std::size_t draw(rdp::Philox& rng, const rdp::RansTable& t) {
  const std::uint32_t slot = rng() & (rdp::kRansTotal - 1);
  std::size_t lo = 0, hi = t.size() - 1;
  while (lo < hi) {
    const std::size_t mid = (lo + hi + 1) / 2;
    if (t.start(mid) <= slot)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

// The worst-case per-symbol excess of a rANS step over −log2 q, either way: the state is at least
// (L/M)·freq when a symbol is coded, L/M = 2^7 (rans.hpp).
const double kStepExcessUp = std::log2(1.0 + 0x1.0p-7);
const double kStepExcessDown = -std::log2(1.0 - 0x1.0p-7);

}  // namespace

TEST_CASE("rANS: random symbol streams under random models round-trip") {
  rdp::Philox rng(rdp_test_seed(), 101);
  for (std::size_t alphabet : {1u, 2u, 3u, 17u, 256u, 4096u, 65536u}) {
    for (std::size_t count : {0u, 1u, 2u, 7u, 1000u, 100000u}) {
      const auto freq = rdp::quantize_pmf(random_pmf(rng, alphabet, alphabet < 65536));
      const rdp::RansTable table(freq);
      std::vector<std::size_t> symbols(count);
      rdp::RansEncoder enc;
      for (auto& s : symbols) {
        s = draw(rng, table);
        table.put(enc, s);
      }
      const auto bytes = enc.finish();
      INFO("alphabet " << alphabet << ", " << count << " symbols, " << bytes.size() << " bytes");
      rdp::RansDecoder dec(bytes.data(), bytes.size());
      bool same = true;
      for (std::size_t s : symbols) same = same && table.get(dec) == s;
      CHECK(same);
      CHECK(dec.at_end());
      CHECK_NOTHROW(dec.finish());
    }
  }
}

TEST_CASE("rANS: coded length is the cross-entropy of the quantised model within the step bound") {
  // 8·bytes = 32 (state) + 8·(renormalisation bytes), and the renormalisation bytes carry
  // Σ log2(step factor) − log2(x_final/L), x_final in [L, 256 L); each step factor is (1/q)
  // times a number in [1 − 2^-7, 1 + 2^-7]. So
  //     CE − N·kStepExcessDown + 24 <= 8·bytes <= CE + N·kStepExcessUp + 32.
  rdp::Philox rng(rdp_test_seed(), 102);
  double worst_mean_excess = 0.0;
  for (std::size_t alphabet : {2u, 5u, 64u, 1000u, 30000u}) {
    const auto freq = rdp::quantize_pmf(random_pmf(rng, alphabet, false));
    const rdp::RansTable table(freq);
    for (std::size_t count : {1u, 100u, 200000u}) {
      rdp::RansEncoder enc;
      double cross_entropy = 0.0;
      for (std::size_t i = 0; i < count; ++i) {
        const std::size_t s = draw(rng, table);
        cross_entropy += table.cost_bits(s);
        table.put(enc, s);
      }
      const double bits = 8.0 * enc.finish().size();
      INFO("alphabet " << alphabet << ", " << count << " symbols: " << bits << " bits, CE "
                       << cross_entropy);
      CHECK(bits <= cross_entropy + count * kStepExcessUp + 32.0);
      CHECK(bits >= cross_entropy - count * kStepExcessDown + 24.0);
      if (count == 200000u)
        worst_mean_excess = std::max(worst_mean_excess, (bits - 32.0 - cross_entropy) / count);
    }
  }
  // The bound is a worst case per step; on average the rounding is nearly unbiased.
  MESSAGE("largest mean excess over the cross-entropy (200000 symbols): " << worst_mean_excess
                                                                          << " bits per symbol");
}

TEST_CASE("rANS: extreme models") {
  SUBCASE("one symbol with almost all the mass") {
    const auto freq = rdp::quantize_pmf({1.0, 1e-30, 1e-30});
    CHECK(freq[0] == rdp::kRansTotal - 2);
    CHECK(freq[1] == 1);
    CHECK(freq[2] == 1);
    const rdp::RansTable table(freq);
    rdp::RansEncoder enc;
    const std::size_t count = 100000;
    for (std::size_t i = 0; i < count; ++i) table.put(enc, i == 500 ? 2 : 0);
    const auto bytes = enc.finish();
    // CE: (count − 1)·(−log2(65534/65536)) + 16 bits: about 4.4 + 16 bits, so 4 + 3 bytes.
    const double ce = (count - 1) * table.cost_bits(0) + table.cost_bits(2);
    CHECK(8.0 * bytes.size() <= ce + count * kStepExcessUp + 32.0);
    rdp::RansDecoder dec(bytes.data(), bytes.size());
    bool same = true;
    for (std::size_t i = 0; i < count; ++i) same = same && table.get(dec) == (i == 500 ? 2u : 0u);
    CHECK(same);
    CHECK(dec.at_end());
  }
  SUBCASE("a single symbol of frequency 2^16 costs nothing") {
    const rdp::RansTable table(std::vector<std::uint32_t>{rdp::kRansTotal});
    rdp::RansEncoder enc;
    for (int i = 0; i < 1000; ++i) table.put(enc, 0);
    const auto bytes = enc.finish();
    CHECK(bytes.size() == 4);
    rdp::RansDecoder dec(bytes.data(), bytes.size());
    for (int i = 0; i < 1000; ++i) table.get(dec);
    CHECK(dec.at_end());
  }
  SUBCASE("uniform over 2^16: exactly two bytes per symbol") {
    const auto freq = rdp::quantize_pmf(std::vector<double>(rdp::kRansTotal, 1.0));
    for (auto f : freq) REQUIRE(f == 1);
    const rdp::RansTable table(freq);
    rdp::Philox rng(rdp_test_seed(), 103);
    std::vector<std::size_t> symbols(5000);
    rdp::RansEncoder enc;
    for (auto& s : symbols) {
      s = rng() & 0xffff;
      table.put(enc, s);
    }
    const auto bytes = enc.finish();
    CHECK(bytes.size() == 4 + 2 * symbols.size());
    rdp::RansDecoder dec(bytes.data(), bytes.size());
    bool same = true;
    for (std::size_t s : symbols) same = same && table.get(dec) == s;
    CHECK(same);
    CHECK(dec.at_end());
  }
  SUBCASE("raw bits of every width") {
    rdp::Philox rng(rdp_test_seed(), 104);
    std::vector<std::pair<std::uint32_t, int>> values;
    rdp::RansEncoder enc;
    double total_bits = 0;
    for (int i = 0; i < 20000; ++i) {
      const int bits = static_cast<int>(rng() % 17);
      const std::uint32_t v = bits == 0 ? 0 : rng() >> (32 - bits);
      values.push_back({v, bits});
      enc.put_bits(v, bits);
      total_bits += bits;
    }
    const auto bytes = enc.finish();
    // Uniform symbols of frequency 2^(16 − bits) are exact: no step excess.
    CHECK(8.0 * bytes.size() <= total_bits + 32.0);
    CHECK(8.0 * bytes.size() >= total_bits + 24.0);
    rdp::RansDecoder dec(bytes.data(), bytes.size());
    bool same = true;
    for (auto [v, bits] : values) same = same && dec.get_bits(bits) == v;
    CHECK(same);
    CHECK(dec.at_end());
  }
}

TEST_CASE("rANS: quantize_pmf gives every symbol a frequency and bounds the added cross-entropy") {
  rdp::Philox rng(rdp_test_seed(), 105);
  for (std::size_t n : {1u, 2u, 10u, 1000u, 20000u, 65536u}) {
    for (int trial = 0; trial < 5; ++trial) {
      const auto p = random_pmf(rng, n, trial % 2 == 1);
      const auto f = rdp::quantize_pmf(p);
      double sum_p = 0;
      for (double v : p) sum_p += v;
      std::uint64_t total = 0;
      double kl = 0.0;
      bool positive = true;
      for (std::size_t i = 0; i < n; ++i) {
        total += f[i];
        positive = positive && f[i] >= 1;
        const double pi = p[i] / sum_p;
        if (pi > 0) kl += pi * std::log2(pi / (f[i] / double(rdp::kRansTotal)));
      }
      INFO("n = " << n << ", KL = " << kl);
      CHECK(total == rdp::kRansTotal);
      CHECK(positive);
      CHECK(kl < rdp::quantization_overhead_bound_bits(n) + 1e-12);
    }
  }
  // Deterministic: the same pmf gives the same table.
  const std::vector<double> p = {0.1, 0.2, 0.3, 0.4};
  CHECK(rdp::quantize_pmf(p) == rdp::quantize_pmf(p));
  // Ties broken towards the lower index: three equal masses over 65533 spare units.
  const auto f = rdp::quantize_pmf({1.0, 1.0, 1.0});
  CHECK(f[0] == 21846);
  CHECK(f[1] == 21845);
  CHECK(f[2] == 21845);
  CHECK_THROWS_AS(rdp::quantize_pmf({}), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::quantize_pmf({0.0, 0.0}), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::quantize_pmf({1.0, -0.1}), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::quantize_pmf({1.0, NAN}), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::quantize_pmf({1.0, INFINITY}), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::quantize_pmf(std::vector<double>(65537, 1.0)), rdp::InvalidArgument);
  CHECK_THROWS_AS(rdp::RansTable({1, 2, 3}), rdp::InvalidArgument);
  rdp::RansEncoder enc;
  CHECK_THROWS_AS(enc.put(0, 0), rdp::InvalidArgument);
  CHECK_THROWS_AS(enc.put(65535, 2), rdp::InvalidArgument);
  CHECK_THROWS_AS(enc.put_bits(4, 2), rdp::InvalidArgument);
  CHECK_THROWS_AS(enc.put_bits(0, 17), rdp::InvalidArgument);
}

namespace {
// A fixed window [lo, hi] with equal frequencies and an escape of a quarter of the range.
struct FlatWindow {
  std::int64_t lo_, hi_;
  std::int64_t lo() const { return lo_; }
  std::int64_t hi() const { return hi_; }
  std::uint32_t cum(std::int64_t k) const {
    const std::int64_t w = hi_ - lo_ + 1;
    return static_cast<std::uint32_t>((k - lo_) * (3 * std::int64_t{rdp::kRansTotal} / 4 / w));
  }
  rdp::IndexInterval find(std::uint32_t slot) const {
    return rdp::find_by_bisection(*this, slot, lo_, hi_);
  }
};
}  // namespace

TEST_CASE("rANS: any int64 index codes through the escape") {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t p62 = std::int64_t{1} << 62;
  for (const FlatWindow w : {FlatWindow{-5, 5}, FlatWindow{kMin, kMin + 3},
                             FlatWindow{kMax - 4, kMax - 1}, FlatWindow{p62, p62 + 100}}) {
    const std::vector<std::int64_t> indices = {0,
                                               1,
                                               -1,
                                               w.lo_,
                                               w.hi_,
                                               p62,
                                               -p62,
                                               kMin,
                                               kMax,
                                               kMin + 1,
                                               kMax - 1,
                                               255,
                                               256,
                                               -257,
                                               65536,
                                               std::int64_t{1} << 40,
                                               -(std::int64_t{1} << 56),
                                               w.lo_ + 1};
    rdp::RansEncoder enc;
    for (auto k : indices) rdp::put_index(enc, w, k);
    const auto bytes = enc.finish();
    rdp::RansDecoder dec(bytes.data(), bytes.size());
    for (auto k : indices) CHECK(rdp::get_index(dec, w) == k);
    CHECK(dec.at_end());
  }
}

TEST_CASE("rANS: corrupt and truncated streams throw, never read out of bounds") {
  rdp::Philox rng(rdp_test_seed(), 106);
  const auto freq = rdp::quantize_pmf(random_pmf(rng, 300, false));
  const rdp::RansTable table(freq);
  const FlatWindow window{-20, 20};
  rdp::RansEncoder enc;
  const int count = 3000;
  for (int i = 0; i < count; ++i) {
    table.put(enc, draw(rng, table));
    rdp::put_index(enc, window, static_cast<std::int64_t>(rng() % 64) - 32);
  }
  const auto good = enc.finish();
  const auto decode_all = [&](const std::vector<std::uint8_t>& bytes) {
    // Exact-size copies, so that ASan sees any read past the end.
    std::vector<std::uint8_t> copy(bytes);
    rdp::RansDecoder dec(copy.data(), copy.size());
    for (int i = 0; i < count; ++i) {
      table.get(dec);
      rdp::get_index(dec, window);
    }
    dec.finish();
  };
  CHECK_NOTHROW(decode_all(good));
  // Every strict prefix: the decoder follows the original path until the first missing byte.
  int prefix_failures = 0;
  for (std::size_t len = 0; len < good.size(); ++len) {
    try {
      decode_all(std::vector<std::uint8_t>(good.begin(), good.begin() + len));
    } catch (const rdp::InvalidArgument&) {
      ++prefix_failures;
    }
  }
  CHECK(prefix_failures == static_cast<int>(good.size()));
  // Bit flips and random garbage: InvalidArgument or a wrong but in-bounds decode.
  int thrown = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::uint8_t> bad = good;
    if (trial % 2 == 0) {
      bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    } else {
      bad.resize(rng() % 64);
      for (auto& b : bad) b = static_cast<std::uint8_t>(rng());
    }
    try {
      decode_all(bad);
    } catch (const rdp::InvalidArgument&) {
      ++thrown;
    }
  }
  MESSAGE("corrupt streams rejected: " << thrown << " of 2000");
  CHECK(thrown > 1500);
}
