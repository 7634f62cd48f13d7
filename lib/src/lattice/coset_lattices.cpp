// Lattices that are unions of cosets of a scaled D_n: E8, Barnes–Wall Λ16, Leech Λ24
// (Conway & Sloane, SPLAG ch. 4 and 20; docs/THEORY.md §4), with the brute-force coset decoder, the
// kissing number counted from the coset structure, and the fast exact Leech decoder.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "rdp/lattice/detail.hpp"
#include "rdp/lattice/lattice.hpp"

namespace rdp {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxCosetDimension = 24;

// Λ = (1/den) ∪_j (t_j + m·D_n) with integer offsets t_j (a group modulo m·D_n).
class CosetUnionLattice : public Lattice {
 public:
  CosetUnionLattice(std::string name, int n, int denominator, int modulus,
                    std::vector<std::int8_t> offsets,
                    const std::vector<std::vector<std::int64_t>>& offset_generators)
      : Lattice(std::move(name), make_generator(n, denominator, modulus, offset_generators)),
        den_(denominator),
        modulus_(modulus),
        offsets_(std::move(offsets)),
        count_(static_cast<int>(offsets_.size() / n)) {}

  // Decode every coset t + m·D_n with the D_n decoder and keep the closest (SPLAG ch. 20 §3).
  void nearest_point(const double* x, double* out) const override {
    const int n = dimension();
    double y[kMaxCosetDimension], k[kMaxCosetDimension];
    double best_dist = kInf;
    int best = 0;
    for (int j = 0; j < count_; ++j) {
      const double d = decode_coset(x, j, y, k);
      best = d < best_dist ? j : best;
      best_dist = d < best_dist ? d : best_dist;
    }
    decode_coset(x, best, y, k);
    const std::int8_t* t = &offsets_[static_cast<std::size_t>(best) * n];
    for (int i = 0; i < n; ++i) out[i] = (t[i] + modulus_ * k[i]) / den_;
  }

  // Counts the vectors of each squared norm up to the norm 2m² of m·(e_0 + e_1) ∈ Λ, coset by
  // coset: in t + m·D_n coordinate i takes the values t_i + m·k_i, and Σk must be even, so a
  // dynamic programme over coordinates with state (norm so far, parity of Σk) counts exactly.
  MinimalVectors minimal_vectors() const override {
    const int n = dimension();
    const int bound = 2 * modulus_ * modulus_;
    std::vector<std::uint64_t> total(bound + 1, 0);
    std::vector<std::uint64_t> dp(2 * (bound + 1)), next(2 * (bound + 1));
    for (int j = 0; j < count_; ++j) {
      const std::int8_t* t = &offsets_[static_cast<std::size_t>(j) * n];
      std::fill(dp.begin(), dp.end(), 0);
      dp[0] = 1;  // norm 0, parity even
      for (int i = 0; i < n; ++i) {
        std::fill(next.begin(), next.end(), 0);
        for (int k = -bound; k <= bound; ++k) {
          const long v = t[i] + static_cast<long>(modulus_) * k;
          const long v2 = v * v;
          if (v2 > bound) continue;
          const int p = k & 1;
          for (int s = 0; s + v2 <= bound; ++s)
            for (int q = 0; q < 2; ++q) next[2 * (s + v2) + (q ^ p)] += dp[2 * s + q];
        }
        dp.swap(next);
      }
      for (int s = 0; s <= bound; ++s) total[s] += dp[2 * s];
    }
    total[0] -= 1;  // the zero vector
    for (int s = 1; s <= bound; ++s)
      if (total[s] > 0) return {double(s) / (double(den_) * den_), total[s]};
    return {};
  }

 private:
  // Nearest point (t_j + m·k)/den of coset j, as k; returns the squared distance in units of
  // (m/den)², the same for every coset.
  double decode_coset(const double* x, int j, double* y, double* k) const {
    const int n = dimension();
    const std::int8_t* t = &offsets_[static_cast<std::size_t>(j) * n];
    const double inv_m = 1.0 / modulus_, den = den_;
    for (int i = 0; i < n; ++i) y[i] = (x[i] * den - t[i]) * inv_m;
    return detail::nearest_point_dn(y, k, n);
  }

  static Eigen::MatrixXd make_generator(int n, int den, int m,
                                        std::vector<std::vector<std::int64_t>> generators) {
    // m·D_n basis m·2e_0, m·(e_i − e_{i−1}); m·D_n ⊇ 2m·Z^n, hence the modulus 2m.
    for (int i = 0; i < n; ++i) {
      std::vector<std::int64_t> v(n, 0);
      if (i == 0) {
        v[0] = 2 * m;
      } else {
        v[i] = m;
        v[i - 1] = -m;
      }
      generators.push_back(std::move(v));
    }
    Eigen::MatrixXd g = detail::integer_basis_mod(generators, n, 2 * m);
    detail::lll_reduce(g);
    return g / den;
  }

 protected:
  int den_, modulus_;
  std::vector<std::int8_t> offsets_;
  int count_;
};

// ---- codes

// The [8,4,4] extended Hamming code from the cyclic code of length 7 with generator polynomial
// `poly` (bit i = coefficient of x^i), overall parity in bit 7. Indexed by the 4-bit message, so
// word(a) ^ word(b) = word(a ^ b).
std::array<std::uint8_t, 16> extended_hamming(unsigned poly) {
  std::array<std::uint8_t, 16> words{};
  for (unsigned msg = 0; msg < 16; ++msg) {
    unsigned w = 0;
    for (unsigned s = 0; s < 4; ++s)
      if (msg >> s & 1u) w ^= poly << s;
    w &= 0x7fu;
    const unsigned parity = __builtin_popcount(w) & 1u;
    words[msg] = static_cast<std::uint8_t>(w | parity << 7);
  }
  return words;
}

// Turyn's construction of the Golay code (MacWilliams & Sloane, ch. 18 §7.4):
// G24 = {(a + x, b + x, a + b + x) : a, b ∈ H, x ∈ H'} with H, H' the extended Hamming codes of
// 1 + x + x³ and its reciprocal 1 + x² + x³, which meet only in {0, 1}.
unsigned message_of(const std::array<std::uint8_t, 16>& code, unsigned word) {
  for (unsigned m = 0; m < 16; ++m)
    if (code[m] == word) return m;
  return 0;  // not reached: both codes contain the all-ones word
}

struct Golay {
  std::array<std::uint8_t, 16> h = extended_hamming(0b1011u);        // 1 + x + x³
  std::array<std::uint8_t, 16> h_prime = extended_hamming(0b1101u);  // 1 + x² + x³
  unsigned h_prime_ones = message_of(h_prime, 0xffu);                // H'[m] = 1
  // 24-bit codeword of (a, b, x); bit i is coordinate i.
  std::uint32_t word(unsigned a, unsigned b, unsigned x) const {
    const std::uint32_t w1 = h[a] ^ h_prime[x], w2 = h[b] ^ h_prime[x], w3 = h[a ^ b] ^ h_prime[x];
    return w1 | w2 << 8 | w3 << 16;
  }
};

const Golay& golay() {
  static const Golay g;
  return g;
}

std::vector<std::int64_t> bits_to_vector(std::uint32_t bits, int n, std::int64_t one) {
  std::vector<std::int64_t> v(n);
  for (int i = 0; i < n; ++i) v[i] = (bits >> i & 1u) ? one : 0;
  return v;
}

// ---- Leech

// Λ24 (√8 scaling) = ∪_{c ∈ G24} (2c + 4D24) ∪ (1 + 2c + 4(e_0 + D24)): 8192 cosets of 4D24.
std::vector<std::int8_t> leech_offsets() {
  std::vector<std::int8_t> t;
  t.reserve(8192 * 24);
  for (int half = 0; half < 2; ++half)
    for (unsigned idx = 0; idx < 4096; ++idx) {
      const std::uint32_t c = golay().word(idx & 15u, idx >> 4 & 15u, idx >> 8);
      for (int i = 0; i < 24; ++i)
        t.push_back(static_cast<std::int8_t>(half + 2 * (c >> i & 1u) + (half && i == 0 ? 4 : 0)));
    }
  return t;
}

std::vector<std::vector<std::int64_t>> leech_offset_generators() {
  std::vector<std::vector<std::int64_t>> g;
  for (unsigned s = 0; s < 4; ++s) {
    g.push_back(bits_to_vector(golay().word(1u << s, 0, 0), 24, 2));
    g.push_back(bits_to_vector(golay().word(0, 1u << s, 0), 24, 2));
    g.push_back(bits_to_vector(golay().word(0, 0, 1u << s), 24, 2));
  }
  std::vector<std::int64_t> odd(24, 1);
  odd[0] = 5;
  g.push_back(odd);
  return g;
}

// Exact maximum-likelihood decoder. A point of half h has coordinates x_i ≡ h + 2c_i (mod 4)
// with c ∈ G24 and Σ_i (x_i − h − 2c_i)/4 ≡ h (mod 2). Per coordinate and bit c_i the best value
// in h + 2c_i + 4Z and the runner-up (the other parity of (x_i − h − 2c_i)/4) are found by
// rounding. Per 8-coordinate block and 8-bit word w, a doubling recursion gives the least cost
// E_j(w), O_j(w) with even/odd block parity. With Turyn's form the codeword is
// (a + x, b + x, a + b + x), so the search is over x ∈ H' (16), a, b ∈ H (16 each) and the block
// parities q1, q2 (q3 = h ⊕ q1 ⊕ q2): 2 × 16 × 16 × 16 × 4 sums of three table entries, pruned
// exactly by lower bounds (per half: Σ_i min cost; per x: the sum of the three table minima).
class LeechLattice final : public CosetUnionLattice {
 public:
  explicit LeechLattice(LeechDecoder decoder)
      : CosetUnionLattice(decoder == LeechDecoder::fast ? "leech" : "leech:decoder=cosets", 24, 1,
                          4, leech_offsets(), leech_offset_generators()),
        fast_(decoder == LeechDecoder::fast) {}

  void nearest_point(const double* x, double* out) const override {
    if (!fast_) {
      CosetUnionLattice::nearest_point(x, out);
      return;
    }
    const Golay& g = golay();
    Coordinate coord[2][24];
    for (int h = 0; h < 2; ++h)
      for (int i = 0; i < 24; ++i) {
        Coordinate& c = coord[h][i];
        for (int b = 0; b < 2; ++b) {
          const double r = h + 2 * b;
          const double v = r + 4.0 * detail::round_half_up((x[i] - r) * 0.25);
          const double alt = x[i] >= v ? v + 4.0 : v - 4.0;
          const double dv = x[i] - v, da = x[i] - alt;
          c.value[b] = v;
          c.alt[b] = alt;
          const int parity = c.parity[b] =
              static_cast<int>(static_cast<std::int64_t>((v - r) * 0.25) & 1);
          // cost[b][q]: least cost of bit b with (x_i − r)/4 of parity q.
          c.cost[b][parity] = dv * dv;
          c.cost[b][parity ^ 1] = da * da;
        }
      }

    // Tables of both halves, then the 32 (half, x) subproblems in increasing order of their
    // lower bound, each bound being the sum over blocks of the least table entry over the words
    // a + x (a ∈ H) — a coset of H, shared by x and x ⊕ m1 where H'[m1] = 1.
    double table[2][3][256][2];
    Candidate cand[32];
    for (int h = 0; h < 2; ++h) {
      for (int j = 0; j < 3; ++j) block_table(coord[h] + 8 * j, table[h][j]);
      for (unsigned x = 0; x < 16; ++x) {
        const unsigned partner = x ^ g.h_prime_ones;
        Candidate& c = cand[16 * h + x];
        c.half = h;
        c.x = x;
        if (partner < x) {
          c.lower = cand[16 * h + partner].lower;
          continue;
        }
        c.lower = 0.0;
        for (int j = 0; j < 3; ++j) {
          double m = kInf;
          for (unsigned a = 0; a < 16; ++a) {
            const double* t = table[h][j][g.h[a] ^ g.h_prime[x]];
            m = std::min(m, std::min(t[0], t[1]));
          }
          c.lower += m;
        }
      }
    }
    std::sort(cand, cand + 32,
              [](const Candidate& p, const Candidate& q) { return p.lower < q.lower; });
    Best best;
    for (const Candidate& c : cand) {
      if (c.lower >= best.cost) break;
      search(g, table[c.half], c.half, c.x, best);
    }
    reconstruct(g, coord[best.half], best, out);
  }

 private:
  struct Coordinate {
    double value[2], alt[2];  // per bit: the nearest value of h + 2b + 4Z, the runner-up
    int parity[2];            // parity of (value − h − 2b)/4
    double cost[2][2];        // cost[b][q]: squared distance to the value of parity q
  };
  struct Best {
    double cost = kInf;
    int half = 0;
    unsigned a = 0, b = 0, x = 0;
    int q1 = 0, q2 = 0, q3 = 0;
  };
  struct Candidate {
    double lower;
    int half;
    unsigned x;
  };

  // t[w][q]: least Σ cost over 4 coordinates with bits w and parity q (doubling over bits).
  static void nibble_table(const Coordinate* c, double (*t)[2]) {
    t[0][0] = 0.0;
    t[0][1] = kInf;
    for (int i = 0, size = 1; i < 4; ++i, size <<= 1) {
      const double c00 = c[i].cost[0][0], c01 = c[i].cost[0][1];
      const double c10 = c[i].cost[1][0], c11 = c[i].cost[1][1];
      for (int w = 0; w < size; ++w) {
        const double e = t[w][0], o = t[w][1];
        t[w | size][0] = std::min(e + c10, o + c11);
        t[w | size][1] = std::min(e + c11, o + c10);
        t[w][0] = std::min(e + c00, o + c01);
        t[w][1] = std::min(e + c01, o + c00);
      }
    }
  }

  // table[w][q] for the 128 even-weight words w of a block (the only ones in the Golay code's
  // blocks, since a + x lies in the even-weight code), from the two nibble tables.
  static void block_table(const Coordinate* c, double (*table)[2]) {
    static constexpr unsigned kNibbles[2][8] = {{0, 3, 5, 6, 9, 10, 12, 15},
                                                {1, 2, 4, 7, 8, 11, 13, 14}};
    double lo[16][2], hi[16][2];
    nibble_table(c, lo);
    nibble_table(c + 4, hi);
    for (int parity = 0; parity < 2; ++parity)
      for (unsigned wl : kNibbles[parity])
        for (unsigned wh : kNibbles[parity]) {
          double* t = table[wl | wh << 4];
          t[0] = std::min(lo[wl][0] + hi[wh][0], lo[wl][1] + hi[wh][1]);
          t[1] = std::min(lo[wl][0] + hi[wh][1], lo[wl][1] + hi[wh][0]);
        }
  }

  // The subproblem (h, x): min over a, b ∈ H and q1, q2 of
  // T1(a + x)[q1] + T2(b + x)[q2] + T3(a + b + x)[h ⊕ q1 ⊕ q2].
  static void search(const Golay& g, const double (*table)[256][2], int h, unsigned x, Best& best) {
    double u[3][16][2];
    double min2 = kInf, min3 = kInf;
    for (unsigned a = 0; a < 16; ++a) {
      const unsigned w = g.h[a] ^ g.h_prime[x];
      for (int j = 0; j < 3; ++j) {
        u[j][a][0] = table[j][w][0];
        u[j][a][1] = table[j][w][1];
      }
      min2 = std::min(min2, std::min(u[1][a][0], u[1][a][1]));
      min3 = std::min(min3, std::min(u[2][a][0], u[2][a][1]));
    }
    const double rest = min2 + min3;
    for (unsigned a = 0; a < 16; ++a)
      for (int q1 = 0; q1 < 2; ++q1) {
        const double c1 = u[0][a][q1];
        if (c1 + rest >= best.cost) continue;
        const int target = h ^ q1;
        // Branch-free minimum over (b, q2) first; the argmin only when it improves.
        double m = kInf;
        for (unsigned b = 0; b < 16; ++b) {
          const double* u2 = u[1][b];
          const double* u3 = u[2][a ^ b];
          m = std::min(m, std::min(u2[0] + u3[target], u2[1] + u3[target ^ 1]));
        }
        if (c1 + m >= best.cost) continue;
        for (unsigned b = 0; b < 16; ++b)
          for (int q2 = 0; q2 < 2; ++q2)
            if (u[1][b][q2] + u[2][a ^ b][target ^ q2] == m) {
              best.cost = c1 + m;
              best.half = h;
              best.a = a;
              best.b = b;
              best.x = x;
              best.q1 = q1;
              best.q2 = q2;
              best.q3 = target ^ q2;
              b = 16;
              break;
            }
      }
  }

  // Writes the point of the winning (half, codeword, block parities): per block, every
  // coordinate at its best value, and if the block parity is wrong the coordinate whose
  // runner-up costs least moved to its runner-up.
  static void reconstruct(const Golay& g, const Coordinate* coord, const Best& best, double* out) {
    const std::uint32_t word = g.word(best.a, best.b, best.x);
    const int want[3] = {best.q1, best.q2, best.q3};
    for (int j = 0; j < 3; ++j) {
      int parity = 0, flip = -1;
      double flip_cost = kInf;
      for (int i = 8 * j; i < 8 * j + 8; ++i) {
        const int b = static_cast<int>(word >> i & 1u);
        const Coordinate& c = coord[i];
        const int p = c.parity[b];
        const double d = c.cost[b][p ^ 1] - c.cost[b][p];
        parity ^= p;
        out[i] = c.value[b];
        if (d < flip_cost) {
          flip_cost = d;
          flip = i;
        }
      }
      if (parity != want[j]) {
        const int b = static_cast<int>(word >> flip & 1u);
        out[flip] = coord[flip].alt[b];
      }
    }
  }

  bool fast_;
};

// E8 = D8 ∪ (D8 + ½·1), with the two D8 decodes written out (SPLAG ch. 20 §3).
class E8Lattice final : public CosetUnionLattice {
 public:
  E8Lattice()
      : CosetUnionLattice("e8", 8, 2, 2, offsets(),
                          std::vector<std::vector<std::int64_t>>{std::vector<std::int64_t>(8, 1)}) {
  }
  void nearest_point(const double* x, double* out) const override {
    double y[8], a[8], b[8];
    for (int i = 0; i < 8; ++i) y[i] = x[i] - 0.5;
    const double da = detail::nearest_point_dn(x, a, 8);
    const double db = detail::nearest_point_dn(y, b, 8);
    const double shift = db < da ? 0.5 : 0.0;
    const double* best = db < da ? b : a;
    for (int i = 0; i < 8; ++i) out[i] = best[i] + shift;
  }

 private:
  // 2·E8 = (2D8) ∪ (1 + 2D8).
  static std::vector<std::int8_t> offsets() {
    std::vector<std::int8_t> t(16, 0);
    std::fill(t.begin() + 8, t.end(), 1);
    return t;
  }
};

}  // namespace

LatticePtr make_e8() { return std::make_shared<E8Lattice>(); }

LatticePtr make_barnes_wall16() {
  // RM(1,4): the all-ones word and the four coordinate functions on F_2^4.
  std::vector<std::uint32_t> gens = {0xffffu};
  for (int v = 0; v < 4; ++v) {
    std::uint32_t w = 0;
    for (int p = 0; p < 16; ++p)
      if (p >> v & 1) w |= 1u << p;
    gens.push_back(w);
  }
  std::vector<std::int8_t> offsets;
  std::vector<std::vector<std::int64_t>> generators;
  for (std::uint32_t msg = 0; msg < 32; ++msg) {
    std::uint32_t w = 0;
    for (int s = 0; s < 5; ++s)
      if (msg >> s & 1u) w ^= gens[s];
    for (int i = 0; i < 16; ++i) offsets.push_back(static_cast<std::int8_t>(w >> i & 1u));
  }
  for (std::uint32_t w : gens) generators.push_back(bits_to_vector(w, 16, 1));
  return std::make_shared<CosetUnionLattice>("bw16", 16, 1, 2, std::move(offsets), generators);
}

LatticePtr make_leech(LeechDecoder decoder) { return std::make_shared<LeechLattice>(decoder); }

}  // namespace rdp
