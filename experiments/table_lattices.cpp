// Table 8: each lattice's measured normalized second moment G (with its standard error), the
// space-filling loss ½ log2(2πeG), Conway & Sloane's G, the kissing number, and the decoding speed.
#include <chrono>
#include <cmath>
#include <iostream>
#include <vector>

#include "experiment.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/lattice/lattice.hpp"

int main(int argc, char** argv) {
  using namespace rdp;
  using namespace rdp::experiments;
  return run_experiment(
      argc, argv, "table_lattices", "Lattice constants and decoding speed", [](CLI::App&) {},
      [](const ExperimentOptions& opt) {
        const std::uint64_t samples = opt.quick ? 20000 : 400000;
        CsvTable table({"lattice", "dimension", "nsm", "nsm_stderr", "nsm_reference", "loss_bits",
                        "kissing_number", "decode_ns_per_point"});
        for (const char* name : {"z1", "a2", "d4", "d4star", "e8", "bw16", "leech"}) {
          const auto lattice = make_lattice(name);
          const auto g = normalized_second_moment(*lattice, samples, opt.seed);
          // Decoding speed, single thread: a fixed batch of Gaussian points of unit scale.
          const int n = lattice->dimension();
          const std::size_t points = opt.quick ? 2000 : 20000;
          std::vector<double> x(points * n), out(points * n);
          Philox rng(opt.seed, 99);
          for (double& v : x) v = 4.0 * rng.normal();
          const auto d0 = std::chrono::steady_clock::now();
          for (std::size_t i = 0; i < points; ++i) lattice->nearest_point(&x[i * n], &out[i * n]);
          const double ns =
              std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - d0)
                  .count() /
              points;
          const auto ref = reference_nsm(name);
          table.add_row({name, std::to_string(n), CsvTable::cell(g.nsm),
                         CsvTable::cell(g.standard_error), ref ? CsvTable::cell(*ref) : "",
                         CsvTable::cell(space_filling_loss_bits(g.nsm)),
                         CsvTable::cell(static_cast<long long>(lattice->kissing_number())),
                         CsvTable::cell(ns)});
          std::cout << name << ": G = " << g.nsm << " +- " << g.standard_error << " (C&S "
                    << (ref ? *ref : NAN) << "), loss " << space_filling_loss_bits(g.nsm)
                    << " bits, kissing " << lattice->kissing_number() << ", " << ns
                    << " ns/point\n";
        }
        nlohmann::json params;
        params["samples"] = samples;
        params["decode_points"] = opt.quick ? 2000 : 20000;
        table.write(opt.out_dir, "table_lattices", params);
      });
}
