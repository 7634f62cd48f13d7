#include "rdp/solvers/ba/witness.hpp"

#include <algorithm>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "log_sum_exp.hpp"
#include "rdp/error.hpp"

namespace rdp {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kLn2 = std::log(2.0);

// Relative slack of the recheck on D and P: a channel meets D if E[Δ] <= D + kSlack·max(D, max Δ),
// and P if d <= P + kSlack·max(P, 1).
constexpr double kSlack = 1e-9;

// Within this relative distance of its minimum, D is read as the minimum itself when the witness
// has no dual point (lower_from_forced_channel). It is the solver's own default
// (BaOptions::constraint_tolerance), with which it settles such a query without a search; there
// the bound H(f(X)) exceeds R(D) by at most about D log2(1/D), 4e-11 bits at D = 1e-12 for
// Hamming, below the recheck's tolerance.
constexpr double kAtMinimum = 1e-12;

// The distinct reconstruction values (the divergence's cells) and the source's mass on each;
// `unmatched` is the source mass on values that are not cells.
struct Cells {
  std::vector<double> value;
  std::vector<int> of_point;  // cell of each reconstruction point
  Eigen::VectorXd source_mass;
  double unmatched = 0.0;
};

Cells make_cells(const BaWitness& w) {
  Cells c;
  for (double y : w.reconstruction_points) {
    const auto at = std::find(c.value.begin(), c.value.end(), y);
    c.of_point.push_back(static_cast<int>(at - c.value.begin()));
    if (at == c.value.end()) c.value.push_back(y);
  }
  c.source_mass = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(c.value.size()));
  for (std::size_t i = 0; i < w.source_points.size(); ++i) {
    const auto at = std::find(c.value.begin(), c.value.end(), w.source_points[i]);
    if (at == c.value.end())
      c.unmatched += w.source_pmf[static_cast<Eigen::Index>(i)];
    else
      c.source_mass[at - c.value.begin()] += w.source_pmf[static_cast<Eigen::Index>(i)];
  }
  return c;
}

// sup over pmfs Q on the cells of ⟨g, Q⟩ − KL(r ‖ Q), r the source on the cells (all of the
// source: forward KL needs every source value to be a cell). Stationarity gives Q_k = r_k/(c − g_k)
// on the cells with r_k > 0, c > their largest g, with Σ Q = 1; if a cell without source mass has
// a larger g (G0) than that root, c = G0 and the rest of the mass sits there. Value
// c − 1 − Σ r_k ln(c − g_k).
double forward_kl_conjugate(const Eigen::VectorXd& g, const Eigen::VectorXd& r) {
  double g_a = -kInf, g_0 = -kInf, r_top = 0.0;
  for (Eigen::Index k = 0; k < g.size(); ++k) {
    if (r[k] > 0.0) {
      if (g[k] > g_a) g_a = g[k], r_top = r[k];
    } else {
      g_0 = std::max(g_0, g[k]);
    }
  }
  auto f = [&](double c) {
    double total = 0.0;
    for (Eigen::Index k = 0; k < g.size(); ++k)
      if (r[k] > 0.0) total += r[k] / (c - g[k]);
    return total - 1.0;
  };
  // f(g_a + r_top) >= 0 >= f(g_a + 1): the root is bracketed (f decreases from +∞).
  double lo = g_a + r_top, hi = g_a + 1.0;
  double c;
  if (f(hi) >= 0.0) {
    c = hi;
  } else if (f(lo) <= 0.0) {
    c = lo;
  } else {
    std::uintmax_t iters = 200;
    const auto root = boost::math::tools::toms748_solve(
        f, lo, hi, [](double a, double b) { return std::abs(b - a) <= 4e-16 * std::abs(a); },
        iters);
    c = 0.5 * (root.first + root.second);
  }
  c = std::max(c, g_0);
  double value = c - 1.0;
  for (Eigen::Index k = 0; k < g.size(); ++k)
    if (r[k] > 0.0) value -= r[k] * std::log(c - g[k]);
  return value;
}

// μ φ*(ℓ/μ) for the perception measure, from its definition; at μ = 0 the limit, the largest ℓ
// over the cells Q may charge.
double perspective_conjugate(const BaWitness& w, const Cells& cells, const Eigen::VectorXd& ell,
                             double mu) {
  const Eigen::Index nc = ell.size();
  const double top = ell.maxCoeff();
  switch (w.perception) {
    case Perception::none:
      return top;
    case Perception::tv: {
      // Moving a unit of mass from cell a to the best cell costs 1 of TV and gains ℓ* − ℓ_a (over
      // μ); the unmatched source mass must be placed anyway, at the best cell, at TV cost 1 each.
      if (mu == 0.0) return top;
      double value = cells.unmatched * (top - mu);
      for (Eigen::Index k = 0; k < nc; ++k)
        value += cells.source_mass[k] * std::max(ell[k], top - mu);
      return value;
    }
    case Perception::w1:
    case Perception::w2sq: {
      // Kantorovich: φ*(g) = Σ_i p_i max_k (g_k − c(x_i, y_k)).
      if (mu == 0.0) return top;
      const double r = w.perception == Perception::w1 ? 1.0 : 2.0;
      double value = 0.0;
      for (std::size_t i = 0; i < w.source_points.size(); ++i) {
        const double p = w.source_pmf[static_cast<Eigen::Index>(i)];
        if (!(p > 0.0)) continue;
        double best = -kInf;
        for (Eigen::Index k = 0; k < nc; ++k)
          best = std::max(best,
                          ell[k] - mu * std::pow(std::abs(w.source_points[i] - cells.value[k]), r));
        value += p * best;
      }
      return value;
    }
    case Perception::rkl: {
      // KL(Q ‖ r): φ*(g) = ln Σ_{r_k > 0} r_k e^{g_k}; Q may only charge cells with source mass.
      if (mu != 0.0)
        return detail::tempered_log_sum_exp(
            nc, [&](Eigen::Index k) { return cells.source_mass[k]; },
            [&](Eigen::Index k) { return ell[k]; }, mu);
      double m = -kInf;
      for (Eigen::Index k = 0; k < nc; ++k)
        if (cells.source_mass[k] > 0.0) m = std::max(m, ell[k]);
      return m;
    }
    case Perception::kl: {
      if (cells.unmatched > 0.0)
        throw InvalidArgument("witness", "every source value a reconstruction value (forward KL)",
                              "source mass " + format_number(cells.unmatched) + " elsewhere");
      if (mu == 0.0) return top;
      return mu * forward_kl_conjugate(ell / mu, cells.source_mass);
    }
  }
  return top;
}

// Throws InvalidArgument on a witness whose parts do not fit together.
void validate(const BaWitness& w) {
  const auto m = static_cast<Eigen::Index>(w.source_points.size());
  const auto n = static_cast<Eigen::Index>(w.reconstruction_points.size());
  if (m == 0 || n == 0 || w.source_pmf.size() != m)
    throw InvalidArgument("witness", "source points, their pmf and reconstruction points",
                          "sizes " + std::to_string(m) + ", " +
                              std::to_string(w.source_pmf.size()) + ", " + std::to_string(n));
  if (!(w.source_pmf.array() >= 0.0).all() || std::abs(w.source_pmf.sum() - 1.0) > 1e-9)
    throw InvalidArgument("witness", "a source pmf (entries >= 0, sum 1)",
                          "sum " + format_number(w.source_pmf.sum()));
  if (w.channel.size() > 0 && (w.channel.rows() != m || w.channel.cols() != n))
    throw InvalidArgument("witness", "an m×n channel", "another shape");
  if (w.dual.present && w.dual.log_lambda.size() != m)
    throw InvalidArgument("witness", "one ln λ per source point",
                          std::to_string(w.dual.log_lambda.size()));
}

// d(p_X, q) for the output pmf q over the reconstruction points, with p_X and p_X̂ put on one
// alphabet (the source values and the reconstruction values) and the library's definition.
double output_perception(const BaWitness& w, const Eigen::VectorXd& q) {
  std::vector<double> alphabet = w.source_points;
  for (double y : w.reconstruction_points)
    if (std::find(alphabet.begin(), alphabet.end(), y) == alphabet.end()) alphabet.push_back(y);
  Eigen::VectorXd pa = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(alphabet.size()));
  Eigen::VectorXd qa = pa;
  auto index = [&](double v) {
    return std::find(alphabet.begin(), alphabet.end(), v) - alphabet.begin();
  };
  for (Eigen::Index i = 0; i < w.source_pmf.size(); ++i)
    pa[index(w.source_points[i])] += w.source_pmf[i];
  for (Eigen::Index j = 0; j < q.size(); ++j) qa[index(w.reconstruction_points[j])] += q[j];
  return perception_divergence(w.perception, alphabet, pa, qa);
}

// The upper bound: the witness channel's own I, E[Δ] and d, and whether they meet the targets.
struct ChannelCheck {
  bool has_channel = false;
  double upper_bits = kInf;  // +inf without a channel
  double distortion = 0.0, perception = 0.0;
  bool feasible = false;
};

ChannelCheck upper_from_channel(const BaWitness& w, const Eigen::MatrixXd& delta) {
  ChannelCheck out;
  if (w.channel.size() == 0) return out;
  const Eigen::Index m = w.channel.rows(), n = w.channel.cols();
  out.has_channel = true;
  bool rows_ok = true;
  for (Eigen::Index i = 0; i < m; ++i)
    rows_ok = rows_ok && (w.channel.row(i).array() >= 0.0).all() &&
              std::abs(w.channel.row(i).sum() - 1.0) <= 1e-9;
  const Eigen::VectorXd q = w.channel.transpose() * w.source_pmf;
  double info = 0.0, ed = 0.0;
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      const double joint = w.source_pmf[i] * w.channel(i, j);
      if (joint > 0.0) info += joint * std::log(w.channel(i, j) / q[j]);
      ed += joint * delta(i, j);
    }
  const bool has_p = w.perception != Perception::none;
  out.upper_bits = std::max(info / kLn2, 0.0);
  out.distortion = ed;
  out.perception = has_p ? output_perception(w, q) : 0.0;
  const double dmax = delta.maxCoeff();
  out.feasible = rows_ok &&
                 ed <= w.distortion_target + kSlack * std::max(w.distortion_target, dmax) &&
                 (!has_p || out.perception <=
                                w.perception_target + kSlack * std::max(w.perception_target, 1.0));
  return out;
}

// The lower bound at the stored dual point: L = Σ_i p_i ln λ_i − sD − conjugate term, with
// ℓ_j = ln Σ_i p_i λ_i e^{−sΔ_ij} (merged over a cell by its maximum); bits, max(0, L / ln 2).
double lower_from_dual(const BaWitness& w, const Eigen::MatrixXd& delta, const Cells& cells) {
  const Eigen::Index m = delta.rows(), n = delta.cols();
  const double s = w.dual.s_nats, mu = w.dual.mu_nats;
  Eigen::VectorXd ell =
      Eigen::VectorXd::Constant(static_cast<Eigen::Index>(cells.value.size()), -kInf);
  Eigen::VectorXd ell_point(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    ell_point[j] = detail::log_sum_exp(
        m, [&](Eigen::Index i) { return w.source_pmf[i] > 0.0; },
        [&](Eigen::Index i) {
          return std::log(w.source_pmf[i]) + w.dual.log_lambda[i] - s * delta(i, j);
        });
    ell[cells.of_point[j]] = std::max(ell[cells.of_point[j]], ell_point[j]);
  }
  const bool has_p = w.perception != Perception::none;
  double value = -s * w.distortion_target;
  for (Eigen::Index i = 0; i < m; ++i)
    if (w.source_pmf[i] > 0.0) value += w.source_pmf[i] * w.dual.log_lambda[i];
  switch (w.dual.form) {
    case BaDualForm::shannon:
      value -= ell_point.maxCoeff();
      break;
    case BaDualForm::perfect_realism:
      if (!has_p || cells.unmatched > 0.0)
        throw InvalidArgument("witness",
                              "a perception whose zero point is the source (for the "
                              "perfect-realism form)",
                              "none");
      value -= ell.dot(cells.source_mass);
      break;
    case BaDualForm::tilted:
      value -= perspective_conjugate(w, cells, ell, mu);
      if (has_p && mu > 0.0) value -= mu * w.perception_target;
      break;
  }
  return std::isfinite(value) ? std::max(value / kLn2, 0.0) : 0.0;
}

// The lower bound of a query the solver settles exactly, without a search and so without a dual
// point (ba/certificate.cpp): D at its minimum D_min = Σ_i p_i min_j Δ_ij. Every channel meeting
// D then sends each source point with mass to a nearest reconstruction point; where those are
// unique, the nearest-point map f is the only such channel, and R(D,P) = I(X; f(X)) = H(f(X))
// if f(X) meets P, +inf if it does not (and +inf for D below D_min). Recomputed from the problem
// alone (the distortion matrix and the source pmf); nullopt where the case does not apply.
std::optional<double> lower_from_forced_channel(const BaWitness& w, const Eigen::MatrixXd& delta) {
  const Eigen::Index m = delta.rows(), n = delta.cols();
  double d_min = 0.0;
  bool unique = true;
  Eigen::VectorXd q = Eigen::VectorXd::Zero(n);  // the output pmf of f
  for (Eigen::Index i = 0; i < m; ++i) {
    if (!(w.source_pmf[i] > 0.0)) continue;
    Eigen::Index j = 0;
    const double least = delta.row(i).minCoeff(&j);
    unique = unique && (delta.row(i).array() <= least).count() == 1;
    d_min += w.source_pmf[i] * least;
    q[j] += w.source_pmf[i];
  }
  const double D = w.distortion_target;
  const double at_minimum = kAtMinimum * std::max(D, delta.maxCoeff());
  if (D < d_min - at_minimum) return kInf;
  if (D > d_min + at_minimum || !unique) return std::nullopt;
  if (w.perception != Perception::none &&
      output_perception(w, q) > w.perception_target + kSlack * std::max(w.perception_target, 1.0))
    return kInf;
  double entropy = 0.0;
  for (Eigen::Index j = 0; j < n; ++j)
    if (q[j] > 0.0) entropy -= q[j] * std::log(q[j]);
  return std::max(entropy / kLn2, 0.0);
}

// Whether the recomputed bounds are the stated ones: out.agrees and the one line that says so,
// or that names the first thing that does not hold.
void give_verdict(const BaWitness& w, double tolerance_bits, bool forced, BaWitnessCheck& out) {
  const auto close = [&](double a, double b) {
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::abs(a - b) <= tolerance_bits * std::max(1.0, std::abs(b));
  };
  const bool upper_ok = out.has_channel ? out.feasible && close(out.upper_bits, w.upper_bits)
                                        : std::isinf(w.upper_bits);
  const bool lower_ok = close(out.lower_bits, w.lower_bits);
  const std::string why_lower =
      w.dual.present ? "at the dual point"
                     : (forced ? "(D at its minimum: the nearest-point map is the only channel)"
                               : "without a dual point");
  out.agrees = upper_ok && lower_ok && out.lower_bits <= out.upper_bits + tolerance_bits;
  if (out.agrees)
    out.message = "certificate holds: R(D,P) in [" + format_number(out.lower_bits) + ", " +
                  format_number(out.upper_bits) + "] bits" + (forced ? " " + why_lower : "");
  else if (out.has_channel && !out.feasible)
    out.message = "the channel misses the targets: E[Δ] " + format_number(out.distortion_achieved) +
                  " (D " + format_number(w.distortion_target) + "), d " +
                  format_number(out.perception_achieved) + " (P " +
                  format_number(w.perception_target) + ")";
  else if (!upper_ok)
    out.message = "upper bound " + format_number(out.upper_bits) + " bits, the witness states " +
                  format_number(w.upper_bits);
  else if (!lower_ok)
    out.message = "lower bound " + format_number(out.lower_bits) + " bits " + why_lower +
                  ", the witness states " + format_number(w.lower_bits);
  else
    out.message = "lower bound above the upper bound";
}

}  // namespace

BaWitnessCheck check_ba_witness(const BaWitness& w, double tolerance_bits) {
  validate(w);
  const Eigen::MatrixXd delta =
      distortion_matrix(w.source_points, w.reconstruction_points, w.distortion);
  const Cells cells = make_cells(w);
  BaWitnessCheck out;
  const ChannelCheck upper = upper_from_channel(w, delta);
  out.has_channel = upper.has_channel;
  out.upper_bits = upper.upper_bits;
  out.distortion_achieved = upper.distortion;
  out.perception_achieved = upper.perception;
  out.feasible = upper.feasible;
  std::optional<double> forced;
  if (w.dual.present)
    out.lower_bits = lower_from_dual(w, delta, cells);
  else if ((forced = lower_from_forced_channel(w, delta)))
    out.lower_bits = *forced;
  give_verdict(w, tolerance_bits, forced.has_value(), out);
  return out;
}

}  // namespace rdp
