#include "rdp/io/dataset.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "rdp/error.hpp"
#include "rdp/io/idx.hpp"
#include "rdp/io/npy.hpp"

namespace rdp {
namespace {

struct Loaded {
  Eigen::MatrixXd values;
  int height = 0, width = 0;
};

Loaded load_idx(const std::string& parameter, const std::string& path) {
  IdxImages img = read_idx_images(parameter, path);
  Loaded out{std::move(img.values)};
  if (img.dims.size() == 3) {
    out.height = static_cast<int>(img.dims[1]);
    out.width = static_cast<int>(img.dims[2]);
  }
  return out;
}

Loaded load_npy(const std::string& parameter, const std::string& path) {
  NpyArray a = read_npy(parameter, path, kMaxDataValues, "2^28 values");
  if (a.shape.size() != 2 && a.shape.size() != 3)
    throw InvalidArgument(parameter, "an N x d or N x h x w array",
                          "'" + path + "': " + std::to_string(a.shape.size()) + " dimensions");
  const std::uint64_t rows = a.shape[0];
  std::uint64_t cols = 1;
  for (std::size_t k = 1; k < a.shape.size(); ++k) cols *= a.shape[k];
  if (rows == 0 || cols == 0)
    throw InvalidArgument(parameter, "a non-empty array", "'" + path + "': an empty shape");
  Loaded out;
  out.values.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (std::uint64_t i = 0; i < rows; ++i)
    for (std::uint64_t j = 0; j < cols; ++j)
      out.values(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          a.values[i * cols + j];
  if (a.shape.size() == 3) {
    out.height = static_cast<int>(a.shape[1]);
    out.width = static_cast<int>(a.shape[2]);
  }
  return out;
}

void require_finite_rows(const std::string& parameter, const std::string& split,
                         const Eigen::MatrixXd& x) {
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (!std::isfinite(x(i, j)))
        throw InvalidArgument(parameter, "finite values",
                              "a non-finite value in the " + split + " split at row " +
                                  std::to_string(i) + ", column " + std::to_string(j));
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

DataSet load_dataset(const std::string& parameter, const std::string& spec) {
  DataSet ds;
  Loaded train, test;
  bool split_given = false;
  if (spec == "fashion-mnist") {
    const char* env = std::getenv("RDP_FASHION_MNIST_DIR");
    const std::string dir = env && *env ? env : kFashionMnistDir;
    const std::string tr = dir + "/train-images-idx3-ubyte.gz",
                      te = dir + "/t10k-images-idx3-ubyte.gz";
    if (!readable(tr) || !readable(te))
      throw InvalidArgument(parameter,
                            "installed data (Debian package dataset-fashion-mnist: sudo apt-get "
                            "install dataset-fashion-mnist, or scripts/setup.sh)",
                            "'fashion-mnist', but " + (readable(tr) ? te : tr) + " is missing");
    train = load_idx(parameter, tr);
    test = load_idx(parameter, te);
    split_given = true;
    ds.spec = spec;
    ds.description = "Fashion-MNIST (Debian dataset-fashion-mnist), 28x28, pixels in [0,1]";
  } else {
    const auto colon = spec.find(':');
    const std::string kind = colon == std::string::npos ? spec : spec.substr(0, colon);
    if ((kind != "idx" && kind != "npy") || colon == std::string::npos || colon + 1 == spec.size())
      throw InvalidArgument(parameter,
                            "fashion-mnist, idx:PATH[,test=PATH] or npy:PATH[,test=PATH]",
                            "'" + spec + "'");
    std::string rest = spec.substr(colon + 1), test_path;
    const auto t = rest.rfind(",test=");
    if (t != std::string::npos) {
      test_path = rest.substr(t + 6);
      rest = rest.substr(0, t);
      if (test_path.empty() || rest.empty())
        throw InvalidArgument(parameter, "KIND:PATH,test=PATH with both paths", "'" + spec + "'");
    }
    const auto load = [&](const std::string& path) {
      return kind == "idx" ? load_idx(parameter, path) : load_npy(parameter, path);
    };
    train = load(rest);
    if (!test_path.empty()) {
      test = load(test_path);
      split_given = true;
    }
    ds.spec = spec;
    ds.description =
        (kind == "idx" ? "IDX images " : ".npy array ") + rest +
        (test_path.empty() ? " (last 1/7 of the rows as test split)" : ", test split " + test_path);
  }
  if (!split_given) {
    const Eigen::Index n = train.values.rows(), n_test = n / 7;
    if (n_test < 2)
      throw InvalidArgument(parameter, "at least 14 rows to split into train and test",
                            std::to_string(n) + " rows in '" + spec + "'");
    test.values = train.values.bottomRows(n_test);
    Eigen::MatrixXd head = train.values.topRows(n - n_test);
    train.values = std::move(head);
    test.height = train.height;
    test.width = train.width;
  }
  if (train.values.cols() != test.values.cols())
    throw InvalidArgument(parameter, "train and test of the same width",
                          std::to_string(train.values.cols()) + " and " +
                              std::to_string(test.values.cols()) + " columns");
  if (train.values.rows() < 2 || test.values.rows() < 2)
    throw InvalidArgument(parameter, "at least 2 rows in each split",
                          std::to_string(train.values.rows()) + " train and " +
                              std::to_string(test.values.rows()) + " test rows");
  require_finite_rows(parameter, "train", train.values);
  require_finite_rows(parameter, "test", test.values);
  ds.train = std::move(train.values);
  ds.test = std::move(test.values);
  if (train.height * train.width == ds.train.cols()) {
    ds.image_height = train.height;
    ds.image_width = train.width;
  } else {
    const int side = static_cast<int>(std::lround(std::sqrt(double(ds.train.cols()))));
    if (side * side == ds.train.cols()) ds.image_height = ds.image_width = side;
  }
  return ds;
}

}  // namespace rdp
