#include "rate_query.hpp"

#include "rdp/error.hpp"

namespace rdp::cli {

void check_perception_given(const Problem& pb, bool given,
                            const std::function<std::string()>& describe_given) {
  const bool has_perception = pb.perception != Perception::none;
  if (has_perception && !given)
    throw InvalidArgument(
        "P", "[0, inf), required with --perception " + std::string(perception_name(pb.perception)),
        "nothing");
  if (!has_perception && given)
    throw InvalidArgument("P", "absent without --perception", describe_given());
}

nlohmann::ordered_json rate_query_json(const Problem& pb, double distortion, double perception) {
  nlohmann::ordered_json j;
  j["source"] = pb.source->spec();
  j["distortion"] = pb.distortion.name();
  j["perception"] = std::string(perception_name(pb.perception));
  j["D"] = distortion;
  if (pb.perception != Perception::none) j["P"] = perception;
  return j;
}

nlohmann::json closed_rate_json(const Problem& pb, double distortion, double perception,
                                const ClosedFormRate& r) {
  nlohmann::json j = rate_query_json(pb, distortion, perception);
  j["rate_bits"] = r.rate_bits;
  j["method"] = "closed";
  j["region"] = r.region;
  j["optimality"] = r.optimality;
  if (!r.note.empty()) j["note"] = r.note;
  j["reference"] = r.reference;
  for (const auto& [key, value] : r.details) j[key] = value;
  return j;
}

nlohmann::ordered_json ba_result_json(const BaResult& r) {
  nlohmann::ordered_json j;
  j["rate_bits"] = r.rate_bits;
  j["lower_bits"] = r.lower_bits;
  j["upper_bits"] = r.upper_bits;
  j["gap_bits"] = r.gap_bits;
  j["iterations"] = r.iterations;
  j["evaluations"] = r.evaluations;  // inner (fixed-multiplier) solves
  j["status"] = std::string(ba_status_name(r.status));
  j["message"] = r.message;
  j["slope_distortion_bits"] = r.slope_distortion_bits;
  j["slope_perception_bits"] = r.slope_perception_bits;
  j["distortion_achieved"] = r.distortion_achieved;
  j["perception_achieved"] = r.perception_achieved;
  return j;
}

}  // namespace rdp::cli
