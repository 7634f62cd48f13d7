#include "line_prox_newton.hpp"

#include <algorithm>
#include <cmath>

#include "log_sum_exp.hpp"

namespace rdp::detail {
namespace {

// log Σ_k y_k e^{−h_k} with h_k = Σ_{j>=k} g_j (h written).
double log_partition(const std::vector<double>& log_y, const std::vector<double>& g,
                     std::vector<double>& h) {
  const std::size_t n = log_y.size();
  h.resize(n);
  h[n - 1] = 0.0;
  for (std::size_t k = n - 1; k-- > 0;) h[k] = h[k + 1] + g[k];
  return log_sum_exp(
      static_cast<Eigen::Index>(n), [](Eigen::Index) { return true; },
      [&](Eigen::Index k) { return log_y[k] - h[k]; });
}

// The source mass between two free boundaries a < b (a = npos: from 0; b = npos: to 1), from
// whichever side of the CDF is small there.
double target_between(const std::vector<FreeBoundary>& bound, std::size_t a, std::size_t b) {
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  const double fa = a == none ? 0.0 : bound[a].F, ua = a == none ? 1.0 : bound[a].upper;
  const double fb = b == none ? 1.0 : bound[b].F, ub = b == none ? 0.0 : bound[b].upper;
  return fb <= 0.5 ? fb - fa : ua - ub;
}

}  // namespace

bool block_newton_step(const std::vector<double>& log_y, const std::vector<FreeBoundary>& bound,
                       std::vector<double>& g, BlockScratch& s) {
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  const std::size_t n = log_y.size();
  if (n < 2) return false;
  const double log_z = log_partition(log_y, g, s.h);
  // Blocks left to right; an entry's target runs from the boundary below it in the stack.
  auto end_of = [&](std::size_t e) { return s.stack[e].end == n - 1 ? none : s.stack[e].end; };
  auto target = [&](std::size_t e) {
    return target_between(bound, e == 0 ? none : end_of(e - 1), end_of(e));
  };
  auto valid = [&](std::size_t e) {
    const double t = target(e);
    return t > 0.0 && s.stack[e].mass > 0.0 && std::isfinite(std::log(t / s.stack[e].mass));
  };
  s.stack.clear();
  double mass = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    mass += std::exp(log_y[k] - s.h[k] - log_z);
    if (k + 1 < n && !bound[k].free) continue;
    s.stack.push_back({mass, k});
    mass = 0.0;
    while (s.stack.size() >= 2 && (!valid(s.stack.size() - 1) || !valid(s.stack.size() - 2))) {
      const BlockScratch::Block top = s.stack.back();
      s.stack.pop_back();
      s.stack.back().mass += top.mass, s.stack.back().end = top.end;
    }
  }
  if (s.stack.size() < 2) return false;
  // Scaling block b by T_b / M_b lowers its h by c_b = log(T_b / M_b), so the boundary between
  // blocks b and b + 1 moves by c_{b+1} − c_b.
  s.step.assign(n - 1, 0.0);
  double c_prev = std::log(target(0) / s.stack[0].mass);
  for (std::size_t e = 1; e < s.stack.size(); ++e) {
    const double c = std::log(target(e) / s.stack[e].mass);
    s.step[s.stack[e - 1].end] = c - c_prev;
    c_prev = c;
  }
  // Inside the intervals the dual's change is −Δlog Z − Σ_j F_j Δg_j, exactly.
  for (double t = 1.0; t >= 1.0 / 16.0; t *= 0.5) {
    s.trial = g;
    double linear = 0.0;
    for (std::size_t e = 0; e + 1 < s.stack.size(); ++e) {
      const std::size_t j = s.stack[e].end;
      s.trial[j] = std::clamp(g[j] + t * s.step[j], bound[j].lo, bound[j].hi);
      linear += (s.trial[j] - g[j]) * bound[j].F;
    }
    const double rise = -(log_partition(log_y, s.trial, s.h) - log_z) - linear;
    if (rise > 0.0) {
      g.swap(s.trial);
      return true;
    }
  }
  return false;
}

}  // namespace rdp::detail
