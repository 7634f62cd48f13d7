#pragma once
// What the perception divergences (divergence_*.cpp) share: their constants and the base of the
// two optimal-transport divergences (divergence_transport.cpp, divergence_line.cpp).
#include <Eigen/Core>
#include <limits>

#include "rdp/solvers/ba/divergence.hpp"

namespace rdp::detail {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Masses below this are treated as zero when deciding a divergence's domain; rounding in a pmf
// that sums to one leaves errors near 1e-16, far below it.
constexpr double kZeroMass = 1e-300;

// Shared by both optimal-transport divergences: the exact conjugate by the c-transform,
// μφ*(ℓ/μ) = Σ_i p_i max_k (ℓ_k − μ C_ik) (Kantorovich duality), and the c-transform used to
// complete potentials on cells where Q vanishes.
class TransportBase : public PerceptionDivergence {
 public:
  TransportBase(Eigen::VectorXd p, Eigen::MatrixXd cost);
  Eigen::Index cells() const override { return cost_.cols(); }
  double perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                               double mu) const override;
  double minimum_value() const override;
  using CostRows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // The reference pmf (p_X over its points) and the cost, points × cells, row by row: what the
  // Newton inner solve (ba/newton.cpp) smooths the c-transform over.
  const Eigen::VectorXd& reference() const { return p_; }
  const CostRows& cost_rows() const { return cost_rows_; }

 protected:
  Eigen::VectorXd p_;
  Eigen::MatrixXd cost_;  // source points × cells
  // cost_ row-major: the conjugates and the Newton read one source point's costs at a time,
  // which in cost_ lie a column apart. Both are set by the constructor and never change.
  CostRows cost_rows_;
};

}  // namespace rdp::detail
