#include "rdp/distortion.hpp"

#include <cmath>
#include <cstdlib>

#include "rdp/error.hpp"
#include "rdp/source.hpp"

namespace rdp {

double Distortion::operator()(double x, double x_hat) const {
  switch (kind) {
    case Kind::hamming:
      return x == x_hat ? 0.0 : 1.0;
    case Kind::squared_error:
      return (x - x_hat) * (x - x_hat);
    case Kind::power:
      return std::pow(std::abs(x - x_hat), r);
  }
  return 0.0;
}

std::string Distortion::name() const {
  switch (kind) {
    case Kind::hamming:
      return "hamming";
    case Kind::squared_error:
      return "mse";
    case Kind::power:
      return "abs:r=" + format_number(r);
  }
  return "?";
}

Distortion power_distortion(double r) {
  require_positive("distortion exponent r", r);
  return {Distortion::Kind::power, r};
}

Distortion default_distortion(const Source& source) {
  return source.family() == "bernoulli" ? hamming_distortion() : squared_error_distortion();
}

Distortion parse_distortion(std::string_view text) {
  if (text == "hamming") return hamming_distortion();
  if (text == "mse" || text == "squared") return squared_error_distortion();
  if (text.substr(0, 6) == "abs:r=") {
    const std::string value(text.substr(6));
    char* end = nullptr;
    const double r = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size())
      throw InvalidArgument("distortion exponent r", "(0, inf)", "'" + value + "'");
    return power_distortion(r);
  }
  throw InvalidArgument("distortion", "one of hamming, mse, abs:r=R",
                        "'" + std::string(text) + "'");
}

Eigen::MatrixXd distortion_matrix(const std::vector<double>& x, const std::vector<double>& x_hat,
                                  const Distortion& distortion) {
  Eigen::MatrixXd d(x.size(), x_hat.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < x_hat.size(); ++j) d(i, j) = distortion(x[i], x_hat[j]);
  return d;
}

}  // namespace rdp
