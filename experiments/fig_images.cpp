// Real data through the lattice transform coder (docs/THEORY.md §7): PCA on the train split,
// the vector-Gaussian allocation on its eigenvalues, SD/PD/QSD over the leading n components,
// measured on the test split.
//   fig8_images_grid.csv    Blau & Michaeli's Fig. 5 analogue: 8 test images and their
//                           reconstructions at 5 rates by the MMSE decoder (SD at P = ∞), SD-LTC at
//                           P = 0 and PD-LTC at P = 0 (one row per image, pixels space-separated);
//   fig8_images_points.csv  the codec points behind the grid;
//   fig9_images_rdp.csv     the operational RDP (SD on the grid's lattice): points aimed along the
//                           Gaussian model's equi-rate lines (design "level_set") and along fixed D
//                           (design "fixed_D");
//   fig9_theory.csv         the Gaussian model: R(D,P) on a grid, its level sets and R–P sections;
//   fig10_images_codecs.csv Lei et al.'s Fig. 5 analogue: R–D (P = 0) and R–P (fixed D) for SD,
//                           PD, QSD (a = 2, 3) with Z^n, E8^k, Λ16^k, Λ24^k at one n;
//   fig10_theory.csv        the Gaussian model's R(D,0), R(D/2,∞) and R(D,∞) on a D grid.
// D is MSE per pixel, P the Gaussian model's W2² per pixel (perception_w2sq); rates are bits per
// image. Each CSV has its own sidecar; fig_images.json is written last.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "experiment.hpp"
#include "rdp/codec/transform_coder.hpp"
#include "rdp/error.hpp"
#include "rdp/io/dataset.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/solvers/latent_allocation.hpp"
#include "rdp/solvers/level_set.hpp"
#include "rdp/transform/pca.hpp"

namespace {

using namespace rdp;
using namespace rdp::experiments;

struct Point {
  std::string figure, design;
  CodecKind kind = CodecKind::sd;
  std::string lattice = "z1";
  int nesting = 1;
  int coded = 0;                          // 0: follow the allocation (coded_components_for)
  double d_target = 0.0, p_target = 0.0;  // per pixel; p_target = inf for P = ∞
  double rate_target = NAN;               // the design rate (bits per image), if any
};

std::vector<std::string> point_columns() {
  return {"figure",
          "design",
          "codec",
          "lattice",
          "nesting",
          "coded_components",
          "items",
          "D_target",
          "P_target",
          "rate_target_bits",
          "theory_rate_bits",
          "rate_bits",
          "rate_stderr",
          "rate_lower_bits",
          "rate_lower_stderr",
          "rate_method",
          "rate_entropy_bound_bits",
          "coded_rate_bits",
          "distortion",
          "distortion_stderr",
          "perception_w2sq",
          "perception_w2sq_stderr",
          "sliced_w2sq",
          "sliced_w2sq_stderr",
          "projections",
          "frechet_pca",
          "frechet_pca_stderr",
          "frechet_features",
          "moment_method",
          "coder_seconds"};
}

struct Context {
  std::vector<double> latent_std;  // model σ_i (floored)
  Eigen::MatrixXd train_latents, test_latents;
  int d = 0;
  std::uint64_t seed = 1;
  TransformRunOptions run;
};

struct PointResult {
  TransformRunResult run;
  double theory_rate_bits = 0.0;
  std::string moment_method;
};

PointResult run_point(const Context& cx, const Point& pt, const Eigen::MatrixXd& test) {
  VectorGaussianRdp theory;
  const double p_total = std::isinf(pt.p_target) ? 1e300 : pt.p_target * cx.d;
  const LatentAllocation al =
      gaussian_latent_allocation(cx.latent_std, pt.d_target * cx.d, p_total, &theory);
  TransformCoderOptions o;
  o.kind = pt.kind;
  o.lattice = pt.lattice;
  o.nesting_ratio = pt.nesting;
  o.seed = cx.seed;
  o.coded_components =
      pt.coded > 0 ? pt.coded : coded_components_for(al, make_lattice(pt.lattice)->dimension());
  const TransformCoder coder = design_transform_coder(al, o, cx.train_latents);
  PointResult r;
  r.run = run_transform_coder(coder, test, cx.run);
  r.theory_rate_bits = theory.rate_bits;
  r.moment_method = coder.moment_method;
  return r;
}

std::vector<std::string> point_cells(const Point& pt, const PointResult& r) {
  const auto& x = r.run;
  const auto num = [](double v) { return std::isfinite(v) ? CsvTable::cell(v) : std::string(); };
  return {pt.figure,
          pt.design,
          codec_name(pt.kind),
          pt.lattice,
          CsvTable::cell(static_cast<long long>(pt.kind == CodecKind::qsd ? pt.nesting : 1)),
          CsvTable::cell(static_cast<long long>(x.coded_components)),
          CsvTable::cell(static_cast<long long>(x.items)),
          CsvTable::cell(pt.d_target),
          std::isinf(pt.p_target) ? std::string("inf") : CsvTable::cell(pt.p_target),
          num(pt.rate_target),
          CsvTable::cell(r.theory_rate_bits),
          CsvTable::cell(x.rate_bits.value),
          CsvTable::cell(x.rate_bits.stderr_),
          CsvTable::cell(x.rate_lower_bits.value),
          CsvTable::cell(x.rate_lower_bits.stderr_),
          x.rate_method,
          num(x.rate_entropy_bound_bits),
          num(x.coded_rate_bits),
          CsvTable::cell(x.distortion_mse.value),
          CsvTable::cell(x.distortion_mse.stderr_),
          CsvTable::cell(x.perception_w2sq.value),
          CsvTable::cell(x.perception_w2sq.stderr_),
          CsvTable::cell(x.sliced_w2sq.value),
          CsvTable::cell(x.sliced_w2sq.stderr_),
          CsvTable::cell(static_cast<long long>(x.projections)),
          CsvTable::cell(x.frechet_pca.value),
          CsvTable::cell(x.frechet_pca.stderr_),
          CsvTable::cell(static_cast<long long>(x.frechet_features)),
          r.moment_method,
          CsvTable::cell(x.seconds)};
}

std::string pixels_cell(const Eigen::VectorXd& x) {
  std::ostringstream s;
  s.precision(4);
  for (Eigen::Index i = 0; i < x.size(); ++i) s << (i ? " " : "") << x(i);
  return s.str();
}

int lcm(int a, int b) { return a / std::gcd(a, b) * b; }

}  // namespace

int main(int argc, char** argv) {
  auto data_spec = std::make_shared<std::string>("fashion-mnist");
  auto n_matched = std::make_shared<int>(48);
  auto lattice = std::make_shared<std::string>("z1");
  return run_experiment(
      argc, argv, "fig_images",
      "Images through the lattice transform coder: B&M Fig. 5/6 and Lei et al. Fig. 5 analogues",
      [=](CLI::App& app) {
        add_text(&app, "--data", *data_spec,
                 "fashion-mnist, idx:PATH[,test=PATH] or npy:PATH[,test=PATH]",
                 "data set (default fashion-mnist: Debian's dataset-fashion-mnist)");
        add_integer(&app, "--n", *n_matched, 1, 1024,
                    "coded components of the lattice comparison (fig10), a multiple of 48 "
                    "(default 48)");
        add_text(&app, "--lattice", *lattice, "a lattice name (make_lattice)",
                 "lattice of the image grid and the RDP figure (default z1)");
      },
      [=](const ExperimentOptions& opt) {
        // Everything the run needs is checked before any work or output.
        const LatticePtr grid_lattice =
            parse_typed("--lattice", *lattice, [&] { return make_lattice(*lattice); });
        const std::vector<std::string> fig10_lattices = {"z1", "e8", "bw16", "leech"};
        int step = 1;
        for (const auto& l : fig10_lattices) step = lcm(step, make_lattice(l)->dimension());
        const DataSet data = load_dataset("data", *data_spec);
        Context cx;
        cx.d = static_cast<int>(data.train.cols());
        if (*n_matched % step != 0 || *n_matched > cx.d)
          throw InvalidArgument("n",
                                "a multiple of " + std::to_string(step) +
                                    " (the lattice dimensions 1, 8, 16, 24) in [" +
                                    std::to_string(step) + ", " + std::to_string(cx.d) +
                                    "] (d = " + std::to_string(cx.d) + ")",
                                std::to_string(*n_matched));
        if (grid_lattice->dimension() > cx.d)
          throw InvalidArgument(
              "lattice", "of dimension at most d = " + std::to_string(cx.d),
              *lattice + " (dimension " + std::to_string(grid_lattice->dimension()) + ")");
        cx.seed = opt.seed;
        cx.run.projections = opt.quick ? 16 : 64;
        // The cell Monte Carlo needs its local scale mixture populated (4 scales) in 24 dimensions:
        // 16 draws per block at least (docs/THEORY.md §7.7).
        cx.run.rate_draws = opt.quick ? 16 : 32;
        cx.run.frechet_features = 64;
        cx.run.batches = 8;
        const Eigen::Index train_rows =
            std::min<Eigen::Index>(data.train.rows(), opt.quick ? 20000 : data.train.rows());
        const Eigen::Index test_rows =
            std::min<Eigen::Index>(data.test.rows(), opt.quick ? 500 : data.test.rows());
        const Eigen::Index fig10_rows = std::min<Eigen::Index>(test_rows, opt.quick ? 300 : 1000);
        if (test_rows < 2 * cx.run.batches)
          throw InvalidArgument("data", "at least 16 test rows", std::to_string(test_rows));
        const Pca pca = fit_pca(data.train.topRows(train_rows));
        cx.train_latents = pca_analysis(pca, data.train.topRows(train_rows));
        cx.test_latents = pca_analysis(pca, data.test.topRows(test_rows));
        std::vector<double> eig(pca.eigenvalues.data(), pca.eigenvalues.data() + cx.d);
        cx.latent_std = latent_std_from_eigenvalues(eig);
        double variance = 0.0;
        for (double s : cx.latent_std) variance += s * s;
        const double var_pixel = variance / cx.d;  // per pixel

        // --- the work list
        std::vector<Point> grid_points, rdp_points, codec_points;
        const std::vector<double> grid_rates =
            opt.quick ? std::vector<double>{8, 64} : std::vector<double>{4, 12, 36, 100, 300};
        for (double r : grid_rates) {
          const double d_inf = gaussian_distortion_for_rate(cx.latent_std, r, 1e300) / cx.d;
          const double d_0 = gaussian_distortion_for_rate(cx.latent_std, r, 0.0) / cx.d;
          grid_points.push_back(
              {"fig8", "mmse", CodecKind::sd, *lattice, 1, 0, d_inf, INFINITY, r});
          grid_points.push_back({"fig8", "sd_p0", CodecKind::sd, *lattice, 1, 0, d_0, 0.0, r});
          grid_points.push_back({"fig8", "pd_p0", CodecKind::pd, *lattice, 1, 0, d_0, 0.0, r});
        }
        // The RDP: P targets as fractions of the largest useful budget, the variance itself
        // (at P ≥ Σσ_i² the constraint never binds).
        const std::vector<double> p_frac =
            opt.quick ? std::vector<double>{0.0, 0.05, 1.0}
                      : std::vector<double>{0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 1.0};
        const std::vector<double> rdp_rates =
            opt.quick ? std::vector<double>{20} : std::vector<double>{10, 30, 100};
        for (double r : rdp_rates)
          for (double f : p_frac) {
            const double p = f * var_pixel;
            const double dd = gaussian_distortion_for_rate(cx.latent_std, r, p * cx.d) / cx.d;
            rdp_points.push_back({"fig9", "level_set", CodecKind::sd, *lattice, 1, 0, dd, p, r});
          }
        const std::vector<double> fixed_d =
            opt.quick ? std::vector<double>{0.3 * var_pixel}
                      : std::vector<double>{0.1 * var_pixel, 0.3 * var_pixel};
        for (double dd : fixed_d)
          for (double f : p_frac)
            rdp_points.push_back(
                {"fig9", "fixed_D", CodecKind::sd, *lattice, 1, 0, dd, f * var_pixel, NAN});
        // Lei et al. Fig. 5: R–D at P = 0 and R–P at fixed D, n matched across lattices.
        const std::vector<double> d_frac = opt.quick
                                               ? std::vector<double>{0.2, 0.6}
                                               : std::vector<double>{0.1, 0.2, 0.35, 0.6, 1.0};
        const std::vector<double> p10 = opt.quick ? std::vector<double>{0.0, 0.1}
                                                  : std::vector<double>{0.0, 0.02, 0.05, 0.1, 0.3};
        const std::vector<std::string> lats10 =
            opt.quick ? std::vector<std::string>{"z1", "e8", "leech"} : fig10_lattices;
        struct Codec {
          CodecKind kind;
          int a;
        };
        const std::vector<Codec> codecs = {
            {CodecKind::sd, 1}, {CodecKind::pd, 1}, {CodecKind::qsd, 2}, {CodecKind::qsd, 3}};
        const double d10 = 0.35 * var_pixel;
        for (const auto& l : lats10)
          for (const auto& c : codecs) {
            for (double f : d_frac)
              codec_points.push_back(
                  {"fig10", "R_D", c.kind, l, c.a, *n_matched, f * var_pixel, 0.0, NAN});
            for (double f : p10)
              codec_points.push_back(
                  {"fig10", "R_P", c.kind, l, c.a, *n_matched, d10, f * var_pixel, NAN});
          }
        Progress progress("fig_images",
                          grid_points.size() + rdp_points.size() + codec_points.size());

        nlohmann::json common = {{"data", data.spec},
                                 {"data_description", data.description},
                                 {"train_rows", train_rows},
                                 {"test_rows", test_rows},
                                 {"dimension", cx.d},
                                 {"variance_per_pixel", var_pixel},
                                 {"projections", cx.run.projections},
                                 {"rate_draws", cx.run.rate_draws},
                                 {"frechet_features", cx.run.frechet_features},
                                 {"jackknife_batches", cx.run.batches},
                                 {"rate",
                                  "bits per image: Gaussian-model code length of c "
                                  "given the shared randomness (exact on Z^n, cell Monte "
                                  "Carlo otherwise)"},
                                 {"D", "MSE per pixel"},
                                 {"P", "Gaussian-model W2^2 per pixel (perception_w2sq)"}};

        // --- fig 8: the grid and its points
        const std::vector<Eigen::Index> shown = {0, 1, 2, 3, 4, 5, 6, 7};
        CsvTable points8(point_columns());
        CsvTable grid(
            {"panel", "rate_target_bits", "rate_bits", "image", "height", "width", "pixels"});
        const bool images = data.image_height > 0;
        const Eigen::Index n_shown = std::min<Eigen::Index>(8, test_rows);
        if (images) {
          const Eigen::MatrixXd orig = data.test.topRows(n_shown);
          for (Eigen::Index k = 0; k < n_shown; ++k)
            grid.add_row({"original", "", "", CsvTable::cell(static_cast<long long>(k)),
                          CsvTable::cell(static_cast<long long>(data.image_height)),
                          CsvTable::cell(static_cast<long long>(data.image_width)),
                          pixels_cell(orig.row(k).transpose())});
        }
        for (const auto& pt : grid_points) {
          const PointResult r = run_point(cx, pt, cx.test_latents);
          points8.add_row(point_cells(pt, r));
          if (images) {
            const Eigen::MatrixXd x = pca_synthesis(pca, r.run.reconstructions.topRows(n_shown));
            for (Eigen::Index k = 0; k < n_shown; ++k)
              grid.add_row({pt.design, CsvTable::cell(pt.rate_target),
                            CsvTable::cell(r.run.rate_bits.value),
                            CsvTable::cell(static_cast<long long>(shown[k])),
                            CsvTable::cell(static_cast<long long>(data.image_height)),
                            CsvTable::cell(static_cast<long long>(data.image_width)),
                            pixels_cell(x.row(k).transpose())});
          }
          progress.tick();
        }
        nlohmann::json p8 = common;
        p8["lattice"] = *lattice;
        p8["rate_targets_bits"] = grid_rates;
        p8["panels"] = {"original", "mmse (SD at P = inf)", "sd_p0", "pd_p0"};
        points8.write(opt.out_dir, "fig8_images_points", p8);
        if (images) grid.write(opt.out_dir, "fig8_images_grid", p8);

        // --- fig 9: the operational RDP and the Gaussian model's surface
        CsvTable points9(point_columns());
        for (const auto& pt : rdp_points) {
          points9.add_row(point_cells(pt, run_point(cx, pt, cx.test_latents)));
          progress.tick();
        }
        nlohmann::json p9 = common;
        p9["lattice"] = *lattice;
        p9["level_set_rates_bits"] = rdp_rates;
        p9["P_fractions_of_variance"] = p_frac;
        p9["fixed_D"] = fixed_d;
        points9.write(opt.out_dir, "fig9_images_rdp", p9);

        CsvTable theory9({"kind", "rate_bits", "D", "P", "theory_rate_bits"});
        {
          const int nd = opt.quick ? 10 : 24, np = opt.quick ? 6 : 16;
          for (int i = 0; i < nd; ++i)
            for (int j = 0; j < np; ++j) {
              const double dd = var_pixel * 0.02 * std::pow(50.0, double(i) / (nd - 1));
              const double p = var_pixel * 0.25 * j / (np - 1);
              const double r = rate_distortion_perception_diagonal_gaussian_w2sq(
                                   cx.latent_std, dd * cx.d, p * cx.d)
                                   .rate_bits;
              theory9.add_row(
                  {"surface", "", CsvTable::cell(dd), CsvTable::cell(p), CsvTable::cell(r)});
            }
          const std::vector<double> pl = linspace(0.0, 0.25 * var_pixel, opt.quick ? 6 : 16);
          for (double r : rdp_rates)
            for (double p : pl)
              theory9.add_row(
                  {"level_set", CsvTable::cell(r),
                   CsvTable::cell(gaussian_distortion_for_rate(cx.latent_std, r, p * cx.d) / cx.d),
                   CsvTable::cell(p), CsvTable::cell(r)});
          for (double dd : fixed_d)
            for (double p : pl)
              theory9.add_row({"fixed_D", "", CsvTable::cell(dd), CsvTable::cell(p),
                               CsvTable::cell(rate_distortion_perception_diagonal_gaussian_w2sq(
                                                  cx.latent_std, dd * cx.d, p * cx.d)
                                                  .rate_bits)});
        }
        theory9.write(opt.out_dir, "fig9_theory",
                      {{"data", data.spec},
                       {"model", "Gaussian with the train split's PCA eigenvalues (all d)"},
                       {"D", "MSE per pixel"},
                       {"P", "W2^2 per pixel"}});

        // --- fig 10: lattices and codecs at matched n
        const Eigen::MatrixXd test10 = cx.test_latents.topRows(fig10_rows);
        CsvTable points10(point_columns());
        for (const auto& pt : codec_points) {
          points10.add_row(point_cells(pt, run_point(cx, pt, test10)));
          progress.tick();
        }
        nlohmann::json p10j = common;
        p10j["test_rows"] = fig10_rows;
        p10j["lattices"] = lats10;
        p10j["coded_components"] = *n_matched;
        p10j["R_P_fixed_D"] = d10;
        points10.write(opt.out_dir, "fig10_images_codecs", p10j);
        CsvTable theory10({"D", "rate_p0_bits", "rate_half_distortion_bits", "rate_shannon_bits"});
        for (int i = 0; i < (opt.quick ? 12 : 40); ++i) {
          const double dd = var_pixel * 0.05 * std::pow(30.0, i / (opt.quick ? 11.0 : 39.0));
          const auto r = [&](double dt, double p) {
            return rate_distortion_perception_diagonal_gaussian_w2sq(cx.latent_std, dt * cx.d, p)
                .rate_bits;
          };
          theory10.add_row({CsvTable::cell(dd), CsvTable::cell(r(dd, 0.0)),
                            CsvTable::cell(r(dd / 2, 1e300)), CsvTable::cell(r(dd, 1e300))});
        }
        theory10.write(opt.out_dir, "fig10_theory",
                       {{"data", data.spec},
                        {"model", "Gaussian with the train split's PCA eigenvalues (all d)"},
                        {"D", "MSE per pixel"}});

        nlohmann::json params = common;
        params["lattice"] = *lattice;
        params["fig10_lattices"] = lats10;
        params["fig10_coded_components"] = *n_matched;
        write_sidecar(opt.out_dir, "fig_images", opt, params);
      });
}
