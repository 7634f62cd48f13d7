// The searches over μ: the nested root search on (μ, s), and the fallback that maximises the
// dual function.
#include <algorithm>
#include <boost/math/tools/minima.hpp>
#include <cmath>
#include <cstdint>

#include "engine.hpp"
#include "sign_search.hpp"

namespace rdp::ba {

namespace {

// argmax of a unimodal f on the real line near x0, by Brent's method on a window that slides
// until the maximiser is interior. Returns the maximiser.
template <class F>
double maximise_unimodal(const Engine& en, F f, double x0, double half_width, double lo,
                         double hi) {
  double a = std::max(x0 - half_width, lo), b = std::min(x0 + half_width, hi);
  double best_x = x0;
  for (int slide = 0; slide < 8 && !en.stop(); ++slide) {
    std::uintmax_t iters = 60;
    const auto r =
        boost::math::tools::brent_find_minima([&](double x) { return -f(x); }, a, b, 40, iters);
    best_x = r.first;
    const double edge = 1e-3 * (b - a);
    if (best_x - a < edge && a > lo) {
      b = a + edge, a = std::max(a - 2.0 * half_width, lo);
    } else if (b - best_x < edge && b < hi) {
      a = b - edge, b = std::min(b + 2.0 * half_width, hi);
    } else {
      break;
    }
  }
  return best_x;
}

}  // namespace

// μ with φ(W*(s(μ), μ)) = P, s(μ) from search_slope (TOMS 748 in log μ, bracketed by doubling
// steps from the warm start). True when the certificate closed; on a jump, an infeasible slope
// search or an exhausted budget it returns false and the caller maximises the dual instead
// (every evaluation made here still counts for both bounds).
bool search_multiplier(Engine& en) {
  const double D = en.query.D, P = en.query.P, dscale = en.data.dscale;
  WarmStart& warm = en.warm;
  auto stop = [&] { return en.stop(); };
  const double budget_share = 0.5;  // of max_evaluations, so the fallback keeps room
  const int stop_at =
      en.budget.evaluations + static_cast<int>(budget_share * en.opt.max_evaluations);
  bool broken = false;
  auto g = [&](double y) {
    if (broken || stop() || en.budget.evaluations >= stop_at) return broken = true, 0.0;
    const SlopeSearch found = search_slope(en, std::exp(y), Mode::tilted, true);
    const Eval& e = found.nearest;
    if (!e.ok || found.infeasible || !(std::abs(e.ed - D) <= 1e-3 * std::max(D, 1e-12 * dscale)))
      return broken = true, 0.0;
    warm.mu_warm = std::exp(y);
    return (e.phi - P) / std::max(P, 1e-12);
  };
  const LogMultiplierBox box = search_box(en.data);
  const double y_lo = box.y_lo, y_hi = box.y_hi;
  double y0 = start_log_mu(en, box);
  const double y_start = y0;
  // Whatever way the search ends, the next one steps from what this one moved.
  struct StepMemory {
    WarmStart& warm;
    double start;
    ~StepMemory() {
      if (warm.mu_warm > 0.0) warm.mu_step = bracket_step(std::log(warm.mu_warm) - start);
    }
  } memory{warm, y_start};
  double g0 = g(y0);
  if (broken || stop()) return stop();
  // φ above P: raise μ. The first step is at most the relative miss, as for the slope.
  const double step = std::min(warm.mu_step, std::max(2.0 * std::abs(g0), 1e-4));
  const SignChange bracket = walk_to_sign_change(g, y0, g0, g0 > 0.0 ? step : -step, y_lo, y_hi,
                                                 [&] { return broken || stop(); });
  if (bracket.outcome != SignChange::found) return stop();
  if (!refine_sign_change(
          g, bracket, [&](double lo, double hi) { return broken || stop() || hi - lo <= 1e-13; },
          60))
    return false;
  return stop();
}

void maximise_dual(Engine& en) {
  const double inner_slack = 0.0;  // every dual value must be accurate here
  const LogMultiplierBox box = search_box(en.data);
  const double x_lo = box.x_lo, x_hi = box.x_hi, y_lo = box.y_lo, y_hi = box.y_hi;
  double x_best = start_log_slope(en, box);
  const double y0 = start_log_mu(en, box);
  // ψ is jointly concave in (s, μ), so max over s is concave in μ; both searches only need
  // unimodality, which survives the log reparametrisation.
  auto over_s = [&](double y) {
    double value = -kInf;
    const double mu = std::exp(y);
    x_best = maximise_unimodal(
        en,
        [&](double x) {
          const Eval e = evaluate(en, std::exp(x), mu, Mode::tilted, inner_slack);
          if (e.ok) value = std::max(value, e.lb);
          return e.ok ? e.lb : -1e300;
        },
        x_best, 1.0, x_lo, x_hi);
    return value;
  };
  const double y = maximise_unimodal(en, over_s, y0, 2.0, y_lo, y_hi);
  en.warm.s_warm = std::exp(x_best);
  en.warm.mu_warm = std::exp(y);
}

}  // namespace rdp::ba
