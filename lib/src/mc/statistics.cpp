#include "rdp/mc/statistics.hpp"

namespace rdp {

Estimate mean_with_error(const std::vector<double>& values) {
  RunningMean m;
  for (double v : values) m.add(v);
  return m.estimate();
}

}  // namespace rdp
