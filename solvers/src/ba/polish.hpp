#pragma once
// Direct polish of the bounds: the best μ for the last pass's λ (Brent), and on tiny problems the
// dual jointly over (log λ, log s, log μ) and the primal over the channel itself (NLopt).
#include "bounds.hpp"
#include "common.hpp"
#include "iterate.hpp"
#include "problem_data.hpp"

namespace rdp::ba {

// Best μ' for the lower bound with the λ of the last pass (concave in μ'), by Brent's method;
// records it in `lower` if it beats it. Returns the bound (nats; −inf without a perception
// constraint to price).
double polish_lower_bound(const ProblemData& data, const Query& query, double slope,
                          const PassState& ps, double mu_hint, LowerBound& lower);

// Nelder–Mead on the dual over all m + 2 variables from the best dual point (m <= 16).
void polish_dual_jointly(const ProblemData& data, const Query& query, LowerBound& lower);

// COBYLA on the channel itself from the best mixture (m·n <= 64).
void polish_primal_jointly(const ProblemData& data, const Query& query, UpperBound& upper);

}  // namespace rdp::ba
