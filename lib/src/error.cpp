#include "rdp/error.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace rdp {

InvalidArgument::InvalidArgument(std::string parameter, std::string valid_range, std::string given)
    : std::invalid_argument("invalid " + parameter + ": " + given + "; valid range " + valid_range),
      parameter_(std::move(parameter)) {}

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // %.17g always round-trips; try shorter first so that 0.1 prints as 0.1.
  char buf[64];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

namespace {
std::string interval(double lo, double hi, bool lo_open, bool hi_open) {
  return std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
         (hi_open ? ")" : "]");
}
}  // namespace

void require_finite(std::string_view parameter, double x) {
  if (!std::isfinite(x))
    throw InvalidArgument(std::string(parameter), "a finite number", format_number(x));
}

void require_in_interval(std::string_view parameter, double x, double lo, double hi, bool lo_open,
                         bool hi_open) {
  const bool below = lo_open ? !(x > lo) : !(x >= lo);
  const bool above = hi_open ? !(x < hi) : !(x <= hi);
  if (!std::isfinite(x) || below || above)
    throw InvalidArgument(std::string(parameter), interval(lo, hi, lo_open, hi_open),
                          format_number(x));
}

void require_nonnegative(std::string_view parameter, double x) {
  require_in_interval(parameter, x, 0.0, std::numeric_limits<double>::infinity(), false, true);
}

void require_positive(std::string_view parameter, double x) {
  require_in_interval(parameter, x, 0.0, std::numeric_limits<double>::infinity(), true, true);
}

}  // namespace rdp
