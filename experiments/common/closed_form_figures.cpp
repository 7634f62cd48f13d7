#include "closed_form_figures.hpp"

#include <stdexcept>

namespace rdp::experiments {

const std::vector<ClosedFormFigure>& closed_form_figures() {
  // Blau & Michaeli's Figure 3 analogue for p = 0.1 (rates up to H_b(0.1) = 0.469 bits, D up to
  // 2pq = 0.18 where R reaches 0 at P = 0), and the unit Gaussian on D in (0, 2σ²].
  static const std::vector<ClosedFormFigure> figures = [] {
    const std::vector<double> gaussian_rates = {0.25, 0.5, 1.0, 1.5, 2.0};
    const std::vector<double> gaussian_fixed_d = {0.1, 0.3, 0.6, 1.0};
    std::vector<ClosedFormFigure> f = {
        {"bernoulli_tv",
         "fig2",
         "bernoulli:p=0.1",
         "hamming",
         "tv",
         0.0,
         0.18,
         0.1,
         {0.05, 0.1, 0.2, 0.3, 0.4},
         {0.02, 0.05, 0.1, 0.14}},
    };
    for (const char* perception : {"w2sq", "kl", "rkl"})
      f.push_back({std::string("gaussian_") + perception, "fig3", "gaussian:sigma=1", "mse",
                   perception, 1e-3, 2.0, 1.0, gaussian_rates, gaussian_fixed_d});
    return f;
  }();
  return figures;
}

const ClosedFormFigure& closed_form_figure(const std::string& name) {
  for (const auto& f : closed_form_figures())
    if (f.name == name) return f;
  throw std::out_of_range("no closed-form figure named " + name);
}

}  // namespace rdp::experiments
