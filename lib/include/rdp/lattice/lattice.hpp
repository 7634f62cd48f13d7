#pragma once
/// Lattices and their nearest-point quantizers (Conway & Sloane, SPLAG ch. 20-21; "Fast quantizing
/// and decoding algorithms for lattice quantizers and codes", IEEE T-IT 28, 1982; docs/THEORY.md
/// §4).
///
/// A lattice is Λ = {G k : k ∈ Z^n} with G = generator() (basis vectors are the columns). The
/// coordinates each lattice is given in are documented at its factory; they are the integral (or
/// half-integral) ones of the literature, so that decoding is exact dyadic arithmetic. Use
/// make_scaled() for other scales: it keeps the decoder exact, Q_{aΛ}(x) = a Q_Λ(x/a).
///
/// Thread safety: every const member is safe to call concurrently; nearest_point() and
/// sample_voronoi() never allocate (they use stack buffers of kMaxLatticeDimension values at
/// most), so they can sit in OpenMP hot loops.
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rdp/rng.hpp"

namespace rdp {

/// Largest dimension of a non-product lattice (z:n=N, a:n=N, d:n=N, dstar:n=N). Products
/// (NAME^k) may be larger, up to kMaxLatticeDimension.
inline constexpr int kMaxBaseLatticeDimension = 256;
/// Largest dimension of any lattice, a user's subclass included: the generator is stored densely
/// and the samplers and decoders keep per-call scratch of this size on the stack.
inline constexpr int kMaxLatticeDimension = 1024;

class Lattice {
 public:
  virtual ~Lattice() = default;
  Lattice(const Lattice&) = delete;
  Lattice& operator=(const Lattice&) = delete;

  /// Canonical name ("e8", "leech^2", "d:n=5", ...); make_lattice() accepts it back, except
  /// for scaled lattices ("3*e8").
  const std::string& name() const noexcept { return name_; }
  int dimension() const noexcept { return dimension_; }
  /// n×n generator, basis vectors in the columns: Λ = {G k : k ∈ Z^n}.
  const Eigen::MatrixXd& generator() const noexcept { return generator_; }
  /// Volume of a Voronoi cell, |det G|. In high dimension it leaves the range of a double
  /// (leech^40: 2^1440; 0.1·z1^1000: 10^-1000) and is then +inf or 0; anything computed from
  /// it, such as V^{2/n}, should use log_covolume().
  double covolume() const noexcept { return covolume_; }
  /// ln |det G|, finite for every lattice.
  double log_covolume() const noexcept { return log_covolume_; }

  /// The lattice point closest to x (n values) in Euclidean distance, written to out (n values).
  /// Exact up to floating-point rounding of the distances compared. `out` may equal `x`.
  /// Ties (a set of measure zero) are broken deterministically, not translation-covariantly;
  /// NestedLattice::reduce() handles ties on lattice points consistently.
  virtual void nearest_point(const double* x, double* out) const = 0;

  /// nearest_point() on `count` points stored one after the other (row-major count×n). Runs on
  /// OpenMP threads for large batches when not already inside a parallel region.
  void nearest_points(const double* x, double* out, std::size_t count) const;

  /// A point uniform on the Voronoi cell V0 (the dither): x uniform on a fundamental domain,
  /// minus its nearest lattice point. Consumes rng; deterministic for a given generator state.
  virtual void sample_voronoi(Philox& rng, double* out) const;

  /// Squared length of the shortest nonzero vectors and their number (the kissing number), by
  /// enumerating them: a Fincke–Pohst search in general, ±e_i for Z^n, the coset structure for
  /// E8, Λ16, Λ24 and the factor's count for products.
  struct MinimalVectors {
    double norm = 0.0;
    std::uint64_t count = 0;
  };
  virtual MinimalVectors minimal_vectors() const;
  std::uint64_t kissing_number() const { return minimal_vectors().count; }

  /// Writes a point uniform on the fundamental parallelepiped G·[0,1)^n (or on another
  /// fundamental domain of the same volume where that is cheaper).
  virtual void sample_fundamental_domain(Philox& rng, double* out) const;

 protected:
  /// `generator` must be square, of dimension 1 … kMaxLatticeDimension, finite and nonsingular;
  /// InvalidArgument ("lattice generator") otherwise. |det G| and its log come from an LU
  /// factorization, O(n³); the second form takes both from a caller that knows them (products
  /// and scalings, from their factor's).
  Lattice(std::string name, Eigen::MatrixXd generator);
  Lattice(std::string name, Eigen::MatrixXd generator, double covolume, double log_covolume);

 private:
  std::string name_;
  int dimension_;
  Eigen::MatrixXd generator_;
  double covolume_, log_covolume_;
};

using LatticePtr = std::shared_ptr<const Lattice>;

/// Builds a lattice from its name (case-sensitive):
///   z1 … z256, z:n=N            Z^n, the integer lattice
///   a1 … a256, a:n=N            A_n, in an orthonormal basis of the hyperplane Σx = 0 of
///                                R^{n+1} (minimal norm 2, covolume √(n+1)); a2 is hexagonal
///   d2 … d256, d:n=N            D_n = {x ∈ Z^n : Σx even} (minimal norm 2, covolume 2)
///   d2star …, dstar:n=N         D_n* = Z^n ∪ (Z^n + ½·1) (covolume ½)
///   e8                          E8 = D8 ∪ (D8 + ½·1) (minimal norm 2, covolume 1)
///   bw16                        Barnes–Wall Λ16 = ∪_{c ∈ RM(1,4)} (c + 2D16) (minimal norm 8,
///                                covolume 2^12)
///   leech                       Leech Λ24 in the √8 scaling: x ∈ Z^24 with x ≡ h·1 + 2c
///                                (mod 4), c in the Golay code, Σx ≡ 4h (mod 8), h ∈ {0,1}
///                                (minimal norm 32, covolume 8^12); exact fast decoder
///   leech:decoder=cosets        the same lattice, decoded by brute force over its 8192 cosets
///                                of 4D24 (the test oracle)
///   NAME^k                      the k-fold Cartesian product, 1 ≤ k, dimension ≤ 1024
/// Throws InvalidArgument (parameter "lattice") on anything else.
LatticePtr make_lattice(std::string_view name);

/// The individual families, for callers that have the parameters as numbers. Dimensions outside
/// [1, kMaxBaseLatticeDimension] ([2, …] for D_n and D_n*) throw InvalidArgument.
LatticePtr make_integer_lattice(int n);
LatticePtr make_root_lattice_a(int n);
LatticePtr make_root_lattice_d(int n);
LatticePtr make_dual_lattice_d(int n);
LatticePtr make_e8();
LatticePtr make_barnes_wall16();
enum class LeechDecoder { fast, cosets };
LatticePtr make_leech(LeechDecoder decoder = LeechDecoder::fast);

/// Δ if Λ = Δ·Z^n, i.e. its generator is Δ times the identity (z8, z:n=N, z1^8, 0.3*z4: a
/// property of the generator, not of the name), otherwise 0. These are the lattices with box
/// cells, on which a dithered codec's rate and moments are exact products over coordinates.
double integer_lattice_step(const Lattice& lattice);

/// Λ^k, decoded factor by factor; the generator is block diagonal.
LatticePtr make_product(LatticePtr factor, int k);

/// a·Λ for a finite a > 0: generator a·G, Q_{aΛ}(x) = a·Q_Λ(x/a). Name "a*NAME".
LatticePtr make_scaled(LatticePtr lattice, double a);

}  // namespace rdp
