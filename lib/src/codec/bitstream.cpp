#include "rdp/codec/bitstream.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include "rdp/coding/cell_index_model.hpp"
#include "rdp/coding/rans.hpp"
#include "rdp/error.hpp"

namespace rdp {

namespace {

constexpr std::uint64_t kChunkSymbols = std::uint64_t{1} << 20;
constexpr double kMaxIndex = 0x1.0p62;
constexpr int kMaxBlock = 4096;  // the Encoder's limit on the dimension

double require_integer_step(const CodecLattices& lattices) {
  const double step = integer_lattice_step(lattices.quantizer());
  if (!(step > 0.0))
    throw InvalidArgument("lattice",
                          "a scaled Z^n (generator a multiple of the identity) for coding",
                          "'" + lattices.quantizer().name() + "'");
  return step;
}

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

double integer_lattice_step(const Lattice& lattice) {
  const Eigen::MatrixXd& g = lattice.generator();
  const double step = g(0, 0);
  if (!(step > 0.0)) return 0.0;
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    for (Eigen::Index i = 0; i < g.rows(); ++i)
      if (g(i, j) != (i == j ? step : 0.0)) return 0.0;
  return step;
}

std::uint64_t payload_chunk_blocks(int dimension) {
  if (dimension < 1) throw InvalidArgument("dimension", ">= 1", std::to_string(dimension));
  return (kChunkSymbols + static_cast<std::uint64_t>(dimension) - 1) /
         static_cast<std::uint64_t>(dimension);
}

std::vector<std::uint8_t> encode_payload(const std::shared_ptr<const CodecLattices>& lattices,
                                         const ContinuousSource& source, std::uint64_t common_seed,
                                         const double* x, std::uint64_t blocks) {
  const double step = require_integer_step(*lattices);
  const int n = lattices->dimension();
  const std::uint64_t values = blocks * static_cast<std::uint64_t>(n);
  for (std::uint64_t i = 0; i < values; ++i)
    if (!std::isfinite(x[i]))
      throw InvalidArgument("x", "finite values",
                            "a non-finite value at index " + std::to_string(i));
  const Encoder encoder(lattices, common_seed);
  const double mu = lattices->parameters().source_mean;
  const std::uint64_t per_chunk = payload_chunk_blocks(n);
  const std::uint64_t chunks = (blocks + per_chunk - 1) / per_chunk;
  std::vector<std::vector<std::uint8_t>> streams(chunks);
  for_each_chunk(chunks, [&](std::uint64_t j) {
    CellIndexModel model(source, step);
    RansEncoder enc;
    double c[kMaxBlock], u[kMaxBlock];
    const std::uint64_t end = std::min(blocks, (j + 1) * per_chunk);
    for (std::uint64_t b = j * per_chunk; b < end; ++b) {
      const double* xb = x + b * n;
      encoder.encode(b, xb, c);
      shared_dither(*lattices, common_seed, b, u);
      for (int k = 0; k < n; ++k) {
        const double t = c[k] / step;
        if (!(std::fabs(t) <= kMaxIndex))
          throw InvalidArgument("x", "within 2^62 lattice steps of the mean", format_number(xb[k]));
        const auto index = static_cast<std::int64_t>(std::nearbyint(t));
        // The decoder rebuilds c as index·Δ: it must be the Encoder's value exactly.
        if (double(index) * step != c[k])
          throw InvalidArgument("lattice", "a quantizer that rounds to multiples of its step",
                                "'" + lattices->quantizer().name() + "'");
        model.place(mu + u[k]);
        put_index(enc, model, index);
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
  const double step = require_integer_step(*lattices);
  const int n = lattices->dimension();
  const double mu = lattices->parameters().source_mean;
  const std::uint64_t per_chunk = payload_chunk_blocks(n);
  const std::uint64_t chunks = (blocks + per_chunk - 1) / per_chunk;
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
  std::vector<double> c(blocks * static_cast<std::uint64_t>(n));
  for_each_chunk(chunks, [&](std::uint64_t j) {
    CellIndexModel model(source, step);
    RansDecoder dec(data + offset[j], length[j]);
    double u[kMaxBlock];
    const std::uint64_t end = std::min(blocks, (j + 1) * per_chunk);
    for (std::uint64_t b = j * per_chunk; b < end; ++b) {
      shared_dither(*lattices, common_seed, b, u);
      double* cb = c.data() + b * n;
      for (int k = 0; k < n; ++k) {
        model.place(mu + u[k]);
        const std::int64_t index = get_index(dec, model);
        if (!(std::fabs(double(index)) <= kMaxIndex))
          throw InvalidArgument("payload", "indices within 2^62", std::to_string(index));
        cb[k] = double(index) * step;
      }
    }
    dec.finish();
  });
  return c;
}

}  // namespace rdp
