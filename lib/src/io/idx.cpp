#include "rdp/io/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "rdp/error.hpp"

namespace rdp {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

}  // namespace

IdxImages read_idx_images(const std::string& parameter, const std::string& path) {
  const auto bad = [&](const std::string& range, const std::string& given) -> IdxImages {
    throw InvalidArgument(parameter, range, "'" + path + "': " + given);
  };
  errno = 0;
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) return bad("a readable IDX file", errno ? std::strerror(errno) : "cannot open");
  // Reads exactly `size` bytes, or says why not (end of data, a corrupt gzip stream).
  const auto read = [&](void* out, std::size_t size, const std::string& what) {
    std::size_t done = 0;
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, 1u << 30));
      const int got = gzread(f.get(), static_cast<char*>(out) + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* msg = gzerror(f.get(), &code);
        bad("a readable IDX file", std::string("gzip error: ") + (msg ? msg : "unknown"));
      }
      if (got == 0) {
        int code = 0;
        const char* msg = gzerror(f.get(), &code);
        if (code != Z_OK && code != Z_BUF_ERROR)
          bad("a readable IDX file", std::string("gzip error: ") + (msg ? msg : "unknown"));
        bad("a complete IDX file", "truncated in the " + what + " (" + std::to_string(done) +
                                       " of " + std::to_string(size) + " bytes)");
      }
      done += static_cast<std::size_t>(got);
    }
  };
  std::uint8_t magic[4];
  read(magic, 4, "magic");
  if (magic[0] != 0 || magic[1] != 0)
    return bad("an IDX file (magic 00 00 TYPE NDIM)", "not IDX (first bytes are not 00 00)");
  if (magic[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", magic[2]);
    return bad("IDX type 0x08 (unsigned bytes)", std::string("type ") + type);
  }
  const int ndim = magic[3];
  if (ndim < 1 || ndim > 4) return bad("IDX with 1 to 4 dimensions", std::to_string(ndim));
  IdxImages out;
  std::uint64_t count = 1;
  for (int k = 0; k < ndim; ++k) {
    std::uint8_t b[4];
    read(b, 4, "header");
    const std::uint32_t size = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                               (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
    if (size == 0)
      return bad("IDX sizes of at least 1", "size 0 in dimension " + std::to_string(k));
    if (count > kMaxDataValues / size)
      return bad("at most 2^28 values", "a larger header (dimension " + std::to_string(k) + ")");
    count *= size;
    out.dims.push_back(size);
  }
  const std::uint64_t rows = out.dims[0], cols = count / rows;
  std::vector<std::uint8_t> bytes(count);
  read(bytes.data(), bytes.size(), "data");
  std::uint8_t extra;
  if (gzread(f.get(), &extra, 1) != 0)
    return bad("an IDX file of exactly the header's size", "trailing bytes");
  out.values.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (std::uint64_t i = 0; i < rows; ++i)
    for (std::uint64_t j = 0; j < cols; ++j)
      out.values(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          bytes[i * cols + j] / 255.0;
  return out;
}

}  // namespace rdp
