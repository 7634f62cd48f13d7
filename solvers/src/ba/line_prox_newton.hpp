#pragma once
// A Newton step for the line-transport prox dual (divergence_line.cpp), taken on the boundaries
// whose multiplier sits strictly between two stair levels, the others held.
#include <cstddef>
#include <vector>

namespace rdp::detail {

// What the step reads about boundary j (between active cells j and j + 1): whether g_j is free,
// the open interval (lo, hi) of stair levels it lies in, and the source CDF F there (with
// upper = 1 − F summed from the top so that tiny upper tails keep their precision).
struct FreeBoundary {
  bool free = false;
  double lo = 0.0, hi = 0.0, F = 0.0, upper = 1.0;
};

// Scratch reused across calls.
struct BlockScratch {
  std::vector<double> h, trial, step, mass;
  struct Block {
    double mass;
    std::size_t end;  // the boundary closing the block, or n − 1 for the last
  };
  std::vector<Block> stack;
};

// With the held boundaries fixed and the free ones inside their intervals, the dual
// −log Σ_k y_k e^{−h_k} − Σ_j F_j g_j (+ const) is maximised where every block of cells between
// consecutive free boundaries carries its source mass F_b − F_{b−1}: one rescaling of each block,
// explicit. The step to that point, projected onto the intervals and halved until the dual rises,
// is applied to g; returns whether it was. Blocks with no mass or no target are merged into their
// neighbour first (their boundary held).
bool block_newton_step(const std::vector<double>& log_y, const std::vector<FreeBoundary>& bound,
                       std::vector<double>& g, BlockScratch& s);

}  // namespace rdp::detail
