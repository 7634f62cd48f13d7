#pragma once
// From the solver's state to a BaResult: the certificate of a search, and the queries answered
// without one (infeasible targets, R = 0, D at its minimum).
#include <optional>
#include <string>

#include "engine.hpp"

namespace rdp::ba {

// The result of a search: the bounds with their dual point and channel, the status (status_if_open
// when the gap did not close). Also leaves the best lower bound's multipliers as the next query's
// warm start (μ only with keep_mu).
BaResult certify(Engine& en, BaStatus status_if_open, bool keep_mu = true);

// The targets' feasibility and the exact answers that need no iteration, if any applies.
std::optional<BaResult> settle_without_search(const ProblemData& data, const Query& query,
                                              const BaOptions& opt);

}  // namespace rdp::ba
