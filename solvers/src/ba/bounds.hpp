#pragma once
// The certificate of a query as it is being built: the best lower bound with the dual point that
// produced it, the best upper bound with its mixture, and the remembered μ = 0 phase.
#include <Eigen/Core>
#include <vector>

#include "common.hpp"
#include "pool.hpp"
#include "rdp/solvers/ba/solver.hpp"

namespace rdp::ba {

// The best lower bound of a query (nats) and its dual point: λ over kept rows, s, μ and which
// conjugate term the bound used. Also the best μ = 0 bound of the query (Blahut's bound on R(D)),
// which the Shannon record keeps.
struct LowerBound {
  double lb = 0.0, s = 0.0, mu = 0.0;
  Eigen::VectorXd log_lambda;
  BaDualForm form = BaDualForm::shannon;
  double shannon_lb = 0.0, shannon_s = 0.0;
  Eigen::VectorXd shannon_log_lambda;
};

// Both bounds of a query (lifetime: one query).
struct Bounds {
  LowerBound lower;
  UpperBound upper;
  double gap() const { return upper.ub - lower.lb; }
  // A new query: lb = 0 (I >= 0 always), no upper bound. λ, the form and the Shannon λ are kept;
  // nothing reads them before a new bound sets them.
  void reset() {
    lower.lb = 0.0;
    upper.ub = kInf;
    upper.mix.clear();
    upper.parts.clear();
    upper.explicit_channel.resize(0, 0);
    lower.s = lower.mu = 0.0;
    lower.shannon_lb = lower.shannon_s = 0.0;
  }
};

// Shannon's R(D) does not depend on P, so the μ = 0 phase of a query is remembered for its D:
// a sweep over P at fixed D (a column of a surface, an R–P section) pays for it once. Kept:
// the pool after the phase (exact figures of explicit channels, valid for any P), the best
// μ = 0 lower bound (Blahut's bound on R(D) <= R(D,P)), and the nearest evaluation
// (lifetime: one D; set_options and the cold restart drop it).
struct ShannonRecord {
  bool valid = false;
  double D = 0.0, lb = 0.0, lb_s = 0.0;
  Eigen::VectorXd log_lambda;
  std::vector<PoolEntry> pool;
  Eval nearest;
  Eigen::VectorXd weights;  // the weights the phase ended with
  bool infeasible = false;
};

}  // namespace rdp::ba
