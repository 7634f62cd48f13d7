#pragma once
// Derivative-free minimisation used by the tests as an independent oracle: golden-section search
// run until the bracket stops shrinking. For a convex (or unimodal) function it converges to the
// minimiser without the √eps floor of Brent's parabolic steps at a kink, which matters because
// R(D,P) optima often sit on a kink where two constraints meet.
#include <cmath>
#include <utility>

namespace rdp::test {

/// Returns (argmin, min) of a unimodal f on [lo, hi].
template <class F>
std::pair<double, double> golden_minimize(F f, double lo, double hi) {
  const double r = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = lo, b = hi;
  double c = b - r * (b - a), d = a + r * (b - a);
  double fc = f(c), fd = f(d);
  for (int it = 0; it < 200 && b - a > 1e-15 * (1.0 + std::abs(a) + std::abs(b)); ++it) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  // The ends may be the minimisers (constraints active at the boundary).
  std::pair<double, double> best{c, fc};
  if (fd < best.second) best = {d, fd};
  if (const double fa = f(lo); fa < best.second) best = {lo, fa};
  if (const double fb = f(hi); fb < best.second) best = {hi, fb};
  return best;
}

/// The x in [lo, hi] where a monotone g changes sign, by bisection to the last bit.
template <class G>
double bisect(G g, double lo, double hi) {
  const bool lo_negative = g(lo) < 0.0;
  for (int it = 0; it < 2000; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    ((g(mid) < 0.0) == lo_negative ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace rdp::test
