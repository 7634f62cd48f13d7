#include "detail/optimize_quietly.hpp"

#include <exception>

namespace rdp::detail {

void optimize_quietly(nlopt::opt& opt, std::vector<double>& x) {
  double found = 0.0;
  try {
    opt.optimize(x, found);
  } catch (const std::exception&) {
  }
}

}  // namespace rdp::detail
