// .npy and IDX readers and the data-set specs (rdp/io/npy.hpp, idx.hpp, dataset.hpp).
#include <doctest/doctest.h>
#include <stdlib.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/io/dataset.hpp"
#include "rdp/io/idx.hpp"
#include "rdp/io/npy.hpp"

namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "rdp_io_XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// An IDX ubyte file of `rows` items of h × w, item i pixel k = (i + k) mod 256.
std::string idx_bytes(std::uint32_t rows, std::uint32_t h, std::uint32_t w) {
  std::string s = {0, 0, 0x08, 3};
  for (std::uint32_t v : {rows, h, w})
    for (int b = 3; b >= 0; --b) s += static_cast<char>((v >> (8 * b)) & 0xff);
  for (std::uint32_t i = 0; i < rows; ++i)
    for (std::uint32_t k = 0; k < h * w; ++k) s += static_cast<char>((i + k) % 256);
  return s;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const rdp::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("npy: float64 round trip through npy_bytes and parse_npy keeps shape and bits") {
  const std::vector<double> v = {1.5, -2.25, 1e-300, 3.0, 0.1, -0.0};
  const std::string b = rdp::npy_bytes(v, {2, 3});
  CHECK((10 + static_cast<unsigned char>(b[8]) + 256 * static_cast<unsigned char>(b[9])) % 64 == 0);
  const std::vector<std::uint8_t> bytes(b.begin(), b.end());
  const rdp::NpyArray a = rdp::parse_npy("in", "x.npy", bytes, 1000, "1000 values");
  CHECK(a.dtype == "float64");
  CHECK(a.shape == std::vector<std::uint64_t>{2, 3});
  REQUIRE(a.values.size() == v.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(std::signbit(a.values[i]) == std::signbit(v[i]));
  CHECK(a.values == v);
}

TEST_CASE("npy: refuses a bad magic, truncated data, too many values, naming the parameter") {
  const std::string b = rdp::npy_bytes({1, 2, 3, 4}, {4});
  std::vector<std::uint8_t> bytes(b.begin(), b.end());
  CHECK(message_of([&] {
          rdp::parse_npy("in", "x.npy", bytes, 3, "3 values");
        }).find("at most 3 values") != std::string::npos);
  auto cut = bytes;
  cut.resize(cut.size() - 3);
  CHECK(message_of([&] { rdp::parse_npy("in", "x.npy", cut, 100, "100"); }).find("bytes") !=
        std::string::npos);
  auto foreign = bytes;
  foreign[1] = 'X';
  const std::string m = message_of([&] { rdp::parse_npy("data", "x.npy", foreign, 100, "100"); });
  CHECK(m.find("invalid data") == 0);
  CHECK(m.find("no .npy magic") != std::string::npos);
}

TEST_CASE("idx: plain and gzip files give the same N x d matrix of bytes / 255") {
  Scratch s;
  const std::string raw = idx_bytes(5, 3, 4);
  write_bytes(s.path("a.idx"), raw);
  write_gz(s.path("a.idx.gz"), raw);
  for (const std::string name : {"a.idx", "a.idx.gz"}) {
    const rdp::IdxImages img = rdp::read_idx_images("data", s.path(name));
    REQUIRE(img.values.rows() == 5);
    REQUIRE(img.values.cols() == 12);
    CHECK(img.dims == std::vector<std::uint32_t>{5, 3, 4});
    CHECK(img.values(4, 11) == doctest::Approx(15 / 255.0).epsilon(1e-15));
    CHECK(img.values(0, 0) == 0.0);
  }
}

TEST_CASE("idx: not IDX, a float type, truncated, trailing bytes, empty: one InvalidArgument") {
  Scratch s;
  const std::string raw = idx_bytes(5, 3, 4);
  write_bytes(s.path("text.idx"), "hello world, not an IDX file");
  std::string typed = raw;
  typed[2] = 0x0D;
  write_bytes(s.path("float.idx"), typed);
  write_gz(s.path("short.gz"), raw.substr(0, raw.size() - 7));
  write_bytes(s.path("long.idx"), raw + "x");
  write_bytes(s.path("empty.idx"), "");
  std::string zero = raw;
  zero[7] = 0;  // rows = 0
  write_bytes(s.path("zero.idx"), zero.substr(0, 16));
  const auto msg = [&](const char* name) {
    return message_of([&] { rdp::read_idx_images("data", s.path(name)); });
  };
  CHECK(msg("text.idx").find("not IDX") != std::string::npos);
  CHECK(msg("float.idx").find("type 0x0d") != std::string::npos);
  CHECK(msg("short.gz").find("truncated in the data") != std::string::npos);
  CHECK(msg("long.idx").find("trailing bytes") != std::string::npos);
  CHECK(msg("empty.idx").find("truncated in the magic") != std::string::npos);
  CHECK(msg("zero.idx").find("size 0") != std::string::npos);
  CHECK(msg("missing.idx").find("readable IDX file") != std::string::npos);
}

TEST_CASE("dataset: npy specs split train/test, refuse NaN and unknown forms") {
  Scratch s;
  std::vector<double> v(70 * 4);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.01 * double(i);
  write_bytes(s.path("x.npy"), rdp::npy_bytes(v, {70, 4}));
  const rdp::DataSet d = rdp::load_dataset("data", "npy:" + s.path("x.npy"));
  CHECK(d.train.rows() == 60);
  CHECK(d.test.rows() == 10);
  CHECK(d.test(0, 0) == doctest::Approx(0.01 * 240).epsilon(1e-15));
  CHECK(d.image_height == 2);  // 4 = 2 × 2: shown as images

  const rdp::DataSet e =
      rdp::load_dataset("data", "npy:" + s.path("x.npy") + ",test=" + s.path("x.npy"));
  CHECK(e.train.rows() == 70);
  CHECK(e.test.rows() == 70);

  v[4 * 65 + 2] = NAN;
  write_bytes(s.path("nan.npy"), rdp::npy_bytes(v, {70, 4}));
  CHECK(message_of([&] {
          rdp::load_dataset("data", "npy:" + s.path("nan.npy"));
        }).find("test split at row 5, column 2") != std::string::npos);
  CHECK(message_of([&] { rdp::load_dataset("data", "mnist"); }).find("fashion-mnist, idx:") !=
        std::string::npos);
  CHECK(message_of([&] { rdp::load_dataset("data", "npy:"); }).find("invalid data") == 0);
}

TEST_CASE("dataset: without the package's files, one line names the package and its install") {
  Scratch s;
  ::setenv("RDP_FASHION_MNIST_DIR", s.dir.c_str(), 1);
  const std::string m = message_of([] { rdp::load_dataset("data", "fashion-mnist"); });
  ::unsetenv("RDP_FASHION_MNIST_DIR");
  CHECK(m.find("invalid data: 'fashion-mnist', but ") == 0);
  CHECK(m.find("train-images-idx3-ubyte.gz is missing") != std::string::npos);
  CHECK(m.find("sudo apt-get install dataset-fashion-mnist, or scripts/setup.sh") !=
        std::string::npos);
  CHECK(m.find('\n') == std::string::npos);
}

TEST_CASE("dataset: fashion-mnist is 60000 + 10000 images of 28 x 28 when the package is there") {
  const std::string train = std::string(rdp::kFashionMnistDir) + "/train-images-idx3-ubyte.gz";
  if (!std::ifstream(train).good()) {
    MESSAGE("dataset-fashion-mnist not installed: the missing-package message instead");
    CHECK(message_of([] {
            rdp::load_dataset("data", "fashion-mnist");
          }).find("sudo apt-get install dataset-fashion-mnist") != std::string::npos);
    return;
  }
  const rdp::DataSet d = rdp::load_dataset("data", "fashion-mnist");
  CHECK(d.train.rows() == 60000);
  CHECK(d.test.rows() == 10000);
  CHECK(d.train.cols() == 784);
  CHECK(d.image_height == 28);
  CHECK(d.train.minCoeff() >= 0.0);
  CHECK(d.train.maxCoeff() <= 1.0);
}
