// The chain model of a lattice point given the dither (coding/lattice_index_model.hpp): the
// geometry of the chain against the lattice it came from, the pmf against its definition (it sums
// to one over the lattice), and the coded length against the Monte-Carlo bracket of H(c | u)
// that simulate_codec computes on the same blocks.
#include "rdp/coding/lattice_index_model.hpp"

#include <doctest/doctest.h>

#include <Eigen/LU>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "rdp/codec/bitstream.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/mc/statistics.hpp"
#include "rdp/rng.hpp"
#include "rdp/sources.hpp"
#include "test_support.hpp"

TEST_CASE("Lattice chain: the factor dimension is read off the generator") {
  struct Want {
    const char* name;
    int m;
  };
  for (const Want w : {Want{"z1", 1}, Want{"z8", 1}, Want{"z1^8", 1}, Want{"z:n=30", 1},
                       Want{"e8", 8}, Want{"e8^3", 8}, Want{"leech^2", 24}, Want{"d4", 4},
                       Want{"a2", 2}, Want{"a2^5", 2}, Want{"bw16", 16}}) {
    INFO(w.name);
    CHECK(rdp::generator_factor_dimension(rdp::make_lattice(w.name)->generator()) == w.m);
  }
}

TEST_CASE("Lattice chain: a reduced basis of the same lattice, orthonormal directions, T k") {
  rdp::Philox rng(rdp_test_seed(), 0);
  for (const char* name : {"a2", "d4", "dstar:n=5", "e8", "bw16", "leech", "e8^2"}) {
    INFO(name);
    const auto lattice = rdp::make_lattice(name);
    const double t = 0.37;
    const rdp::LatticeChain chain = rdp::make_lattice_chain(*lattice, t);
    const int m = chain.factor_dimension;
    const Eigen::MatrixXd g = lattice->generator().topLeftCorner(m, m);
    const Eigen::MatrixXd& b = chain.factor_generator;
    // B = G U with U integer and unimodular: the same lattice.
    const Eigen::MatrixXd u = g.inverse() * b;
    CHECK((u.array() - u.array().round()).abs().maxCoeff() < 1e-9);
    CHECK(std::abs(std::abs(u.determinant()) - 1.0) < 1e-9);
    // Orthonormal directions; the triangle's diagonal multiplies to the covolume t^m |det G|.
    const Eigen::MatrixXd e = chain.directions;
    CHECK((e * e.transpose() - Eigen::MatrixXd::Identity(m, m)).cwiseAbs().maxCoeff() < 1e-12);
    double log_diag = 0.0;
    for (int i = 0; i < m; ++i) {
      CHECK(chain.triangle(i, i) > 0.0);
      for (int j = i + 1; j < m; ++j) CHECK(chain.triangle(i, j) == 0.0);
      log_diag += std::log(chain.triangle(i, i));
    }
    CHECK(log_diag == doctest::Approx(m * std::log(t) + std::log(std::abs(g.determinant()))));
    // ⟨e_i, t B k⟩ = (T k)_i for integer k.
    for (int trial = 0; trial < 20; ++trial) {
      Eigen::VectorXd k(m);
      for (int i = 0; i < m; ++i) k(i) = std::floor(rng.uniform01() * 21.0) - 10.0;
      const Eigen::VectorXd lhs = e * (t * (b * k));
      const Eigen::VectorXd rhs = chain.triangle * k;
      CHECK((lhs - rhs).cwiseAbs().maxCoeff() < 1e-11 * (1.0 + rhs.cwiseAbs().maxCoeff()));
    }
  }
  // Λ24 is unimodular up to scale and its own dual, so its Gram–Schmidt lengths cannot be better
  // balanced than [√8·min/2 ... ] = [1.41, 5.66] in the √8 scaling (first length >= the minimal
  // vector √32, last <= 1/that of the dual's, times the scale): the reduction reaches both ends.
  const rdp::LatticeChain leech = rdp::make_lattice_chain(*rdp::make_lattice("leech"), 1.0);
  double lo = INFINITY, hi = 0.0;
  for (int i = 0; i < 24; ++i) {
    lo = std::min(lo, leech.triangle(i, i));
    hi = std::max(hi, leech.triangle(i, i));
  }
  CHECK(lo == doctest::Approx(std::sqrt(2.0)).epsilon(1e-9));
  CHECK(hi == doctest::Approx(std::sqrt(32.0)).epsilon(1e-9));
}

TEST_CASE("Lattice chain: the coded probabilities of all lattice points sum to one") {
  // Σ_k 2^−cost(k) over every point of a box that holds all but a negligible mass must be the
  // total quantised probability: at most 1 (the escapes are not in it) and at least 1 minus the
  // escape frequency 2/2^16 per coordinate, minus the source mass outside the box.
  const rdp::Gaussian source(0.3, 1.0);
  struct Case {
    const char* name;
    double scale;
    int reach;
  };
  for (const Case cs : {Case{"a2", 0.9, 9}, Case{"d4", 1.6, 5}, Case{"a2", 3.0, 4}}) {
    INFO(cs.name << " at scale " << cs.scale);
    const auto lattice = rdp::make_lattice(cs.name);
    const rdp::LatticeChain chain = rdp::make_lattice_chain(*lattice, cs.scale);
    rdp::LatticeIndexCoder coder(chain, source, 0.3);
    const int m = chain.factor_dimension;
    std::vector<double> u(m), c(m);
    rdp::Philox rng(rdp_test_seed(), 1);
    lattice->sample_voronoi(rng, u.data());
    for (double& v : u) v *= cs.scale;
    std::vector<int> k(m, -cs.reach);
    double total = 0.0;
    for (;;) {
      for (int r = 0; r < m; ++r) {
        double q = 0.0;
        for (int j = 0; j < m; ++j) q += chain.factor_generator(r, j) * k[j];
        c[r] = q * cs.scale;
      }
      total += std::exp2(-coder.cost_bits(c.data(), u.data()));
      int i = 0;
      while (i < m && ++k[i] > cs.reach) k[i++] = -cs.reach;
      if (i == m) break;
    }
    CHECK(total <= 1.0 + 1e-12);
    CHECK(total >= 1.0 - m * 2.0 / 65536 - 1e-6);
  }
}

TEST_CASE("Lattice chain: coded rate against the Monte-Carlo bracket of H(c | u) (E8, Λ24)") {
  // Paired on the same blocks: simulate_codec brackets H(c | u) per block by importance sampling
  // (rate_bits above, rate_lower_bits below in expectation; their paired gap is
  // rate_bias_bound_bits) and keeps each block's upper estimate; the chain's cost of the same
  // block's point, d_b = cost_b − upper_b, is then free of the source's sampling variance. A
  // proper pmf cannot beat the entropy, so mean d >= −gap (beyond the errors), and at about 1.1
  // bits per dimension and above the chain's excess is below the 0.02 bits per dimension
  // (measured: 0.006 for E8 at 1.12 bits, 0.011 for Λ24 at 1.29; README). The payload's length is
  // the sum of the costs within the rANS bound (rans.hpp), checked on the way.
  const rdp::Gaussian source(0.0, 1.0);
  struct Case {
    const char* name;
    double d;
  };
  for (const Case cs : {Case{"e8", 0.28}, Case{"leech", 0.2}, Case{"e8", 0.05}}) {
    const auto base = rdp::make_lattice(cs.name);
    const auto lattices = std::make_shared<rdp::CodecLattices>(
        base, rdp::choose_codec_parameters(rdp::CodecKind::sd, *base, 0.07, 0.0, 1.0, cs.d, 0.0));
    const int n = lattices->dimension();
    rdp::SimulationOptions o;
    o.blocks = (std::uint64_t{1} << 16) / n;
    o.seed = rdp_test_seed();
    o.estimate_perception = false;
    o.keep_block_rates = true;
    const auto sim = rdp::simulate_codec(lattices, source, o);
    const std::uint64_t source_seed = rdp::derive_seed(o.seed, 3);
    const std::uint64_t common_seed = rdp::derive_seed(o.seed, 1);
    const rdp::LatticeChain chain =
        rdp::make_lattice_chain(lattices->base(), lattices->parameters().lattice_scale);
    rdp::LatticeIndexCoder coder(chain, source, 0.0);
    const rdp::Encoder encoder(lattices, common_seed);
    std::vector<double> x(o.blocks * n), c(n), u(n);
    rdp::RunningMean diff;
    double cost_total = 0.0;
    for (std::uint64_t b = 0; b < o.blocks; ++b) {
      rdp::Philox rng(source_seed, b);
      for (int k = 0; k < n; ++k) x[b * n + k] = source.sample(rng);
      encoder.encode(b, &x[b * n], c.data());
      rdp::shared_dither(*lattices, common_seed, b, u.data());
      const double cost = coder.cost_bits(c.data(), u.data());
      cost_total += cost;
      diff.add(cost / n - sim.block_rate_bits[b]);
    }
    const auto bytes = rdp::encode_payload(lattices, source, common_seed, x.data(), o.blocks);
    const double symbols = double(o.blocks * n);
    CHECK(8.0 * bytes.size() <= cost_total + symbols * std::log2(1.0 + 0x1.0p-7) + 64);
    CHECK(8.0 * bytes.size() >= cost_total - symbols * std::abs(std::log2(1.0 - 0x1.0p-7)));
    const rdp::Estimate d = diff.estimate();
    MESSAGE(std::string(cs.name) << " D=" << cs.d << ": upper " << sim.rate_bits.value << ", gap "
                                 << sim.rate_bias_bound_bits.value << ", chain − upper " << d.value
                                 << " ± " << d.stderr_ << ", coded "
                                 << 8.0 * bytes.size() / symbols);
    CHECK(sim.rate_lower_bits.value >= 1.0);
    CHECK(d.value >=
          -sim.rate_bias_bound_bits.value - 4 * d.stderr_ - 4 * sim.rate_bias_bound_bits.stderr_);
    CHECK(d.value <= 0.02 + 4 * d.stderr_);
  }
}
