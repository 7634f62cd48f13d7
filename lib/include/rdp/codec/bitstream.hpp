#pragma once
/// Entropy-coded payloads of the dithered lattice codecs (dithered_codec.hpp): the lattice points
/// c of a sequence of source blocks, coded with rANS (coding/rans.hpp) against the law of c given
/// what the decoder knows, and decoded back to the same c bit for bit, from which the codec's
/// Decoder makes x̂.
///
/// Lattices: all. Each block's point is coded with LatticeIndexCoder
/// (coding/lattice_index_model.hpp) against its law given u, the shared dither of the block (SD),
/// the shared fine point û (QSD) or 0 (PD): on Δ·Z^n (z8, z:n=N, z1^8, any scale) the exact
/// P(c_k | u_k) of the source over each coordinate's cell, so that the coded length is the exact
/// Σ −log2 P(c | u) plus the stated overheads (rans.hpp, cell_index_model.hpp) plus 4 bytes of rANS
/// state and a length prefix per chunk; on other lattices a chain over the coordinates of a
/// reduced basis, a cross-entropy model (docs/THEORY.md §5.5).
///
/// Payload layout. The blocks are cut into chunks of ⌈2^20 / n⌉ blocks (the last may be
/// shorter); each chunk is an independent rANS stream, written as its byte length (unsigned
/// LEB128) followed by the stream. Chunks are coded and decoded in parallel (OpenMP); the bytes do
/// not depend on the number of threads.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/source.hpp"

namespace rdp {

/// Blocks per chunk for dimension n: ⌈2^20 / n⌉.
std::uint64_t payload_chunk_blocks(int dimension);

/// Encodes `blocks` source blocks x (blocks × n values, row-major) with the codec's Encoder and
/// `common_seed` (ignored for PD), coding c against `source`'s cdf (Δ·Z^n) or the Gaussian with its
/// mean and variance (other lattices); the source must outlive the call. Throws InvalidArgument
/// for a non-finite x ("x") or a point more than 2^62 steps out ("x"). The blocks are numbered
/// from `first_block` for the shared dither: a payload coded a chunk at a time with first_block a
/// multiple of payload_chunk_blocks(n) has, summed, the size of the one coded at once.
std::vector<std::uint8_t> encode_payload(const std::shared_ptr<const CodecLattices>& lattices,
                                         const ContinuousSource& source, std::uint64_t common_seed,
                                         const double* x, std::uint64_t blocks,
                                         std::uint64_t first_block = 0);

/// The inverse: the lattice points c (blocks × n) of `blocks` blocks from data[0, size). Throws
/// InvalidArgument ("payload" or "rANS stream") on data that is not such a payload: truncated,
/// trailing bytes, a chunk that does not decode consistently. Never reads outside the buffer.
std::vector<double> decode_payload(const std::shared_ptr<const CodecLattices>& lattices,
                                   const ContinuousSource& source, std::uint64_t common_seed,
                                   const std::uint8_t* data, std::size_t size,
                                   std::uint64_t blocks);

/// The file: a header, the payload and zlib's CRC-32 of all that precedes it. Little-endian:
///   magic      8 bytes 89 'R' 'D' 'P' 'B' 0d 0a 1a (non-ASCII first byte, CR LF and ^Z: a file
///              mangled as text, or a foreign file, fails here)
///   version    u16 (kBitstreamVersion)
///   codec      u8 (0 sd, 1 pd, 2 qsd)
///   ndim       u8 (1 … 8), then shape u64 × ndim: the input array's, row-major
///   lattice    u16 length + ASCII name (the base lattice, make_lattice())
///   source     u16 length + ASCII spec (make_source()): the model's cdf
///   D, P       f64, f64: the targets the parameters were chosen for (for the record)
///   nesting    u32 (a; 1 unless QSD)
///   parameters f64 × 5: lattice scale, noise second moment, decoder gain g_s, private dither
///              magnitude s, source mean μ (the decoder uses these as stored; it solves nothing)
///   seeds      u64 common, u64 private: the common randomness (SD/QSD; 0 for PD) and the decoder's
///              own seed. In a deployment the common seed is agreed out of band and the private
///              one is the decoder's choice; they are stored so that a file reproduces its run.
///   blocks     u64 = ⌈samples / n⌉ (the last block padded with μ, dropped by the decoder)
///   payload    u64 length + the bytes of encode_payload()
///   crc32      u32 of everything above
inline constexpr std::uint16_t kBitstreamVersion = 1;
/// Largest number of samples a file may hold (16 GiB of float64 output).
inline constexpr std::uint64_t kMaxBitstreamSamples = std::uint64_t{1} << 31;

struct BitstreamHeader {
  CodecKind kind = CodecKind::sd;
  std::string lattice;  ///< base lattice name
  std::string source;   ///< continuous source spec
  double distortion_target = 0.0, perception_target = 0.0;
  /// Stored: kind, nesting_ratio, lattice_scale, noise_second_moment, decoder_gain,
  /// dither_magnitude, source_mean; the rest is not part of the file.
  CodecParameters parameters;
  std::uint64_t common_seed = 0, private_seed = 0;
  std::vector<std::uint64_t> shape;
  std::uint64_t blocks = 0;  ///< set by encode_bitstream
  std::uint64_t samples() const;
};

struct EncodedBitstream {
  std::vector<std::uint8_t> bytes;
  std::size_t header_bytes = 0;   ///< everything but the payload (the CRC included)
  std::size_t payload_bytes = 0;  ///< encode_payload()'s bytes
};

/// Bytes of the file around the payload (header and CRC) for this header: the fixed fields, 8 per
/// shape dimension and the two names.
std::size_t bitstream_overhead_bytes(const BitstreamHeader& header);

/// Encodes the samples x (header.samples() values) into a whole file. Throws InvalidArgument for
/// a header that decode_bitstream would refuse or an x that encode_payload() refuses.
EncodedBitstream encode_bitstream(BitstreamHeader header, const double* x);

struct DecodedBitstream {
  BitstreamHeader header;
  std::vector<double> x_hat;  ///< header.samples() values, in the input's order
  std::size_t header_bytes = 0, payload_bytes = 0;
};

/// Checks and parses the header, checks the CRC, and decodes the payload with the stored
/// parameters and seeds. Throws InvalidArgument (parameter "bitstream", "payload" or "rANS
/// stream", or that of the lattice or source named inside) on anything that is not such a file,
/// naming what is wrong; never reads outside data[0, size).
DecodedBitstream decode_bitstream(const std::uint8_t* data, std::size_t size);

/// The header alone (CRC checked), and where the payload lies.
BitstreamHeader read_bitstream_header(const std::uint8_t* data, std::size_t size,
                                      std::size_t* payload_offset = nullptr,
                                      std::size_t* payload_size = nullptr);

}  // namespace rdp
