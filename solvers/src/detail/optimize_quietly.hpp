#pragma once
// The one place NLopt's exceptions are handled (docs/STYLE §9), for every solver that calls it
// (ba/polish.cpp, gaussian_kl_channel.cpp).
#include <nlopt.hpp>
#include <vector>

namespace rdp::detail {

/// opt.optimize(x) with its exceptions swallowed. NLopt throws on outcomes that can still leave
/// an acceptable point (roundoff_limited among them, and a forced stop when the objective
/// throws); x holds the point where the search stopped either way, and callers judge it (or the
/// best point their objective recorded) themselves.
void optimize_quietly(nlopt::opt& opt, std::vector<double>& x);

}  // namespace rdp::detail
