#include "rdp/solvers/closed_form.hpp"

#include <algorithm>
#include <cmath>

#include "rdp/error.hpp"
#include "rdp/solvers/bernoulli_tv.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/shannon.hpp"
#include "rdp/sources.hpp"

namespace rdp {

std::string distortion_mismatch_reason(const Source& source, const Distortion& distortion) {
  if (source.kind() == SourceKind::continuous && distortion.kind == Distortion::Kind::hamming)
    return "hamming distortion is not meaningful for the continuous source '" + source.family() +
           "' (every reconstruction errs with probability 1); use mse or abs:r=R";
  return "";
}

std::string closed_form_unavailable_reason(const Source& source, const Distortion& distortion,
                                           Perception perception) {
  if (auto why = distortion_mismatch_reason(source, distortion); !why.empty()) return why;
  if (dynamic_cast<const Bernoulli*>(&source)) {
    if (distortion.kind != Distortion::Kind::hamming)
      return "the Bernoulli closed forms use hamming distortion";
    if (perception != Perception::none && perception != Perception::tv)
      return "the Bernoulli closed form has perception none or tv, not " +
             std::string(perception_name(perception)) + " (use --method ba)";
    return "";
  }
  if (dynamic_cast<const Gaussian*>(&source)) {
    if (distortion.kind != Distortion::Kind::squared_error)
      return "the Gaussian closed forms use mse distortion";
    if (perception == Perception::tv || perception == Perception::w1)
      return "the Gaussian closed form has perception none, w2sq, kl or rkl, not " +
             std::string(perception_name(perception)) + " (use --method ba)";
    return "";
  }
  return "no closed form is known for source '" + source.family() + "' (use --method ba)";
}

ClosedFormRate closed_form_rate(const Source& source, const Distortion& distortion,
                                Perception perception, double d, double p) {
  if (const auto why = closed_form_unavailable_reason(source, distortion, perception); !why.empty())
    throw InvalidArgument("method", "a (source, distortion, perception) with a closed form",
                          "closed: " + why);
  require_nonnegative("D", d);
  if (perception != Perception::none) require_nonnegative("P", p);
  ClosedFormRate out;
  if (const auto* b = dynamic_cast<const Bernoulli*>(&source)) {
    if (perception == Perception::none) {
      out.rate_bits = shannon_rate_bernoulli_hamming(b->p(), d);
      out.region = "shannon";
      out.reference = "Cover & Thomas Thm. 10.3.1";
      return out;
    }
    const auto r = rate_distortion_perception_bernoulli_tv(b->p(), d, p);
    out.rate_bits = r.rate_bits;
    out.region = r.region;
    out.reference = "Blau & Michaeli ICML 2019, Thm. 3 (docs/THEORY.md §2)";
    out.details = {{"joint_a", r.a}, {"joint_b", r.b}};
    return out;
  }
  const auto& g = dynamic_cast<const Gaussian&>(source);
  if (d <= 0.0)
    throw InvalidArgument("D", "(0, inf) for a continuous source (R = inf at D = 0)",
                          format_number(d));
  GaussianRdp r;
  switch (perception) {
    case Perception::none:
      out.rate_bits = shannon_rate_gaussian_mse(g.sigma(), d);
      out.region = "shannon";
      out.reference = "Cover & Thomas Thm. 10.3.2";
      return out;
    case Perception::w2sq:
      r = rate_distortion_perception_gaussian_w2sq(g.sigma(), d, p);
      out.reference = "Zhang, Qian, Chen, Khisti NeurIPS 2021 Thm. 2 (docs/THEORY.md §3)";
      break;
    case Perception::kl:
      r = rate_distortion_perception_gaussian_kl(g.sigma(), d, p, KlDirection::forward);
      out.reference = "jointly Gaussian optimum, Serra et al. arXiv 2311.09190 (docs/THEORY.md §3)";
      // Only the reverse direction is proven optimal over all reconstructions (gaussian_rdp.hpp).
      if (r.region == "perception_active") {
        out.optimality = "jointly_gaussian";
        out.note = "jointly Gaussian reconstructions only; not optimal in general (an upper bound)";
      }
      break;
    case Perception::rkl:
      r = rate_distortion_perception_gaussian_kl(g.sigma(), d, p, KlDirection::reverse);
      out.reference = "jointly Gaussian optimum, max-entropy argument (docs/THEORY.md §3)";
      break;
    default:
      break;
  }
  out.rate_bits = r.rate_bits;
  out.region = r.region;
  out.details = {{"output_std", r.output_std}, {"correlation", r.correlation}};
  return out;
}

double perception_saturation(const Source& source, Perception perception) {
  if (const auto* b = dynamic_cast<const Bernoulli*>(&source))
    return std::min(b->p(), 1.0 - b->p());
  const double var = source.variance();
  switch (perception) {
    case Perception::w2sq:
      return var;
    case Perception::w1:
      return std::sqrt(var);
    case Perception::kl:
    case Perception::rkl:
      return 2.0;  // t_lo ≈ 0.2 (forward) and 0.02 (reverse): most of the bend
    case Perception::tv:
      return 1.0;
    case Perception::none:
      return 0.0;
  }
  return 1.0;
}

double distortion_saturation(const Source& source, const Distortion& distortion) {
  if (const auto* b = dynamic_cast<const Bernoulli*>(&source)) {
    const double pp = std::min(b->p(), 1.0 - b->p());
    return 2.0 * pp * (1.0 - pp);  // S3 boundary at P = 0
  }
  if (distortion.kind == Distortion::Kind::squared_error) return 2.0 * source.variance();
  return 1.0;
}

}  // namespace rdp
