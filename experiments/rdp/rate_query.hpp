#pragma once
// One query of R(D,P) at a point, as `rdp rate` checks it and reports it in JSON: one definition
// for the command and the Python module (rdpkit.rate_details, solve_source, solve).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "problem.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/closed_form.hpp"

namespace rdp::cli {

/// Refuses a P that does not fit the problem, as `rdp rate` checks --P: one is required with a
/// perception measure and absent without. `describe_given` words a P given without one, for the
/// message (called only then).
void check_perception_given(const Problem& pb, bool given,
                            const std::function<std::string()>& describe_given);

/// The fields that name the query: source, distortion, perception, D, and P with a perception
/// measure.
nlohmann::ordered_json rate_query_json(const Problem& pb, double distortion, double perception);

/// The fields of `rdp rate --method closed --json` at (D, P).
nlohmann::json closed_rate_json(const Problem& pb, double distortion, double perception,
                                const ClosedFormRate& rate);

/// The solver's own fields of `rdp rate --method ba --json`, in the order rdpkit.solve() lists
/// them. Numbers stay as they are: JSON text shows an infinite rate (an infeasible target) as
/// null, Python as inf.
nlohmann::ordered_json ba_result_json(const BaResult& r);

}  // namespace rdp::cli
