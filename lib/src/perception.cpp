#include "rdp/perception.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "rdp/error.hpp"

namespace rdp {

std::string_view perception_name(Perception d) {
  switch (d) {
    case Perception::none:
      return "none";
    case Perception::tv:
      return "tv";
    case Perception::w1:
      return "w1";
    case Perception::w2sq:
      return "w2sq";
    case Perception::kl:
      return "kl";
    case Perception::rkl:
      return "rkl";
  }
  return "?";
}

std::string_view perception_description(Perception d) {
  switch (d) {
    case Perception::none:
      return "no perception constraint";
    case Perception::tv:
      return "total variation 1/2 |p_X - p_Xhat|_1 (probability)";
    case Perception::w1:
      return "Wasserstein-1, cost |x - y| (units of x)";
    case Perception::w2sq:
      return "squared Wasserstein-2, cost (x - y)^2 (units of x^2)";
    case Perception::kl:
      return "KL(p_X || p_Xhat) (nats)";
    case Perception::rkl:
      return "KL(p_Xhat || p_X) (nats)";
  }
  return "?";
}

Perception parse_perception(std::string_view text) {
  for (Perception d : {Perception::none, Perception::tv, Perception::w1, Perception::w2sq,
                       Perception::kl, Perception::rkl})
    if (text == perception_name(d)) return d;
  throw InvalidArgument("perception", "one of none, tv, w1, w2sq, kl, rkl",
                        "'" + std::string(text) + "'");
}

double total_variation(const Eigen::Ref<const Eigen::VectorXd>& p,
                       const Eigen::Ref<const Eigen::VectorXd>& q) {
  return 0.5 * (p - q).cwiseAbs().sum();
}

double kl_divergence_nats(const Eigen::Ref<const Eigen::VectorXd>& p,
                          const Eigen::Ref<const Eigen::VectorXd>& q) {
  double kl = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (p[i] <= 0.0) continue;
    if (q[i] <= 0.0) return std::numeric_limits<double>::infinity();
    kl += p[i] * std::log(p[i] / q[i]);
  }
  return std::max(kl, 0.0);
}

double wasserstein_power_line(const std::vector<double>& x, const std::vector<double>& p,
                              const std::vector<double>& y, const std::vector<double>& q,
                              double r) {
  auto sorted = [](const std::vector<double>& v) {
    std::vector<std::size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return v[a] < v[b]; });
    return idx;
  };
  const auto ix = sorted(x), iy = sorted(y);
  // Walk both cdfs together; each step moves the mass min(remaining_a, remaining_b).
  std::size_t a = 0, b = 0;
  double ra = ix.empty() ? 0 : p[ix[0]], rb = iy.empty() ? 0 : q[iy[0]], cost = 0.0;
  while (a < ix.size() && b < iy.size()) {
    const double m = std::min(ra, rb);
    cost += m * std::pow(std::abs(x[ix[a]] - y[iy[b]]), r);
    ra -= m;
    rb -= m;
    if (ra <= 0.0 && ++a < ix.size()) ra = p[ix[a]];
    if (rb <= 0.0 && ++b < iy.size()) rb = q[iy[b]];
  }
  return cost;
}

double perception_divergence(Perception d, const std::vector<double>& points,
                             const Eigen::Ref<const Eigen::VectorXd>& p,
                             const Eigen::Ref<const Eigen::VectorXd>& q) {
  const std::vector<double> pv(p.data(), p.data() + p.size()), qv(q.data(), q.data() + q.size());
  switch (d) {
    case Perception::none:
      return 0.0;
    case Perception::tv:
      return total_variation(p, q);
    case Perception::w1:
      return wasserstein_power_line(points, pv, points, qv, 1.0);
    case Perception::w2sq:
      return wasserstein_power_line(points, pv, points, qv, 2.0);
    case Perception::kl:
      return kl_divergence_nats(p, q);
    case Perception::rkl:
      return kl_divergence_nats(q, p);
  }
  return 0.0;
}

}  // namespace rdp
