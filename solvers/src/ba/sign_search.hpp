#pragma once
// The bracketing and root toolbox of the multiplier searches: walk from a warm start to a sign
// change of f by doubling steps, then refine the bracket with TOMS 748 (Boost.Math).
#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cstdint>
#include <exception>

namespace rdp::ba {

// A sign change of f, walked to from x0 (where f = f0 ≠ 0) by steps step, 2·step, 4·step, …
// within [lo, hi]: the multiplier searches' warm-started bracketing.
struct SignChange {
  enum Outcome { found, aborted, at_limit } outcome = aborted;
  double a = 0.0, b = 0.0, fa = 0.0, fb = 0.0;  // the bracket, a < b, when found
  double limit = 0.0;                           // the end reached, when at_limit
};
template <class F, class Abort>
SignChange walk_to_sign_change(F&& f, double x0, double f0, double step, double lo, double hi,
                               Abort&& abort) {
  double x1 = x0, f1 = f0;
  for (;;) {
    x0 = x1, f0 = f1;
    x1 = std::clamp(x0 + step, lo, hi);
    f1 = f(x1);
    SignChange r;
    if (abort()) return r;
    if ((f1 > 0.0) != (f0 > 0.0) || f1 == 0.0) {
      r.outcome = SignChange::found;
      r.a = std::min(x0, x1), r.b = std::max(x0, x1);
      r.fa = x0 < x1 ? f0 : f1, r.fb = x0 < x1 ? f1 : f0;
      return r;
    }
    if (x1 == lo || x1 == hi) {
      r.outcome = SignChange::at_limit;
      r.limit = x1;
      return r;
    }
    step *= 2.0;
  }
}

// TOMS 748 on a found bracket until `done(lo, hi)`; false if Boost gave up on it (noise in
// inexact inner solves can make a bracket look invalid; every evaluation still counted).
template <class F, class Done>
bool refine_sign_change(F&& f, const SignChange& r, Done&& done, std::uintmax_t max_iter) {
  try {
    boost::math::tools::toms748_solve(f, r.a, r.b, r.fa, r.fb, done, max_iter);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace rdp::ba
