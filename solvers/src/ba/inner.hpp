#pragma once
// The fixed-multiplier solve: Blahut–Arimoto passes at the kernel's slope and multiplier μ,
// accelerated by SQUAREM.
#include "common.hpp"
#include "iterate.hpp"
#include "problem_data.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "scaled_kernel.hpp"

namespace rdp::ba {

// Warm-started from it.w; stops when the fixed-multiplier gap is at most
// max(opt.inner_gap_fraction · gap_target, inner_slack) (nats) or a budget runs out. Leaves a
// consistent last pass in it.pass; false when the pass failed (a kernel underflow).
bool inner(const ProblemData& data, const ScaledKernel& kernel, const BaOptions& opt,
           double gap_target, double inner_slack, double mu, Mode mode, Iterate& it,
           Budget& budget);

}  // namespace rdp::ba
