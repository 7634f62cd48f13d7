#pragma once
// Damped Newton on the entropically smoothed dual of the tilted fixed-multiplier problem of an
// optimal-transport divergence whose cells are the output points (docs/THEORY.md §6.5).
#include "common.hpp"
#include "iterate.hpp"
#include "problem_data.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "scaled_kernel.hpp"

namespace rdp::ba {

// Whether newton_inner() runs: the tilted mode at μ > 0 with a transport divergence
// (TransportBase) and one output point per cell, in order (Shannon's phase: see the .cpp).
bool newton_applies(const ProblemData& data, const BaOptions& opt, Mode mode, double mu);

// Tries to bring the fixed-multiplier gap to tol (nats) from it.w. The smoothing only steers the
// search: the gap is always that of an ordinary pass (pass(), lagrangian_gap()) on the channel
// the Newton point yields, so the certificate is the Blahut–Arimoto one. True: it.w is that
// channel's output weights and it.pass its pass, gap ≤ tol. False: it.w holds the best weights
// seen (the Blahut–Arimoto iteration goes on from there) or the budget ran out (budget.limit).
// Each Newton step counts r iterations (the rank of the kernel's factor, m for a dense Hessian:
// about what the Hessian costs in kernel passes) plus one per evaluation of the smoothed dual.
bool newton_inner(const ProblemData& data, const ScaledKernel& kernel, const BaOptions& opt,
                  double mu, Mode mode, double tol, Iterate& it, Budget& budget);

}  // namespace rdp::ba
