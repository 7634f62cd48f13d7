#pragma once
/// R(D,P) surfaces and cross-sections from the certified Blahut–Arimoto solver.
#include <string>
#include <string_view>
#include <vector>

#include "rdp/solvers/ba/solver.hpp"
#include "rdp/source.hpp"

namespace rdp {

/// The finite problem for any source: finite sources as they are, continuous ones discretised on
/// `grid_points` cells (rdp::discretize; the reconstruction alphabet is the same grid). Before
/// building anything, rejects a problem whose solver would need more than `max_memory_bytes`
/// (ba_memory_bytes; see BaOptions::max_memory_bytes) with InvalidArgument naming `grid` for a
/// continuous source and the source's alphabet size for a finite one.
FiniteRdpProblem make_problem_for_source(const Source& source, const Distortion& distortion,
                                         Perception perception, int grid_points = 256,
                                         double max_memory_bytes = kBaDefaultMaxMemoryBytes);

/// The largest square problem (m = n points) within `max_memory_bytes`.
long ba_max_square_points(double max_memory_bytes = kBaDefaultMaxMemoryBytes);

/// Throws InvalidArgument ("grid", range [2, ba_max_square_points(max_memory_bytes)]) unless a
/// discretisation on `grid_points` cells is in range; make_problem_for_source applies it to
/// continuous sources, and a command line can apply it to its --grid whatever the source.
void check_ba_grid(long grid_points, double max_memory_bytes = kBaDefaultMaxMemoryBytes);

/// R(D,P) on the grid distortions × perceptions; result[i * perceptions.size() + j] is
/// (distortions[i], perceptions[j]). Columns of constant D are independent sweeps in decreasing
/// P, each on its own solver (Shannon's R(D) solved once per column, each point warm-started from
/// the previous one), spread over the OpenMP threads; the result does not depend on the thread
/// count. Channels are not kept (options.keep_channel is ignored). Throws InvalidArgument for a
/// negative or non-finite target or a problem over options.max_memory_bytes, before any solve.
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

/// One point of a solver level set: the D at which the certified midpoint of R(·,P) crosses a
/// level rate, or why there is none.
struct BaLevelSetPoint {
  enum class Status {
    found,         ///< `distortion` is the crossing, to within `bracket` in D
    no_crossing,   ///< R(d_lo,P) < level or R(d_hi,P) > level: the level is outside [d_lo, d_hi]
    not_resolved,  ///< the solve budget left a bracket wider than `resolution` of the range
    failed,        ///< a solve threw (message in `message`)
  };
  Status status = Status::no_crossing;
  double rate_bits = 0.0;   ///< the level
  double perception = 0.0;  ///< P
  double distortion = 0.0;  ///< the crossing D (when found)
  double bracket = 0.0;     ///< width of the final D bracket
  /// The largest certified gap among the point's solves. The midpoints at the ends of the final
  /// bracket lie on either side of the level, each within its gap/2 of R, so R(distortion, P) is
  /// within gap/2 of the level plus R's change across the bracket. (The gap of the solve nearest
  /// the level alone does not bound that: an end's gap may be larger.)
  double gap_bits = 0.0;
  long solves = 0;  ///< solver calls spent on this point
  std::string message;
};

struct BaLevelSetOptions {
  /// Solver calls per point, the two bracket ends included (TOMS 748 on the rest).
  int max_solves = 20;
  /// A point counts as found when its D bracket is at most this fraction of d_hi − d_lo; the plots
  /// resolve about 1e-3 of the range.
  double resolution = 2e-3;
};

/// Equi-rate level sets {(D,P): R(D,P) = R} from the solver, for every level in `rates` and every
/// P in `perceptions`; result[i * perceptions.size() + j] is (rates[i], perceptions[j]). R(·,P) is
/// non-increasing in D, so at each P the crossing of the certified midpoint is a root in
/// [d_lo, d_hi] (TOMS 748 on solver calls). Each rate is one task on its own fresh solver, P swept
/// in the given order and every root search warm-started from the previous one of its row; rows
/// are spread over the OpenMP threads, so the result does not depend on the thread count or the
/// schedule. Channels are not kept. Throws InvalidArgument for an empty or reversed D range or
/// non-positive rates; a solve that throws inside a row marks its point `failed`.
std::vector<BaLevelSetPoint> ba_level_set(const FiniteRdpProblem& problem,
                                          const std::vector<double>& rates,
                                          const std::vector<double>& perceptions, double d_lo,
                                          double d_hi, BaOptions options = {},
                                          const BaLevelSetOptions& level_options = {});

std::string_view ba_level_set_status_name(BaLevelSetPoint::Status status);

}  // namespace rdp
