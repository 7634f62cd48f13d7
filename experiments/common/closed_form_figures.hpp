#pragma once
// The problems of the closed-form figures 2–3 (fig_theory draws them; fig_numerical overlays the
// certified solver on the same axes), defined once so that the two cannot drift apart.
#include <string>
#include <vector>

namespace rdp::experiments {

struct ClosedFormFigure {
  std::string name;                            ///< "bernoulli_tv": CSVs are <figure>_<name>_*.csv
  std::string figure;                          ///< "fig2"
  std::string source, distortion, perception;  ///< spec strings, as `rdp rate` takes them
  double d_lo, d_hi, p_hi;                     ///< the plotted D range and largest P
  std::vector<double> level_rates;             ///< equi-rate level sets, bits
  std::vector<double> fixed_distortions;       ///< R–P cross-sections at these D
};

/// Bernoulli(0.1)–Hamming–TV (Figure 2) and N(0,1)–MSE with W2², KL and reverse KL (Figure 3).
const std::vector<ClosedFormFigure>& closed_form_figures();

/// The entry of closed_form_figures() with this name; throws std::out_of_range if none.
const ClosedFormFigure& closed_form_figure(const std::string& name);

}  // namespace rdp::experiments
