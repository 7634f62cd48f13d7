// Figures 5–7: dithered lattice codecs on N(0,1) against the theory (docs/THEORY.md §3, §5).
//   fig5_codecs_p0.csv     SD and PD at P = 0 on Z, A2, D4, E8, Λ16, Λ24, several D;
//   fig5_theory.csv        R(D,0), R(D/2,∞), R(D,∞) on a D grid;
//   fig6_qsd_rc.csv        QSD at fixed D (E8 and Z) for a = 1, 2, 3, 4, 6, 8, with PD and SD;
//   fig6_theory_rc.csv     Wagner's R(D, Rc) at the same D;
//   fig6_paper_fig4.csv    the paper's Fig. 4 analogue: n = 8, P = 0, R vs D for Z^8 and E8 with
//                          PD, SD and QSD (a = 3);
//   fig7_sd_perception.csv SD-LTC on E8 aimed along the level set R(D,P) = R − loss;
//   fig7_theory.csv        the level sets R(D,P) = R and = R − loss.
#include <chrono>
#include <cmath>
#include <iostream>

#include "codec_runs.hpp"
#include "experiment.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/solvers/perfect_realism.hpp"
#include "rdp/solvers/shannon.hpp"

int main(int argc, char** argv) {
  using namespace rdp;
  using namespace rdp::experiments;
  return run_experiment(
      argc, argv, "fig_codecs", "Lattice codecs (SD, PD, QSD) against R(D,P), R(D/2,inf), Wagner",
      [](CLI::App&) {},
      [](const ExperimentOptions& opt) {
        const auto t0 = std::chrono::steady_clock::now();
        CodecRunSettings settings;
        settings.seed = opt.seed;
        settings.samples = opt.quick ? 16000 : 160000;
        settings.rate_points = opt.quick ? 8 : 16;
        settings.projections = opt.quick ? 8 : 32;
        const std::vector<std::string> lattices =
            opt.quick ? std::vector<std::string>{"z1", "e8", "leech"}
                      : std::vector<std::string>{"z1", "a2", "d4", "e8", "bw16", "leech"};
        const std::vector<double> ds = opt.quick
                                           ? std::vector<double>{0.05, 0.3}
                                           : std::vector<double>{0.02, 0.05, 0.1, 0.2, 0.4, 0.8};

        std::size_t total = lattices.size() * ds.size() * 2 + (opt.quick ? 6 : 14) +
                            (opt.quick ? 8 : 24) + (opt.quick ? 4 : 10);
        Progress progress("fig_codecs", total);

        CsvTable fig5(codec_columns());
        for (const auto& lat : lattices)
          for (CodecKind kind : {CodecKind::sd, CodecKind::pd})
            for (double d : ds) {
              fig5.add_row(codec_row({kind, lat, d, 0.0, 1}, settings));
              progress.tick();
            }
        fig5.write(opt.out_dir, "fig5_codecs_p0");

        CsvTable theory5({"D", "rate_p0_bits", "rate_half_distortion_bits", "rate_shannon_bits"});
        for (double t : linspace(0.0, 1.0, 200)) {
          const double d = 0.01 * std::pow(150.0, t);  // 0.01 … 1.5, log-spaced
          theory5.add_row({CsvTable::cell(d), CsvTable::cell(rate_perfect_realism_gaussian(1.0, d)),
                           CsvTable::cell(rate_half_distortion_gaussian(1.0, d)),
                           CsvTable::cell(shannon_rate_gaussian_mse(1.0, d))});
        }
        theory5.write(opt.out_dir, "fig5_theory");

        // Figure 6: QSD across the common-randomness rate at a fixed D.
        const double d6 = 0.1;
        const std::vector<int> ratios =
            opt.quick ? std::vector<int>{1, 2, 3} : std::vector<int>{1, 2, 3, 4, 6, 8};
        CsvTable fig6(codec_columns());
        for (const std::string lat : {"e8", "z1"}) {
          if (opt.quick && lat == "z1") continue;
          for (int a : ratios) {
            fig6.add_row(codec_row({CodecKind::qsd, lat, d6, 0.0, a}, settings));
            progress.tick();
          }
          fig6.add_row(codec_row({CodecKind::sd, lat, d6, 0.0, 1}, settings));
          progress.tick();
        }
        fig6.write(opt.out_dir, "fig6_qsd_rc");
        CsvTable theory6({"D", "common_randomness_bits", "rate_bits"});
        for (double rc : linspace(0.0, 4.0, 81))
          theory6.add_row({CsvTable::cell(d6), CsvTable::cell(rc),
                           CsvTable::cell(rate_common_randomness_gaussian(1.0, d6, rc))});
        fig6.rows();
        theory6.write(opt.out_dir, "fig6_theory_rc");

        // The paper's Fig. 4 analogue (n = 8, P = 0).
        CsvTable paper(codec_columns());
        const std::vector<double> d4 =
            opt.quick ? std::vector<double>{0.1} : std::vector<double>{0.05, 0.1, 0.2, 0.4};
        for (const std::string lat : {"z8", "e8"})
          for (double d : d4) {
            for (CodecKind kind : {CodecKind::pd, CodecKind::sd}) {
              paper.add_row(codec_row({kind, lat, d, 0.0, 1}, settings));
              progress.tick();
            }
            paper.add_row(codec_row({CodecKind::qsd, lat, d, 0.0, 3}, settings));
            progress.tick();
          }
        paper.write(opt.out_dir, "fig6_paper_fig4");

        // Figure 7: SD across P at a fixed rate: aim at R(D,P) = R − loss so the codec spends ≈ R.
        // At 0.6 bits the level set bends over P in [0, ~0.06], wide enough to resolve.
        const double rate = 0.6;
        const double loss = space_filling_loss_bits(*reference_nsm("e8"));
        auto r_w2 = [](double d, double p) {
          return rate_distortion_perception_gaussian_w2sq(1.0, d, p).rate_bits;
        };
        const std::vector<double> ps =
            opt.quick ? std::vector<double>{0.0, 0.01, 0.03, 0.06} : linspace(0.0, 0.08, 9);
        CsvTable fig7(codec_columns());
        for (const auto& pt : equi_rate_level_set(r_w2, rate - loss, ps, 1e-6, 2.0)) {
          fig7.add_row(codec_row({CodecKind::sd, "e8", pt.distortion, pt.perception, 1}, settings));
          progress.tick();
        }
        fig7.write(opt.out_dir, "fig7_sd_perception");
        CsvTable theory7({"rate_bits", "D", "P"});
        for (double r : {rate, rate - loss})
          for (const auto& pt : equi_rate_level_set(r_w2, r, linspace(0.0, 0.12, 121), 1e-6, 2.0))
            theory7.add_row(
                {CsvTable::cell(r), CsvTable::cell(pt.distortion), CsvTable::cell(pt.perception)});
        theory7.write(opt.out_dir, "fig7_theory");

        nlohmann::json params;
        params["samples_per_point"] = settings.samples;
        params["rate_points"] = settings.rate_points;
        params["projections"] = settings.projections;
        params["lattices"] = lattices;
        params["fig5_D"] = ds;
        params["fig6_D"] = d6;
        params["fig6_nesting"] = ratios;
        params["fig7_rate_bits"] = rate;
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        write_sidecar(opt.out_dir, "fig_codecs", opt, params, wall);
      });
}
