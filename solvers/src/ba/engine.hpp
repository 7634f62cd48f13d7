#pragma once
// The solver's state, grouped by lifetime, and the phases that read and write all of it: an
// evaluation at fixed multipliers and the searches over the multipliers built on it.
#include "bounds.hpp"
#include "common.hpp"
#include "iterate.hpp"
#include "pool.hpp"
#include "problem_data.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "scaled_kernel.hpp"

namespace rdp::ba {

struct Engine {
  Engine(FiniteRdpProblem problem, BaOptions options);

  BaOptions opt;          // BaSolver swaps it per attempt (the warm one gets a share of the budget)
  ProblemData data;       // the solver's life
  ScaledKernel kernel;    // one slope
  Iterate it;             // one pass; its weights are also the warm start across queries
  WarmStart warm;         // across queries
  ShannonRecord shannon;  // one D
  Query query;            // one query
  Budget budget;          // one attempt (its deadline: one BaSolver::solve call)
  Bounds bounds;          // one query
  ChannelPool pool;       // one query

  // The search must end: a failure, a budget, or the certificate met the gap.
  bool stop() const { return budget.failed || budget.limit || bounds.gap() <= query.gap_target; }
};

// One inner solve at (s, μ), warm-started from the current weights, and what it adds to the
// certificate: the dual bound at its λ (and its polish), and its channel to the pool. ok false
// when the search must stop or the solve failed (ed = −inf: "slope too large").
Eval evaluate(Engine& en, double s, double mu, Mode mode, double inner_slack);

// The result of search_slope: the evaluation nearest to D, and whether E[Δ] stays above D even
// at the largest slope (infeasible at this μ).
struct SlopeSearch {
  Eval nearest;
  bool infeasible = false;
};

// s with E[Δ] = D at fixed μ (TOMS 748 in log s). With sign_of_p the search may stop as soon as
// the sign of φ − P is settled (E[Δ] within 1e-4 of D, φ at least 25% away from P).
SlopeSearch search_slope(Engine& en, double mu, Mode mode, bool sign_of_p = false);

// μ with φ(W*(s(μ), μ)) = P around search_slope; true when the certificate closed.
bool search_multiplier(Engine& en);

// (log s, log μ) with (E[Δ], φ) = (D, P) by a 2-D secant iteration of at most max_evaluations
// inner solves; true when the certificate closed (joint_search.cpp).
bool search_jointly(Engine& en, int max_evaluations);

// The fallback: max of the concave dual ψ(s, μ) by nested Brent searches in (log s, log μ).
void maximise_dual(Engine& en);

// The first slope of a cold search for the query's D.
double cold_slope(const ProblemData& data, double D);

// Where the searches over the multipliers look, in x = log s and y = log μ (s within
// [1e-9, 1e9]/dscale, μ within e^±40), and where they start: the warm multipliers, else the cold
// slope and μ = 1, clamped to the box.
struct LogMultiplierBox {
  double x_lo, x_hi, y_lo, y_hi;
};
LogMultiplierBox search_box(const ProblemData& data);
double start_log_slope(const Engine& en, const LogMultiplierBox& box);
double start_log_mu(const Engine& en, const LogMultiplierBox& box);

// The first bracketing step of the next search from a warm start (log units).
double bracket_step(double last_move);

}  // namespace rdp::ba
