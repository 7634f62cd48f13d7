#pragma once
/// The law of a dithered codec's lattice point c given what the decoder knows, on any lattice, as
/// a chain over the lattice's integer coordinates (docs/THEORY.md §5.5).
///
/// The encoder sends c = Q_Λ(x − μ − u), Λ = t·Λ_base, with u the shared dither (SD), the shared
/// fine point û (QSD) or 0 (PD). Per factor of a product Λ_f^r (m = dim Λ_f), take a reduced
/// basis b_0 … b_{m−1} of Λ_f (LLL with deep insertions, δ = 0.99; m <= 64) and its Gram–Schmidt
/// directions, and write c = t·B k, k ∈ Z^m. The chain codes k in the order of Babai's
/// nearest-plane algorithm, the coefficient of the last basis vector first: coordinate i is that
/// of b_{m−1−i}, e_i the unit direction of its Gram–Schmidt vector, and ⟨e_i, c⟩ = Σ_{j<=i} T_ij
/// k_j with T lower triangular, T_ii > 0 (t times the Gram–Schmidt lengths). Each coordinate given
/// the ones before it has the one-dimensional cell law of CellIndexModel,
///     P(k_i = k | k_<i, u) = F(θ_i + (k + ½)T_ii) − F(θ_i + (k − ½)T_ii),
///     θ_i = μ + ⟨e_i, u⟩ + Σ_{j<i} T_ij k_j,
/// with F the cdf of N(μ, σ²). For x ~ N(μ, σ²I) the projections ⟨e_i, x − μ⟩ are independent
/// N(0, σ²), so this product is exactly the law of the nearest-plane point, whose cells are boxes
/// in the e-frame of the same volume as the Voronoi cell. The encoder codes the nearest point's
/// k instead; any proper pmf gives a decodable code, and the price is the cross-entropy
///     E[−log2 P_chain(k | u)] − H(c | u) = KL(law of c ‖ chain) >= 0.
/// At high rate both laws approach V·p(c + u) (the density is flat on a cell) and the overhead
/// vanishes; at low rate the Voronoi and nearest-plane cells differ where the mass is, and it does
/// not. The better balanced the Gram–Schmidt lengths, the closer the boxes are to the Voronoi cell:
/// hence the reduced basis (Λ24's own generator has lengths from 0.46 to 5.7 in the √8 scaling,
/// the reduced one from 1.41 to 5.66, the extremes that self-duality forces; measured overheads
/// are in the README).
///
/// Box cells. When the factor is one-dimensional (Z^n at any scale: the generator is a multiple of
/// the identity, whatever the lattice's name), the nearest-plane point is the nearest point, F is
/// the source's own cdf (any continuous source: its coordinates are independent) and the model is
/// the exact P(c | u), coordinate by coordinate. Otherwise F is the Gaussian with the source's mean
/// and variance: exact in the sense above for a Gaussian source, a cross-entropy model otherwise.
///
/// Determinism: θ_i is computed by the same loop on the same doubles on both sides, so encoder and
/// decoder agree bit for bit (the portability caveat of cell_index_model.hpp applies).
#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "rdp/coding/cell_index_model.hpp"
#include "rdp/coding/rans.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/source.hpp"

namespace rdp {

/// The smallest m dividing n such that the n×n generator is block diagonal with n/m copies of one
/// m×m block: a product Λ_f^r has m = dim Λ_f (or less, if Λ_f is itself such a product), Z^n at
/// any scale has m = 1.
int generator_factor_dimension(const Eigen::MatrixXd& generator);

/// What both sides compute once from the base lattice and the scale t.
struct LatticeChain {
  int factor_dimension = 0;  ///< m
  int copies = 0;            ///< n / m
  double scale = 1.0;        ///< t
  /// The reduced basis of the base factor, in coding order (columns b_{m−1} … b_0; exact: integer
  /// combinations of the generator's dyadic entries).
  Eigen::MatrixXd factor_generator;
  /// Its inverse, to read k off a point (then rounded and checked by rebuilding the point).
  Eigen::MatrixXd factor_inverse;
  /// Row i: the unit direction e_i (m values).
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> directions;
  /// Lower triangular, T_ii > 0, of the scaled lattice: ⟨e_i, c⟩ = Σ_{j≤i} T_ij k_j.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> triangle;
  /// m = 1: box cells, the model is exact.
  bool box_cells() const { return factor_dimension == 1; }
  int dimension() const { return factor_dimension * copies; }
};

/// Throws InvalidArgument ("scale") unless t is positive and finite.
LatticeChain make_lattice_chain(const Lattice& base, double scale);

/// Codes blocks of n = m·r values: one per thread (it holds the per-coordinate models).
class LatticeIndexCoder {
 public:
  /// Indices of the coded coordinates are kept within ±2^62 (an index beyond that is refused).
  static constexpr double kMaxIndex = 0x1.0p62;

  /// `chain` and `source` must outlive the coder; μ = `source_mean` is the codec's (the point is of
  /// x − μ − u).
  LatticeIndexCoder(const LatticeChain& chain, const ContinuousSource& source, double source_mean);
  LatticeIndexCoder(const LatticeIndexCoder&) = delete;
  LatticeIndexCoder& operator=(const LatticeIndexCoder&) = delete;

  /// Queues the lattice point c (n values, the quantizer's output) given u (n values). Throws
  /// InvalidArgument ("lattice point") if c is not t·G k to the last bit for an integer k within
  /// ±2^62, so that the decoder could not rebuild it exactly.
  void put_block(RansEncoder& enc, const double* c, const double* u);
  /// The inverse: decodes k and rebuilds c = t·(G k) exactly as the quantizer computes it.
  void get_block(RansDecoder& dec, const double* u, double* c);
  /// −log2 of the quantised probability with which put_block() codes c (escapes included).
  double cost_bits(const double* c, const double* u);

 private:
  // k of one factor block (m values) from its point; false if not rebuilt exactly.
  bool read_indices(const double* c, std::int64_t* k) const;
  void rebuild(const std::int64_t* k, double* c) const;
  // Places models_[i] for coordinate i of a factor block given u and k_<i.
  void place(int i, const double* u, const std::int64_t* k);

  const LatticeChain* chain_;
  std::unique_ptr<ContinuousSource> gaussian_model_;  // non-box lattices: N(μ, σ²)
  std::vector<CellIndexModel> models_;                // one per coordinate of a factor block
  double mu_;
};

}  // namespace rdp
