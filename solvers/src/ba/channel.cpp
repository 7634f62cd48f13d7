#include "channel.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "rdp/information.hpp"

namespace rdp::ba {

namespace {

// Altschuler–Weed–Rigollet rounding on the joint, cell by cell: shrink over-full cells, then give
// the rows' deficits to the under-full cells in proportion.
void round_onto_marginal(const ProblemData& data, RowMatrix& ch) {
  const FiniteRdpProblem& pb = data.pb;
  const Eigen::Index n = data.n, ncell = data.ncell, m_full = data.m_full;
  const Eigen::VectorXd& zero_point = data.zero_point;
  Eigen::MatrixXd joint = pb.source_pmf.asDiagonal() * ch;
  Eigen::VectorXd cellmass = Eigen::VectorXd::Zero(ncell);
  for (Eigen::Index j = 0; j < n; ++j) cellmass[pb.cell_of[j]] += joint.col(j).sum();
  for (Eigen::Index j = 0; j < n; ++j) {
    const int cell = pb.cell_of[j];
    if (cellmass[cell] > zero_point[cell]) joint.col(j) *= zero_point[cell] / cellmass[cell];
  }
  Eigen::VectorXd row_def = pb.source_pmf - joint.rowwise().sum();
  row_def = row_def.cwiseMax(0.0);
  cellmass.setZero();
  for (Eigen::Index j = 0; j < n; ++j) cellmass[pb.cell_of[j]] += joint.col(j).sum();
  Eigen::VectorXd col_def = Eigen::VectorXd::Zero(n);
  std::vector<char> seen(ncell, 0);
  for (Eigen::Index j = 0; j < n; ++j) {
    const int cell = pb.cell_of[j];
    if (seen[cell]) continue;
    seen[cell] = 1;
    col_def[j] = std::max(zero_point[cell] - cellmass[cell], 0.0);
  }
  const double missing = col_def.sum();
  if (missing > 0.0) joint += row_def * col_def.transpose() / missing;
  for (Eigen::Index i = 0; i < m_full; ++i)
    if (pb.source_pmf[i] > 0.0) ch.row(i) = joint.row(i) / joint.row(i).sum();
}

}  // namespace

Eigen::MatrixXd channel_of(const ProblemData& data, const Eigen::VectorXd& weights, double s,
                           bool round_marginal) {
  const FiniteRdpProblem& pb = data.pb;
  const Eigen::Index n = data.n, m = data.m, m_full = data.m_full;
  // Built row by row in row-major storage (contiguous writes), returned column-major.
  RowMatrix ch = RowMatrix::Zero(m_full, n);
  for (Eigen::Index i = 0; i < m_full; ++i)
    if (!(pb.source_pmf[i] > 0.0)) ch(i, data.nearest_of[i]) = 1.0;
  // In the log domain, shifted by each row's maximum: far-tail rows whose nearby weights
  // decayed to ~1e-300 would otherwise underflow to an all-zero row (0/0, then a NaN rate).
  Eigen::VectorXd log_w(n);
  for (Eigen::Index j = 0; j < n; ++j) log_w[j] = weights[j] > 0.0 ? std::log(weights[j]) : -kInf;
  for (Eigen::Index r = 0; r < m; ++r) {
    auto row = ch.row(data.rows[r]);
    double top = -kInf;
    for (Eigen::Index j = 0; j < n; ++j) {
      row[j] = log_w[j] - s * data.excess(r, j);
      top = std::max(top, row[j]);
    }
    double total = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) {
      row[j] = std::exp(row[j] - top);
      total += row[j];
    }
    row /= total;
  }
  if (round_marginal) round_onto_marginal(data, ch);
  return Eigen::MatrixXd(ch);
}

Eigen::MatrixXd mixture_channel(const ProblemData& data, const UpperBound& best) {
  Eigen::MatrixXd ch = Eigen::MatrixXd::Zero(data.m_full, data.n);
  for (const auto& [idx, alpha] : best.mix) {
    const PoolEntry& e = best.parts[idx];
    ch += alpha * channel_of(data, e.w, e.s, e.marginal);
  }
  return ch;
}

Audit audit(const ProblemData& data, const Eigen::MatrixXd& ch) {
  const FiniteRdpProblem& pb = data.pb;
  Audit a;
  a.info_bits = mutual_information_bits(pb.source_pmf, ch);
  a.ed = (pb.source_pmf.asDiagonal() * ch).cwiseProduct(pb.distortion).sum();
  a.output = ch.transpose() * pb.source_pmf;
  a.phi = 0.0;
  if (data.has_perc) {
    Eigen::VectorXd cells = Eigen::VectorXd::Zero(data.ncell);
    for (Eigen::Index j = 0; j < data.n; ++j) cells[pb.cell_of[j]] += a.output[j];
    a.phi = pb.perception->value(cells);
  }
  return a;
}

}  // namespace rdp::ba
