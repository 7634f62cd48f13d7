#pragma once
/// R(D,P) surfaces and cross-sections from the certified Blahut–Arimoto solver.
#include <vector>

#include "rdp/solvers/ba/solver.hpp"
#include "rdp/source.hpp"

namespace rdp {

/// The finite problem for any source: finite sources as they are, continuous ones discretised on
/// `grid_points` cells (rdp::discretize; the reconstruction alphabet is the same grid).
FiniteRdpProblem make_problem_for_source(const Source& source, const Distortion& distortion,
                                         Perception perception, int grid_points = 256);

/// R(D,P) on the grid distortions × perceptions; result[i * perceptions.size() + j] is
/// (distortions[i], perceptions[j]). Columns of constant D are independent sweeps in decreasing
/// P, each on its own solver (Shannon's R(D) solved once per column, each point warm-started from
/// the previous one), spread over the OpenMP threads; the result does not depend on the thread
/// count. Channels are not kept (options.keep_channel is ignored).
std::vector<BaResult> ba_surface(const FiniteRdpProblem& problem,
                                 const std::vector<double>& distortions,
                                 const std::vector<double>& perceptions, BaOptions options = {});

/// R(D) at fixed P (the R–D cross-section), one warm-started sweep.
std::vector<BaResult> ba_rate_distortion_section(const FiniteRdpProblem& problem,
                                                 const std::vector<double>& distortions,
                                                 double perception, BaOptions options = {});

/// R(P) at fixed D (the R–P cross-section), one warm-started sweep.
std::vector<BaResult> ba_rate_perception_section(const FiniteRdpProblem& problem, double distortion,
                                                 const std::vector<double>& perceptions,
                                                 BaOptions options = {});

}  // namespace rdp
