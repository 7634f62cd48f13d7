#pragma once
// The small shared vocabulary of the Blahut–Arimoto solver's parts (solvers/src/ba/): the
// matrix type, the constants, the inner solve's mode, one evaluation's figures, and the state
// whose lifetime is one query (targets, budget) or spans queries (the searches' warm start).
#include <Eigen/Core>
#include <chrono>
#include <limits>
#include <string>

namespace rdp::ba {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLn2 = 0.69314718055994530942;
// The largest tilt exponent kept; beyond it a weight is zero to double precision anyway.
constexpr double kMaxTiltExponent = 700.0;

// Which fixed-multiplier problem an inner solve runs: μ = 0 (Shannon), μ > 0 (a perception tilt),
// or P = 0 (the output marginal pinned to the divergence's zero point, by Sinkhorn scaling).
enum class Mode { shannon, tilted, marginal };

// One evaluation (inner solve) at multipliers (s, μ): E[Δ] and d of its channel and the dual
// function's value ψ(s, μ) at its λ (nats). ok false: discarded (ed = −inf on a kernel underflow,
// read as "slope too large"), or not run because the search must stop.
struct Eval {
  double s = 0.0, mu = 0.0, ed = kInf, phi = kInf, lb = -kInf;
  bool ok = false;
};

// The targets of one query and what follows from them (lifetime: one query).
struct Query {
  double D = 0.0, P = 0.0, tol_d = 0.0, tol_p = 0.0, gap_target = 0.0;  // gap_target in nats
};

// The effort spent on one solve attempt and why it stopped. iterations, evaluations and the flags
// are reset by each attempt (BaSolver's warm attempt and its cold restart); the deadline and
// out_of_time belong to the whole BaSolver::solve() call.
struct Budget {
  long iterations = 0;
  int evaluations = 0;
  bool failed = false, limit = false, underflow = false;
  std::string failure;
  // The wall-clock budget (BaOptions::max_seconds) of the current solve() call, warm attempt and
  // cold restart together; `timed` false means no budget and no clock is read.
  bool timed = false, out_of_time = false;
  std::chrono::steady_clock::time_point deadline;
};

// What the searches carry from one query to the next on one BaSolver (reset by the cold restart).
struct WarmStart {
  double s_warm = -1.0, mu_warm = -1.0;
  double s_step = 1.0, mu_step = 1.0;  // first bracketing steps in log s and log μ
  double prev_eval_s = -1.0;           // the slope of the last evaluation
  // Nothing to start from yet: a fresh solver, or one just reset for a cold restart.
  bool cold = true;
};

}  // namespace rdp::ba
