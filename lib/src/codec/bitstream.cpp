#include "rdp/codec/bitstream.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "rdp/coding/lattice_index_model.hpp"
#include "rdp/coding/rans.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/source_registry.hpp"

namespace rdp {

namespace {

constexpr std::uint64_t kChunkSymbols = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxPayloadValues = std::uint64_t{1} << 40;
constexpr int kMaxBlock = 4096;  // the Encoder's limit on the dimension

void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// Reads an unsigned LEB128 of at most 10 bytes from data[pos, size); advances pos.
std::uint64_t get_varint(const std::uint8_t* data, std::size_t size, std::size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= size) throw InvalidArgument("payload", "complete", "truncated in a chunk length");
    const std::uint8_t byte = data[pos++];
    if (shift == 63 && (byte & 0x7e) != 0)
      throw InvalidArgument("payload", "chunk lengths below 2^64", "an overlong length");
    v |= std::uint64_t{static_cast<std::uint8_t>(byte & 0x7f)} << shift;
    if ((byte & 0x80) == 0) return v;
  }
  throw InvalidArgument("payload", "chunk lengths of at most 10 bytes", "a longer one");
}

// Runs body(chunk) for every chunk on OpenMP threads; rethrows the error of the lowest chunk.
template <class Body>
void for_each_chunk(std::uint64_t chunks, Body body) {
  std::vector<std::exception_ptr> errors(chunks);
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (std::int64_t j = 0; j < static_cast<std::int64_t>(chunks); ++j) {
    try {
      body(static_cast<std::uint64_t>(j));
    } catch (...) {
      errors[j] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

std::uint64_t payload_chunk_blocks(int dimension) {
  if (dimension < 1) throw InvalidArgument("dimension", ">= 1", std::to_string(dimension));
  return (kChunkSymbols + static_cast<std::uint64_t>(dimension) - 1) /
         static_cast<std::uint64_t>(dimension);
}

std::vector<std::uint8_t> encode_payload(const std::shared_ptr<const CodecLattices>& lattices,
                                         const ContinuousSource& source, std::uint64_t common_seed,
                                         const double* x, std::uint64_t blocks,
                                         std::uint64_t first_block) {
  const int n = lattices->dimension();
  if (n > kMaxBlock)
    throw InvalidArgument("lattice dimension", "[1, 4096] for a codec", std::to_string(n));
  if (blocks > kMaxPayloadValues / static_cast<std::uint64_t>(n))
    throw InvalidArgument("blocks", "at most 2^40 values", std::to_string(blocks) + " blocks");
  if (first_block > kMaxPayloadValues)
    throw InvalidArgument("first block", "at most 2^40", std::to_string(first_block));
  const std::uint64_t values = blocks * static_cast<std::uint64_t>(n);
  for (std::uint64_t i = 0; i < values; ++i)
    if (!std::isfinite(x[i]))
      throw InvalidArgument("x", "finite values",
                            "a non-finite value at index " + std::to_string(i));
  const double mu = lattices->parameters().source_mean;
  const LatticeChain chain =
      make_lattice_chain(lattices->base(), lattices->parameters().lattice_scale);
  const std::uint64_t per_chunk = payload_chunk_blocks(n);
  const std::uint64_t chunks = (blocks + per_chunk - 1) / per_chunk;
  std::vector<std::vector<std::uint8_t>> streams(chunks);
  for_each_chunk(chunks, [&](std::uint64_t j) {
    LatticeIndexCoder coder(chain, source, mu);
    RansEncoder enc;
    double c[kMaxBlock], u[kMaxBlock], y[kMaxBlock];
    const std::uint64_t end = std::min(blocks, (j + 1) * per_chunk);
    for (std::uint64_t b = j * per_chunk; b < end; ++b) {
      const double* xb = x + b * n;
      // Encoder::encode's steps, written out so that the dither is drawn once for the point and
      // its model (the tests compare c with the Encoder's, bit for bit).
      shared_dither(*lattices, common_seed, first_block + b, u);
      for (int k = 0; k < n; ++k) y[k] = xb[k] - mu - u[k];
      lattices->quantizer().nearest_point(y, c);
      try {
        coder.put_block(enc, c, u);
      } catch (const InvalidArgument&) {
        double far = xb[0];
        for (int k = 1; k < n; ++k)
          if (std::fabs(xb[k] - mu) > std::fabs(far - mu)) far = xb[k];
        throw InvalidArgument("x", "within 2^62 lattice steps of the mean", format_number(far));
      }
    }
    enc.finish(streams[j]);
  });
  std::vector<std::uint8_t> out;
  for (const auto& s : streams) {
    put_varint(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::vector<double> decode_payload(const std::shared_ptr<const CodecLattices>& lattices,
                                   const ContinuousSource& source, std::uint64_t common_seed,
                                   const std::uint8_t* data, std::size_t size,
                                   std::uint64_t blocks) {
  const int n = lattices->dimension();
  const double mu = lattices->parameters().source_mean;
  if (blocks > kMaxPayloadValues / static_cast<std::uint64_t>(n))
    throw InvalidArgument("payload", "at most 2^40 values", std::to_string(blocks) + " blocks");
  const std::uint64_t per_chunk = payload_chunk_blocks(n);
  const std::uint64_t chunks = (blocks + per_chunk - 1) / per_chunk;
  // Each chunk takes at least 5 bytes (its length and the 4-byte state): checked before
  // anything is sized by the block count.
  if (chunks > size / 5)
    throw InvalidArgument(
        "payload", "at least 5 bytes per chunk",
        std::to_string(size) + " bytes for " + std::to_string(chunks) + " chunks");
  // Chunk offsets first (serial, cheap), so that the chunks decode in parallel.
  std::vector<std::size_t> offset(chunks), length(chunks);
  std::size_t pos = 0;
  for (std::uint64_t j = 0; j < chunks; ++j) {
    const std::uint64_t len = get_varint(data, size, pos);
    if (len > size - pos)
      throw InvalidArgument("payload", "complete",
                            "truncated (chunk " + std::to_string(j) + " needs " +
                                std::to_string(len) + " bytes, " + std::to_string(size - pos) +
                                " left)");
    offset[j] = pos;
    length[j] = static_cast<std::size_t>(len);
    pos += static_cast<std::size_t>(len);
  }
  if (pos != size)
    throw InvalidArgument("payload", "no bytes after the last chunk",
                          std::to_string(size - pos) + " trailing bytes");
  // Each chunk decodes into its own buffer, grown as symbols arrive: a forged block count costs
  // memory only in proportion to what actually decodes.
  std::vector<std::vector<double>> parts(chunks);
  const LatticeChain chain =
      make_lattice_chain(lattices->base(), lattices->parameters().lattice_scale);
  for_each_chunk(chunks, [&](std::uint64_t j) {
    LatticeIndexCoder coder(chain, source, mu);
    RansDecoder dec(data + offset[j], length[j]);
    double u[kMaxBlock], c[kMaxBlock];
    const std::uint64_t end = std::min(blocks, (j + 1) * per_chunk);
    std::vector<double>& part = parts[j];
    part.reserve(std::min<std::uint64_t>((end - j * per_chunk) * n, length[j] * 64));
    for (std::uint64_t b = j * per_chunk; b < end; ++b) {
      shared_dither(*lattices, common_seed, b, u);
      coder.get_block(dec, u, c);
      part.insert(part.end(), c, c + n);
    }
    dec.finish();
  });
  std::vector<double> c;
  c.reserve(blocks * static_cast<std::uint64_t>(n));
  for (auto& part : parts) {
    c.insert(c.end(), part.begin(), part.end());
    std::vector<double>().swap(part);
  }
  return c;
}

namespace {

constexpr std::uint8_t kMagic[8] = {0x89, 'R', 'D', 'P', 'B', 0x0d, 0x0a, 0x1a};
constexpr int kMaxNdim = 8;
constexpr std::size_t kMaxNameLength = 256;

[[noreturn]] void bad_file(const std::string& range, const std::string& given) {
  throw InvalidArgument("bitstream", range, given);
}

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  return static_cast<std::uint32_t>(crc32_z(crc32_z(0, nullptr, 0), data, size));
}

class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  void u(std::uint64_t v, int size) {
    for (int i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u(bits, 8);
  }
  void text(const std::string& t) {
    u(t.size(), 2);
    bytes(t.data(), t.size());
  }
  std::vector<std::uint8_t> out;
};

// Bounds-checked reads: a short file is "truncated", never a read past the end.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  const std::uint8_t* take(std::size_t n, const char* what) {
    if (n > size_ - pos_)
      bad_file("a complete file",
               std::string("truncated in the ") + what + " (" + std::to_string(size_) + " bytes)");
    const std::uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  std::uint64_t u(int size, const char* what) {
    const std::uint8_t* p = take(static_cast<std::size_t>(size), what);
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i) v |= std::uint64_t{p[i]} << (8 * i);
    return v;
  }
  double f64(const char* what) {
    const std::uint64_t bits = u(8, what);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  std::string text(const char* what) {
    const std::size_t n = static_cast<std::size_t>(u(2, what));
    if (n == 0 || n > kMaxNameLength)
      bad_file(std::string("a ") + what + " of 1 to 256 characters", std::to_string(n));
    const std::uint8_t* p = take(n, what);
    for (std::size_t i = 0; i < n; ++i)
      if (p[i] < 0x20 || p[i] > 0x7e)
        bad_file(std::string("a printable ASCII ") + what, "a byte " + std::to_string(p[i]));
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  std::size_t pos() const { return pos_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_, pos_ = 0;
};

// The objects a header describes, each checked: what both sides build from it.
struct Codec {
  SourcePtr source;
  const ContinuousSource* continuous = nullptr;
  std::shared_ptr<const CodecLattices> lattices;
};

Codec build_codec(const BitstreamHeader& h) {
  const CodecParameters& p = h.parameters;
  if (!(p.lattice_scale > 0.0) || !std::isfinite(p.lattice_scale))
    bad_file("a positive finite lattice scale", format_number(p.lattice_scale));
  if (!std::isfinite(p.decoder_gain) || !std::isfinite(p.source_mean) ||
      !std::isfinite(p.noise_second_moment) || !(p.dither_magnitude >= 0.0) ||
      !std::isfinite(p.dither_magnitude))
    bad_file("finite codec parameters (dither magnitude >= 0)", "a non-finite or negative one");
  if (h.kind == CodecKind::qsd)
    require_nesting_ratio(p.nesting_ratio, "nesting");
  else if (p.nesting_ratio != 1)
    bad_file("nesting 1 for sd and pd", std::to_string(p.nesting_ratio));
  if (h.shape.empty() || h.shape.size() > kMaxNdim)
    bad_file("a shape of 1 to 8 dimensions", std::to_string(h.shape.size()));
  Codec c;
  c.source = make_source(h.source);
  c.continuous = dynamic_cast<const ContinuousSource*>(c.source.get());
  if (!c.continuous) bad_file("a continuous source", "'" + h.source + "'");
  const LatticePtr base = make_lattice(h.lattice);
  CodecParameters q;  // only what the file stores
  q.kind = h.kind;
  q.lattice_scale = p.lattice_scale;
  q.noise_second_moment = p.noise_second_moment;
  q.decoder_gain = p.decoder_gain;
  q.dither_magnitude = p.dither_magnitude;
  q.nesting_ratio = p.nesting_ratio;
  q.source_mean = p.source_mean;
  c.lattices = std::make_shared<CodecLattices>(base, q);
  return c;
}

}  // namespace

std::uint64_t BitstreamHeader::samples() const {
  std::uint64_t count = 1;
  for (std::uint64_t d : shape) {
    if (d != 0 && count > kMaxBitstreamSamples / d)
      bad_file("at most 2^31 samples", "a larger shape");
    count *= d;
  }
  if (count > kMaxBitstreamSamples) bad_file("at most 2^31 samples", std::to_string(count));
  return count;
}

std::size_t bitstream_overhead_bytes(const BitstreamHeader& h) {
  // magic 8, version 2, codec 1, ndim 1, shape, 2 + lattice, 2 + source, D and P 16, nesting 4,
  // parameters 40, seeds 16, blocks 8, payload length 8, CRC 4.
  return 8 + 2 + 1 + 1 + 8 * h.shape.size() + 2 + h.lattice.size() + 2 + h.source.size() + 16 + 4 +
         40 + 16 + 8 + 8 + 4;
}

EncodedBitstream encode_bitstream(BitstreamHeader h, const double* x) {
  const Codec codec = build_codec(h);
  const int n = codec.lattices->dimension();
  const std::uint64_t samples = h.samples();
  h.blocks = (samples + n - 1) / n;
  if (h.kind == CodecKind::pd) h.common_seed = 0;
  // The last block padded with the mean: its cell is the likeliest, and the decoder drops it.
  std::vector<double> padded;
  const double* input = x;
  if (h.blocks * n != samples) {
    padded.assign(h.blocks * n, h.parameters.source_mean);
    std::copy(x, x + samples, padded.begin());
    input = padded.data();
  }
  const std::vector<std::uint8_t> payload =
      encode_payload(codec.lattices, *codec.continuous, h.common_seed, input, h.blocks);
  Writer w;
  w.bytes(kMagic, 8);
  w.u(kBitstreamVersion, 2);
  w.u(static_cast<std::uint64_t>(h.kind), 1);
  w.u(h.shape.size(), 1);
  for (std::uint64_t d : h.shape) w.u(d, 8);
  w.text(h.lattice);
  w.text(h.source);
  w.f64(h.distortion_target);
  w.f64(h.perception_target);
  w.u(static_cast<std::uint64_t>(h.parameters.nesting_ratio), 4);
  w.f64(h.parameters.lattice_scale);
  w.f64(h.parameters.noise_second_moment);
  w.f64(h.parameters.decoder_gain);
  w.f64(h.parameters.dither_magnitude);
  w.f64(h.parameters.source_mean);
  w.u(h.common_seed, 8);
  w.u(h.private_seed, 8);
  w.u(h.blocks, 8);
  w.u(payload.size(), 8);
  w.bytes(payload.data(), payload.size());
  w.u(crc32_of(w.out.data(), w.out.size()), 4);
  EncodedBitstream out;
  out.payload_bytes = payload.size();
  out.header_bytes = w.out.size() - payload.size();
  if (out.header_bytes != bitstream_overhead_bytes(h))
    throw std::logic_error("bitstream_overhead_bytes disagrees with the writer");
  out.bytes = std::move(w.out);
  return out;
}

BitstreamHeader read_bitstream_header(const std::uint8_t* data, std::size_t size,
                                      std::size_t* payload_offset, std::size_t* payload_size) {
  if (size == 0 || data == nullptr) bad_file("an rdp bitstream file", "an empty file");
  Reader r(data, size);
  if (size < 8 || std::memcmp(r.take(8, "magic"), kMagic, 8) != 0)
    bad_file("an rdp bitstream file (magic 89 'RDPB' 0d 0a 1a)", "another kind of file");
  const auto version = r.u(2, "version");
  if (version != kBitstreamVersion)
    bad_file("format version " + std::to_string(kBitstreamVersion), std::to_string(version));
  BitstreamHeader h;
  const auto kind = r.u(1, "codec");
  if (kind > 2) bad_file("codec 0 (sd), 1 (pd) or 2 (qsd)", std::to_string(kind));
  h.kind = static_cast<CodecKind>(kind);
  h.parameters.kind = h.kind;
  const auto ndim = r.u(1, "shape");
  if (ndim < 1 || ndim > kMaxNdim) bad_file("a shape of 1 to 8 dimensions", std::to_string(ndim));
  for (std::uint64_t i = 0; i < ndim; ++i) h.shape.push_back(r.u(8, "shape"));
  h.lattice = r.text("lattice name");
  h.source = r.text("source spec");
  h.distortion_target = r.f64("targets");
  h.perception_target = r.f64("targets");
  const auto nesting = r.u(4, "nesting");
  if (nesting < 1 || nesting > static_cast<std::uint64_t>(kMaxNestingRatio))
    bad_file("nesting in [1, 1024]", std::to_string(nesting));
  h.parameters.nesting_ratio = static_cast<int>(nesting);
  h.parameters.lattice_scale = r.f64("parameters");
  h.parameters.noise_second_moment = r.f64("parameters");
  h.parameters.decoder_gain = r.f64("parameters");
  h.parameters.dither_magnitude = r.f64("parameters");
  h.parameters.source_mean = r.f64("parameters");
  h.common_seed = r.u(8, "seeds");
  h.private_seed = r.u(8, "seeds");
  h.blocks = r.u(8, "block count");
  const std::uint64_t length = r.u(8, "payload length");
  const std::size_t left = size - r.pos();
  if (left < 4 || length != left - 4)
    bad_file("a payload length matching the file (" + std::to_string(left < 4 ? 0 : left - 4) +
                 " bytes before the checksum)",
             std::to_string(length));
  const std::size_t offset = r.pos();
  r.take(static_cast<std::size_t>(length), "payload");
  const auto stored = static_cast<std::uint32_t>(r.u(4, "checksum"));
  const std::uint32_t computed = crc32_of(data, size - 4);
  if (stored != computed) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "CRC-32 %08x, computed %08x", stored, computed);
    bad_file("a matching CRC-32 (the file is corrupt)", buf);
  }
  h.samples();  // checks the shape's size
  if (payload_offset) *payload_offset = offset;
  if (payload_size) *payload_size = static_cast<std::size_t>(length);
  return h;
}

DecodedBitstream decode_bitstream(const std::uint8_t* data, std::size_t size) {
  std::size_t offset = 0, length = 0;
  DecodedBitstream out;
  out.header = read_bitstream_header(data, size, &offset, &length);
  const BitstreamHeader& h = out.header;
  const Codec codec = build_codec(h);
  const int n = codec.lattices->dimension();
  const std::uint64_t samples = h.samples();
  if (h.blocks != (samples + n - 1) / n)
    bad_file("a block count of ceil(samples / " + std::to_string(n) +
                 ") = " + std::to_string((samples + n - 1) / n),
             std::to_string(h.blocks));
  const std::vector<double> c = decode_payload(codec.lattices, *codec.continuous, h.common_seed,
                                               data + offset, length, h.blocks);
  const std::uint64_t values = h.blocks * n;
  std::vector<double> x_hat(values);
  const Decoder decoder = h.kind == CodecKind::pd
                              ? Decoder(codec.lattices, h.private_seed)
                              : Decoder(codec.lattices, h.common_seed, h.private_seed);
  // Block b depends on (c_b, seeds, b) only: any thread count gives the same x̂.
#pragma omp parallel for schedule(static) if (values >= 65536)
  for (std::int64_t b = 0; b < static_cast<std::int64_t>(h.blocks); ++b)
    decoder.decode(static_cast<std::uint64_t>(b), &c[b * n], &x_hat[b * n]);
  x_hat.resize(samples);
  out.x_hat = std::move(x_hat);
  out.payload_bytes = length;
  out.header_bytes = size - length;
  return out;
}

}  // namespace rdp
