#include "rdp/distortion.hpp"

#include <doctest/doctest.h>

#include "rdp/source_registry.hpp"

TEST_CASE("default_distortion: Hamming for a Bernoulli source, squared error for the others") {
  // The convention of the binary and Gaussian RDP results (Zhang et al. 2021: Hamming for
  // Bernoulli(p), MSE for N(μ, σ²)); a finite source on {0, 1} is not a Bernoulli family source.
  CHECK(rdp::default_distortion(*rdp::make_source("bernoulli:p=0.3")).name() == "hamming");
  for (const char* spec : {"gaussian:sigma=2", "laplace:b=1", "finite:points=0/1,pmf=0.5/0.5"}) {
    CAPTURE(spec);
    const rdp::Distortion d = rdp::default_distortion(*rdp::make_source(spec));
    CHECK(d.name() == "mse");
    CHECK(d(1.0, 3.0) == 4.0);
  }
}
