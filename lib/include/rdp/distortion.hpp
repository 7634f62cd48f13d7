#pragma once
/// Single-letter distortion measures Δ(x, x̂).
#include <Eigen/Core>
#include <string>
#include <string_view>
#include <vector>

namespace rdp {

class Source;

struct Distortion {
  enum class Kind { hamming, squared_error, power };
  Kind kind = Kind::squared_error;
  /// Exponent of |x − x̂|^r for Kind::power (r > 0); squared_error is r = 2.
  double r = 2.0;

  double operator()(double x, double x_hat) const;
  /// "hamming", "mse", or "abs^r" with r printed.
  std::string name() const;
};

inline Distortion hamming_distortion() { return {Distortion::Kind::hamming, 0.0}; }
inline Distortion squared_error_distortion() { return {Distortion::Kind::squared_error, 2.0}; }
/// |x − x̂|^r, r > 0.
Distortion power_distortion(double r);

/// The measure a source is studied under when none is named: Hamming for a Bernoulli source (the
/// binary-source results of Blau & Michaeli 2019 and Zhang et al. 2021 are stated for it), squared
/// error for every other family.
Distortion default_distortion(const Source& source);

/// Parses "hamming", "mse" (or "squared"), "abs:r=R"; throws InvalidArgument naming "distortion".
Distortion parse_distortion(std::string_view text);

/// The m×n matrix Δ(x_i, x̂_j).
Eigen::MatrixXd distortion_matrix(const std::vector<double>& x, const std::vector<double>& x_hat,
                                  const Distortion& distortion);

}  // namespace rdp
