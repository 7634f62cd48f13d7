#include "rdp/io/npy.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "rdp/error.hpp"

namespace rdp {

std::vector<std::uint8_t> read_file_bytes(const std::string& parameter, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InvalidArgument(parameter, "a readable file", "'" + path + "': " + std::strerror(errno));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) throw InvalidArgument(parameter, "a readable file", "'" + path + "': read error");
  return bytes;
}

// The .npy header: "\x93NUMPY", major, minor, a little-endian length (u16 for 1.x, u32 for 2.x
// and 3.x), then a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}.
NpyArray parse_npy(const std::string& parameter, const std::string& path,
                   const std::vector<std::uint8_t>& f, std::uint64_t max_values,
                   const std::string& max_values_text) {
  const auto bad = [&](const std::string& range, const std::string& given) -> NpyArray {
    throw InvalidArgument(parameter, range, "'" + path + "': " + given);
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
  NpyArray a;
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
    if (d != 0 && count > max_values / d)
      return bad("at most " + max_values_text, "a larger shape");
    count *= d;
  }
  if (a.shape.empty() || a.shape.size() > 8)
    return bad("an array of 1 to 8 dimensions", std::to_string(a.shape.size()));
  if (count > max_values)
    return bad("at most " + max_values_text, std::to_string(count) + " values");
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

NpyArray read_npy(const std::string& parameter, const std::string& path, std::uint64_t max_values,
                  const std::string& max_values_text) {
  return parse_npy(parameter, path, read_file_bytes(parameter, path), max_values, max_values_text);
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

}  // namespace rdp
