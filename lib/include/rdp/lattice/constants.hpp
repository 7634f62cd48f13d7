#pragma once
/// Lattice constants: the normalized second moment by Monte-Carlo and reference values from
/// Conway & Sloane (SPLAG Table 2.3; docs/THEORY.md §4).
#include <cstdint>
#include <optional>
#include <string_view>

#include "rdp/lattice/lattice.hpp"

namespace rdp {

/// Monte-Carlo estimate of G = E‖e‖² / (n V^{2/n}), e uniform on the Voronoi cell.
struct NsmEstimate {
  double nsm = 0.0;             ///< the sample mean of ‖e‖²/(n V^{2/n})
  double standard_error = 0.0;  ///< its standard error, sample sd / √samples
  std::uint64_t samples = 0;
};

/// G of `lattice` from `samples` ≥ 2 Voronoi samples. Sample i uses Philox(seed, i), and partial
/// sums are combined in a fixed order, so the result is bit-identical for any number of OpenMP
/// threads. Throws InvalidArgument ("samples") for samples < 2.
NsmEstimate normalized_second_moment(const Lattice& lattice, std::uint64_t samples,
                                     std::uint64_t seed);

/// Space-filling loss of dithered quantization with a lattice of NSM G, ½ log2(2πeG) bits per
/// dimension (0.2546 for Z, 0.0839 for Λ24; 0 at the sphere bound G = 1/(2πe)).
double space_filling_loss_bits(double nsm);

/// Conway & Sloane's G for the named lattice (any Z^n, a1, a2, a3, d3, d3star, d4, d4star, e8,
/// bw16, leech, and their products, which share their factor's G); nullopt when not tabulated
/// (among others for scaled lattices, whose G is that of the base).
std::optional<double> reference_nsm(std::string_view lattice_name);

}  // namespace rdp
