#pragma once
/// Entropy-coded payloads of the dithered lattice codecs (dithered_codec.hpp): the lattice points
/// c of a sequence of source blocks, coded with rANS (coding/rans.hpp) against the law of c given
/// what the decoder knows, and decoded back to the same c bit for bit, from which the codec's
/// Decoder makes x̂.
///
/// Lattices: those whose quantizer is Δ·Z^n (generator Δ·I: z8, z:n=N, z1^8, any scale), for SD,
/// PD and QSD. Each coordinate is coded with CellIndexModel (coding/cell_index_model.hpp): the
/// exact P(c_k | u_k) of the source over the cell, θ = μ + u_k, u the shared dither of the block
/// (SD), the shared fine point û (QSD) or 0 (PD). The coded length is then the exact
/// Σ −log2 P(c | u) plus the stated overheads (rans.hpp, cell_index_model.hpp) plus 4 bytes of
/// rANS state and a length prefix per chunk.
///
/// Payload layout. The blocks are cut into chunks of ⌈2^20 / n⌉ blocks (the last may be
/// shorter); each chunk is an independent rANS stream, written as its byte length (unsigned
/// LEB128) followed by the stream. Chunks are coded and decoded in parallel (OpenMP); the bytes do
/// not depend on the number of threads.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rdp/codec/dithered_codec.hpp"
#include "rdp/source.hpp"

namespace rdp {

/// Δ if the lattice is Δ·Z^n (its generator is Δ times the identity), otherwise 0: the lattices
/// with box cells, whose coordinates are coded independently and exactly.
double integer_lattice_step(const Lattice& lattice);

/// Blocks per chunk for dimension n: ⌈2^20 / n⌉.
std::uint64_t payload_chunk_blocks(int dimension);

/// Encodes `blocks` source blocks x (blocks × n values, row-major) with the codec's Encoder and
/// `common_seed` (ignored for PD), coding c against `source`'s cdf (the source the codec was
/// designed for; it must outlive the call). Throws InvalidArgument for a lattice that is not
/// Δ·Z^n ("lattice"), a non-finite x ("x") or a point more than 2^62 steps out ("x").
std::vector<std::uint8_t> encode_payload(const std::shared_ptr<const CodecLattices>& lattices,
                                         const ContinuousSource& source, std::uint64_t common_seed,
                                         const double* x, std::uint64_t blocks);

/// The inverse: the lattice points c (blocks × n) of `blocks` blocks from data[0, size). Throws
/// InvalidArgument ("payload" or "rANS stream") on data that is not such a payload: truncated,
/// trailing bytes, a chunk that does not decode consistently. Never reads outside the buffer.
std::vector<double> decode_payload(const std::shared_ptr<const CodecLattices>& lattices,
                                   const ContinuousSource& source, std::uint64_t common_seed,
                                   const std::uint8_t* data, std::size_t size,
                                   std::uint64_t blocks);

}  // namespace rdp
