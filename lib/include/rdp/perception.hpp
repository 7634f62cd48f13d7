#pragma once
/// Perception measures d(p_X, p_X̂) between distributions on the real line.
///
/// Units: TV is a probability in [0,1] (½‖p − q‖₁); W1 has the units of x; W2² ("w2sq") the units
/// of x², i.e. of the squared-error distortion; both KL directions are in nats.
#include <Eigen/Core>
#include <string>
#include <string_view>
#include <vector>

namespace rdp {

enum class Perception {
  none,  ///< no perception constraint: Shannon's R(D)
  tv,    ///< total variation ½‖p_X − p_X̂‖₁
  w1,    ///< Wasserstein-1 with ground cost |x − y|
  w2sq,  ///< squared Wasserstein-2 with ground cost (x − y)²
  kl,    ///< KL(p_X ‖ p_X̂), nats
  rkl,   ///< KL(p_X̂ ‖ p_X), nats
};

/// "none", "tv", "w1", "w2sq", "kl", "rkl".
std::string_view perception_name(Perception d);
/// Human-readable description with units.
std::string_view perception_description(Perception d);
/// Parses the names above; throws InvalidArgument naming "perception".
Perception parse_perception(std::string_view text);

/// ½ Σ |p_i − q_i| over a common alphabet.
double total_variation(const Eigen::Ref<const Eigen::VectorXd>& p,
                       const Eigen::Ref<const Eigen::VectorXd>& q);

/// Σ p_i ln(p_i / q_i), nats; +inf if q_i = 0 < p_i.
double kl_divergence_nats(const Eigen::Ref<const Eigen::VectorXd>& p,
                          const Eigen::Ref<const Eigen::VectorXd>& q);

/// W_r^r between two pmfs on the line (points need not be sorted or shared), by the exact
/// monotone (quantile) coupling, which is optimal for any convex cost |x − y|^r, r >= 1.
double wasserstein_power_line(const std::vector<double>& x, const std::vector<double>& p,
                              const std::vector<double>& y, const std::vector<double>& q, double r);

/// d(p, q) for the named measure on a common alphabet `points` (TV and KL ignore the points).
double perception_divergence(Perception d, const std::vector<double>& points,
                             const Eigen::Ref<const Eigen::VectorXd>& p,
                             const Eigen::Ref<const Eigen::VectorXd>& q);

}  // namespace rdp
