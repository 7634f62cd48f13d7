// Entropy-coded payloads of the dithered codecs (codec/bitstream.hpp): the round trip on every kind
// of lattice
// against the codec's own Encoder and Decoder, and the coded length against the exact rate
// H(c | u) that simulate_codec reports for the same blocks.
#include "rdp/codec/bitstream.hpp"

#include <doctest/doctest.h>
#include <omp.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/rng.hpp"
#include "rdp/sources.hpp"
#include "test_support.hpp"

namespace {

std::shared_ptr<const rdp::CodecLattices> make_codec(rdp::CodecKind kind, const char* lattice,
                                                     double d, double p, int a = 1, double mu = 0.0,
                                                     double sigma = 1.0) {
  const auto base = rdp::make_lattice(lattice);
  return std::make_shared<rdp::CodecLattices>(
      base, rdp::choose_codec_parameters(kind, *base, 1.0 / 12, mu, sigma, d, p, a));
}

// Source blocks drawn as simulate_codec draws them for `seed` (Philox(derive_seed(seed, 3), b)).
std::vector<double> simulation_source(const rdp::ContinuousSource& source, std::uint64_t seed,
                                      std::uint64_t blocks, int n) {
  std::vector<double> x(blocks * n);
  const std::uint64_t source_seed = rdp::derive_seed(seed, 3);
  for (std::uint64_t b = 0; b < blocks; ++b) {
    rdp::Philox rng(source_seed, b);
    for (int k = 0; k < n; ++k) x[b * n + k] = source.sample(rng);
  }
  return x;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

struct Case {
  rdp::CodecKind kind;
  const char* lattice;
  double d, p;
  int a;
};

}  // namespace

TEST_CASE("Bitstream: decode(encode(x)) gives the Encoder's c and the simulated decoder's output") {
  const rdp::Gaussian source(0.5, 1.5);
  const std::uint64_t seed = rdp_test_seed();
  const std::uint64_t common = rdp::derive_seed(seed, 1), priv = rdp::derive_seed(seed, 2);
  const Case cases[] = {
      {rdp::CodecKind::sd, "z1", 0.3, 0.0, 1},        {rdp::CodecKind::pd, "z1", 0.3, 0.1, 1},
      {rdp::CodecKind::qsd, "z1", 0.3, 0.0, 3},       {rdp::CodecKind::sd, "z8", 0.05, 0.0, 1},
      {rdp::CodecKind::pd, "z1^4", 1.0, 0.0, 1},      {rdp::CodecKind::qsd, "z:n=5", 0.01, 0.2, 2},
      {rdp::CodecKind::sd, "z1", 1.9, 0.0, 1},        {rdp::CodecKind::sd, "e8", 0.3, 0.0, 1},
      {rdp::CodecKind::pd, "e8", 0.1, 0.05, 1},       {rdp::CodecKind::qsd, "e8", 0.2, 0.0, 2},
      {rdp::CodecKind::sd, "leech", 0.05, 0.0, 1},    {rdp::CodecKind::qsd, "leech", 0.6, 0.0, 3},
      {rdp::CodecKind::pd, "bw16", 0.3, 0.0, 1},      {rdp::CodecKind::sd, "d4", 0.01, 0.0, 1},
      {rdp::CodecKind::sd, "a2", 1.0, 0.0, 1},        {rdp::CodecKind::sd, "e8^2", 0.3, 0.0, 1},
      {rdp::CodecKind::pd, "dstar:n=3", 0.3, 0.0, 1},
  };
  for (const Case& cs : cases) {
    const auto lattices = make_codec(cs.kind, cs.lattice, cs.d * 2.25, cs.p, cs.a, 0.5, 1.5);
    const int n = lattices->dimension();
    const std::uint64_t blocks = 3000 + 17;
    auto x = simulation_source(source, seed, blocks, n);
    x[5 * n] = 0.5 + 1e7;  // an outlier: escaped
    const rdp::Encoder encoder(lattices, common);
    const rdp::Decoder decoder = cs.kind == rdp::CodecKind::pd
                                     ? rdp::Decoder(lattices, priv)
                                     : rdp::Decoder(lattices, common, priv);
    std::vector<double> c(blocks * n), x_hat(blocks * n), x_hat_coded(blocks * n);
    for (std::uint64_t b = 0; b < blocks; ++b) {
      encoder.encode(b, &x[b * n], &c[b * n]);
      decoder.decode(b, &c[b * n], &x_hat[b * n]);
    }
    INFO("" << std::string(rdp::codec_name(cs.kind)) << " on " << std::string(cs.lattice));
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      const auto bytes = rdp::encode_payload(lattices, source, common, x.data(), blocks);
      const auto c_coded =
          rdp::decode_payload(lattices, source, common, bytes.data(), bytes.size(), blocks);
      CHECK(bitwise_equal(c_coded, c));
      for (std::uint64_t b = 0; b < blocks; ++b)
        decoder.decode(b, &c_coded[b * n], &x_hat_coded[b * n]);
      CHECK(bitwise_equal(x_hat_coded, x_hat));
      // The same input and seed give the same bytes, whatever the thread count.
      omp_set_num_threads(3 - threads);
      CHECK(rdp::encode_payload(lattices, source, common, x.data(), blocks) == bytes);
    }
    omp_set_num_threads(2);
  }
}

TEST_CASE("Bitstream: several chunks, empty input, and one block") {
  const rdp::Gaussian source(0.0, 1.0);
  const auto lattices = make_codec(rdp::CodecKind::sd, "z:n=3", 0.1, 0.0);
  const std::uint64_t per_chunk = rdp::payload_chunk_blocks(3);
  CHECK(per_chunk == (std::uint64_t{1} << 20) / 3 + 1);
  for (std::uint64_t blocks : {std::uint64_t{0}, std::uint64_t{1}, 2 * per_chunk + 5}) {
    const auto x = simulation_source(source, 7, blocks, 3);
    const auto bytes = rdp::encode_payload(lattices, source, 99, x.data(), blocks);
    const auto c = rdp::decode_payload(lattices, source, 99, bytes.data(), bytes.size(), blocks);
    std::vector<double> expect(blocks * 3);
    const rdp::Encoder encoder(lattices, 99);
    for (std::uint64_t b = 0; b < blocks; ++b) encoder.encode(b, &x[b * 3], &expect[b * 3]);
    INFO(blocks << " blocks, " << bytes.size() << " bytes");
    CHECK(bitwise_equal(c, expect));
    // Coded a chunk at a time, numbered from each chunk's first block: the same total size (what
    // simulate's coded_payload_bytes relies on).
    std::size_t pieces = 0;
    for (std::uint64_t b0 = 0; b0 < blocks; b0 += per_chunk)
      pieces += rdp::encode_payload(lattices, source, 99, x.data() + b0 * 3,
                                    std::min(per_chunk, blocks - b0), b0)
                    .size();
    if (blocks > 0) CHECK(pieces == bytes.size());
  }
}

TEST_CASE("Bitstream: coded rate within 0.002 bits of the exact H(c | u) on Z^n") {
  // simulate_codec's rate on Z^n is exact per block (the Gaussian mass of the box cell), and it is
  // measured here on the very blocks that are coded (same seed, same source and dither streams),
  // so coded − exact is the coder's overhead alone; the 4 SE of the simulated mean are the
  // allowance the issue states for an independent comparison.
  const rdp::Gaussian source(0.0, 1.0);
  const std::uint64_t seed = rdp_test_seed();
  const std::uint64_t samples = std::uint64_t{1} << 17;
  struct RateCase {
    rdp::CodecKind kind;
    const char* lattice;
    double d;
    int a;
  };
  // D chosen so that the rates span about 0.1 to 6 bits per dimension.
  const RateCase cases[] = {
      {rdp::CodecKind::sd, "z1", 1.7, 1},     {rdp::CodecKind::sd, "z1", 3.5e-4, 1},
      {rdp::CodecKind::pd, "z1", 1.85, 1},    {rdp::CodecKind::pd, "z1", 7e-4, 1},
      {rdp::CodecKind::qsd, "z1", 1.0e-3, 3}, {rdp::CodecKind::sd, "z1", 1.2, 1},
      {rdp::CodecKind::sd, "z1", 0.3, 1},     {rdp::CodecKind::sd, "z8", 0.013, 1},
      {rdp::CodecKind::pd, "z1", 1.5, 1},     {rdp::CodecKind::pd, "z1", 0.5, 1},
      {rdp::CodecKind::pd, "z4", 0.02, 1},    {rdp::CodecKind::qsd, "z1", 1.0, 2},
      {rdp::CodecKind::qsd, "z1", 0.4, 4},    {rdp::CodecKind::qsd, "z8", 0.015, 3},
  };
  for (const RateCase& rc : cases) {
    const auto lattices = make_codec(rc.kind, rc.lattice, rc.d, 0.0, rc.a);
    const int n = lattices->dimension();
    const std::uint64_t blocks = samples / n;
    rdp::SimulationOptions o;
    o.blocks = blocks;
    o.seed = seed;
    o.estimate_perception = false;
    const auto sim = rdp::simulate_codec(lattices, source, o);
    REQUIRE(sim.rate_method == "exact_box_cells");
    const auto x = simulation_source(source, seed, blocks, n);
    const auto bytes =
        rdp::encode_payload(lattices, source, rdp::derive_seed(seed, 1), x.data(), blocks);
    const double coded = 8.0 * bytes.size() / double(blocks * n);
    INFO("" << std::string(rdp::codec_name(rc.kind)) << " on " << std::string(rc.lattice)
            << ", D = " << rc.d << ": coded " << coded << ", exact " << sim.rate_bits.value << " ± "
            << sim.rate_bits.stderr_);
    const std::string name = std::string(rdp::codec_name(rc.kind)) + " " + rc.lattice;
    MESSAGE(name << " D=" << rc.d << ": coded " << coded << " exact " << sim.rate_bits.value
                 << " diff " << coded - sim.rate_bits.value);
    CHECK(std::abs(coded - sim.rate_bits.value) <= 0.002 + 4 * sim.rate_bits.stderr_);
    // Paired on the same blocks, the overhead alone: the coder never beats the exact rate by more
    // than the quantisation's rounding, and stays within 0.002.
    CHECK(coded - sim.rate_bits.value <= 0.002);
    CHECK(coded - sim.rate_bits.value >= -0.002);
  }
}

TEST_CASE("Bitstream: bad input is rejected cleanly") {
  const rdp::Gaussian source(0.0, 1.0);
  const auto lattices = make_codec(rdp::CodecKind::sd, "z4", 0.1, 0.0);
  std::vector<double> x(400 * 4, 0.25);
  SUBCASE("an empty payload for one block of E8") {
    const auto e8 = make_codec(rdp::CodecKind::sd, "e8", 0.1, 0.0);
    const std::uint8_t none[1] = {0};
    CHECK_THROWS_AS(rdp::decode_payload(e8, source, 1, none, 0, 1), rdp::InvalidArgument);
  }
  SUBCASE("non-finite samples and points beyond 2^62 steps") {
    x[17] = NAN;
    CHECK_THROWS_AS(rdp::encode_payload(lattices, source, 1, x.data(), 400), rdp::InvalidArgument);
    x[17] = INFINITY;
    CHECK_THROWS_AS(rdp::encode_payload(lattices, source, 1, x.data(), 400), rdp::InvalidArgument);
    x[17] = 1e300;
    CHECK_THROWS_AS(rdp::encode_payload(lattices, source, 1, x.data(), 400), rdp::InvalidArgument);
  }
  SUBCASE("truncated, extended and mutated payloads") {
    rdp::Philox rng(rdp_test_seed(), 301);
    for (auto& v : x) v = rng.normal();
    const auto good = rdp::encode_payload(lattices, source, 1, x.data(), 400);
    for (std::size_t len = 0; len < good.size(); ++len) {
      const std::vector<std::uint8_t> cut(good.begin(), good.begin() + len);
      CHECK_THROWS_AS(rdp::decode_payload(lattices, source, 1, cut.data(), cut.size(), 400),
                      rdp::InvalidArgument);
    }
    auto longer = good;
    longer.push_back(0);
    CHECK_THROWS_AS(rdp::decode_payload(lattices, source, 1, longer.data(), longer.size(), 400),
                    rdp::InvalidArgument);
    // Mutations decode to something or throw InvalidArgument; ASan/UBSan check the rest.
    for (int trial = 0; trial < 3000; ++trial) {
      auto bad = good;
      const int kind = trial % 3;
      if (kind == 0) {
        bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      } else if (kind == 1) {
        bad.resize(rng() % bad.size());
      } else {
        const std::size_t at = rng() % bad.size();
        for (std::size_t i = at; i < bad.size() && i < at + 16; ++i)
          bad[i] = static_cast<std::uint8_t>(rng());
      }
      try {
        const auto c = rdp::decode_payload(lattices, source, 1, bad.data(), bad.size(), 400);
        CHECK(c.size() == 1600);
      } catch (const rdp::InvalidArgument&) {
      }
    }
  }
}

namespace {

rdp::BitstreamHeader file_header(rdp::CodecKind kind, const char* lattice, double d, int a,
                                 std::vector<std::uint64_t> shape, std::uint64_t seed) {
  const auto base = rdp::make_lattice(lattice);
  rdp::BitstreamHeader h;
  h.kind = kind;
  h.lattice = lattice;
  h.source = "gaussian:mu=0.5,sigma=1.5";
  h.distortion_target = d;
  h.perception_target = 0.0;
  h.parameters = rdp::choose_codec_parameters(kind, *base, 1.0 / 12, 0.5, 1.5, d, 0.0, a);
  h.common_seed = rdp::derive_seed(seed, 1);
  h.private_seed = rdp::derive_seed(seed, 2);
  h.shape = std::move(shape);
  return h;
}

// Replaces the trailing CRC-32 by that of the rest: a mutation that a checksum does not catch.
void fix_crc(std::vector<std::uint8_t>& f) {
  if (f.size() < 4) return;
  const auto crc =
      static_cast<std::uint32_t>(crc32_z(crc32_z(0, nullptr, 0), f.data(), f.size() - 4));
  for (int i = 0; i < 4; ++i) f[f.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

}  // namespace

TEST_CASE("Bitstream file: decode gives the simulated decoder's output from the file alone") {
  const rdp::Gaussian source(0.5, 1.5);
  const std::uint64_t seed = rdp_test_seed();
  struct FileCase {
    rdp::CodecKind kind;
    const char* lattice;
    double d;
    int a;
    std::vector<std::uint64_t> shape;
  };
  const FileCase cases[] = {
      {rdp::CodecKind::sd, "z1", 0.5, 1, {1000}},
      {rdp::CodecKind::pd, "z8", 0.2, 1, {37, 3}},  // 111 samples: the last block padded
      {rdp::CodecKind::qsd, "z1^4", 0.05, 3, {2, 5, 7}},
      {rdp::CodecKind::sd, "z4", 1.0, 1, {0}},
  };
  for (const FileCase& fc : cases) {
    const auto h = file_header(fc.kind, fc.lattice, fc.d, fc.a, fc.shape, seed);
    const std::uint64_t samples = h.samples();
    std::vector<double> x(samples);
    rdp::Philox rng(seed, 401);
    for (auto& v : x) v = source.sample(rng);
    const auto file = rdp::encode_bitstream(h, x.data());
    INFO(std::string(rdp::codec_name(fc.kind))
         << " on " << std::string(fc.lattice) << ", " << samples << " samples");
    CHECK(file.header_bytes + file.payload_bytes == file.bytes.size());
    CHECK(rdp::encode_bitstream(h, x.data()).bytes == file.bytes);
    const auto dec = rdp::decode_bitstream(file.bytes.data(), file.bytes.size());
    CHECK(dec.header.shape == fc.shape);
    CHECK(dec.header.lattice == fc.lattice);
    CHECK(dec.header.source == h.source);
    CHECK(dec.payload_bytes == file.payload_bytes);
    // The simulated pipeline: Encoder and Decoder objects on the padded blocks.
    const auto lattices =
        std::make_shared<rdp::CodecLattices>(rdp::make_lattice(fc.lattice), h.parameters);
    const int n = lattices->dimension();
    const std::uint64_t blocks = (samples + n - 1) / n;
    std::vector<double> padded(blocks * n, h.parameters.source_mean), c(blocks * n),
        x_hat(blocks * n);
    std::copy(x.begin(), x.end(), padded.begin());
    const rdp::Encoder encoder(lattices, h.common_seed);
    const rdp::Decoder decoder = fc.kind == rdp::CodecKind::pd
                                     ? rdp::Decoder(lattices, h.private_seed)
                                     : rdp::Decoder(lattices, h.common_seed, h.private_seed);
    for (std::uint64_t b = 0; b < blocks; ++b) {
      encoder.encode(b, &padded[b * n], &c[b * n]);
      decoder.decode(b, &c[b * n], &x_hat[b * n]);
    }
    x_hat.resize(samples);
    CHECK(bitwise_equal(dec.x_hat, x_hat));
  }
}

TEST_CASE("Bitstream file: empty, foreign, truncated, corrupt and wrong-version files") {
  const auto h = file_header(rdp::CodecKind::sd, "z2", 0.3, 1, {64}, 5);
  std::vector<double> x(64, 0.1);
  const auto good = rdp::encode_bitstream(h, x.data()).bytes;
  const auto rejects = [](const std::vector<std::uint8_t>& f, const char* needle) {
    try {
      rdp::decode_bitstream(f.data(), f.size());
    } catch (const rdp::InvalidArgument& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      return;
    }
    FAIL("accepted");
  };
  rejects({}, "empty");
  rejects({'h', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd'}, "another kind of file");
  for (std::size_t len = 1; len < good.size(); ++len)
    rejects(std::vector<std::uint8_t>(good.begin(), good.begin() + len), "invalid bitstream");
  auto longer = good;
  longer.insert(longer.end() - 4, 0);
  rejects(longer, "payload length");
  auto flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  rejects(flipped, "CRC-32");
  auto version = good;
  version[8] = 2;
  fix_crc(version);
  rejects(version, "format version 1");
  auto codec = good;
  codec[10] = 7;
  fix_crc(codec);
  rejects(codec, "codec 0");
  // Bad arguments on the encoding side.
  auto bad = h;
  bad.shape = {};
  CHECK_THROWS_AS(rdp::encode_bitstream(bad, x.data()), rdp::InvalidArgument);
  bad = h;
  bad.lattice = "e9";
  CHECK_THROWS_AS(rdp::encode_bitstream(bad, x.data()), rdp::InvalidArgument);
  bad = h;
  bad.source = "finite:points=0/1,pmf=0.5/0.5";
  CHECK_THROWS_AS(rdp::encode_bitstream(bad, x.data()), rdp::InvalidArgument);
  bad = h;
  bad.shape = {std::uint64_t{1} << 32};
  CHECK_THROWS_AS(rdp::encode_bitstream(bad, x.data()), rdp::InvalidArgument);
  x[3] = NAN;
  CHECK_THROWS_AS(rdp::encode_bitstream(h, x.data()), rdp::InvalidArgument);
}

TEST_CASE("Bitstream file: fuzzing with bit flips, truncations and splices never crashes") {
  // 10^5 seeded mutations of small valid files; half get a recomputed CRC so that the header
  // checks and the payload decoder see them. Each decodes or throws InvalidArgument; ASan and
  // UBSan (the sanitizer build) check that nothing reads out of bounds on the way.
  rdp::Philox rng(rdp_test_seed(), 402);
  std::vector<std::vector<std::uint8_t>> files;
  const rdp::Gaussian source(0.5, 1.5);
  for (auto [kind, lattice, a] :
       {std::tuple{rdp::CodecKind::sd, "z1", 1}, std::tuple{rdp::CodecKind::pd, "z4", 1},
        std::tuple{rdp::CodecKind::qsd, "z2", 2}, std::tuple{rdp::CodecKind::sd, "e8", 1},
        std::tuple{rdp::CodecKind::qsd, "leech", 2}}) {
    const auto h = file_header(kind, lattice, 0.1, a, {48}, 9);
    std::vector<double> x(48);
    for (auto& v : x) v = source.sample(rng);
    x[7] = 1e6;  // an escape in every file
    files.push_back(rdp::encode_bitstream(h, x.data()).bytes);
  }
  const int cases = 100000;
  int decoded = 0, rejected = 0;
  for (int t = 0; t < cases; ++t) {
    auto f = files[rng() % files.size()];
    const auto& other = files[rng() % files.size()];
    switch (rng() % 4) {
      case 0:  // bit flips
        for (int i = 0, m = 1 + static_cast<int>(rng() % 3); i < m; ++i)
          f[rng() % f.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // truncation
        f.resize(rng() % f.size());
        break;
      case 2: {  // splice: a prefix of one file and a suffix of another
        const std::size_t cut = rng() % f.size(), from = rng() % other.size();
        f.resize(cut);
        f.insert(f.end(), other.begin() + from, other.end());
        break;
      }
      default:  // a run of random bytes
        for (std::size_t i = rng() % f.size(), e = std::min(f.size(), i + 1 + rng() % 8); i < e;
             ++i)
          f[i] = static_cast<std::uint8_t>(rng());
        break;
    }
    if (t % 2 == 1) fix_crc(f);
    try {
      const auto d = rdp::decode_bitstream(f.data(), f.size());
      if (d.x_hat.size() != d.header.samples()) FAIL("wrong output size");
      ++decoded;
    } catch (const rdp::InvalidArgument&) {
      ++rejected;
    }
  }
  MESSAGE(cases << " mutated files: " << rejected << " rejected, " << decoded
                << " decoded (mutations the format cannot tell from data)");
  CHECK(decoded + rejected == cases);
}
