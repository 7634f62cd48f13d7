#include "rdp/solvers/ba/finite_problem.hpp"

#include <algorithm>
#include <cmath>

#include "rdp/error.hpp"

namespace rdp {

std::vector<double> distinct_cells(const std::vector<double>& points, std::vector<int>& cell_of) {
  std::vector<double> cells;
  cell_of.resize(points.size());
  for (std::size_t j = 0; j < points.size(); ++j) {
    const auto it = std::find(cells.begin(), cells.end(), points[j]);
    if (it == cells.end()) {
      cell_of[j] = static_cast<int>(cells.size());
      cells.push_back(points[j]);
    } else {
      cell_of[j] = static_cast<int>(it - cells.begin());
    }
  }
  return cells;
}

void FiniteRdpProblem::validate() const {
  const auto m = source_pmf.size();
  const auto n = static_cast<Eigen::Index>(reconstruction_points.size());
  if (m < 1 || static_cast<Eigen::Index>(source_points.size()) != m)
    throw InvalidArgument(
        "source pmf", "one mass per source point, at least one",
        std::to_string(source_points.size()) + " points, " + std::to_string(m) + " masses");
  if (n < 1) throw InvalidArgument("reconstruction points", "at least one", "none");
  if (!source_pmf.allFinite() || (source_pmf.array() < 0.0).any() ||
      std::abs(source_pmf.sum() - 1.0) > 1e-9)
    throw InvalidArgument("source pmf", "masses >= 0 summing to 1 (within 1e-9)",
                          "sum " + format_number(source_pmf.sum()));
  if (distortion.rows() != m || distortion.cols() != n)
    throw InvalidArgument(
        "distortion matrix", std::to_string(m) + "x" + std::to_string(n),
        std::to_string(distortion.rows()) + "x" + std::to_string(distortion.cols()));
  if (!distortion.allFinite() || (distortion.array() < 0.0).any())
    throw InvalidArgument("distortion matrix", "finite entries >= 0",
                          "a negative or non-finite entry");
  if (static_cast<Eigen::Index>(cell_of.size()) != n)
    throw InvalidArgument("cell map", "one cell per reconstruction point",
                          std::to_string(cell_of.size()));
  if (perception)
    for (int k : cell_of)
      if (k < 0 || k >= perception->cells())
        throw InvalidArgument("cell map", "[0, " + std::to_string(perception->cells()) + ")",
                              std::to_string(k));
}

FiniteRdpProblem make_finite_problem(std::vector<double> source_points, Eigen::VectorXd source_pmf,
                                     std::vector<double> reconstruction, Eigen::MatrixXd distortion,
                                     DivergencePtr perception, std::vector<int> cell_of) {
  FiniteRdpProblem pb;
  pb.source_points = std::move(source_points);
  pb.source_pmf = std::move(source_pmf);
  pb.reconstruction_points = std::move(reconstruction);
  pb.distortion = std::move(distortion);
  pb.perception = std::move(perception);
  pb.cell_of = std::move(cell_of);
  pb.validate();
  return pb;
}

FiniteRdpProblem make_finite_problem(const FiniteSource& source, const Distortion& distortion,
                                     Perception perception, std::vector<double> reconstruction) {
  const auto& x = source.support();
  Eigen::VectorXd p =
      Eigen::Map<const Eigen::VectorXd>(source.pmf().data(), static_cast<Eigen::Index>(x.size()));
  if (reconstruction.empty()) reconstruction = x;
  std::vector<int> cell_of;
  const std::vector<double> cells = distinct_cells(reconstruction, cell_of);
  DivergencePtr div;
  switch (perception) {
    case Perception::none:
      break;
    case Perception::tv:
      div = make_tv_divergence(cell_reference(x, p, cells));
      break;
    case Perception::kl:
      div = make_kl_forward_divergence(cell_reference(x, p, cells));
      break;
    case Perception::rkl:
      div = make_kl_reverse_divergence(cell_reference(x, p, cells));
      break;
    case Perception::w1:
      div = make_wasserstein_line_divergence(x, p, cells, 1.0);
      break;
    case Perception::w2sq:
      div = make_wasserstein_line_divergence(x, p, cells, 2.0);
      break;
  }
  Eigen::MatrixXd d = distortion_matrix(x, reconstruction, distortion);
  return make_finite_problem(x, std::move(p), std::move(reconstruction), std::move(d),
                             std::move(div), std::move(cell_of));
}

}  // namespace rdp
