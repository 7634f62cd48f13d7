#include "problem_data.hpp"

#include <algorithm>
#include <utility>

namespace rdp::ba {

ProblemData::ProblemData(FiniteRdpProblem problem, const BaOptions& options)
    : pb(std::move(problem)) {
  check_ba_memory(pb, options);
  pb.validate();
  m_full = pb.source_pmf.size();
  n = static_cast<Eigen::Index>(pb.reconstruction_points.size());
  for (Eigen::Index i = 0; i < m_full; ++i)
    if (pb.source_pmf[i] > 0.0) rows.push_back(i);
  m = static_cast<Eigen::Index>(rows.size());
  p.resize(m);
  d.resize(m, n);
  for (Eigen::Index r = 0; r < m; ++r) {
    p[r] = pb.source_pmf[rows[r]];
    d.row(r) = pb.distortion.row(rows[r]);
  }
  p /= p.sum();
  dmin = d.rowwise().minCoeff();
  dscale = std::max(d.maxCoeff(), 1e-300);
  has_perc = static_cast<bool>(pb.perception);
  ncell = has_perc ? pb.perception->cells() : 0;
  if (has_perc) zero_point = pb.perception->zero_point();
  excess = d.colwise() - dmin;
  nearest_of.resize(static_cast<std::size_t>(m_full));
  for (Eigen::Index i = 0; i < m_full; ++i) pb.distortion.row(i).minCoeff(&nearest_of[i]);
}

void ProblemData::merge_to_cells(const Eigen::VectorXd& x, Eigen::VectorXd& cells) const {
  cells.setZero();
  for (Eigen::Index j = 0; j < n; ++j) cells[pb.cell_of[j]] += x[j];
}

}  // namespace rdp::ba
