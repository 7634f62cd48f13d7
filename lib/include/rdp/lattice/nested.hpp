#pragma once
/// Self-similar nested lattices Λ_c = a·Λ_f ⊂ Λ_f (docs/THEORY.md §5, QSD-LTC) for the shared
/// dither of finite common randomness: the a^n points of Λ_f in the Voronoi cell of Λ_c.
#include <cstdint>
#include <string>
#include <vector>

#include "rdp/lattice/lattice.hpp"
#include "rdp/rng.hpp"

namespace rdp {

/// Largest nesting ratio a: beyond it the tie-break shift of reduce() (1e-7 of the coarse scale)
/// nears the fine lattice's own scale.
constexpr int kMaxNestingRatio = 1024;

/// Throws InvalidArgument(parameter, "integer in [1, 1024]", a) unless 1 <= a <= kMaxNestingRatio:
/// the one check of a nesting ratio, wherever one enters (lattices, codecs, the command line).
void require_nesting_ratio(int a, const std::string& parameter = "nesting_ratio");

class NestedLattice {
 public:
  /// Fine lattice Λ_f and integer nesting ratio a ≥ 1 (a = 1 is the trivial nesting, one coset).
  /// Throws InvalidArgument ("nesting_ratio") for a outside [1, 1024].
  NestedLattice(LatticePtr fine, int ratio);

  const Lattice& fine() const noexcept { return *fine_; }
  const Lattice& coarse() const noexcept { return *coarse_; }
  int ratio() const noexcept { return ratio_; }
  int dimension() const noexcept { return fine_->dimension(); }

  /// Common randomness (1/n) log2 |Λ_f/Λ_c| = log2 a, bits per dimension.
  double common_randomness_bits() const;
  /// log2 of the number of cosets, n log2 a (the count a^n overflows 64 bits for large blocks).
  double log2_coset_count() const;

  /// The representative of z + Λ_c (z a point of Λ_f, n values) inside the closed Voronoi cell
  /// V0(Λ_c), written to out (may equal z). Points of Λ_f on the cell boundary are tied between
  /// several coarse points; the tie is broken by decoding z + ε·t for a fixed generic direction t
  /// and ε ≪ the lattice scale, i.e. the representatives are the fine points of the half-open
  /// cell V0 − ε·t, a fundamental domain: every coset gets exactly one representative and the
  /// choice depends on the coset only. Thread-safe, allocation-free for n ≤ 4096.
  void reduce(const double* z, double* out) const;

  /// A representative drawn uniformly from the a^n of them: z = G_f·k with k uniform on
  /// {0,…,a−1}^n (one point per coset of Λ_c = G_f·aZ^n), then reduce(z). No enumeration, so it
  /// works for any a^n (Leech with a = 2 has 2^24 cosets).
  void sample_coset_representative(Philox& rng, double* out) const;

  /// All a^n representatives, row-major (a^n × n), in the order of k = (k_0, …, k_{n−1}) read as
  /// a base-a number with k_0 least significant. Throws InvalidArgument ("nesting_ratio") when
  /// a^n exceeds max_points.
  std::vector<double> enumerate_coset_representatives(std::uint64_t max_points = 1u << 22) const;

 private:
  LatticePtr fine_;
  LatticePtr coarse_;
  int ratio_;
  std::vector<double> tie_break_;  // ε·t, n values
};

}  // namespace rdp
