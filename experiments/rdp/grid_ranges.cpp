#include "grid_ranges.hpp"

#include <algorithm>

#include "cli.hpp"
#include "rdp/error.hpp"
#include "rdp/solvers/closed_form.hpp"

namespace rdp::cli {
namespace {

void check_range(const GridRanges& r, const std::string& name, double x,
                 const experiments::Interval& range) {
  if (range.contains(x)) return;
  const auto it = r.typed.find(name);
  throw InvalidArgument(name, range.text(), it != r.typed.end() ? it->second : format_number(x));
}

}  // namespace

void check_closed_surface(const Problem& pb) {
  if (pb.perception == Perception::none)
    throw InvalidArgument("perception", "one of tv, w1, w2sq, kl, rkl", "'none'");
  if (const auto why = closed_form_unavailable_reason(*pb.source, pb.distortion, pb.perception);
      !why.empty())
    throw InvalidArgument("perception", "a combination with a closed form in this build",
                          "'" + std::string(perception_name(pb.perception)) + "': " + why);
}

// Far beyond the saturation scales the root finders' brackets lose all precision (and a grid step
// times its index overflows); R no longer changes there anyway, so the maxima are capped at 1e6
// times them.
void resolve_ranges(const Problem& pb, GridRanges& o) {
  const double d_sat = distortion_saturation(*pb.source, pb.distortion);
  const bool continuous = pb.source->kind() == SourceKind::continuous;
  const double p_sat = perception_saturation(*pb.source, pb.perception);
  if (std::isnan(o.p_max)) o.p_max = p_sat;
  if (std::isnan(o.d_max)) o.d_max = d_sat;
  if (std::isnan(o.d_min)) o.d_min = continuous ? d_sat * 1e-3 : 0.0;
  const double p_cap = 1e6 * std::max(p_sat, 1e-300), d_cap = 1e6 * std::max(d_sat, 1e-300);
  check_range(o, "P-min", o.p_min, {0.0, p_cap});
  check_range(o, "P-max", o.p_max,
              {o.p_min, p_cap, false, false,
               "[P-min = " + format_number(o.p_min) + ", 1e6 times the saturation perception " +
                   format_number(p_sat) + "]"});
  check_range(o, "D-min", o.d_min,
              {0.0, d_cap, continuous, false,
               std::string(continuous ? "(0" : "[0") + ", 1e6 times the zero-rate distortion " +
                   format_number(d_sat) + "]"});
  check_range(o, "D-max", o.d_max,
              {o.d_min, d_cap, true, false,
               "(D-min = " + format_number(o.d_min) + ", 1e6 times the zero-rate distortion " +
                   format_number(d_sat) + "]"});
  if (double(o.d_points) * o.p_points > 4e6)
    throw InvalidArgument("D-points x P-points", "at most 4e6 grid points",
                          std::to_string(o.d_points) + " x " + std::to_string(o.p_points));
}

RateFunction closed_rate(const Problem& pb) {
  return [pb](double d, double p) {
    return closed_form_rate(*pb.source, pb.distortion, pb.perception, d, p).rate_bits;
  };
}

std::vector<LevelSetPoint> equi_rate_curve(const RateFunction& rate, double rate_bits,
                                           const GridRanges& o) {
  // D slightly above 0 for continuous sources, where R(0,P) = inf.
  const double d_lo = o.d_min > 0.0 ? o.d_min : 0.0;
  return equi_rate_level_set(rate, rate_bits, linspace(o.p_min, o.p_max, o.p_points), d_lo,
                             o.d_max);
}

SectionGrid section_grid(const Problem& pb, const std::string& fixed, double value, GridRanges& o) {
  require_nonnegative("value", value);
  resolve_ranges(pb, o);
  SectionGrid g{linspace(o.d_min, o.d_max, o.d_points), linspace(o.p_min, o.p_max, o.p_points)};
  if (fixed == "D") {
    if (pb.source->kind() == SourceKind::continuous) require_positive("value (D)", value);
    g.d = {value};
  } else {
    g.p = {value};
  }
  return g;
}

void reject_ranges_of_fixed(
    const std::string& fixed,
    const std::function<std::optional<std::string>(const std::string& suffix)>& given) {
  if (fixed == "R") return;
  for (const char* suffix : {"-min", "-max", "-points"})
    if (const auto text = given(suffix))
      throw InvalidArgument(
          fixed + suffix,
          "absent with --fixed " + fixed + " (the section's " + fixed + " is --value)", *text);
}

}  // namespace rdp::cli
