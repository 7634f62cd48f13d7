#pragma once
/// Lattice transform coding of vectors (images) with a learned linear transform: PCA analysis
/// (transform/pca.hpp), per-component analysis gains, one dithered lattice codec (SD, PD or QSD;
/// dithered_codec.hpp) over the n leading components, per-component synthesis gains, PCA
/// synthesis. The allocation over components is the vector-Gaussian RDP solution
/// (solvers/vector_gaussian.hpp) on the latent standard deviations. Derivation: docs/THEORY.md §7.
///
/// With y the PCA coefficients of an item (y_i of model variance σ_i² = λ_i) and (ρ_i, s_i, ν) the
/// allocation's correlations, output standard deviations and perception multiplier:
///  encoder   z_i = a_i y_i (i < n),  a_i = σ_e ρ_i / (σ_i √(1 − ρ_i²))  (§7, eq. 7.2),
///            c = Q_Λ(z − u) with the codec's shared dither u (SD: on V0; QSD: a fine point; PD: 0)
///  decoder   c̃ = c + u, v the decoder's private dither (PD: on V0(Λ); QSD: on V0(Λ_f); SD: none),
///            ŷ_i = α_i c̃_i + β_i v_i (i < n),   ŷ_i = ν σ_i ξ_i (i ≥ n, ξ_i ~ N(0,1) private)
/// SD's gains follow from the crypto lemma (c̃ = z + e exactly); PD's and QSD's from the true
/// moments A_i = E c̃_i², B_i = E[y_i c̃_i] measured on the train split (eq. 7.6); SD's are eq. 7.3,
/// the uncoded outputs eq. 7.5.
///
/// Randomness: item j is block j of the codec (shared dither Philox(common, j), private dither
/// Philox(private, j)); the uncoded components' ξ come from Philox(derive_seed(seed, 6), j), the
/// rate's Monte Carlo from Philox(derive_seed(seed, 4), j), the sliced-W2 directions from
/// Philox(derive_seed(seed, 5), l). Results are identical for any number of OpenMP threads.
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/mc/statistics.hpp"

namespace rdp {

/// The per-component allocation (all d components, in order of decreasing σ_i).
struct LatentAllocation {
  std::vector<double> latent_std;   ///< σ_i > 0, the model's (train) standard deviations
  std::vector<double> correlation;  ///< ρ_i in [0, 1): the optimal corr(y_i, ŷ_i)
  std::vector<double> output_std;   ///< s_i ≥ 0: the optimal std of ŷ_i
  double nu = 0.0;                  ///< ν in [0, 1]: 0 at P = ∞, 1 at P = 0
};

/// The smallest multiple n of `lattice_dimension` such that the n leading components carry at
/// least `rate_fraction` of the allocation's total rate Σ −½ log2(1 − ρ_i²), at least one lattice
/// block and at most the largest multiple that fits in d. 0 < rate_fraction ≤ 1.
int coded_components_for(const LatentAllocation& allocation, int lattice_dimension,
                         double rate_fraction = 0.99);

struct TransformCoderOptions {
  CodecKind kind = CodecKind::sd;
  /// Base lattice (make_lattice(); a product NAME^k is allowed); the codec's lattice is its
  /// product over the n coded components, at scale 1.
  std::string lattice = "z1";
  /// n, a multiple of the base lattice's dimension, 1 ≤ n ≤ d.
  int coded_components = 0;
  int nesting_ratio = 2;  ///< QSD's a ≥ 2 (ignored otherwise)
  /// Floor on ρ_i for coded components: a component the allocation gives no rate (reverse
  /// water-filling at P = ∞) still has a_i > 0, so that its cell integral is regular; at 0.01 it
  /// costs −½ log2(1 − 10⁻⁴) = 7e-5 bits.
  double min_correlation = 0.01;
  /// Train rows used for PD's and QSD's moments A_i, B_i (the first ones; all if fewer).
  std::uint64_t moment_rows = 10000;
  std::uint64_t seed = 1;
};

struct TransformCoder {
  TransformCoderOptions options;
  int dimension = 0;  ///< d
  LatticePtr base;    ///< the base lattice
  std::shared_ptr<const CodecLattices> lattices;
  double nsm = 0.0;                   ///< G of the base lattice (Conway–Sloane or Monte Carlo)
  double noise_second_moment = 0.0;   ///< σ_e² = G V^{2/m} of the base lattice at scale 1
  std::vector<double> latent_std;     ///< σ_i (d)
  std::vector<double> correlation;    ///< ρ_i used for the coded components (n), floored
  std::vector<double> analysis_gain;  ///< a_i (n)
  std::vector<double> reconstruction_gain;  ///< α_i (n)
  std::vector<double> noise_gain;           ///< β_i (n)
  std::vector<double> uncoded_std;          ///< ν σ_i for i ≥ n (d − n)
  std::vector<double> moment_a, moment_b;   ///< A_i, B_i (n)
  std::string moment_method;                ///< "additive_exact" (SD) or "train_split" (PD, QSD)
  std::uint64_t common_seed = 0, private_seed = 0, uncoded_seed = 0;
};

/// Designs the coder. `train_latents` (rows: PCA coefficients of train items, d columns) gives
/// PD's and QSD's moments; SD does not read it. Throws InvalidArgument: "coded components" (not a
/// multiple of the lattice dimension, or outside [1, d]), "lattice", "allocation" (sizes,
/// non-finite or out-of-range values), "nesting" (QSD with a < 2).
TransformCoder design_transform_coder(const LatentAllocation& allocation,
                                      const TransformCoderOptions& options,
                                      const Eigen::MatrixXd& train_latents);

/// Encodes and decodes one item: latent y (d values) of item number `item`, writes ŷ (d values)
/// and the lattice point c (n values).
void transform_code_item(const TransformCoder& coder, std::uint64_t item, const double* y,
                         double* c, double* y_hat);

struct TransformRunOptions {
  int rate_draws = 16;        ///< K draws per lattice block for the cell Monte Carlo (non-Z^n)
  int projections = 64;       ///< sliced-W2 directions
  int frechet_features = 64;  ///< leading PCA features of the Fréchet distance
  int batches = 8;            ///< jackknife batches for the Fréchet and diagonal measures
};

struct TransformRunResult {
  std::uint64_t items = 0;
  int coded_components = 0;
  /// Bits per item: the ideal code length of c under the Gaussian latent model given the shared
  /// randomness, E[−log2 P(c | u)], P the model's mass of the cell. "exact_box_cells" on Z^n;
  /// "cell_monte_carlo" otherwise, where rate_bits is conservative (an upper bound in
  /// expectation) and rate_lower_bits a lower bound in expectation (simulate.hpp's sandwich).
  Estimate rate_bits, rate_lower_bits;
  std::string rate_method;
  /// SD only (NaN otherwise): Σ ½ log2(1 + a_i² v_i/σ_e²) + n·½ log2(2πeG), v_i the test
  /// latents' variances: H(c|u) of any source with those variances is at most this (max entropy).
  double rate_entropy_bound_bits = 0.0;
  /// Z^n only (NaN elsewhere): bits per item of real rANS payloads, rdp::encode_payload run once
  /// per coded component on that component's z over all items, against its model N(0, a_i²σ_i²),
  /// with its own dither streams (derive_seed(common seed, 100 + i)): the same law as the run's
  /// dither, not the same draws, so it checks the estimate to within its standard error.
  double coded_rate_bits = NAN;
  Estimate distortion_mse;  ///< per pixel: ‖x − x̂‖²/d = ‖y − ŷ‖²/d (V orthonormal)
  /// Sliced W2² between the test items and their reconstructions in pixel space, per direction
  /// (θ uniform on the unit sphere of R^d, which V maps to itself, so it is computed on the
  /// latents); the two empirical laws are compared by sorting. SE over the directions.
  Estimate sliced_w2sq;
  int projections = 0;
  /// Fréchet distance (squared W2 between fitted Gaussians, total) over the first F PCA
  /// features; jackknife SE over `batches` batches.
  Estimate frechet_pca;
  int frechet_features = 0;
  /// The Gaussian model's perception, per pixel: (Σ_i (std y_i − std ŷ_i)² + ‖mean y − mean ŷ‖²)/d
  /// over all d latents: the Fréchet distance with the reconstructions' covariance replaced by its
  /// diagonal (a lower bound on the full one: tr f(M) ≤ Σ f(M_ii) for concave f), the quantity
  /// the allocation's P is stated in. Jackknife SE.
  Estimate perception_w2sq;
  Eigen::MatrixXd reconstructions;  ///< ŷ (items × d)
  double seconds = 0.0;
};

/// Runs the coder on every row of `test_latents` (items × d, items ≥ 2·batches).
TransformRunResult run_transform_coder(const TransformCoder& coder,
                                       const Eigen::MatrixXd& test_latents,
                                       const TransformRunOptions& options = {});

}  // namespace rdp
