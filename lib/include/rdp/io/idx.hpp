#pragma once
/// IDX files (the MNIST format of LeCun, Cortes & Burges: a 4-byte magic 00 00 TYPE NDIM, NDIM
/// big-endian u32 sizes, then the values in C order), gzip-compressed or plain: zlib's gzread
/// reads both. Only TYPE 0x08 (unsigned bytes) is accepted, the type of every image file of MNIST,
/// Fashion-MNIST and EMNIST.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace rdp {

/// Largest number of values a data set may hold: 2^28 doubles (2 GiB), 5.7 times Fashion-MNIST's
/// 60000 × 784 training images; checked on the header before anything is allocated.
inline constexpr std::uint64_t kMaxDataValues = std::uint64_t{1} << 28;

struct IdxImages {
  /// N × d, row i the i-th item (an image flattened in C order), each byte scaled to [0, 1] by
  /// 1/255.
  Eigen::MatrixXd values;
  std::vector<std::uint32_t> dims;  ///< the header's sizes, dims[0] = N
};

/// Reads `path`. Throws InvalidArgument(parameter, ..., "'PATH': what was found") for a file that
/// cannot be opened, a bad magic (not IDX), a type other than 0x08, NDIM outside 1–4, a zero
/// size, more than kMaxDataValues values, a truncated file, trailing bytes or a corrupt gzip
/// stream.
IdxImages read_idx_images(const std::string& parameter, const std::string& path);

}  // namespace rdp
