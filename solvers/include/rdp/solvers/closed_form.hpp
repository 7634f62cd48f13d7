#pragma once
/// One entry point to every closed-form R(D,P): picks the formula for (source, distortion,
/// perception) or says clearly that there is none.
#include <map>
#include <string>

#include "rdp/distortion.hpp"
#include "rdp/perception.hpp"
#include "rdp/source.hpp"

namespace rdp {

struct ClosedFormRate {
  double rate_bits = 0.0;
  /// The formula's region ("S1", "perception_active", ...), or "shannon" when P is absent.
  std::string region;
  /// Paper and equation the value follows.
  std::string reference;
  /// "optimal" where the formula is R(D,P) itself; "jointly_gaussian" where it is the optimum over
  /// jointly Gaussian reconstructions only (an upper bound; see gaussian_rdp.hpp).
  std::string optimality = "optimal";
  /// What a value that is not "optimal" is (empty otherwise), for reports.
  std::string note;
  /// Parameters of the optimal test channel (e.g. output_std, correlation).
  std::map<std::string, double> details;
};

/// Why (source, distortion, perception) has no closed form, or "" when it has one.
std::string closed_form_unavailable_reason(const Source& source, const Distortion& distortion,
                                           Perception perception);

/// Throws InvalidArgument when there is no closed form (the message says which parameter to
/// change) or when D or P lie outside their domain.
ClosedFormRate closed_form_rate(const Source& source, const Distortion& distortion,
                                Perception perception, double distortion_level,
                                double perception_level);

/// Whether a distortion measure makes sense for the source (Hamming needs a finite alphabet; a
/// continuous source needs a difference-based distortion). Empty when it does.
std::string distortion_mismatch_reason(const Source& source, const Distortion& distortion);

/// The perception level beyond which the constraint is inactive for every D (p for Bernoulli–TV,
/// σ² for Gaussian–W2², a value where t_lo is below 1e-3 for KL); used to bound grids.
double perception_saturation(const Source& source, Perception perception);

/// The smallest D at which the rate reaches 0 for every P (for grids).
double distortion_saturation(const Source& source, const Distortion& distortion);

}  // namespace rdp
