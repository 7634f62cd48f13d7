// Figures 5–7: dithered lattice codecs on N(0,1) against the theory (docs/THEORY.md §3, §5).
//   fig5_codecs_p0.csv     SD and PD at P = 0 on Z, A2, D4, E8, Λ16, Λ24, several D;
//   fig5_theory.csv        R(D,0), R(D/2,∞), R(D,∞) on a D grid;
//   fig6_qsd_rc.csv        QSD at fixed D (E8 and Z) for a = 1, 2, 3, 4, 6, 8, with PD and SD;
//   fig6_theory_rc.csv     Wagner's R(D, Rc) at the same D;
//   fig6_paper_fig4.csv    the paper's Fig. 4 analogue: n = 8, P = 0, R vs D for Z^8 and E8 with
//                          PD, SD and QSD (a = 3);
//   fig7_sd_perception.csv SD-LTC on E8 aimed along the level set R(D,P) = R − loss, P the
//                          Fréchet W2² (measured: perception_frechet_w2sq);
//   fig7_theory.csv        the level sets R(D,P) = R and = R − loss in the same measure.
// Each CSV has its own sidecar (<name>.json); fig_codecs.json is written last.
#include <cmath>
#include <iostream>

#include "codec_runs.hpp"
#include "experiment.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/solvers/gaussian_rdp.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/solvers/perfect_realism.hpp"
#include "rdp/solvers/shannon.hpp"
#include "rdp/sources.hpp"

int main(int argc, char** argv) {
  using namespace rdp;
  using namespace rdp::experiments;
  return run_experiment(
      argc, argv, "fig_codecs", "Lattice codecs (SD, PD, QSD) against R(D,P), R(D/2,inf), Wagner",
      [](CLI::App&) {},
      [](const ExperimentOptions& opt) {
        CodecRunSettings settings;
        settings.seed = opt.seed;
        settings.samples = opt.quick ? 16000 : 160000;
        settings.rate_points = opt.quick ? 8 : 16;
        settings.projections = opt.quick ? 8 : 32;
        const Gaussian source(0.0, settings.sigma);
        const std::vector<std::string> lattices =
            opt.quick ? std::vector<std::string>{"z1", "e8", "leech"}
                      : std::vector<std::string>{"z1", "a2", "d4", "e8", "bw16", "leech"};
        const std::vector<double> ds = opt.quick
                                           ? std::vector<double>{0.05, 0.3}
                                           : std::vector<double>{0.02, 0.05, 0.1, 0.2, 0.4, 0.8};
        const double d6 = 0.1;
        const std::vector<int> ratios =
            opt.quick ? std::vector<int>{1, 2, 3} : std::vector<int>{1, 2, 3, 4, 6, 8};
        const std::vector<double> d4 =
            opt.quick ? std::vector<double>{0.1} : std::vector<double>{0.05, 0.1, 0.2, 0.4};
        // Figure 7: SD across P at a fixed rate: aim at R(D,P) = R − loss so the codec spends ≈ R.
        // At 0.6 bits the level set bends over P in [0, ~0.06], wide enough to resolve. P is the
        // Fréchet W2², the measure the codec's parameters aim at.
        const double rate = 0.6;
        const double loss = space_filling_loss_bits(*reference_nsm("e8"));
        auto r_w2 = [&](double d, double p) {
          return rate_distortion_perception_gaussian_w2sq(settings.sigma, d, p).rate_bits;
        };
        const std::vector<double> ps =
            opt.quick ? std::vector<double>{0.0, 0.01, 0.03, 0.06} : linspace(0.0, 0.08, 9);

        // The work list first, so that the progress total is its length.
        struct CodecTable {
          std::string name;
          std::vector<CodecPoint> points;
          nlohmann::json parameters;
        };
        std::vector<CodecTable> tables;
        {
          CodecTable t{"fig5_codecs_p0", {}, {{"lattices", lattices}, {"D", ds}, {"P", 0.0}}};
          for (const auto& lat : lattices)
            for (CodecKind kind : {CodecKind::sd, CodecKind::pd})
              for (double d : ds) t.points.push_back({kind, lat, d, 0.0, 1});
          tables.push_back(t);
        }
        {
          // QSD across the common-randomness rate at a fixed D, with SD for reference.
          const std::vector<std::string> lats =
              opt.quick ? std::vector<std::string>{"e8"} : std::vector<std::string>{"e8", "z1"};
          CodecTable t{"fig6_qsd_rc", {}, {{"lattices", lats}, {"D", d6}, {"nesting", ratios}}};
          for (const auto& lat : lats) {
            for (int a : ratios) t.points.push_back({CodecKind::qsd, lat, d6, 0.0, a});
            t.points.push_back({CodecKind::sd, lat, d6, 0.0, 1});
          }
          tables.push_back(t);
        }
        {
          // The paper's Fig. 4 analogue (n = 8, P = 0).
          CodecTable t{
              "fig6_paper_fig4", {}, {{"lattices", {"z8", "e8"}}, {"D", d4}, {"qsd_nesting", 3}}};
          for (const std::string lat : {"z8", "e8"})
            for (double d : d4) {
              for (CodecKind kind : {CodecKind::pd, CodecKind::sd})
                t.points.push_back({kind, lat, d, 0.0, 1});
              t.points.push_back({CodecKind::qsd, lat, d, 0.0, 3});
            }
          tables.push_back(t);
        }
        {
          CodecTable t{"fig7_sd_perception",
                       {},
                       {{"lattice", "e8"},
                        {"rate_bits", rate},
                        {"target_rate_bits", rate - loss},
                        {"P_frechet_w2sq", ps}}};
          for (const auto& pt : equi_rate_level_set(r_w2, rate - loss, ps, 1e-6, 2.0))
            t.points.push_back({CodecKind::sd, "e8", pt.distortion, pt.perception, 1});
          tables.push_back(t);
        }
        std::size_t total = 0;
        for (const auto& t : tables) total += t.points.size();
        Progress progress("fig_codecs", total);

        nlohmann::json common = {{"source", source.spec()},
                                 {"samples_per_point", settings.samples},
                                 {"rate_points", settings.rate_points},
                                 {"projections", settings.projections}};
        for (const auto& t : tables) {
          CsvTable csv(codec_columns());
          for (const auto& point : t.points) {
            const SimulationOptions so =
                figure_simulation_options(settings, make_lattice(point.lattice)->dimension());
            csv.add_row(codec_cells(run_codec_point(point, source, so)));
            progress.tick();
          }
          nlohmann::json parameters = common;
          parameters.update(t.parameters);
          csv.write(opt.out_dir, t.name, parameters);
        }

        CsvTable theory5({"D", "rate_p0_bits", "rate_half_distortion_bits", "rate_shannon_bits"});
        for (double t : linspace(0.0, 1.0, 200)) {
          const double d = 0.01 * std::pow(150.0, t);  // 0.01 … 1.5, log-spaced
          theory5.add_row({CsvTable::cell(d),
                           CsvTable::cell(rate_perfect_realism_gaussian(settings.sigma, d)),
                           CsvTable::cell(rate_half_distortion_gaussian(settings.sigma, d)),
                           CsvTable::cell(shannon_rate_gaussian_mse(settings.sigma, d))});
        }
        theory5.write(opt.out_dir, "fig5_theory",
                      {{"source", source.spec()}, {"D", "200 points log-spaced over [0.01, 1.5]"}});

        CsvTable theory6({"D", "common_randomness_bits", "rate_bits"});
        for (double rc : linspace(0.0, 4.0, 81))
          theory6.add_row(
              {CsvTable::cell(d6), CsvTable::cell(rc),
               CsvTable::cell(rate_common_randomness_gaussian(settings.sigma, d6, rc))});
        theory6.write(opt.out_dir, "fig6_theory_rc", {{"source", source.spec()}, {"D", d6}});

        CsvTable theory7({"rate_bits", "D", "P_frechet_w2sq"});
        for (double r : {rate, rate - loss})
          for (const auto& pt : equi_rate_level_set(r_w2, r, linspace(0.0, 0.12, 121), 1e-6, 2.0))
            theory7.add_row(
                {CsvTable::cell(r), CsvTable::cell(pt.distortion), CsvTable::cell(pt.perception)});
        theory7.write(opt.out_dir, "fig7_theory",
                      {{"source", source.spec()},
                       {"rate_bits", {rate, rate - loss}},
                       {"perception", "Frechet W2sq per dimension (for N(0,s^2): (sigma - s)^2)"}});

        nlohmann::json params = common;
        params["lattices"] = lattices;
        params["fig5_D"] = ds;
        params["fig6_D"] = d6;
        params["fig6_nesting"] = ratios;
        params["fig7_rate_bits"] = rate;
        write_sidecar(opt.out_dir, "fig_codecs", opt, params);
      });
}
