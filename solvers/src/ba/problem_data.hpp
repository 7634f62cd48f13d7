#pragma once
// What the solver keeps of its FiniteRdpProblem, constant for the solver's life.
#include <Eigen/Core>
#include <vector>

#include "common.hpp"
#include "rdp/solvers/ba/solver.hpp"

namespace rdp::ba {

struct ProblemData {
  // Checks the memory estimate before the m×n arrays (the caller's problem exists already;
  // make_problem_for_source checks before building it), then the problem itself.
  ProblemData(FiniteRdpProblem problem, const BaOptions& options);

  FiniteRdpProblem pb;
  Eigen::Index m_full = 0, m = 0, n = 0, ncell = 0;
  std::vector<Eigen::Index> rows;  // kept (positive-mass) source rows
  Eigen::VectorXd p;               // their masses, renormalised
  RowMatrix d;                     // their distortions
  Eigen::VectorXd dmin;            // min_j Δ_ij per kept row
  double dscale = 1.0;             // max Δ (at least 1e-300)
  bool has_perc = false;
  Eigen::VectorXd zero_point;            // over cells; empty if none
  std::vector<Eigen::Index> nearest_of;  // per source point (all m_full): its nearest column
  RowMatrix excess;  // Δ_ij − min_j Δ_ij, the exponent of the scaled kernel per unit slope

  // cells[k] = Σ_{j in cell k} x_j.
  void merge_to_cells(const Eigen::VectorXd& x, Eigen::VectorXd& cells) const;
};

}  // namespace rdp::ba
