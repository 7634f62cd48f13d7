#pragma once
/// A finite R(D,P) problem: source pmf over m points, n reconstruction points, an m×n distortion
/// matrix and a perception divergence over the distinct reconstruction values.
#include <Eigen/Core>
#include <vector>

#include "rdp/distortion.hpp"
#include "rdp/perception.hpp"
#include "rdp/solvers/ba/divergence.hpp"
#include "rdp/source.hpp"

namespace rdp {

struct FiniteRdpProblem {
  /// Source points (for reports and witnesses) and their masses (>= 0, sum 1; zeros allowed).
  std::vector<double> source_points;
  Eigen::VectorXd source_pmf;
  /// Reconstruction points; duplicates allowed (they share one divergence cell).
  std::vector<double> reconstruction_points;
  /// Δ(x_i, x̂_j) >= 0, m × n.
  Eigen::MatrixXd distortion;
  /// cell_of[j]: the divergence cell of reconstruction point j (in [0, perception->cells())).
  std::vector<int> cell_of;
  /// Null for no perception constraint (Shannon's R(D)).
  DivergencePtr perception;

  /// Throws InvalidArgument naming the first inconsistent field.
  void validate() const;
};

/// Builds the problem for a finite source with a built-in distortion and perception measure.
/// `reconstruction` defaults to the source's support. Throws InvalidArgument (e.g. KL(p_X‖p_X̂)
/// with source values outside the reconstruction alphabet).
FiniteRdpProblem make_finite_problem(const FiniteSource& source, const Distortion& distortion,
                                     Perception perception,
                                     std::vector<double> reconstruction = {});

/// The same from raw data: any distortion matrix; `make_divergence` receives the distinct
/// reconstruction values (the cells) and returns the divergence (may be null).
FiniteRdpProblem make_finite_problem(std::vector<double> source_points, Eigen::VectorXd source_pmf,
                                     std::vector<double> reconstruction, Eigen::MatrixXd distortion,
                                     DivergencePtr perception, std::vector<int> cell_of);

/// The distinct values of `points` in first-seen order, and the map point → cell.
std::vector<double> distinct_cells(const std::vector<double>& points, std::vector<int>& cell_of);

}  // namespace rdp
