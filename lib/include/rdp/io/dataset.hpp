#pragma once
/// Data sets of vectors (images flattened), named by one spec string, split into train and test:
///   fashion-mnist                 Debian's dataset-fashion-mnist (Xiao, Rasul & Vollgraf 2017):
///                                 60000 train / 10000 test images of 28 × 28 from
///                                 /usr/share/datasets/fashion-mnist/{train,t10k}-images-idx3-ubyte.gz
///   idx:PATH[,test=PATH2]         any IDX ubyte file (MNIST's train-images-idx3-ubyte[.gz], ...);
///                                 pixels scaled to [0, 1]
///   npy:PATH[,test=PATH2]         an N × d (or N × h × w) float64/float32 .npy array, as is
/// Without test=, the last ⌊N/7⌋ rows are the test split (MNIST's 60000 : 10000 ratio) and the
/// rest the train split. Every value must be finite.
#include <Eigen/Core>
#include <string>

namespace rdp {

/// Where Debian's dataset-fashion-mnist package puts its files (`dpkg -L dataset-fashion-mnist`);
/// the environment variable RDP_FASHION_MNIST_DIR, when set and non-empty, names another
/// directory holding the same two files (a copy elsewhere, or none, which the tests use).
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct DataSet {
  std::string spec;             ///< canonical spec
  std::string description;      ///< one line for sidecars and titles
  Eigen::MatrixXd train, test;  ///< N × d each, rows are items
  /// Image height and width when the items are images (h·w = d), 0 otherwise.
  int image_height = 0, image_width = 0;
};

/// Loads the data set named by `spec`. Throws InvalidArgument(parameter, ...) with one line:
/// an unknown form; for fashion-mnist without its files, the Debian package to install and how
/// ("sudo apt-get install dataset-fashion-mnist", or scripts/setup.sh); files the IDX or .npy
/// readers refuse; train and test of different widths; fewer than 2 rows in a split; a NaN or
/// infinite value (with its split, row and column).
DataSet load_dataset(const std::string& parameter, const std::string& spec);

}  // namespace rdp
