#include "rdp/coding/rans.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "rdp/error.hpp"

namespace rdp {

namespace {
constexpr std::uint32_t kLower = RansDecoder::kLower;
// A symbol of frequency f is coded from states in [(L/M)·f, 256·(L/M)·f): after the step the
// state is back in [L, 256 L).
constexpr std::uint32_t kFreqShift = 23 - kRansPrecisionBits + 8;
}  // namespace

void RansEncoder::put(std::uint32_t start, std::uint32_t freq) {
  if (freq == 0 || start >= kRansTotal || freq > kRansTotal - start)
    throw InvalidArgument("rANS symbol", "[start, start + freq) inside [0, 65536) with freq >= 1",
                          "start " + std::to_string(start) + ", freq " + std::to_string(freq));
  queue_.push_back({start, freq});
}

void RansEncoder::put_bits(std::uint32_t value, int bits) {
  if (bits < 0 || bits > kRansPrecisionBits || (value >> bits) != 0)
    throw InvalidArgument("rANS bits", "0 to 16 bits holding the value",
                          std::to_string(bits) + " bits, value " + std::to_string(value));
  const int shift = kRansPrecisionBits - bits;
  queue_.push_back({value << shift, std::uint32_t{1} << shift});
}

void RansEncoder::finish(std::vector<std::uint8_t>& out) {
  // Coded back to front into a reversed buffer, so that the decoder reads forwards.
  std::vector<std::uint8_t> rev;
  rev.reserve(queue_.size() + 8);
  std::uint32_t x = kLower;
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
    const std::uint32_t x_max = it->freq << kFreqShift;  // <= 2^31, no overflow
    while (x >= x_max) {
      rev.push_back(static_cast<std::uint8_t>(x & 0xff));
      x >>= 8;
    }
    x = ((x / it->freq) << kRansPrecisionBits) + (x % it->freq) + it->start;
  }
  // The state, most significant byte pushed first: after the reversal it reads little-endian.
  for (int shift = 24; shift >= 0; shift -= 8)
    rev.push_back(static_cast<std::uint8_t>((x >> shift) & 0xff));
  out.insert(out.end(), rev.rbegin(), rev.rend());
  queue_.clear();
}

std::vector<std::uint8_t> RansEncoder::finish() {
  std::vector<std::uint8_t> out;
  finish(out);
  return out;
}

RansDecoder::RansDecoder(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {
  if (size < 4 || data == nullptr)
    throw InvalidArgument("rANS stream", "at least 4 bytes", std::to_string(size) + " bytes");
  state_ = std::uint32_t{data[0]} | std::uint32_t{data[1]} << 8 | std::uint32_t{data[2]} << 16 |
           std::uint32_t{data[3]} << 24;
  pos_ = 4;
  if (state_ < kLower || state_ >= (kLower << 8))
    throw InvalidArgument("rANS stream", "an initial state in [2^23, 2^31)",
                          std::to_string(state_));
}

std::uint32_t RansDecoder::get_bits(int bits) {
  if (bits < 0 || bits > kRansPrecisionBits)
    throw InvalidArgument("rANS bits", "0 to 16", std::to_string(bits));
  const int shift = kRansPrecisionBits - bits;
  const std::uint32_t value = peek() >> shift;
  advance(value << shift, std::uint32_t{1} << shift);
  return value;
}

void RansDecoder::finish() const {
  if (pos_ != size_)
    throw InvalidArgument("rANS stream", "no bytes after the last symbol",
                          std::to_string(size_ - pos_) + " unread bytes");
  if (state_ != kLower)
    throw InvalidArgument("rANS stream", "a final state of 2^23 (a consistent stream)",
                          std::to_string(state_));
}

void RansDecoder::bad_interval() {
  throw InvalidArgument("rANS stream", "a slot inside the decoded symbol's interval",
                        "a slot outside it (corrupt stream or inconsistent model)");
}

void RansDecoder::truncated() {
  throw InvalidArgument("rANS stream", "complete", "truncated (more bytes needed)");
}

double quantization_overhead_bound_bits(std::size_t alphabet_size) {
  return -std::log2(1.0 - double(alphabet_size) / kRansTotal);
}

std::vector<std::uint32_t> quantize_pmf(const std::vector<double>& pmf) {
  const std::size_t n = pmf.size();
  if (n < 1 || n > kRansTotal) throw InvalidArgument("pmf size", "[1, 65536]", std::to_string(n));
  double sum = 0.0;
  for (double p : pmf) {
    if (!(p >= 0.0) || !std::isfinite(p))
      throw InvalidArgument("pmf entry", "finite and >= 0", format_number(p));
    sum += p;
  }
  if (!(sum > 0.0) || !std::isfinite(sum))
    throw InvalidArgument("pmf sum", "positive and finite", format_number(sum));
  const double spare = double(kRansTotal - n);
  std::vector<std::uint32_t> freq(n);
  std::vector<double> frac(n);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double share = pmf[i] / sum * spare;
    const double whole = std::floor(share);
    freq[i] = 1 + static_cast<std::uint32_t>(whole);
    frac[i] = share - whole;
    total += freq[i];
  }
  // Largest remainders first; ties to the lower index (stable order). Rounding in the shares
  // can make the floors overshoot by a unit at most in principle: then the largest lose one.
  std::int64_t left = std::int64_t{kRansTotal} - total;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (left > 0) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return frac[a] > frac[b]; });
    for (std::size_t i = 0; left > 0; i = (i + 1) % n, --left) ++freq[order[i]];
  } else if (left < 0) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return freq[a] > freq[b]; });
    for (std::size_t i = 0; left < 0; i = (i + 1) % n)
      if (freq[order[i]] > 1) {
        --freq[order[i]];
        ++left;
      }
  }
  return freq;
}

RansTable::RansTable(const std::vector<std::uint32_t>& freq)
    : freq_(freq), start_(freq.size()), symbol_(kRansTotal) {
  if (freq.empty() || freq.size() > kRansTotal)
    throw InvalidArgument("rANS frequencies", "1 to 65536 symbols", std::to_string(freq.size()));
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < freq.size(); ++s) {
    start_[s] = static_cast<std::uint32_t>(std::min<std::uint64_t>(total, kRansTotal));
    total += freq[s];
  }
  if (total != kRansTotal)
    throw InvalidArgument("rANS frequencies", "a sum of 65536", std::to_string(total));
  for (std::size_t s = 0; s < freq.size(); ++s)
    std::fill(symbol_.begin() + start_[s], symbol_.begin() + start_[s] + freq_[s],
              static_cast<std::uint16_t>(s));
}

double RansTable::cost_bits(std::size_t s) const {
  return freq_[s] == 0 ? INFINITY : kRansPrecisionBits - std::log2(double(freq_[s]));
}

void RansTable::put(RansEncoder& enc, std::size_t s) const {
  if (s >= freq_.size())
    throw InvalidArgument("rANS symbol", "< alphabet size " + std::to_string(freq_.size()),
                          std::to_string(s));
  enc.put(start_[s], freq_[s]);
}

namespace detail {

namespace {
constexpr int kHeaderBits = 5;  // where (0 below, 1 above, 2 inside) · 8 + (bytes − 1)
}

void put_escaped_index(RansEncoder& enc, std::int64_t lo, std::int64_t hi, std::uint32_t escape,
                       std::int64_t k) {
  enc.put(escape, kRansTotal - escape);
  // Distances in unsigned arithmetic: exact for any int64 k and window (they are < 2^64).
  const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  std::uint32_t where;
  std::uint64_t d;
  if (k < lo) {
    where = 0;
    d = u(lo) - u(k) - 1;
  } else if (k > hi) {
    where = 1;
    d = u(k) - u(hi) - 1;
  } else {
    where = 2;
    d = u(k) - u(lo);
  }
  int bytes = 1;
  while (bytes < 8 && (d >> (8 * bytes)) != 0) ++bytes;
  enc.put_bits(where * 8 + static_cast<std::uint32_t>(bytes - 1), kHeaderBits);
  for (int i = 0; i < bytes; ++i)
    enc.put_bits(static_cast<std::uint32_t>((d >> (8 * i)) & 0xff), 8);
}

std::int64_t get_escaped_index(RansDecoder& dec, std::int64_t lo, std::int64_t hi,
                               std::uint32_t escape) {
  dec.advance(escape, kRansTotal - escape);
  const std::uint32_t header = dec.get_bits(kHeaderBits);
  const std::uint32_t where = header / 8;
  const int bytes = static_cast<int>(header % 8) + 1;
  std::uint64_t d = 0;
  for (int i = 0; i < bytes; ++i) d |= std::uint64_t{dec.get_bits(8)} << (8 * i);
  const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const auto bad = [&](const char* what) -> std::int64_t {
    throw InvalidArgument("rANS stream", "an escaped index inside int64", what);
  };
  switch (where) {
    case 0:  // k = lo − 1 − d >= the smallest int64
      if (lo == kMin || d > u(lo) - u(kMin) - 1) return bad("below the smallest int64");
      return static_cast<std::int64_t>(u(lo) - 1 - d);
    case 1:  // k = hi + 1 + d <= the largest int64
      if (hi == kMax || d > u(kMax) - u(hi) - 1) return bad("above the largest int64");
      return static_cast<std::int64_t>(u(hi) + 1 + d);
    case 2:
      if (hi < lo || d > u(hi) - u(lo)) return bad("inside the window beyond its end");
      return static_cast<std::int64_t>(u(lo) + d);
    default:
      return bad("an unknown escape kind");
  }
}

}  // namespace detail

}  // namespace rdp
