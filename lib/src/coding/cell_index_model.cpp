#include "rdp/coding/cell_index_model.hpp"

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <vector>

#include "rdp/error.hpp"
#include "rdp/sources.hpp"

namespace rdp {

namespace {
// Cell indices are kept within ±2^62 so that window arithmetic never overflows.
constexpr double kIndexLimit = 0x1.0p62;

// Double precision: Boost's default promotes to long double, several times slower, and 2^-16
// resolution needs nothing of the sort.
using NoPromotion = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

// Φ⁻¹ on the grid i/1024, for find()'s first guess only (a wrong guess costs search steps, never
// a wrong answer): a table lookup instead of an erfc_inv per decoded coordinate.
constexpr int kGuessGrid = 1024;
const std::vector<double>& standard_normal_grid() {
  static const std::vector<double> grid = [] {
    std::vector<double> g(kGuessGrid + 1);
    g[0] = -40.0;
    g[kGuessGrid] = 40.0;
    for (int i = 1; i < kGuessGrid; ++i)
      g[i] = -M_SQRT2 * boost::math::erfc_inv(2.0 * i / kGuessGrid, NoPromotion());
    return g;
  }();
  return grid;
}

std::int64_t clamped_floor(double v) {
  return static_cast<std::int64_t>(std::floor(std::clamp(v, -kIndexLimit, kIndexLimit)));
}
}  // namespace

CellIndexModel::CellIndexModel(const ContinuousSource& source, double step)
    : source_(&source), step_(step) {
  require_positive("cell step", step);
  inv_step_ = 1.0 / step;
  if (const auto* g = dynamic_cast<const Gaussian*>(&source)) {
    gaussian_ = true;
    mu_ = g->mu();
    sigma_ = g->sigma();
    inv_sigma_sqrt2_ = 1.0 / (sigma_ * M_SQRT2);
    grid_ = standard_normal_grid().data();
  }
  q_lo_ = quantile(kTailMass);
  q_hi_ = quantile(1.0 - kTailMass);
  median_ = quantile(0.5);
  if (!std::isfinite(q_lo_) || !std::isfinite(q_hi_) || !(q_lo_ < q_hi_))
    throw InvalidArgument("source quantiles", "finite and increasing", "not so");
}

double CellIndexModel::cdf(double x) const {
  if (!gaussian_) return source_->cdf(x);
  return 0.5 * std::erfc((mu_ - x) * inv_sigma_sqrt2_);
}

double CellIndexModel::quantile(double u) const {
  if (!gaussian_) return source_->quantile(u);
  return mu_ - sigma_ * M_SQRT2 * boost::math::erfc_inv(2.0 * u, NoPromotion());
}

void CellIndexModel::place(double theta) {
  require_finite("cell centre", theta);
  theta_ = theta;
  // Cells meeting [q_lo, q_hi]: upper edge θ + (k + ½)Δ > q_lo and lower edge <= q_hi.
  lo_ = clamped_floor((q_lo_ - theta) * inv_step_ - 0.5) + 1;
  hi_ = std::max(lo_, clamped_floor((q_hi_ - theta) * inv_step_ + 0.5));
  if (hi_ - lo_ + 1 > kMaxWindow) {
    lo_ = clamped_floor((median_ - theta) * inv_step_ + 0.5) - kMaxWindow / 2;
    hi_ = lo_ + kMaxWindow - 1;
  }
  scale_ = double(kRansTotal - (hi_ - lo_ + 1) - 1);
}

std::uint32_t CellIndexModel::cum_inside(std::int64_t k) const {
  const double f = std::clamp(cdf(theta_ + (double(k) - 0.5) * step_), 0.0, 1.0);
  return static_cast<std::uint32_t>(std::floor(f * scale_)) + static_cast<std::uint32_t>(k - lo_);
}

IndexInterval CellIndexModel::find(std::uint32_t slot) const {
  // Guess: cum(k) is about F(θ + (k − ½)Δ)·2^16, so invert F at the slot (for a Gaussian by
  // interpolating Φ⁻¹ on a grid; the tail cells, rarely decoded, take a few more search steps).
  const double u = std::clamp((double(slot) + 0.5) / kRansTotal, 1e-300, 1.0 - 0x1.0p-53);
  double x;
  if (gaussian_) {
    const double t = u * kGuessGrid;
    const int i = std::min(static_cast<int>(t), kGuessGrid - 1);
    x = mu_ + sigma_ * (grid_[i] + (t - i) * (grid_[i + 1] - grid_[i]));
  } else {
    x = quantile(u);
  }
  std::int64_t k = std::isfinite(x) ? clamped_floor((x - theta_) * inv_step_ + 0.5) : lo_;
  k = std::clamp(k, lo_, hi_);
  // Gallop from the guess to a bracket [a, b] with ca = cum(a) <= slot < cb = cum(b + 1), then
  // bisect. Terminates: cum(lo) = 0 <= slot < cum(hi + 1) = escape.
  std::int64_t a, b;
  std::uint32_t ca, cb;
  const std::uint32_t ck = cum(k);
  if (ck > slot) {
    b = k - 1;
    cb = ck;
    for (std::int64_t step = 1;; step *= 2) {
      const std::int64_t j = std::max(lo_, k - step);
      const std::uint32_t cj = cum(j);
      if (cj <= slot) {
        a = j;
        ca = cj;
        break;
      }
      b = j - 1;
      cb = cj;
    }
  } else {
    a = k;
    ca = ck;
    for (std::int64_t step = 1;; step *= 2) {
      const std::int64_t j = std::min(hi_, k + step - 1);
      const std::uint32_t cj = cum(j + 1);
      if (cj > slot) {
        b = j;
        cb = cj;
        break;
      }
      a = j + 1;
      ca = cj;
    }
  }
  return find_by_bisection(*this, slot, a, b, ca, cb);
}

double CellIndexModel::cost_bits(std::int64_t k) const {
  if (k >= lo_ && k <= hi_) {
    const std::uint32_t f = cum(k + 1) - cum(k);
    if (f > 0) return kRansPrecisionBits - std::log2(double(f));
  }
  // Escape, header, bytes (see put_index()).
  const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  const std::uint64_t d = k < lo_ ? u(lo_) - u(k) - 1 : k > hi_ ? u(k) - u(hi_) - 1 : u(k) - u(lo_);
  int bytes = 1;
  while (bytes < 8 && (d >> (8 * bytes)) != 0) ++bytes;
  return kRansPrecisionBits - std::log2(double(kRansTotal - kEscape)) + 5 + 8 * bytes;
}

}  // namespace rdp
