// What every perception divergence shares: the default (linearised) prox and the source pmf seen
// on the cells. The divergences themselves are in divergence_tv.cpp, divergence_kl_forward.cpp,
// divergence_kl_reverse.cpp, divergence_transport.cpp (any cost matrix) and divergence_line.cpp
// (|x − y|^r on the line).
#include <algorithm>
#include <cmath>

#include "divergence_common.hpp"

namespace rdp {

void PerceptionDivergence::prox(const Eigen::Ref<const Eigen::VectorXd>& a, double mu,
                                Eigen::Ref<Eigen::VectorXd> u) const {
  u = a / a.sum();
  thread_local Eigen::VectorXd g;
  g.resize(a.size());
  subgradient(u, g);
  double gmin = detail::kInf;
  for (Eigen::Index k = 0; k < a.size(); ++k)
    if (std::isfinite(g[k])) gmin = std::min(gmin, g[k]);
  for (Eigen::Index k = 0; k < a.size(); ++k) {
    const double e = std::isfinite(g[k]) ? mu * (g[k] - gmin) : detail::kInf;
    u[k] = e > 700.0 ? 0.0 : u[k] * std::exp(-e);
  }
  u /= u.sum();
}

CellReference cell_reference(const std::vector<double>& source_points,
                             const Eigen::Ref<const Eigen::VectorXd>& source_pmf,
                             const std::vector<double>& cells) {
  CellReference out;
  out.ref = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(cells.size()));
  for (std::size_t i = 0; i < source_points.size(); ++i) {
    const auto it = std::find(cells.begin(), cells.end(), source_points[i]);
    if (it == cells.end())
      out.unmatched += source_pmf[i];
    else
      out.ref[it - cells.begin()] += source_pmf[i];
  }
  return out;
}

}  // namespace rdp
