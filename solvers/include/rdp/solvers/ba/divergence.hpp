#pragma once
/// Perception divergences d(p_X, ·) as the Blahut–Arimoto solver sees them.
///
/// The solver never looks inside a divergence: it asks for four things, all on pmfs Q over the
/// divergence's *cells* (the distinct reconstruction values; duplicated reconstruction points
/// share one cell, since p_X̂ on the real line only sees their total mass):
///   - value(Q): d(p_X, Q), used for the feasibility check of the upper bound;
///   - subgradient(Q): an element of ∂d(p_X, ·) at Q, used to tilt the kernel;
///   - perspective_conjugate(ℓ, μ) = μ·φ*(ℓ/μ), with φ = d(p_X, ·) + ι_simplex, used by the dual
///     (lower) bound: for any multipliers it is the exact price of the perception constraint;
///   - optionally zero_point() (the unique Q with d = 0, for P = 0) and linear_minimizer() (for
///     R = 0 detection without iteration).
/// A new divergence is one class implementing these; the iteration does not change.
#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

namespace rdp {

class PerceptionDivergence {
 public:
  virtual ~PerceptionDivergence() = default;
  virtual std::string name() const = 0;
  /// Number of cells (distinct reconstruction values).
  virtual Eigen::Index cells() const = 0;
  /// d(p_X, Q), Q a pmf over the cells. Exact for every built-in divergence.
  virtual double value(const Eigen::Ref<const Eigen::VectorXd>& q) const = 0;
  /// Writes g ∈ ∂d(p_X, ·)(Q) (relative to the simplex, so constants do not matter). Entries may be
  /// +inf on cells where Q must vanish (outside the divergence's domain).
  virtual void subgradient(const Eigen::Ref<const Eigen::VectorXd>& q,
                           Eigen::Ref<Eigen::VectorXd> g) const = 0;
  /// μ φ*(ℓ/μ) where φ*(g) = sup over pmfs Q of ⟨g, Q⟩ − d(p_X, Q); at μ = 0 the limit, the
  /// largest ℓ over cells Q may charge. Must be exact or an upper bound (the lower bound stays
  /// valid either way).
  virtual double perspective_conjugate(const Eigen::Ref<const Eigen::VectorXd>& ell,
                                       double mu) const = 0;
  /// The unique Q with d(p_X, Q) = 0, or an empty vector when there is none.
  virtual const Eigen::VectorXd& zero_point() const { return empty_; }
  /// argmin ⟨a, Q⟩ over pmfs with d(p_X, Q) <= budget, when the divergence can give it in closed
  /// form; returns false otherwise.
  virtual bool linear_minimizer(const Eigen::Ref<const Eigen::VectorXd>& /*a*/, double /*budget*/,
                                Eigen::Ref<Eigen::VectorXd> /*q*/) const {
    return false;
  }
  /// The entropic proximal step: writes the pmf u minimising KL(u ‖ a/Σa) + μ d(p_X, u), a > 0
  /// weights over the cells. The default linearises d at a/Σa (one explicit mirror step),
  /// which is exact for smooth divergences as the iteration converges; divergences with kinks
  /// (TV) or curvature (reverse KL) override it with the exact minimiser.
  virtual void prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
                    Eigen::Ref<Eigen::VectorXd> u) const;
  /// prox() warm-started from `state`, a divergence-specific vector the caller keeps between
  /// calls (the solver keeps one per BaSolver, so it stays thread-safe); divergences whose prox
  /// is iterative read their starting point from it and write their solution back. Default:
  /// prox() itself.
  virtual void prox_warm(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
                         Eigen::Ref<Eigen::VectorXd> u, Eigen::VectorXd& /*state*/) const {
    prox(a, mu, u);
  }
  /// Whether prox() is the exact minimiser (otherwise the solver damps the linearised step).
  virtual bool exact_prox() const { return false; }
  /// The smallest value d(p_X, Q) can take over pmfs on the cells.
  virtual double minimum_value() const { return 0.0; }

 protected:
  Eigen::VectorXd empty_;
};

using DivergencePtr = std::shared_ptr<const PerceptionDivergence>;

/// The source pmf seen on the cells: ref[k] = mass of source points equal to cell k; `unmatched`
/// is the source mass on values that are not cells.
struct CellReference {
  Eigen::VectorXd ref;
  double unmatched = 0.0;
};
CellReference cell_reference(const std::vector<double>& source_points,
                             const Eigen::Ref<const Eigen::VectorXd>& source_pmf,
                             const std::vector<double>& cells);

/// Total variation ½‖p_X − p_X̂‖₁ (mass on non-cell source values counts as mismatch).
DivergencePtr make_tv_divergence(const CellReference& reference);
/// KL(p_X ‖ p_X̂), nats. Needs every source value to be a cell.
DivergencePtr make_kl_forward_divergence(const CellReference& reference);
/// KL(p_X̂ ‖ p_X), nats: p_X̂ may only charge cells that carry source mass.
DivergencePtr make_kl_reverse_divergence(const CellReference& reference);
/// Optimal transport cost min_π ⟨C, π⟩ between p_X and p_X̂ for a cost on the line
/// C(x, y) = |x − y|^r, r >= 1 (W1 for r = 1, W2² for r = 2); exact by the monotone coupling.
DivergencePtr make_wasserstein_line_divergence(const std::vector<double>& source_points,
                                               const Eigen::Ref<const Eigen::VectorXd>& source_pmf,
                                               const std::vector<double>& cells, double r);
/// Optimal transport cost for any cost matrix C (source points × cells, entries >= 0). Its value
/// is computed from an entropic coupling rounded onto the exact marginals (an upper bound within
/// `entropic_tolerance` of the optimum, so feasibility checks stay conservative); the conjugate
/// is exact (c-transform).
DivergencePtr make_wasserstein_cost_divergence(const Eigen::Ref<const Eigen::VectorXd>& source_pmf,
                                               const Eigen::Ref<const Eigen::MatrixXd>& cost,
                                               double entropic_tolerance = 1e-9);

}  // namespace rdp
