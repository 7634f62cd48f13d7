// `rdp encode` and `rdp decode`: real files for SD-, PD- and QSD-LTC on scaled Z^n
// (lib/include/rdp/codec/bitstream.hpp has the format).
//
// Arrays in and out are NumPy .npy files (format 1.0–3.0, dtype '<f8' or '<f4', C order, any
// shape; read by the small reader below) or, for any other file name, raw little-endian float64.
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
#include "rdp/lattice/constants.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/source_registry.hpp"
#include "rdp/sources.hpp"

namespace rdp::cli {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<std::uint8_t> read_bytes(const std::string& parameter, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InvalidArgument(parameter, "a readable file", "'" + path + "': " + std::strerror(errno));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) throw InvalidArgument(parameter, "a readable file", "'" + path + "': read error");
  return bytes;
}

struct Array {
  std::vector<double> values;
  std::vector<std::uint64_t> shape;
  std::string dtype;  // "float64" or "float32"
};

// The .npy header: "\x93NUMPY", major, minor, a little-endian length (u16 for 1.x, u32 for 2.x
// and 3.x), then a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}.
Array read_npy(const std::string& path, const std::vector<std::uint8_t>& f) {
  const auto bad = [&](const std::string& range, const std::string& given) -> Array {
    throw InvalidArgument("in", range, "'" + path + "': " + given);
  };
  static const std::uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (f.size() < 10 || std::memcmp(f.data(), magic, 6) != 0)
    return bad("a .npy file", "no .npy magic");
  const int major = f[6];
  if (major < 1 || major > 3) return bad(".npy format 1.0 to 3.0", std::to_string(major));
  const std::size_t len_size = major == 1 ? 2 : 4;
  if (f.size() < 8 + len_size) return bad("a complete .npy header", "truncated");
  std::size_t header_len = 0;
  for (std::size_t i = 0; i < len_size; ++i) header_len |= std::size_t{f[8 + i]} << (8 * i);
  const std::size_t start = 8 + len_size;
  if (header_len > f.size() - start) return bad("a complete .npy header", "truncated");
  const std::string h(reinterpret_cast<const char*>(f.data() + start), header_len);
  const auto value_of = [&](const std::string& key) {
    const auto at = h.find("'" + key + "'");
    if (at == std::string::npos) bad("a .npy header with '" + key + "'", "none");
    auto colon = h.find(':', at);
    if (colon == std::string::npos) bad("a .npy header", "malformed");
    ++colon;
    while (colon < h.size() && h[colon] == ' ') ++colon;
    return colon;
  };
  Array a;
  std::size_t p = value_of("descr");
  const auto q = h.find_first_of("'\"", p);
  const auto q2 = q == std::string::npos ? q : h.find(h[q], q + 1);
  if (q != p || q2 == std::string::npos) return bad("a .npy descr string", "malformed");
  const std::string descr = h.substr(q + 1, q2 - q - 1);
  std::size_t item;
  if (descr == "<f8") {
    a.dtype = "float64";
    item = 8;
  } else if (descr == "<f4") {
    a.dtype = "float32";
    item = 4;
  } else {
    return bad("dtype '<f8' or '<f4' (little-endian float64 or float32)", "'" + descr + "'");
  }
  p = value_of("fortran_order");
  if (h.compare(p, 5, "False") != 0) return bad("C order (fortran_order False)", "Fortran order");
  p = value_of("shape");
  if (p >= h.size() || h[p] != '(') return bad("a .npy shape tuple", "malformed");
  const auto close = h.find(')', p);
  if (close == std::string::npos) return bad("a .npy shape tuple", "malformed");
  std::uint64_t count = 1;
  for (std::size_t i = p + 1; i < close;) {
    while (i < close && (h[i] == ' ' || h[i] == ',')) ++i;
    if (i >= close) break;
    std::uint64_t d = 0;
    int digits = 0;
    while (i < close && h[i] >= '0' && h[i] <= '9' && digits < 12) {
      d = 10 * d + static_cast<std::uint64_t>(h[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || (i < close && h[i] != ',' && h[i] != ' '))
      return bad("a .npy shape of non-negative integers", "malformed");
    a.shape.push_back(d);
    if (d != 0 && count > kMaxBitstreamSamples / d)
      return bad("at most 2^31 samples", "a larger shape");
    count *= d;
  }
  if (a.shape.empty() || a.shape.size() > 8)
    return bad("an array of 1 to 8 dimensions", std::to_string(a.shape.size()));
  if (count > kMaxBitstreamSamples)
    return bad("at most 2^31 samples", std::to_string(count) + " samples");
  const std::size_t data = start + header_len;
  if (f.size() - data != count * item)
    return bad("data of " + std::to_string(count * item) + " bytes for shape and dtype",
               std::to_string(f.size() - data) + " bytes");
  a.values.resize(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    if (item == 8) {
      std::memcpy(&a.values[i], f.data() + data + 8 * i, 8);
    } else {
      float v;
      std::memcpy(&v, f.data() + data + 4 * i, 4);
      a.values[i] = v;
    }
  }
  return a;
}

Array read_array(const std::string& path) {
  const auto bytes = read_bytes("in", path);
  if (ends_with(path, ".npy")) return read_npy(path, bytes);
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

std::string npy_bytes(const std::vector<double>& values, const std::vector<std::uint64_t>& shape) {
  std::string dims;  // Python's tuple syntax: "(3,)" but "(3, 4)"
  for (std::size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic, version 1.0, u16 length; the whole header is padded to a multiple of 64 with '\n' last.
  const std::size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  return out;
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
  if (kind != CodecKind::qsd && o.nesting_given)
    throw InvalidArgument("nesting", "absent unless --codec qsd", std::to_string(o.nesting));
  const bool from_file = !o.in.empty();
  if (from_file == !std::isnan(o.samples))
    throw UsageError("give exactly one of --samples N (with --seed) and --in FILE");
  const CodecInputs in = parse_codec_inputs(o.lattice, o.source);
  const LatticePtr& base = in.lattice;
  const SourcePtr& src = in.source;
  const ContinuousSource* cont = in.continuous;
  require_writable_file("out", o.out);
  const int a = kind == CodecKind::qsd ? o.nesting : 1;
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
  const auto bytes = read_bytes("in", o.in);
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
