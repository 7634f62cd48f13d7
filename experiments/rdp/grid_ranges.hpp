#pragma once
// The D and P ranges of `rdp level-set`, `surface` and `section` and of rdpkit.level_set, surface
// and section: one resolution and one set of checks, so that the command and the Python module
// compute the same grids and refuse the same ranges with the same messages.
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "problem.hpp"
#include "rdp/solvers/level_set.hpp"

namespace rdp::cli {

/// NaN: unset, taken from the problem's own scales by resolve_ranges().
struct GridRanges {
  double p_min = 0.0, p_max = NAN, d_min = NAN, d_max = NAN;
  int p_points = 101, d_points = 50;
  /// The range options as typed, by parameter name ("D-max"), for messages; a value not listed is
  /// shown by format_number.
  std::map<std::string, std::string> typed;
};

/// Refuses what the closed-form surfaces cannot compute: no perception measure, or a triple
/// without a closed form in this build.
void check_closed_surface(const Problem& pb);

/// Fills unset ranges from the problem's own scales and validates them.
void resolve_ranges(const Problem& pb, GridRanges& ranges);

/// R(D,P) from the closed form, in bits.
RateFunction closed_rate(const Problem& pb);

/// The equi-rate curve {R(D,P) = rate_bits}, one point per P of the resolved ranges' P grid.
std::vector<LevelSetPoint> equi_rate_curve(const RateFunction& rate, double rate_bits,
                                           const GridRanges& ranges);

/// The D and P values of a section with `fixed` ("D" or "P") held at `value` (checked here): the
/// other quantity's grid from the ranges, resolved here.
struct SectionGrid {
  std::vector<double> d, p;
};
SectionGrid section_grid(const Problem& pb, const std::string& fixed, double value,
                         GridRanges& ranges);

/// With fixed P the section's only P is its value (and likewise for D): a range given for it would
/// be ignored, so it is refused. `given(suffix)` is the text the range "<fixed><suffix>" was given
/// as (suffix "-min", "-max" or "-points"), or nullopt.
void reject_ranges_of_fixed(
    const std::string& fixed,
    const std::function<std::optional<std::string>(const std::string& suffix)>& given);

}  // namespace rdp::cli
