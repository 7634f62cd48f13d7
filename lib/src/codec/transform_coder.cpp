#include "rdp/codec/transform_coder.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "rdp/codec/bitstream.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/sources.hpp"

namespace rdp {
namespace {

constexpr double kLn2 = 0.69314718055994530942;
constexpr double kHalfLog2Pi = 0.91893853320467274178;  // ½ ln 2π
// Items are the codec's blocks 0, 1, …; the train rows that measure PD's and QSD's moments use
// blocks from here on, so their dithers never coincide with a test item's.
constexpr std::uint64_t kTrainBlockOffset = std::uint64_t{1} << 40;

// ln of the N(0, σ²) mass of [lo, hi], from the tail on the far side of 0 so that a cell far out
// keeps its relative accuracy; floored at 1e-300 (997 bits), far beyond any cell a test item hits.
double log_cell_mass(double lo, double hi, double sigma) {
  const double k = 1.0 / (sigma * std::sqrt(2.0));
  double m;
  if (lo >= 0.0) {
    m = 0.5 * (std::erfc(lo * k) - std::erfc(hi * k));
  } else if (hi <= 0.0) {
    m = 0.5 * (std::erfc(-hi * k) - std::erfc(-lo * k));
  } else {
    m = 1.0 - 0.5 * std::erfc(hi * k) - 0.5 * std::erfc(-lo * k);
  }
  return std::log(std::max(m, 1e-300));
}

double log_add_exp(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

// The model's cell mass P(c | u) = ∫_{c+u+V0} N(z; 0, diag(σ_k²)) dz of one base block by
// importance sampling from a mixture of three proposals (simulate.hpp's design; balance heuristic,
// Veach & Guibas 1995), in fixed shares 1/4, 1/4, 1/2: uniform on the cell (right at high rate),
// the model N(0, diag σ_k²) itself (right when the cell holds most of the mass, as the cell of 0
// does at low rate) and the Gaussian posterior of z given the cell with the cell replaced by a
// Gaussian of its second moment, N(w_k t_k, 1.5 w_k σ_e²), t = c + u, w_k = σ_k²/(σ_k² + σ_e²)
// (cells away from 0 at low rate). Returns ln P̂ (E[−ln P̂] ≥ −ln P by Jensen: the conservative
// rate) and ln P̂' with one draw replaced by the encoder's own z, which is an exact draw from the
// model restricted to the cell when the model is right (the lower value of the sandwich of
// Grosse, Ghahramani & Adams 2015; on real data the model is an approximation, so is the bracket).
struct LogMass {
  double upper_rate_log, lower_rate_log;
};

LogMass monte_carlo_log_mass(const Lattice& base, const double* c, const double* u,
                             const double* sz, const double* z_true, double se2, int draws,
                             Philox& rng) {
  const int m = base.dimension();
  const double log_v = base.log_covolume();
  double t[kMaxLatticeDimension], q[kMaxLatticeDimension], w[kMaxLatticeDimension],
      tau[kMaxLatticeDimension];
  for (int k = 0; k < m; ++k) {
    t[k] = c[k] + u[k];
    w[k] = sz[k] * sz[k] / (sz[k] * sz[k] + se2);
    tau[k] = std::sqrt(1.5 * w[k] * se2);
  }
  const auto in_cell = [&](const double* x) {
    for (int k = 0; k < m; ++k) q[k] = x[k] - u[k];
    base.nearest_point(q, q);
    for (int k = 0; k < m; ++k)
      if (std::abs(q[k] - c[k]) > 1e-6 * (1.0 + std::abs(c[k]))) return false;
    return true;
  };
  const auto log_p = [&](const double* x) {
    double s = 0.0;
    for (int k = 0; k < m; ++k) s += -0.5 * (x[k] / sz[k]) * (x[k] / sz[k]) - std::log(sz[k]);
    return s - m * kHalfLog2Pi;
  };
  const auto log_post = [&](const double* x) {
    double s = 0.0;
    for (int k = 0; k < m; ++k) {
      const double r = (x[k] - w[k] * t[k]) / tau[k];
      s += -0.5 * r * r - std::log(tau[k]);
    }
    return s - m * kHalfLog2Pi;
  };
  // The lower value's mixture: shares α = (1/4, 1/4, 1/2), ln α_c q_c at a point of the cell
  // (uniform: 1/V there).
  const double la_uniform = std::log(0.25) - log_v, la_model = std::log(0.25),
               la_post = std::log(0.5);
  const auto log_mix = [&](const double* x, double lp) {
    return log_add_exp(log_add_exp(la_uniform, la_model + lp), la_post + log_post(x));
  };
  const int quarter = std::max(1, draws / 4), k3 = 4 * quarter;
  std::vector<double> zs(static_cast<std::size_t>(2 * k3) * static_cast<std::size_t>(m));
  std::vector<char> inside(static_cast<std::size_t>(2 * k3), 0);
  for (int j = 0; j < k3; ++j) {
    double* x = zs.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(m);
    if (j < quarter) {  // uniform on the cell
      base.sample_voronoi(rng, x);
      for (int k = 0; k < m; ++k) x[k] += t[k];
      inside[static_cast<std::size_t>(j)] = 1;
      continue;
    }
    if (j < 2 * quarter) {  // the model
      for (int k = 0; k < m; ++k) x[k] = sz[k] * rng.normal();
    } else {  // the Gaussian posterior
      for (int k = 0; k < m; ++k) x[k] = w[k] * t[k] + tau[k] * rng.normal();
    }
    inside[static_cast<std::size_t>(j)] = in_cell(x);
  }
  // The upper value adds as many draws again from the posterior's shape centred at the encoder's
  // z, at four scales τ_k·2^{-s}, s = 0…3 (a scale mixture): any proposal that covers the cell
  // keeps P̂ unbiased given z, and this one sits where the model's mass inside the cell is when the
  // cell is thin in some coordinates (components of very different σ_k in one block), which the
  // other three rarely hit; the narrow scales stay inside a cell of 24 dimensions, where a
  // Gaussian of the cell's own second moment mostly leaves it.
  constexpr int kScales = 4;
  for (int j = k3; j < 2 * k3; ++j) {
    double* x = zs.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(m);
    const double f = std::ldexp(1.0, -((j - k3) % kScales));
    for (int k = 0; k < m; ++k) x[k] = z_true[k] + f * tau[k] * rng.normal();
    inside[static_cast<std::size_t>(j)] = in_cell(x);
  }
  const auto log_local = [&](const double* x) {
    double r2 = 0.0, log_tau = 0.0;
    for (int k = 0; k < m; ++k) {
      const double r = (x[k] - z_true[k]) / tau[k];
      r2 += r * r;
      log_tau += std::log(tau[k]);
    }
    double s = -INFINITY;
    for (int sc = 0; sc < kScales; ++sc) {
      const double f = std::ldexp(1.0, -sc);
      s = log_add_exp(s, -0.5 * r2 / (f * f) - m * std::log(f));
    }
    return s - std::log(double(kScales)) - log_tau - m * kHalfLog2Pi;
  };
  const auto log_mean = [&](const std::vector<double>& v) {
    double s = -INFINITY;
    for (double x : v) s = log_add_exp(s, x);
    return s - std::log(double(v.size()));
  };
  LogMass out;
  {
    std::vector<double> lw(static_cast<std::size_t>(2 * k3), -INFINITY);
    for (std::size_t j = 0; j < lw.size(); ++j) {
      if (!inside[j]) continue;
      const double* x = zs.data() + j * static_cast<std::size_t>(m);
      const double lp = log_p(x);
      // Half the draws from the three proposals (shares halved), half local.
      lw[j] = lp - log_add_exp(std::log(0.5) + log_mix(x, lp), std::log(0.5) + log_local(x));
    }
    out.upper_rate_log = log_mean(lw);
  }
  std::vector<double> lw(static_cast<std::size_t>(k3), -INFINITY);
  for (std::size_t j = 0; j < lw.size(); ++j) {
    if (!inside[j]) continue;
    const double* x = zs.data() + j * static_cast<std::size_t>(m);
    const double lp = log_p(x);
    lw[j] = lp - log_mix(x, lp);
  }
  // The lower value: the encoder's z replaces the first draw of proposal c with probability
  // α_c q_c(z)/q̄(z); this mixture does not depend on z, which the sandwich needs.
  const double lp = log_p(z_true), lmix = log_mix(z_true, lp);
  const double pu = std::exp(la_uniform - lmix), pm = std::exp(la_model + lp - lmix);
  const double r = rng.uniform01();
  const std::size_t slot = r < pu        ? 0
                           : r < pu + pm ? static_cast<std::size_t>(quarter)
                                         : static_cast<std::size_t>(2 * quarter);
  lw[slot] = lp - lmix;
  out.lower_rate_log = log_mean(lw);
  return out;
}

constexpr Eigen::Index kGroups = 16;
Eigen::Index group_begin(Eigen::Index n, Eigen::Index g) { return n * g / kGroups; }

// A·B in fixed row groups (deterministic for any thread count; each product sequential).
Eigen::MatrixXd grouped_product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd out(a.rows(), b.cols());
#pragma omp parallel for schedule(static)
  for (Eigen::Index g = 0; g < kGroups; ++g) {
    const Eigen::Index lo = group_begin(a.rows(), g), hi = group_begin(a.rows(), g + 1);
    if (hi > lo) out.middleRows(lo, hi - lo).noalias() = a.middleRows(lo, hi - lo) * b;
  }
  return out;
}

// Squared W2 between N(m1, C1) and N(m2, C2): ‖m1 − m2‖² + tr C1 + tr C2 − 2 tr (C1½ C2 C1½)½.
double frechet(const Eigen::VectorXd& m1, const Eigen::MatrixXd& c1, const Eigen::VectorXd& m2,
               const Eigen::MatrixXd& c2) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> e1(c1);
  const Eigen::VectorXd r = e1.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const Eigen::MatrixXd h = e1.eigenvectors() * r.asDiagonal() * e1.eigenvectors().transpose();
  const Eigen::MatrixXd mid = h * c2 * h;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> em(0.5 * (mid + mid.transpose()),
                                                          Eigen::EigenvaluesOnly);
  const double cross = em.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
  return std::max(0.0, (m1 - m2).squaredNorm() + c1.trace() + c2.trace() - 2.0 * cross);
}

// Sums per batch, for the jackknife: first and second moments of two row sets.
struct Moments {
  double count = 0.0;
  Eigen::VectorXd s1, s2;  // Σ y, Σ ŷ
  Eigen::MatrixXd g1, g2;  // Σ y yᵀ, Σ ŷ ŷᵀ (or the diagonal only, as a column)
  void add(const Moments& o) {
    count += o.count;
    s1 += o.s1;
    s2 += o.s2;
    g1 += o.g1;
    g2 += o.g2;
  }
  void subtract(const Moments& o) {
    count -= o.count;
    s1 -= o.s1;
    s2 -= o.s2;
    g1 -= o.g1;
    g2 -= o.g2;
  }
};

// The estimate from all batches and its delete-one-batch jackknife standard error.
template <class Stat>
Estimate jackknife(const std::vector<Moments>& batches, Stat stat) {
  Moments total = batches[0];
  for (std::size_t b = 1; b < batches.size(); ++b) total.add(batches[b]);
  std::vector<Moments> sets(batches.size() + 1, total);
  for (std::size_t b = 0; b < batches.size(); ++b) sets[b + 1].subtract(batches[b]);
  // One statistic per thread: inside a parallel region Eigen's products run sequentially, so the
  // values do not depend on the thread count.
  std::vector<double> values(sets.size());
#pragma omp parallel for schedule(static)
  for (std::size_t k = 0; k < sets.size(); ++k) values[k] = stat(sets[k]);
  const double full = values[0];
  const double nb = double(batches.size());
  const std::vector<double> loo(values.begin() + 1, values.end());
  const double mean = std::accumulate(loo.begin(), loo.end(), 0.0) / nb;
  double ss = 0.0;
  for (double v : loo) ss += (v - mean) * (v - mean);
  return {full, std::sqrt((nb - 1.0) / nb * ss)};
}

}  // namespace

int coded_components_for(const LatentAllocation& allocation, int lattice_dimension,
                         double rate_fraction) {
  const int d = static_cast<int>(allocation.correlation.size());
  if (lattice_dimension < 1 || lattice_dimension > d)
    throw InvalidArgument("lattice dimension", "[1, " + std::to_string(d) + "]",
                          std::to_string(lattice_dimension));
  if (!(rate_fraction > 0.0 && rate_fraction <= 1.0))
    throw InvalidArgument("rate fraction", "(0, 1]", format_number(rate_fraction));
  std::vector<double> rate(static_cast<std::size_t>(d));
  for (int i = 0; i < d; ++i) {
    const double r = allocation.correlation[static_cast<std::size_t>(i)];
    rate[static_cast<std::size_t>(i)] = -0.5 * std::log2(1.0 - r * r);
  }
  const double total = std::accumulate(rate.begin(), rate.end(), 0.0);
  const int max_n = d / lattice_dimension * lattice_dimension;
  double sum = 0.0;
  int k = 0;
  while (k < d && sum < rate_fraction * total) sum += rate[static_cast<std::size_t>(k++)];
  const int n = (std::max(k, 1) + lattice_dimension - 1) / lattice_dimension * lattice_dimension;
  return std::min(n, max_n);
}

TransformCoder design_transform_coder(const LatentAllocation& al,
                                      const TransformCoderOptions& options,
                                      const Eigen::MatrixXd& train_latents) {
  const int d = static_cast<int>(al.latent_std.size());
  if (d < 1 || al.correlation.size() != al.latent_std.size() ||
      al.output_std.size() != al.latent_std.size())
    throw InvalidArgument("allocation", "latent_std, correlation and output_std of one size d >= 1",
                          std::to_string(al.latent_std.size()) + ", " +
                              std::to_string(al.correlation.size()) + ", " +
                              std::to_string(al.output_std.size()));
  for (int i = 0; i < d; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (!(al.latent_std[k] > 0.0 && std::isfinite(al.latent_std[k])))
      throw InvalidArgument("allocation latent_std", "finite and > 0",
                            format_number(al.latent_std[k]));
    if (!(al.correlation[k] >= 0.0 && al.correlation[k] < 1.0))
      throw InvalidArgument("allocation correlation", "[0, 1)", format_number(al.correlation[k]));
    if (!(al.output_std[k] >= 0.0 && std::isfinite(al.output_std[k])))
      throw InvalidArgument("allocation output_std", "finite and >= 0",
                            format_number(al.output_std[k]));
  }
  if (!(al.nu >= 0.0 && al.nu <= 1.0))
    throw InvalidArgument("allocation nu", "[0, 1]", format_number(al.nu));
  if (!(options.min_correlation > 0.0 && options.min_correlation < 1.0))
    throw InvalidArgument("min correlation", "(0, 1)", format_number(options.min_correlation));

  TransformCoder tc;
  tc.options = options;
  tc.dimension = d;
  tc.base = make_lattice(options.lattice);
  const int m = tc.base->dimension(), n = options.coded_components;
  if (n < 1 || n > d || n % m != 0)
    throw InvalidArgument("coded components",
                          "a multiple of the lattice dimension " + std::to_string(m) + " in [" +
                              std::to_string(m) + ", " + std::to_string(d / m * m) +
                              "] (d = " + std::to_string(d) + ")",
                          std::to_string(n));
  if (options.kind == CodecKind::qsd && options.nesting_ratio < 2)
    throw InvalidArgument("nesting", "[2, ...] for QSD", std::to_string(options.nesting_ratio));
  const auto ref = reference_nsm(tc.base->name());
  tc.nsm = ref ? *ref : normalized_second_moment(*tc.base, 100000, 0x6e736d).nsm;
  // σ_e² = G V^{2/m}, from ln V so that high-dimensional products stay finite.
  tc.noise_second_moment = tc.nsm * std::exp(2.0 * tc.base->log_covolume() / m);
  const double se2 = tc.noise_second_moment;

  CodecParameters params;
  params.kind = options.kind;
  params.lattice_scale = 1.0;
  params.noise_second_moment = se2;
  params.decoder_gain = 1.0;  // the decoder returns c̃ + v; the per-component gains come after
  params.dither_magnitude = 1.0;
  params.nesting_ratio = options.kind == CodecKind::qsd ? options.nesting_ratio : 1;
  params.source_mean = 0.0;
  params.rule = "transform coder: unit decoder gain, per-component synthesis gains";
  tc.lattices = std::make_shared<const CodecLattices>(make_product(tc.base, n / m), params);
  tc.common_seed = options.kind == CodecKind::pd ? 0 : derive_seed(options.seed, 1);
  tc.private_seed = derive_seed(options.seed, 2);
  tc.uncoded_seed = derive_seed(options.seed, 6);

  tc.latent_std = al.latent_std;
  const auto un = static_cast<std::size_t>(n);
  tc.correlation.resize(un);
  tc.analysis_gain.resize(un);
  for (std::size_t i = 0; i < un; ++i) {
    // eq. 7.2: the effective noise e_i/a_i on y_i gives corr(y_i, y_i + e_i/a_i) = ρ_i.
    const double r = std::max(al.correlation[i], options.min_correlation);
    tc.correlation[i] = r;
    tc.analysis_gain[i] = std::sqrt(se2) * r / (al.latent_std[i] * std::sqrt(1.0 - r * r));
  }
  for (int i = n; i < d; ++i)
    tc.uncoded_std.push_back(al.nu * al.latent_std[static_cast<std::size_t>(i)]);

  // Moments A_i = E c̃_i², B_i = E[y_i c̃_i].
  tc.moment_a.assign(un, 0.0);
  tc.moment_b.assign(un, 0.0);
  if (options.kind == CodecKind::sd) {
    tc.moment_method = "additive_exact";  // crypto lemma: c̃ = z + e, e ⟂ z, E e² = σ_e²
    for (std::size_t i = 0; i < un; ++i) {
      const double a = tc.analysis_gain[i], s = al.latent_std[i];
      tc.moment_a[i] = a * a * s * s + se2;
      tc.moment_b[i] = a * s * s;
    }
  } else {
    tc.moment_method = "train_split";
    if (train_latents.cols() != d || train_latents.rows() < 2)
      throw InvalidArgument(
          "train latents",
          "at least 2 rows of d = " + std::to_string(d) + " columns for PD and QSD",
          std::to_string(train_latents.rows()) + " x " + std::to_string(train_latents.cols()));
    const Eigen::Index rows = std::min<Eigen::Index>(
        train_latents.rows(),
        static_cast<Eigen::Index>(std::max<std::uint64_t>(options.moment_rows, 2)));
    const Encoder encoder(tc.lattices, tc.common_seed);
    Eigen::MatrixXd ct(rows, n);
#pragma omp parallel for schedule(static)
    for (Eigen::Index r = 0; r < rows; ++r) {
      std::vector<double> z(un), c(un), u(un);
      for (std::size_t i = 0; i < un; ++i)
        z[i] = tc.analysis_gain[i] * train_latents(r, static_cast<Eigen::Index>(i));
      const std::uint64_t block = kTrainBlockOffset + static_cast<std::uint64_t>(r);
      encoder.encode(block, z.data(), c.data());
      shared_dither(*tc.lattices, tc.common_seed, block, u.data());
      for (std::size_t i = 0; i < un; ++i) ct(r, static_cast<Eigen::Index>(i)) = c[i] + u[i];
    }
    for (Eigen::Index r = 0; r < rows; ++r)  // summed in row order
      for (std::size_t i = 0; i < un; ++i) {
        const double v = ct(r, static_cast<Eigen::Index>(i));
        tc.moment_a[i] += v * v;
        tc.moment_b[i] += train_latents(r, static_cast<Eigen::Index>(i)) * v;
      }
    for (std::size_t i = 0; i < un; ++i) {
      tc.moment_a[i] /= double(rows);
      tc.moment_b[i] /= double(rows);
    }
  }

  // Synthesis gains (eq. 7.3 for SD, 7.6 for PD and QSD), s_i the allocation's output std.
  tc.reconstruction_gain.resize(un);
  tc.noise_gain.assign(un, 0.0);
  const int a_nest = params.nesting_ratio;
  for (std::size_t i = 0; i < un; ++i) {
    const double A = tc.moment_a[i], B = std::max(tc.moment_b[i], 1e-300), s = al.output_std[i];
    switch (options.kind) {
      case CodecKind::sd:
        tc.reconstruction_gain[i] = std::max(B / A, s / std::sqrt(A));
        break;
      case CodecKind::pd:
        // A component whose z never leaves the cell of 0 (A = 0) carries nothing: α = 0 and the
        // private dither alone gives it its output std.
        tc.reconstruction_gain[i] = A > 0.0 ? B / A : 0.0;
        tc.noise_gain[i] = std::sqrt(std::max(0.0, s * s - (A > 0.0 ? B * B / A : 0.0)) / se2);
        break;
      case CodecKind::qsd: {
        // PD's dither magnitude (relative to c̃), on the finer cell: its noise shrinks as 1/a.
        const double mag2 = std::max(0.0, s * s - B * B / A) * (A / B) * (A / B) / se2;
        const double K = A + mag2 * se2 / (a_nest * a_nest);
        const double g = std::max(B / K, s / std::sqrt(K));
        tc.reconstruction_gain[i] = g;
        tc.noise_gain[i] = g * std::sqrt(mag2);
        break;
      }
    }
  }
  return tc;
}

void transform_code_item(const TransformCoder& tc, std::uint64_t item, const double* y, double* c,
                         double* y_hat) {
  const int n = tc.lattices->dimension(), d = tc.dimension;
  const auto un = static_cast<std::size_t>(n);
  std::vector<double> z(un), u(un), x(un);
  for (std::size_t i = 0; i < un; ++i) z[i] = tc.analysis_gain[i] * y[i];
  const Encoder encoder(tc.lattices, tc.common_seed);
  encoder.encode(item, z.data(), c);
  if (tc.options.kind == CodecKind::pd) {
    Decoder(tc.lattices, tc.private_seed).decode(item, c, x.data());
  } else {
    Decoder(tc.lattices, tc.common_seed, tc.private_seed).decode(item, c, x.data());
  }
  // With unit gain and magnitude the decoder returns c + u + v: separate the private dither v.
  shared_dither(*tc.lattices, tc.common_seed, item, u.data());
  for (std::size_t i = 0; i < un; ++i) {
    const double ct = c[i] + u[i];
    const double v = tc.options.kind == CodecKind::sd ? 0.0 : x[i] - ct;
    y_hat[i] = tc.reconstruction_gain[i] * ct + tc.noise_gain[i] * v;
  }
  Philox rng(tc.uncoded_seed, item);
  for (int i = n; i < d; ++i)
    y_hat[i] = tc.uncoded_std[static_cast<std::size_t>(i - n)] * rng.normal();
}

TransformRunResult run_transform_coder(const TransformCoder& tc, const Eigen::MatrixXd& y,
                                       const TransformRunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const Eigen::Index items = y.rows();
  const int d = tc.dimension, n = tc.lattices->dimension(), m = tc.base->dimension();
  if (y.cols() != d)
    throw InvalidArgument("test latents", std::to_string(d) + " columns", std::to_string(y.cols()));
  if (options.batches < 2 || items < 2 * options.batches)
    throw InvalidArgument(
        "test items",
        "at least 2 per batch (" + std::to_string(2 * std::max(options.batches, 2)) + ")",
        std::to_string(items));
  if (options.projections < 2)
    throw InvalidArgument("projections", "[2, ...]", std::to_string(options.projections));
  if (options.rate_draws < 2)
    throw InvalidArgument("rate draws", "[2, ...]", std::to_string(options.rate_draws));
  const int features = std::min(options.frechet_features, d);
  if (features < 1)
    throw InvalidArgument("frechet features", "[1, d]", std::to_string(options.frechet_features));

  TransformRunResult out;
  out.items = static_cast<std::uint64_t>(items);
  out.coded_components = n;
  out.projections = options.projections;
  out.frechet_features = features;
  const bool exact = integer_lattice_step(*tc.base) > 0.0;
  out.rate_method = exact ? "exact_box_cells" : "cell_monte_carlo";
  const double se2 = tc.noise_second_moment;
  const std::uint64_t rate_seed = derive_seed(tc.options.seed, 4);
  const auto un = static_cast<std::size_t>(n);
  std::vector<double> sz(un);  // the model's std of z_i
  for (std::size_t i = 0; i < un; ++i) sz[i] = tc.analysis_gain[i] * tc.latent_std[i];

  out.reconstructions.resize(items, d);
  std::vector<double> rate(static_cast<std::size_t>(items)), rate_lo(rate.size()), mse(rate.size());
#pragma omp parallel for schedule(dynamic, 16)
  for (Eigen::Index j = 0; j < items; ++j) {
    std::vector<double> yj(static_cast<std::size_t>(d)), yh(yj.size()), c(un), u(un), z(un);
    for (int i = 0; i < d; ++i) yj[static_cast<std::size_t>(i)] = y(j, i);
    const auto item = static_cast<std::uint64_t>(j);
    transform_code_item(tc, item, yj.data(), c.data(), yh.data());
    double err = 0.0;
    for (int i = 0; i < d; ++i) {
      const double e = yj[static_cast<std::size_t>(i)] - yh[static_cast<std::size_t>(i)];
      err += e * e;
      out.reconstructions(j, i) = yh[static_cast<std::size_t>(i)];
    }
    mse[static_cast<std::size_t>(j)] = err / d;
    shared_dither(*tc.lattices, tc.common_seed, item, u.data());
    for (std::size_t i = 0; i < un; ++i) z[i] = tc.analysis_gain[i] * yj[i];
    double bits = 0.0, bits_lo = 0.0;
    if (exact) {
      // Box cells: z_i ∈ c_i + u_i + [−½, ½], each coordinate exactly.
      for (std::size_t i = 0; i < un; ++i) {
        const double t = c[i] + u[i];
        bits -= log_cell_mass(t - 0.5, t + 0.5, sz[i]) / kLn2;
      }
      bits_lo = bits;
    } else {
      Philox rng(rate_seed, item);
      for (int b = 0; b < n / m; ++b) {
        const std::size_t o = static_cast<std::size_t>(b) * static_cast<std::size_t>(m);
        const LogMass lm = monte_carlo_log_mass(*tc.base, c.data() + o, u.data() + o, sz.data() + o,
                                                z.data() + o, se2, options.rate_draws, rng);
        bits -= lm.upper_rate_log / kLn2;
        bits_lo -= lm.lower_rate_log / kLn2;
      }
    }
    rate[static_cast<std::size_t>(j)] = bits;
    rate_lo[static_cast<std::size_t>(j)] = bits_lo;
  }
  out.rate_bits = mean_with_error(rate);
  out.rate_lower_bits = mean_with_error(rate_lo);
  out.distortion_mse = mean_with_error(mse);

  if (exact) {
    // Real payloads, one stream per component (bitstream.hpp codes every coordinate against one
    // source's cdf; the components have different variances).
    std::size_t bytes = 0;
    bool coded = true;
    std::vector<double> zc(static_cast<std::size_t>(items));
    for (std::size_t i = 0; i < un && coded; ++i) {
      CodecParameters p1 = tc.lattices->parameters();
      const auto lat = std::make_shared<const CodecLattices>(make_lattice("z1"), p1);
      for (Eigen::Index j = 0; j < items; ++j)
        zc[static_cast<std::size_t>(j)] = tc.analysis_gain[i] * y(j, static_cast<Eigen::Index>(i));
      try {
        bytes += encode_payload(lat, Gaussian(0.0, sz[i]), derive_seed(tc.common_seed, 100 + i),
                                zc.data(), static_cast<std::uint64_t>(items))
                     .size();
      } catch (const InvalidArgument&) {
        coded = false;  // a point the coder refuses (more than 2^62 steps out): no coded size
      }
    }
    if (coded) out.coded_rate_bits = 8.0 * double(bytes) / double(items);
  }

  // Per-component test variances (row order), for the entropy bound.
  const Eigen::VectorXd mean_y = y.colwise().mean().transpose();
  if (tc.options.kind == CodecKind::sd) {
    double bound = 0.0;
    for (std::size_t i = 0; i < un; ++i) {
      const auto col = static_cast<Eigen::Index>(i);
      const double v = (y.col(col).array() - mean_y(col)).square().sum() / double(items - 1);
      const double a = tc.analysis_gain[i];
      bound += 0.5 * std::log2(1.0 + a * a * v / se2);
    }
    out.rate_entropy_bound_bits = bound + n * space_filling_loss_bits(tc.nsm);
  } else {
    out.rate_entropy_bound_bits = NAN;
  }

  // Sliced W2²: directions uniform on the sphere, both empirical laws sorted.
  const int L = options.projections;
  Eigen::MatrixXd theta(d, L);
  const std::uint64_t proj_seed = derive_seed(tc.options.seed, 5);
  for (int l = 0; l < L; ++l) {
    Philox rng(proj_seed, static_cast<std::uint64_t>(l));
    for (int i = 0; i < d; ++i) theta(i, l) = rng.normal();
    theta.col(l).normalize();
  }
  const Eigen::MatrixXd py = grouped_product(y, theta),
                        pq = grouped_product(out.reconstructions, theta);
  std::vector<double> w2(static_cast<std::size_t>(L));
#pragma omp parallel for schedule(static)
  for (int l = 0; l < L; ++l) {
    std::vector<double> a(py.col(l).data(), py.col(l).data() + items),
        b(pq.col(l).data(), pq.col(l).data() + items);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    double s = 0.0;
    for (Eigen::Index k = 0; k < items; ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
    w2[static_cast<std::size_t>(l)] = s / double(items);
  }
  out.sliced_w2sq = mean_with_error(w2);

  // Batch moments for the Fréchet distance (first F features) and the diagonal perception.
  const int nb = options.batches;
  std::vector<Moments> full(static_cast<std::size_t>(nb)), diag(full.size());
#pragma omp parallel for schedule(static)
  for (int b = 0; b < nb; ++b) {
    const Eigen::Index lo = items * b / nb, hi = items * (b + 1) / nb;
    const auto yb = y.middleRows(lo, hi - lo);
    const auto qb = out.reconstructions.middleRows(lo, hi - lo);
    Moments& f = full[static_cast<std::size_t>(b)];
    f.count = double(hi - lo);
    f.s1 = yb.leftCols(features).colwise().sum().transpose();
    f.s2 = qb.leftCols(features).colwise().sum().transpose();
    f.g1 = yb.leftCols(features).transpose() * yb.leftCols(features);
    f.g2 = qb.leftCols(features).transpose() * qb.leftCols(features);
    Moments& g = diag[static_cast<std::size_t>(b)];
    g.count = f.count;
    g.s1 = yb.colwise().sum().transpose();
    g.s2 = qb.colwise().sum().transpose();
    g.g1 = yb.array().square().colwise().sum().transpose().matrix();
    g.g2 = qb.array().square().colwise().sum().transpose().matrix();
  }
  out.frechet_pca = jackknife(full, [](const Moments& mo) {
    const Eigen::VectorXd m1 = mo.s1 / mo.count, m2 = mo.s2 / mo.count;
    const Eigen::MatrixXd c1 = (mo.g1 - mo.count * m1 * m1.transpose()) / (mo.count - 1.0);
    const Eigen::MatrixXd c2 = (mo.g2 - mo.count * m2 * m2.transpose()) / (mo.count - 1.0);
    return frechet(m1, c1, m2, c2);
  });
  out.perception_w2sq = jackknife(diag, [d](const Moments& mo) {
    const Eigen::ArrayXd m1 = mo.s1.array() / mo.count, m2 = mo.s2.array() / mo.count;
    const Eigen::ArrayXd v1 =
        ((mo.g1.array() - mo.count * m1.square()) / (mo.count - 1.0)).max(0.0);
    const Eigen::ArrayXd v2 =
        ((mo.g2.array() - mo.count * m2.square()) / (mo.count - 1.0)).max(0.0);
    return ((v1.sqrt() - v2.sqrt()).square().sum() + (m1 - m2).square().sum()) / d;
  });
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace rdp
