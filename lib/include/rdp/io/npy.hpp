#pragma once
/// NumPy .npy arrays (format 1.0–3.0; NumPy's NEP 1): the reader takes little-endian float64 or
/// float32 in C order and any shape of 1 to 8 dimensions; the writer writes float64, format 1.0.
/// Every defect of a file is an InvalidArgument naming the caller's parameter, the admissible form
/// and "'PATH': what was found", so a command can report it in one line.
#include <cstdint>
#include <string>
#include <vector>

namespace rdp {

struct NpyArray {
  std::vector<double> values;        ///< row-major (C order), float32 widened exactly
  std::vector<std::uint64_t> shape;  ///< 1 to 8 dimensions
  std::string dtype;                 ///< "float64" or "float32", as stored
};

/// Parses the bytes of a .npy file read from `path` (the path only appears in messages).
/// `max_values` bounds the element count before anything is allocated; `max_values_text` is how
/// messages state that bound ("2^31 samples"). Throws InvalidArgument(parameter, ...) on a missing
/// magic, a version outside 1–3, a truncated header or data, a dtype other than '<f8'/'<f4',
/// Fortran order, a malformed shape, more than `max_values` elements, or data of the wrong size.
NpyArray parse_npy(const std::string& parameter, const std::string& path,
                   const std::vector<std::uint8_t>& bytes, std::uint64_t max_values,
                   const std::string& max_values_text);

/// Reads and parses `path`; an unreadable file is InvalidArgument(parameter, "a readable file").
NpyArray read_npy(const std::string& parameter, const std::string& path, std::uint64_t max_values,
                  const std::string& max_values_text);

/// A file's bytes; InvalidArgument(parameter, "a readable file", "'PATH': reason") on failure.
std::vector<std::uint8_t> read_file_bytes(const std::string& parameter, const std::string& path);

/// The bytes of a float64 .npy file (format 1.0, C order) holding `values` with `shape`; the
/// header is padded so that the data start at a multiple of 64 bytes, as NumPy writes it.
std::string npy_bytes(const std::vector<double>& values, const std::vector<std::uint64_t>& shape);

}  // namespace rdp
