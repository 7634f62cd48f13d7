#pragma once
/// Range asymmetric numeral systems (rANS; Duda, "Asymmetric numeral systems", arXiv:1311.2540,
/// §3; the byte-wise renormalisation of Giesen, "Interleaved entropy coders", arXiv:1402.3392,
/// §2) coding symbols against caller-supplied quantised frequencies.
///
/// A coded symbol is an interval [start, start + freq) of [0, M), M = 2^precision_bits, whose
/// width freq >= 1 is the symbol's quantised probability times M; the caller supplies the
/// intervals (one cumulative-frequency table per symbol if it likes: the model may change from
/// symbol to symbol). The state x is 32 bits and lives in [L, 256 L), L = 2^23; coding s maps
/// x to M·⌊x/freq⌋ + (x mod freq) + start after shifting out low bytes until x < 256·(L/M)·freq,
/// and decoding inverts that exactly, reading bytes back in while x < L.
///
/// Coded length. The stream is 4 bytes of final state plus the renormalisation bytes. Writing
/// q_i = freq_i/M, the length in bits is at most Σ −log2 q_i + N·ε + 32 for N symbols, where a
/// step multiplies the state by at most (1/q)(1 + freq/x) <= (1/q)(1 + M/L) since x >= (L/M)·freq
/// when it is coded: ε = log2(1 + 2^(P−23)) (0.011 bits at P = 16), and symmetrically it is at
/// least Σ −log2 q_i − N·|log2(1 − 2^(P−23))| + 24. That is the worst case; the step's rounding is
/// nearly unbiased, and over random models the mean excess measured by rans_test (which prints
/// it) is below 1e-5 bits per symbol.
///
/// rANS is last in, first out: the encoder queues the symbols and codes them in reverse when
/// finished, so the decoder returns them in the order they were put.
///
/// Robustness: the decoder never reads outside the buffer it is given. A stream that ends early,
/// a state out of range or a slot outside the interval the caller claims throws InvalidArgument
/// (parameter "rANS stream"); corrupt data that stays well-formed decodes to wrong symbols, which
/// only a checksum can catch (finish() catches most of it: a consistent stream ends exactly at
/// the initial state with every byte read).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rdp {

/// Probability precision P: frequencies sum to 2^P. 16 bits: a frequency table of any alphabet
/// up to 2^16 symbols fits, and the rANS step overhead ε stays near 0.01 bits in the worst case.
inline constexpr int kRansPrecisionBits = 16;
inline constexpr std::uint32_t kRansTotal = std::uint32_t{1} << kRansPrecisionBits;

/// Queues symbols; finish() codes them and returns the stream.
class RansEncoder {
 public:
  /// Queues [start, start + freq) of [0, 2^16). Throws InvalidArgument ("rANS symbol") unless
  /// freq >= 1 and start + freq <= 2^16.
  void put(std::uint32_t start, std::uint32_t freq);
  /// Queues the `bits` low bits of value as a uniform symbol (exactly `bits` bits), bits in
  /// [0, 16]; higher bits of value must be zero.
  void put_bits(std::uint32_t value, int bits);
  std::size_t size() const { return queue_.size(); }
  /// Codes the queued symbols, appends the stream to `out` and empties the queue.
  void finish(std::vector<std::uint8_t>& out);
  std::vector<std::uint8_t> finish();

 private:
  struct Symbol {
    std::uint32_t start, freq;
  };
  std::vector<Symbol> queue_;
};

class RansDecoder {
 public:
  /// Reads the 4-byte initial state from data[0, size). The buffer must outlive the decoder.
  /// Throws InvalidArgument ("rANS stream") if it is shorter than 4 bytes or the state is
  /// outside [2^23, 2^31).
  RansDecoder(const std::uint8_t* data, std::size_t size);
  /// The slot x mod 2^16 of the next symbol: the caller finds the symbol whose interval holds
  /// it and then calls advance() with that interval.
  std::uint32_t peek() const { return state_ & (kRansTotal - 1); }
  /// Consumes the symbol [start, start + freq), which must contain peek(); throws otherwise or
  /// when the stream ends before the renormalisation is done.
  void advance(std::uint32_t start, std::uint32_t freq) {
    const std::uint32_t slot = peek();
    if (slot < start || slot - start >= freq) bad_interval();
    state_ = freq * (state_ >> kRansPrecisionBits) + (slot - start);
    while (state_ < kLower) {
      if (pos_ == size_) truncated();
      state_ = (state_ << 8) | data_[pos_++];
    }
  }
  /// The inverse of RansEncoder::put_bits.
  std::uint32_t get_bits(int bits);
  /// True once the stream is consumed exactly: every byte read and the state back at its
  /// starting value, as it is after the last symbol of a well-formed stream.
  bool at_end() const { return pos_ == size_ && state_ == kLower; }
  /// Throws InvalidArgument ("rANS stream") unless at_end(): trailing bytes or a corrupt stream.
  void finish() const;
  std::size_t bytes_read() const { return pos_; }

  static constexpr std::uint32_t kLower = std::uint32_t{1} << 23;

 private:
  [[noreturn]] static void bad_interval();
  [[noreturn]] static void truncated();
  const std::uint8_t* data_;
  std::size_t size_, pos_ = 0;
  std::uint32_t state_ = 0;
};

/// Quantises a pmf over a finite alphabet of n symbols (1 <= n <= 2^16; entries finite, >= 0,
/// with a positive sum, normalised here) to frequencies summing to 2^16, each >= 1. Rule: with
/// S = 2^16 − n, symbol i gets 1 + ⌊p_i S⌋ and the remaining units (fewer than n) go one each to
/// the largest fractional parts p_i S − ⌊p_i S⌋ (ties to the lower index): deterministic.
/// Since f_i > p_i S, q_i = f_i/2^16 > p_i (1 − n/2^16), so the cross-entropy it adds,
/// Σ p_i log2(p_i/q_i), is below −log2(1 − n/2^16) bits per symbol. Throws InvalidArgument.
std::vector<std::uint32_t> quantize_pmf(const std::vector<double>& pmf);

/// −log2(1 − n/2^16): the bound on the cross-entropy quantize_pmf adds for n symbols.
double quantization_overhead_bound_bits(std::size_t alphabet_size);

/// A static quantised model over symbols 0 … n−1 with a slot → symbol table for decoding in
/// O(1). Frequencies may be 0 for symbols that are never coded (put() of one throws).
class RansTable {
 public:
  /// Throws InvalidArgument ("rANS frequencies") unless they sum to 2^16 (n <= 2^16).
  explicit RansTable(const std::vector<std::uint32_t>& freq);
  std::size_t size() const { return freq_.size(); }
  std::uint32_t start(std::size_t s) const { return start_[s]; }
  std::uint32_t freq(std::size_t s) const { return freq_[s]; }
  /// −log2 of the quantised probability of s (+inf for frequency 0).
  double cost_bits(std::size_t s) const;

  void put(RansEncoder& enc, std::size_t s) const;
  std::size_t get(RansDecoder& dec) const {
    const std::uint32_t s = symbol_[dec.peek()];
    dec.advance(start_[s], freq_[s]);
    return s;
  }

 private:
  std::vector<std::uint32_t> freq_, start_;
  std::vector<std::uint16_t> symbol_;  // 2^16 entries; an alphabet of 2^16 fits in 16 bits
};

/// Integer indices over an unbounded alphabet: a window [lo, hi] of int64 indices (hi below the
/// largest int64, so that hi + 1 exists) with
/// cumulative frequencies cum(k), k in [lo, hi + 1], non-decreasing, cum(lo) = 0 and
/// cum(hi + 1) < 2^16; index k in the window is the interval [cum(k), cum(k + 1)), and
/// [cum(hi + 1), 2^16) is ESCAPE. An index outside the window, or inside it with frequency 0,
/// is coded as ESCAPE, then a uniform 5-bit header (where: 0 below lo, 1 above hi, 2 inside;
/// and the number m − 1 of bytes, m in [1, 8]), then m uniform bytes of the distance d >= 0
/// (lo − 1 − k, k − hi − 1 or k − lo), least significant first: any int64 costs at most
/// −log2 q(ESCAPE) + 5 + 64 bits.
///
/// A model is any type with
///   std::int64_t lo() const, hi() const;
///   std::uint32_t cum(std::int64_t k) const;           // k in [lo, hi + 1]
///   IndexInterval find(std::uint32_t slot) const;       // slot < cum(hi + 1): the k with
///                                                       // cum(k) <= slot < cum(k + 1)
/// and it must be computed identically by encoder and decoder.
struct IndexInterval {
  std::int64_t index;
  std::uint32_t start, freq;
};
template <class Model>
void put_index(RansEncoder& enc, const Model& model, std::int64_t k);
template <class Model>
std::int64_t get_index(RansDecoder& dec, const Model& model);

/// find() by bisection over cum(), for models without a faster inverse: O(log window) calls.
template <class Model>
IndexInterval find_by_bisection(const Model& model, std::uint32_t slot, std::int64_t lo,
                                std::int64_t hi);
template <class Model>
IndexInterval find_by_bisection(const Model& model, std::uint32_t slot, std::int64_t lo,
                                std::int64_t hi, std::uint32_t cum_lo, std::uint32_t cum_hi_next);

namespace detail {
void put_escaped_index(RansEncoder& enc, std::int64_t lo, std::int64_t hi, std::uint32_t escape,
                       std::int64_t k);
std::int64_t get_escaped_index(RansDecoder& dec, std::int64_t lo, std::int64_t hi,
                               std::uint32_t escape);
}  // namespace detail

template <class Model>
void put_index(RansEncoder& enc, const Model& model, std::int64_t k) {
  const std::int64_t lo = model.lo(), hi = model.hi();
  if (k >= lo && k <= hi) {
    const std::uint32_t a = model.cum(k), b = model.cum(k + 1);
    if (b > a) {
      enc.put(a, b - a);
      return;
    }
  }
  detail::put_escaped_index(enc, lo, hi, model.cum(hi + 1), k);
}

template <class Model>
std::int64_t get_index(RansDecoder& dec, const Model& model) {
  const std::int64_t lo = model.lo(), hi = model.hi();
  const std::uint32_t escape = model.cum(hi + 1);
  const std::uint32_t slot = dec.peek();
  if (slot >= escape) return detail::get_escaped_index(dec, lo, hi, escape);
  const IndexInterval s = model.find(slot);
  dec.advance(s.start, s.freq);  // throws if find() was wrong
  return s.index;
}

/// The same, for a caller that already knows a = cum(lo) and b = cum(hi + 1) (a model that
/// brackets the slot by its own search first and should not pay for those two cum() again).
template <class Model>
IndexInterval find_by_bisection(const Model& model, std::uint32_t slot, std::int64_t lo,
                                std::int64_t hi, std::uint32_t a, std::uint32_t b) {
  // Invariant: a = cum(lo) <= slot < b = cum(hi + 1), so the answer lies in [lo, hi].
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    const std::uint32_t m = model.cum(mid);
    if (m <= slot) {
      lo = mid;
      a = m;
    } else {
      hi = mid - 1;
      b = m;
    }
  }
  return {lo, a, b - a};
}

template <class Model>
IndexInterval find_by_bisection(const Model& model, std::uint32_t slot, std::int64_t lo,
                                std::int64_t hi) {
  return find_by_bisection(model, slot, lo, hi, model.cum(lo), model.cum(hi + 1));
}

}  // namespace rdp
