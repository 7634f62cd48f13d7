#pragma once
/// Parameter validation shared by the library and the command line.
///
/// Every check names the parameter, its valid range and the value received, so that a user
/// reading the one-line message knows what to change (Boost.Math's policy, see STYLE.md).
#include <stdexcept>
#include <string>
#include <string_view>

namespace rdp {

/// Thrown for any argument outside its domain. `what()` is one line:
/// "invalid <parameter>: <given>; valid range <range>".
class InvalidArgument : public std::invalid_argument {
 public:
  InvalidArgument(std::string parameter, std::string valid_range, std::string given);
  const std::string& parameter() const noexcept { return parameter_; }

 private:
  std::string parameter_;
};

/// Formats a double the way messages and CSV print it (shortest round-trip form).
std::string format_number(double x);

/// Throws InvalidArgument unless x is a finite number.
void require_finite(std::string_view parameter, double x);
/// Throws unless x is finite and x >= 0.
void require_nonnegative(std::string_view parameter, double x);
/// Throws unless x is finite and x > 0.
void require_positive(std::string_view parameter, double x);
/// Throws unless x lies in the interval; open ends excluded. Infinite bounds are allowed.
void require_in_interval(std::string_view parameter, double x, double lo, double hi, bool lo_open,
                         bool hi_open);

}  // namespace rdp
