#pragma once
// A search over a monotone predicate on the indices [0, m), started where the previous search
// ended (divergence_line.cpp: the source step of each boundary moves little from sweep to sweep).
#include <algorithm>
#include <cstddef>

namespace rdp::detail {

// The first step i in [0, m) where the monotone predicate `upper` holds (m − 1 if none does):
// bracketed by galloping from `start`, then bisected.
template <class Upper>
std::size_t first_step(const Upper& upper, std::size_t start, std::size_t m) {
  std::size_t lo = 0, hi = m - 1;
  if (upper(start)) {
    hi = start;
    for (std::size_t step = 1; hi > 0; step *= 2) {
      const std::size_t probe = hi > step ? hi - step : 0;
      if (!upper(probe)) {
        lo = probe + 1;
        break;
      }
      hi = probe;
      if (probe == 0) {
        lo = 0;
        break;
      }
    }
  } else {
    lo = start + 1;
    for (std::size_t step = 1; lo < m - 1; step *= 2) {
      const std::size_t probe = std::min(lo + step - 1, m - 1);
      if (upper(probe)) {
        hi = probe;
        break;
      }
      lo = probe + 1;
      if (probe == m - 1) break;
    }
    lo = std::min(lo, m - 1);
  }
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (upper(mid))
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

}  // namespace rdp::detail
