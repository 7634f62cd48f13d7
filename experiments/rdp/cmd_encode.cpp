// `rdp encode` and `rdp decode`: real files for SD-, PD- and QSD-LTC on scaled Z^n
// (lib/include/rdp/codec/bitstream.hpp has the format).
//
// Arrays in and out are NumPy .npy files (format 1.0–3.0, dtype '<f8' or '<f4', C order, any
// shape; rdp/io/npy.hpp) or, for any other file name, raw little-endian float64.
// decode writes float64 (the reconstruction bit for bit), .npy with the input's shape or raw.
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "codec_runs.hpp"
#include "command.hpp"
#include "problem.hpp"
#include "rdp/codec/bitstream.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/io/atomic_file.hpp"
#include "rdp/io/npy.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/source_registry.hpp"
#include "rdp/sources.hpp"

namespace rdp::cli {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

struct Array {
  std::vector<double> values;
  std::vector<std::uint64_t> shape;
  std::string dtype;  // "float64" or "float32"
};

Array read_array(const std::string& path) {
  const auto bytes = read_file_bytes("in", path);
  if (ends_with(path, ".npy")) {
    NpyArray npy = parse_npy("in", path, bytes, kMaxBitstreamSamples, "2^31 samples");
    return {std::move(npy.values), std::move(npy.shape), npy.dtype};
  }
  if (bytes.size() % 8 != 0)
    throw InvalidArgument("in", "raw little-endian float64 (a multiple of 8 bytes)",
                          "'" + path + "': " + std::to_string(bytes.size()) + " bytes");
  Array a;
  a.dtype = "float64";
  a.values.resize(bytes.size() / 8);
  if (a.values.size() > kMaxBitstreamSamples)
    throw InvalidArgument("in", "at most 2^31 samples", std::to_string(a.values.size()));
  std::memcpy(a.values.data(), bytes.data(), bytes.size());
  a.shape = {a.values.size()};
  return a;
}

struct EncodeOptions {
  std::string codec = "sd", lattice = "z1", source = "gaussian:sigma=1";
  double distortion = NAN, perception = 0.0;
  int nesting = 2;
  bool nesting_given = false;
  double samples = NAN;
  std::string samples_text;
  std::uint64_t seed = 1;
  std::string in, out;
  bool json = false;
};

void run_encode(const EncodeOptions& o) {
  const CodecKind kind = parse_codec(o.codec);
  const int a =
      codec_nesting(kind, o.nesting_given ? std::optional<long long>(o.nesting) : std::nullopt);
  const bool from_file = !o.in.empty();
  if (from_file == !std::isnan(o.samples))
    throw UsageError("give exactly one of --samples N (with --seed) and --in FILE");
  const CodecInputs in = parse_codec_inputs(o.lattice, o.source);
  const LatticePtr& base = in.lattice;
  const SourcePtr& src = in.source;
  const ContinuousSource* cont = in.continuous;
  require_writable_file("out", o.out);
  const int n = base->dimension();

  BitstreamHeader h;
  h.kind = kind;
  h.lattice = base->name();
  h.source = src->spec();
  h.distortion_target = o.distortion;
  h.perception_target = o.perception;
  h.parameters = choose_codec_parameters(
      kind, *base, experiments::codec_nsm(*base, o.lattice, o.seed).nsm, cont->mean(),
      std::sqrt(cont->variance()), o.distortion, o.perception, a);
  h.common_seed = kind == CodecKind::pd ? 0 : derive_seed(o.seed, 1);
  h.private_seed = derive_seed(o.seed, 2);
  std::vector<double> x;
  std::string dtype = "float64";
  if (from_file) {
    Array arr = read_array(o.in);
    x = std::move(arr.values);
    h.shape = arr.shape;
    dtype = arr.dtype;
  } else {
    if (o.samples != std::floor(o.samples))
      throw InvalidArgument("samples", "a whole number in [1, 2^31]", o.samples_text);
    // The blocks simulate_codec draws for this seed: Philox(derive_seed(seed, 3), block).
    const auto count = static_cast<std::uint64_t>(o.samples);
    x.resize(count);
    const std::uint64_t source_seed = derive_seed(o.seed, 3);
    for (std::uint64_t b = 0; b * n < count; ++b) {
      Philox rng(source_seed, b);
      for (int k = 0; k < n && b * n + k < count; ++k) x[b * n + k] = cont->sample(rng);
    }
    h.shape = {count};
  }
  const EncodedBitstream file = encode_bitstream(h, x.data());
  write_file_atomic(
      o.out, std::string_view(reinterpret_cast<const char*>(file.bytes.data()), file.bytes.size()));
  const double samples = double(x.size());
  const double coded = samples > 0 ? 8.0 * file.payload_bytes / samples : 0.0;
  if (o.json) {
    nlohmann::ordered_json j;
    j["codec"] = o.codec;
    j["lattice"] = h.lattice;
    j["source"] = h.source;
    j["samples"] = x.size();
    j["input_dtype"] = dtype;
    j["bytes"] = file.bytes.size();
    j["header_bytes"] = file.header_bytes;
    j["payload_bytes"] = file.payload_bytes;
    j["coded_rate_bits"] = coded;  // payload bits per dimension, header excluded
    j["lattice_scale"] = h.parameters.lattice_scale;
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << fmt::format(
      "{} on {}: {} samples into {} bytes ({} header), coded rate {:.4f} bits/dim (payload)\n",
      o.codec, h.lattice, x.size(), file.bytes.size(), file.header_bytes, coded);
}

struct DecodeOptions {
  std::string in, out;
  bool json = false;
};

void run_decode(const DecodeOptions& o) {
  require_writable_file("out", o.out);
  const auto bytes = read_file_bytes("in", o.in);
  const DecodedBitstream d = decode_bitstream(bytes.data(), bytes.size());
  if (ends_with(o.out, ".npy")) {
    write_file_atomic(o.out, npy_bytes(d.x_hat, d.header.shape));
  } else {
    write_file_atomic(o.out, std::string_view(reinterpret_cast<const char*>(d.x_hat.data()),
                                              d.x_hat.size() * sizeof(double)));
  }
  const double coded = d.x_hat.empty() ? 0.0 : 8.0 * d.payload_bytes / double(d.x_hat.size());
  if (o.json) {
    nlohmann::ordered_json j;
    j["codec"] = codec_name(d.header.kind);
    j["lattice"] = d.header.lattice;
    j["samples"] = d.x_hat.size();
    j["header_bytes"] = d.header_bytes;
    j["payload_bytes"] = d.payload_bytes;
    j["coded_rate_bits"] = coded;
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << fmt::format("{} on {}: {} samples from {} bytes, coded rate {:.4f} bits/dim\n",
                           codec_name(d.header.kind), d.header.lattice, d.x_hat.size(),
                           bytes.size(), coded);
}

void setup(CLI::App& app) {
  auto o = std::make_shared<EncodeOptions>();
  auto* enc = app.add_subcommand(
      "encode", "Code samples into a file with SD-, PD- or QSD-LTC on any lattice");
  experiments::add_choice(enc, "--codec", o->codec, {"sd", "pd", "qsd"},
                          "sd | pd | qsd (default sd)");
  experiments::add_text(enc, "--lattice", o->lattice,
                        "a lattice name, e.g. z1, z8, e8, leech, e8^2",
                        "lattice (default z1; exact model on Z^n, chain model elsewhere)");
  experiments::add_integer(enc, "--nesting", o->nesting, 1, kMaxNestingRatio,
                           "QSD nesting ratio a (default 2)")
      ->each([o](const std::string&) { o->nesting_given = true; });
  experiments::add_text(enc, "--source", o->source, "a continuous source spec",
                        "the source the codec is designed for and coded against (default "
                        "gaussian:sigma=1)");
  experiments::add_real(enc, "--D", o->distortion, {0.0, INFINITY, true, true},
                        "target MSE per dimension")
      ->required();
  experiments::add_real(enc, "--P", o->perception, {0.0, INFINITY, false, true},
                        "target Fréchet W2^2 per dimension (default 0)");
  experiments::add_real(enc, "--samples", o->samples,
                        {1.0, double(kMaxBitstreamSamples), false, false, "[1, 2^31]"},
                        "draw this many samples from the source (with --seed)")
      ->each([o](const std::string& text) { o->samples_text = text; });
  experiments::add_seed(enc, o->seed,
                        "seed of the samples, the common and the decoder's randomness (default 1)");
  experiments::add_text(enc, "--in", o->in, "a .npy (float64/float32) or raw float64 file",
                        "input samples (.npy or raw little-endian float64)");
  experiments::add_text(enc, "--out", o->out, "a writable file path", "the bitstream file")
      ->required();
  enc->add_flag("--json", o->json, "print one JSON object on one line");
  enc->callback([o] { run_encode(*o); });

  auto d = std::make_shared<DecodeOptions>();
  auto* dec = app.add_subcommand("decode", "Rebuild the reconstruction from an rdp encode file");
  experiments::add_text(dec, "--in", d->in, "a file written by rdp encode", "the bitstream file")
      ->required();
  experiments::add_text(dec, "--out", d->out, "a writable file path",
                        "the reconstruction: .npy (float64, the input's shape) or raw float64")
      ->required();
  dec->add_flag("--json", d->json, "print one JSON object on one line");
  dec->callback([d] { run_decode(*d); });
}

const bool registered = register_command(&setup);

}  // namespace
}  // namespace rdp::cli
