#pragma once
// Bracketed root finding to full double precision (Boost.Math TOMS 748), shared by the inverses.
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace rdp::detail {

/// Root of f on [lo, hi]; f(lo) and f(hi) must not have the same strict sign.
template <class F>
double bracketed_root(F f, double lo, double hi) {
  const double flo = f(lo), fhi = f(hi);
  if (flo == 0.0) return lo;
  if (fhi == 0.0) return hi;
  std::uintmax_t max_iter = 200;
  const auto r = boost::math::tools::toms748_solve(
      f, lo, hi, flo, fhi, boost::math::tools::eps_tolerance<double>(52), max_iter);
  // An exhausted budget means the bracket did not shrink to a root: never return its midpoint.
  if (max_iter >= 200 && r.second - r.first > 1e-9 * (1.0 + std::abs(r.first)))
    throw std::runtime_error("root finding did not converge in [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + "]");
  return 0.5 * (r.first + r.second);
}

}  // namespace rdp::detail
