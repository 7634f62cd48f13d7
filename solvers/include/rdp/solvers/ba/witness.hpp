#pragma once
/// Rechecking a certificate of R(D,P) from the witness alone (rdp rate --witness writes one,
/// rdp check-witness reads it), through code that shares nothing with the iteration: only the
/// definitions.
///   upper: I(X;X̂) of the witness channel, with E[Δ] and d(p_X, p_X̂) recomputed from it
///          (lib's distortion_matrix, total_variation, kl_divergence_nats, wasserstein_power_line)
///          and checked against D and P;
///   lower: the Lagrange dual function at the stored point (BaDualPoint),
///          L = Σ_i p_i ln λ_i − sD − μP − conjugate(ℓ),  ℓ_j = ln Σ_i p_i λ_i e^{−sΔ_ij},
///          with each divergence's conjugate written out from its definition here
///          (docs/THEORY.md §6.2): any point gives a valid lower bound, so the recheck needs no
///          optimality, only the arithmetic;
///   lower, without a dual point: the trivial 0, except where the solver settles a query exactly
///          (D at its minimum Σ_i p_i min_j Δ_ij with unique nearest points, e.g. D = 0 with a
///          distortion that vanishes only on the diagonal): the nearest-point map f is then the
///          only channel meeting D, and the bound is H(f(X)) from the source pmf (+inf if f(X)
///          misses P, or below the minimum).
#include <Eigen/Core>
#include <string>
#include <vector>

#include "rdp/distortion.hpp"
#include "rdp/perception.hpp"
#include "rdp/solvers/ba/solver.hpp"

namespace rdp {

struct BaWitness {
  std::vector<double> source_points;
  Eigen::VectorXd source_pmf;
  std::vector<double> reconstruction_points;
  Distortion distortion;
  Perception perception = Perception::none;
  double distortion_target = 0.0;
  double perception_target = 0.0;  ///< ignored for Perception::none
  Eigen::MatrixXd channel;         ///< p(x̂_j | x_i), m×n; empty if the witness has none
  BaDualPoint dual;
  double lower_bits = 0.0, upper_bits = 0.0;  ///< as the witness states them
};

struct BaWitnessCheck {
  bool has_channel = false;
  double upper_bits = 0.0;  ///< I(X;X̂) of the channel, bits (+inf without one)
  double distortion_achieved = 0.0, perception_achieved = 0.0;
  bool feasible = false;    ///< rows are pmfs and E[Δ] <= D, d <= P (relative slack 1e-9)
  double lower_bits = 0.0;  ///< max(0, L / ln 2) at the stored dual point (see above without one)
  /// upper and lower agree with the stated values within the tolerance and the channel is
  /// feasible (or absent and the stated upper is +inf).
  bool agrees = false;
  std::string message;  ///< one line: what holds, or the first thing that does not
};

/// Throws InvalidArgument on an inconsistent witness (sizes, a pmf that is not one, a
/// perception whose zero point the stated form needs but that has none).
BaWitnessCheck check_ba_witness(const BaWitness& witness, double tolerance_bits = 1e-9);

}  // namespace rdp
