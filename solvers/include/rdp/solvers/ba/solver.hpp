#pragma once
/// Certified numerical R(D,P) for finite alphabets: a Blahut–Arimoto iteration with a tilted
/// kernel, multipliers found by root search on the targets, and a primal–dual certificate.
///
///   auto pb = rdp::make_finite_problem(rdp::Bernoulli(0.3), rdp::hamming_distortion(),
///                                      rdp::Perception::tv);
///   rdp::BaResult r = rdp::solve_rdp_ba(pb, /*D=*/0.1, /*P=*/0.05);
///   if (r.status == rdp::BaStatus::converged) use(r.lower_bits, r.upper_bits);
///
/// The certificate: `upper_bits` is I(X;X̂) of an explicit channel (returned in `channel`) whose
/// E[Δ] and d(p_X, p_X̂), recomputed from that channel, meet the targets; `lower_bits` is the value
/// of the Lagrange dual at explicit multipliers, which no channel meeting the targets can beat.
/// So R(D,P) ∈ [lower_bits, upper_bits] up to floating-point rounding and the constraint
/// tolerance: the channel may exceed D and P by BaOptions::constraint_tolerance (relative 1e-12),
/// which can put upper_bits below R by the slopes times that excess, ~1e-12 bits; a converged
/// gap can therefore read as slightly negative (seen: −2e-12 bits on a 3-letter W1 surface).
#include <Eigen/Core>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "rdp/solvers/ba/finite_problem.hpp"

namespace rdp {

enum class BaStatus {
  converged,        ///< upper − lower <= the requested gap
  iteration_limit,  ///< a cap was hit; the bounds are still valid, the gap is larger
  infeasible,  ///< no channel meets (D, P): D below the least distortion, or P below d's minimum
  numerical_failure,  ///< the iteration broke down (kernel underflow, NaN); bounds may be trivial
};
std::string_view ba_status_name(BaStatus status);

/// The default of BaOptions::max_memory_bytes: 4 GiB.
inline constexpr double kBaDefaultMaxMemoryBytes = 4294967296.0;

/// An upper estimate of the peak memory, bytes, of a query on an m×n problem (m source points,
/// n reconstruction points): fifteen m×n arrays of doubles, 120·m·n bytes. They are the caller's
/// problem and the solver's copy of its distortion matrix; the solver's working Δ, kernel K and
/// exponent table (excess) with its int32 index; while a channel is materialised and audited
/// (the final upper bound, a witness), up to five transient channel-sized matrices; and with a
/// transport divergence its cost matrix with a row-major copy (what its conjugate and the
/// smoothed-dual Newton read) and the Newton's two softmax tables. The O(m + n) vectors and the
/// kernel's low-rank factor (at most n/4 columns) are small beside them. A double, so that no m, n
/// can overflow it. (Measured peak resident memory: 88 MB for a 1024-cell W2² query, where it says
/// 126 MB; eleven arrays, the figure before the transport's were counted, said 92 MB.)
double ba_memory_bytes(double m, double n);

/// What BaOptions::on_progress is told: the running query's effort and its bounds so far (bits;
/// upper is inf until a feasible channel is met).
struct BaProgress {
  long iterations = 0;
  int evaluations = 0;
  double lower_bits = 0.0, upper_bits = 0.0;
};

struct BaOptions {
  /// Target for upper − lower, bits. 1e-6 suits a single query, 1e-4 a surface.
  double gap_bits = 1e-6;
  /// Cap on Blahut–Arimoto iterations summed over every inner solve of one query (BaSolver's warm
  /// attempt and its cold restart together). One iteration
  /// costs about 2·m·n multiply-adds, so the default caps a 256×256 query near a few seconds.
  long max_iterations = 400000;
  /// Cap on iterations of one inner (fixed-multiplier) solve.
  long max_inner_iterations = 3000;
  /// Cap on inner solves (evaluations of the constraint functions) per query.
  int max_evaluations = 3000;
  /// A channel counts as feasible when E[Δ] <= D + tol·max(D, Δ scale) and d <= P + tol·max(P, 1).
  /// 1e-12 absorbs rounding in the recomputation and nothing else.
  double constraint_tolerance = 1e-12;
  /// Starting weight of the new perception tilt in the running average of tilts (1 = no damping).
  /// It is halved automatically whenever the fixed-multiplier gap grows.
  double tilt_damping = 1.0;
  /// Solve the fixed-multiplier problems of a transport divergence whose cells are the output
  /// points (W2², W1 on a grid) by damped Newton on the entropically smoothed dual
  /// (docs/THEORY.md §6.5), falling back to Blahut–Arimoto where a Newton run stalls. The
  /// certificate is unchanged: every gap is that of an ordinary pass. A Newton step counts as r
  /// iterations, r the rank of the kernel's factor (m for a dense Hessian), about what its
  /// Hessian costs in passes, plus one per evaluation of the smoothed dual.
  bool newton = true;
  /// Where the kernel is Toeplitz (a uniform grid under a translation-invariant distortion:
  /// every discretised continuous source with MSE or |x − x̂|^r) and has at least 512 rows and
  /// columns, run the Blahut–Arimoto passes of an inner solve through the FFT, O(N log N) with
  /// N ≥ m + n − 1 instead of O(m·n) (docs/THEORY.md §6.6). Such passes only steer the iteration:
  /// every convergence test, bound and channel comes from an exact pass, made at least every 64
  /// passes and whenever an inner solve would stop. Each pass, fast or exact, counts one
  /// iteration.
  bool fft_pass = true;
  /// Inner solves stop when their own duality gap is below this fraction of gap_bits.
  double inner_gap_fraction = 0.05;
  /// Wall-clock budget of one query (one solve() call, its cold restart included), seconds.
  /// When it runs out the query stops as at max_iterations: status iteration_limit, the bounds
  /// found so far (still valid) and a message saying so. Checked once per Blahut–Arimoto pass, so
  /// it may overrun by a pass (about 2·m·n multiply-adds), a kernel rebuild (m·n exponentials at
  /// most), the final audit of the channel and, on problems of at most 16 source points, the
  /// direct polish of the bounds.
  /// Default: none (infinity; so is anything above 1e9), so that no result depends on the
  /// machine's speed or load; a query that finishes within its budget gives the same bits
  /// whatever the budget.
  double max_seconds = std::numeric_limits<double>::infinity();
  /// Cap on the solver's memory estimate ba_memory_bytes(m, n), bytes; a larger problem is
  /// rejected with InvalidArgument before its arrays are allocated (also by
  /// make_problem_for_source, before the problem's own m×n matrix). Default 4 GiB, a fixed figure
  /// so that whether a problem is accepted does not depend on the machine; it admits square
  /// problems up to 5982 points (a 256-point grid needs 7.9 MB).
  double max_memory_bytes = kBaDefaultMaxMemoryBytes;
  /// Called once per inner solve (evaluation) with the query's running certified bounds, for a
  /// progress display; never required, never alters the result. Called on the solving thread: a
  /// sweep spread over threads calls it concurrently, so it must then be thread-safe.
  std::function<void(const BaProgress&)> on_progress;
  /// Materialise the m×n channel in the result (witness) and recompute I, E[Δ] and d from it.
  /// Off (sweeps), the upper bound is Σ α_k I(W_k) over the mixed channels, each I(W_k) exact
  /// from its own iteration, which bounds the mixture's I by convexity; this saves m·n
  /// exponentials and logarithms per query.
  bool keep_channel = true;
  /// Throws InvalidArgument naming the first field out of range.
  void validate() const;
};

/// Which conjugate term the lower bound's dual function uses (docs/THEORY.md §6.2):
///   shannon          max_j ℓ_j (the P = ∞ dual: no perception price),
///   tilted           μ φ*(ℓ/μ), the perspective conjugate of d(p_X, ·) at μ > 0 (or its μ → 0
///                    limit), plus μP,
///   perfect_realism  ⟨ℓ, p̃⟩ with p̃ the zero point of d (the μ → ∞ limit, for P = 0),
/// where ℓ_j = ln Σ_i p_i λ_i e^{−sΔ_ij}, merged over a divergence cell by its maximum.
enum class BaDualForm { shannon, tilted, perfect_realism };
std::string_view ba_dual_form_name(BaDualForm form);

/// The point at which the lower bound is the Lagrange dual's value,
///     L = Σ_i p_i ln λ_i − s D − μ P − conjugate(ℓ),   bits = L / ln 2,
/// enough for anyone to recompute the bound from the problem alone (rdp check-witness).
struct BaDualPoint {
  bool present = false;  ///< false when the lower bound is the trivial 0 (or exact: R = 0)
  BaDualForm form = BaDualForm::shannon;
  Eigen::VectorXd log_lambda;  ///< ln λ_i per source point (0 where p_i = 0)
  double s_nats = 0.0;         ///< slope s, nats per unit of distortion
  double mu_nats = 0.0;        ///< μ, nats per unit of perception (form tilted)
};

struct BaResult {
  BaStatus status = BaStatus::numerical_failure;
  std::string message;
  /// Certified bounds on R(D,P), bits; rate_bits is their midpoint (within gap_bits/2 of R).
  double lower_bits = 0.0, upper_bits = 0.0, gap_bits = 0.0, rate_bits = 0.0;
  /// Blahut–Arimoto iterations (all inner solves) and inner solves.
  long iterations = 0;
  int evaluations = 0;
  /// Multipliers of the lower bound, in bits per unit: −∂R/∂D and −∂R/∂P at the solution.
  double slope_distortion_bits = 0.0, slope_perception_bits = 0.0;
  /// E[Δ] and d(p_X, p_X̂) of the upper-bound channel, recomputed from it.
  double distortion_achieved = 0.0, perception_achieved = 0.0;
  /// The upper-bound channel p(x̂|x) (m×n, rows sum to 1) and its output pmf (n).
  Eigen::MatrixXd channel;
  Eigen::VectorXd output_pmf;
  /// The dual point of lower_bits.
  BaDualPoint dual;
};

/// Solves a sequence of targets on one problem, reusing its workspace and warm-starting each
/// query from the previous solution (sweeps along a grid should step to nearby targets). It also
/// remembers the μ = 0 phase (Shannon's R(D), independent of P) for the last D, so a sweep over P
/// at fixed D solves it once. Not thread-safe; use one per thread.
class BaSolver {
 public:
  explicit BaSolver(FiniteRdpProblem problem, BaOptions options = {});
  ~BaSolver();
  BaSolver(BaSolver&&) noexcept;
  BaSolver& operator=(BaSolver&&) noexcept;
  /// R(D,P) with certificate. P is ignored without a perception divergence. Throws
  /// InvalidArgument for negative or non-finite targets.
  BaResult solve(double distortion, double perception);
  const FiniteRdpProblem& problem() const;
  const BaOptions& options() const;
  void set_options(const BaOptions& options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Throws InvalidArgument ("problem size") when ba_memory_bytes of the problem's m×n exceeds
/// options.max_memory_bytes. BaSolver's constructor calls it; sweeps call it before their
/// parallel loops.
void check_ba_memory(const FiniteRdpProblem& problem, const BaOptions& options);

/// Combines two certificates of one query (BaSolver's warm attempt and its cold restart): the
/// smaller upper bound with its channel, E[Δ] and d, the larger lower bound with its slopes and
/// dual point, the status recomputed from the gap; iterations and evaluations summed. An attempt
/// that failed numerically or found the target infeasible is not combined: the other is kept.
BaResult merge_ba_attempts(BaResult first, BaResult second, double gap_bits);

/// One query, cold start.
BaResult solve_rdp_ba(const FiniteRdpProblem& problem, double distortion, double perception,
                      const BaOptions& options = {});

}  // namespace rdp
