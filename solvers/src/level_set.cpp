#include "rdp/solvers/level_set.hpp"

#include "rdp/error.hpp"
#include "rdp/solvers/detail/roots.hpp"

namespace rdp {

std::vector<LevelSetPoint> equi_rate_level_set(const RateFunction& rate, double rate_bits,
                                               const std::vector<double>& perceptions, double d_lo,
                                               double d_hi) {
  require_positive("R", rate_bits);
  std::vector<LevelSetPoint> out;
  for (double p : perceptions) {
    auto f = [&](double d) { return rate(d, p) - rate_bits; };
    if (f(d_lo) < 0.0 || f(d_hi) > 0.0) continue;
    out.push_back({detail::bracketed_root(f, d_lo, d_hi), p});
  }
  return out;
}

std::vector<double> linspace(double lo, double hi, int n) {
  if (n < 1) throw InvalidArgument("points", "[1, inf)", std::to_string(n));
  if (n == 1) return {lo};
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = lo + (hi - lo) * i / (n - 1);
  v.back() = hi;
  return v;
}

}  // namespace rdp
