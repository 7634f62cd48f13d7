// The `rdpkit` Python module: closed forms vectorised over numpy arrays, the certified
// Blahut–Arimoto solver on a user's own problem, lattices and the dithered lattice codecs.
//
// Spec strings are parsed by the `rdp` command's own code (experiments/rdp/problem.cpp), and every
// rdp::InvalidArgument becomes a ValueError whose text is the line the command prints after
// "rdp: error: ". Arrays come in as float64 (converted when they are not, without a copy when they
// are C-contiguous float64) and are checked for shape and finiteness before any C++ loop sees
// them; the loops run with the GIL released.
#include <omp.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "codec_runs.hpp"
#include "grid_ranges.hpp"
#include "problem.hpp"
#include "rate_query.hpp"
#include "rdp/codec/bitstream.hpp"
#include "rdp/codec/dithered_codec.hpp"
#include "rdp/codec/simulate.hpp"
#include "rdp/error.hpp"
#include "rdp/lattice/constants.hpp"
#include "rdp/lattice/lattice.hpp"
#include "rdp/lattice/nested.hpp"
#include "rdp/rng.hpp"
#include "rdp/solvers/ba/divergence.hpp"
#include "rdp/solvers/ba/finite_problem.hpp"
#include "rdp/solvers/ba/solver.hpp"
#include "rdp/solvers/ba/sweep.hpp"
#include "rdp/solvers/closed_form.hpp"
#include "rdp/solvers/level_set.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace rdp::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using experiments::Interval;

// --- argument checks, worded as the command line words them (experiments/common/cli.cpp)

void check_real(const std::string& name, double x, const Interval& range) {
  if (!range.contains(x)) throw InvalidArgument(name, range.text(), format_number(x));
}

void check_integer(const std::string& name, long long v, long long lo, long long hi) {
  if (v < lo || v > hi)
    throw InvalidArgument(name,
                          "integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                          std::to_string(v));
}

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) s += (k ? ", " : "") + std::to_string(a.shape(k));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// A float64 C-contiguous view of `obj` (a copy only when it is not one already). Anything numpy
// cannot turn into float64 (strings, objects, None) is refused by name.
Array as_array(const std::string& name, const py::handle& obj) {
  // Booleans, integers and reals only: numpy would also turn "1.5" into 1.5 and drop the
  // imaginary part of a complex number, silently.
  py::array any = py::array::ensure(obj);
  if (!any) PyErr_Clear();
  const char kind = any ? any.dtype().kind() : 'O';
  if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f') {
    const std::string what =
        any && !py::isinstance<py::str>(obj) && py::isinstance<py::array>(obj)
            ? "an array of dtype " + std::string(py::str(any.dtype()))
            : "an object of type " + std::string(py::str(obj.get_type().attr("__name__")));
    throw InvalidArgument(name, "a real number or an array of real numbers", what);
  }
  Array a = Array::ensure(any);
  if (!a) {
    PyErr_Clear();
    throw InvalidArgument(name, "a real number or an array of real numbers",
                          "an array numpy cannot convert to float64");
  }
  return a;
}

void require_all_finite(const std::string& name, const Array& a) {
  const double* p = a.data();
  const auto n = static_cast<std::size_t>(a.size());
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i]))
      throw InvalidArgument(name, "finite entries",
                            format_number(p[i]) + " at flat index " + std::to_string(i));
}

// --- problems from spec strings; the last few parsed are kept, so that a scalar call in a Python
// loop does not reparse its spec each time.

using ProblemPtr = std::shared_ptr<const cli::Problem>;

ProblemPtr problem_for(const std::string& source, const std::string& distortion,
                       const std::string& perception) {
  static std::map<std::tuple<std::string, std::string, std::string>, ProblemPtr> cache;
  const auto key = std::make_tuple(source, distortion, perception);
  if (const auto it = cache.find(key); it != cache.end()) return it->second;
  auto pb = std::make_shared<const cli::Problem>(
      cli::resolve_problem(cli::ProblemOptions{source, distortion, perception}));
  if (cache.size() >= 64) cache.clear();
  cache.emplace(key, pb);
  return pb;
}

// The P a query is given (None: absent), checked as `rdp rate` checks --P.
void perception_level(const cli::Problem& pb, const py::object& p) {
  cli::check_perception_given(pb, !p.is_none(), [&p] {
    if (py::isinstance<py::float_>(p) || py::isinstance<py::int_>(p))
      return format_number(p.cast<double>());
    if (py::isinstance<py::array>(p))
      return "an array of shape " + shape_text(py::reinterpret_borrow<py::array>(p));
    return std::string("an array");  // its repr would not fit on one line
  });
}

// The P of a query at one point (0 without a perception measure), D and P checked as `rdp rate`
// checks --D and --P.
double point_perception(const cli::Problem& pb, double d, const py::object& p_obj) {
  require_nonnegative("D", d);
  perception_level(pb, p_obj);
  if (pb.perception == Perception::none) return 0.0;
  const double p = p_obj.cast<double>();
  require_nonnegative("P", p);
  return p;
}

std::string opt_string(const py::object& o) {
  return o.is_none() ? std::string() : o.cast<std::string>();
}

// --- conversions of results

py::object json_to_py(const nlohmann::ordered_json& j);
py::object json_to_py(const nlohmann::json& j) {
  return json_to_py(nlohmann::ordered_json::parse(j.dump()));
}
py::object json_to_py(const nlohmann::ordered_json& j) {
  if (j.is_null()) return py::none();
  if (j.is_boolean()) return py::bool_(j.get<bool>());
  if (j.is_number_unsigned()) return py::int_(j.get<std::uint64_t>());
  if (j.is_number_integer()) return py::int_(j.get<std::int64_t>());
  if (j.is_number()) return py::float_(j.get<double>());
  if (j.is_string()) return py::str(j.get<std::string>());
  if (j.is_array()) {
    py::list l;
    for (const auto& v : j) l.append(json_to_py(v));
    return std::move(l);
  }
  py::dict d;
  for (auto it = j.begin(); it != j.end(); ++it) d[py::str(it.key())] = json_to_py(it.value());
  return std::move(d);
}

py::array_t<double> vector_array(const std::vector<double>& v) {
  py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::array_t<double> eigen_vector_array(const Eigen::VectorXd& v) {
  py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.data(), v.data() + v.size(), a.mutable_data());
  return a;
}

py::array_t<double> eigen_matrix_array(const Eigen::MatrixXd& m) {
  py::array_t<double> a({static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
  auto r = a.mutable_unchecked<2>();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index k = 0; k < m.cols(); ++k) r(i, k) = m(i, k);
  return a;
}

// `rdp rate --method ba --json`'s solver fields (infinities kept), plus the arrays.
py::dict ba_result_dict(const BaResult& r) {
  py::dict d = json_to_py(cli::ba_result_json(r)).cast<py::dict>();
  d["channel"] = eigen_matrix_array(r.channel);
  d["output_pmf"] = eigen_vector_array(r.output_pmf);
  if (r.dual.present) {
    py::dict dual;
    dual["form"] = std::string(ba_dual_form_name(r.dual.form));
    dual["s_nats"] = r.dual.s_nats;
    dual["mu_nats"] = r.dual.mu_nats;
    dual["log_lambda"] = eigen_vector_array(r.dual.log_lambda);
    d["dual"] = dual;
  } else {
    d["dual"] = py::none();
  }
  return d;
}

// --- closed forms

// R(D,P) at every point of the broadcast of D and P, in bits.
py::object rate(const std::string& source, const std::string& perception, const py::object& d_obj,
                const py::object& p_obj, const py::object& distortion) {
  const ProblemPtr pb = problem_for(source, opt_string(distortion), perception);
  perception_level(*pb, p_obj);
  // The command line's message for --method closed on a triple without a closed form.
  if (const auto why = closed_form_unavailable_reason(*pb->source, pb->distortion, pb->perception);
      !why.empty())
    throw InvalidArgument("method", "a (source, distortion, perception) with a closed form",
                          "closed: " + why);
  const Perception perc = pb->perception;
  // Scalars: no array at all (the per-call overhead is what a Python loop pays).
  const bool d_scalar = py::isinstance<py::float_>(d_obj) || py::isinstance<py::int_>(d_obj);
  const bool p_scalar =
      p_obj.is_none() || py::isinstance<py::float_>(p_obj) || py::isinstance<py::int_>(p_obj);
  if (d_scalar && p_scalar) {
    const double d = d_obj.cast<double>(), p = p_obj.is_none() ? 0.0 : p_obj.cast<double>();
    return py::float_(closed_form_rate(*pb->source, pb->distortion, perc, d, p).rate_bits);
  }
  Array d = as_array("D", d_obj);
  Array p = as_array("P", p_obj.is_none() ? py::float_(0.0) : p_obj);
  // Broadcasting: the common cases (one side of size 1, or equal shapes) without numpy's help.
  const auto same_shape = [](const py::array& a, const py::array& b) {
    if (a.ndim() != b.ndim()) return false;
    for (py::ssize_t k = 0; k < a.ndim(); ++k)
      if (a.shape(k) != b.shape(k)) return false;
    return true;
  };
  py::array shape_of;
  if (same_shape(d, p) || (p.size() == 1 && p.ndim() <= d.ndim()))
    shape_of = d;
  else if (d.size() == 1 && d.ndim() <= p.ndim())
    shape_of = p;
  else {
    py::object bc = py::module_::import("numpy").attr("broadcast_arrays");
    py::tuple both;
    try {
      both = bc(d, p);
    } catch (py::error_already_set&) {
      throw InvalidArgument("D, P", "shapes numpy can broadcast together",
                            shape_text(d) + " and " + shape_text(p));
    }
    d = Array::ensure(both[0]);  // copies: the broadcast views are not contiguous
    p = Array::ensure(both[1]);
    shape_of = d;
  }
  std::vector<py::ssize_t> shape(shape_of.shape(), shape_of.shape() + shape_of.ndim());
  py::array_t<double> out(shape);
  const auto n = static_cast<std::size_t>(out.size());
  const double* dp = d.data();
  const double* pp = p.data();
  const std::size_t d_step = d.size() == 1 ? 0 : 1, p_step = p.size() == 1 ? 0 : 1;
  double* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    const Source& src = *pb->source;
    const Distortion& dist = pb->distortion;
    for (std::size_t i = 0; i < n; ++i)
      o[i] = closed_form_rate(src, dist, perc, dp[i * d_step], pp[i * p_step]).rate_bits;
  }
  return std::move(out);
}

// `rdp rate --method closed --json` at one point, as a dict.
py::dict rate_details(const std::string& source, const std::string& perception, double d,
                      const py::object& p_obj, const py::object& distortion) {
  const ProblemPtr pb = problem_for(source, opt_string(distortion), perception);
  const double p = point_perception(*pb, d, p_obj);
  const ClosedFormRate r = closed_form_rate(*pb->source, pb->distortion, pb->perception, d, p);
  return json_to_py(rdp::cli::closed_rate_json(*pb, d, p, r)).cast<py::dict>();
}

double opt_double(const py::object& o) { return o.is_none() ? NAN : o.cast<double>(); }

// The ranges of `rdp level-set`, `surface` and `section` (grid_ranges.hpp), None for the
// problem's own scales.
cli::GridRanges make_ranges(const py::object& d_min, const py::object& d_max, int d_points,
                            const py::object& p_min, const py::object& p_max, int p_points) {
  cli::GridRanges r;
  r.p_min = p_min.is_none() ? 0.0 : p_min.cast<double>();
  r.p_max = opt_double(p_max);
  r.d_min = opt_double(d_min);
  r.d_max = opt_double(d_max);
  check_integer("P-points", p_points, 1, 100000);
  check_integer("D-points", d_points, 1, 100000);
  r.p_points = p_points;
  r.d_points = d_points;
  return r;
}

py::dict level_set_dict(const cli::Problem& pb, double rate_bits, cli::GridRanges o,
                        bool with_rate) {
  cli::resolve_ranges(pb, o);
  std::vector<LevelSetPoint> points;
  {
    py::gil_scoped_release release;
    points = cli::equi_rate_curve(cli::closed_rate(pb), rate_bits, o);
  }
  std::vector<double> ds, ps;
  for (const auto& pt : points) {
    ds.push_back(pt.distortion);
    ps.push_back(pt.perception);
  }
  py::dict out;
  out["D"] = vector_array(ds);
  out["P"] = vector_array(ps);
  if (with_rate) out["rate_bits"] = vector_array(std::vector<double>(ds.size(), rate_bits));
  return out;
}

py::dict level_set(const std::string& source, const std::string& perception, double rate_bits,
                   const py::object& distortion, const py::object& d_min, const py::object& d_max,
                   const py::object& p_min, const py::object& p_max, int p_points) {
  const ProblemPtr pb = problem_for(source, opt_string(distortion), perception);
  // Closed forms only (the numerical solver's surfaces are rdpkit.Solver queries).
  cli::check_closed_surface(*pb);
  require_positive("rate", rate_bits);
  return level_set_dict(*pb, rate_bits, make_ranges(d_min, d_max, 50, p_min, p_max, p_points),
                        false);
}

// R on the grid ds × ps: rate_bits[i, j] at (ds[i], ps[j]), with each point's region.
py::dict grid_dict(const cli::Problem& pb, const std::vector<double>& ds,
                   const std::vector<double>& ps) {
  py::array_t<double> rate(
      {static_cast<py::ssize_t>(ds.size()), static_cast<py::ssize_t>(ps.size())});
  std::vector<std::string> regions(ds.size() * ps.size());
  double* o = rate.mutable_data();
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < ds.size(); ++i)
      for (std::size_t j = 0; j < ps.size(); ++j) {
        auto r = closed_form_rate(*pb.source, pb.distortion, pb.perception, ds[i], ps[j]);
        o[i * ps.size() + j] = r.rate_bits;
        regions[i * ps.size() + j] = std::move(r.region);
      }
  }
  py::list region_rows;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    py::list row;
    for (std::size_t j = 0; j < ps.size(); ++j) row.append(regions[i * ps.size() + j]);
    region_rows.append(row);
  }
  py::dict out;
  out["D"] = vector_array(ds);
  out["P"] = vector_array(ps);
  out["rate_bits"] = rate;
  out["region"] = region_rows;
  return out;
}

py::dict surface(const std::string& source, const std::string& perception,
                 const py::object& distortion, const py::object& d_min, const py::object& d_max,
                 int d_points, const py::object& p_min, const py::object& p_max, int p_points) {
  const ProblemPtr pb = problem_for(source, opt_string(distortion), perception);
  cli::check_closed_surface(*pb);
  cli::GridRanges o = make_ranges(d_min, d_max, d_points, p_min, p_max, p_points);
  cli::resolve_ranges(*pb, o);
  return grid_dict(*pb, linspace(o.d_min, o.d_max, o.d_points),
                   linspace(o.p_min, o.p_max, o.p_points));
}

py::dict section(const std::string& source, const std::string& perception, const std::string& fixed,
                 double value, const py::object& distortion, const py::object& d_min,
                 const py::object& d_max, const py::object& d_points_obj, const py::object& p_min,
                 const py::object& p_max, const py::object& p_points_obj) {
  const int d_points = d_points_obj.is_none() ? 50 : d_points_obj.cast<int>();
  const int p_points = p_points_obj.is_none() ? 101 : p_points_obj.cast<int>();
  if (fixed != "D" && fixed != "P" && fixed != "R")
    throw InvalidArgument("fixed", "one of P, D, R", "'" + fixed + "'");
  const ProblemPtr pb = problem_for(source, opt_string(distortion), perception);
  cli::check_closed_surface(*pb);
  cli::GridRanges o = make_ranges(d_min, d_max, d_points, p_min, p_max, p_points);
  if (fixed == "R") {
    require_positive("value (rate)", value);
    return level_set_dict(*pb, value, o, true);
  }
  // The fixed quantity's range would be ignored, so it is refused (as the command line does).
  cli::reject_ranges_of_fixed(fixed, [&](const std::string& suffix) -> std::optional<std::string> {
    const bool d = fixed == "D";
    const py::object& given = suffix == "-min"   ? (d ? d_min : p_min)
                              : suffix == "-max" ? (d ? d_max : p_max)
                                                 : (d ? d_points_obj : p_points_obj);
    if (given.is_none()) return std::nullopt;
    return std::string(py::str(given));
  });
  const auto [ds, ps] = cli::section_grid(*pb, fixed, value, o);
  py::dict g = grid_dict(*pb, ds, ps);
  // One row per point, in the command's order (D outer, P inner), like its CSV.
  py::array_t<double> dd(static_cast<py::ssize_t>(ds.size() * ps.size()));
  py::array_t<double> pp(dd.size());
  for (std::size_t i = 0; i < ds.size(); ++i)
    for (std::size_t j = 0; j < ps.size(); ++j) {
      dd.mutable_data()[i * ps.size() + j] = ds[i];
      pp.mutable_data()[i * ps.size() + j] = ps[j];
    }
  py::dict out;
  out["D"] = dd;
  out["P"] = pp;
  out["rate_bits"] = g["rate_bits"].attr("reshape")(-1);
  py::list regions;
  for (auto row : g["region"].cast<py::list>())
    for (auto r : row.cast<py::list>()) regions.append(r);
  out["region"] = regions;
  return out;
}

// --- the certified solver

BaOptions ba_options(double gap, const py::object& max_seconds, const py::object& max_iterations,
                     bool keep_channel) {
  require_in_interval("gap", gap, 0.0, 1.0, true, false);
  BaOptions options;
  options.gap_bits = gap;
  if (!max_seconds.is_none()) {
    const double s = max_seconds.cast<double>();
    check_real("max-seconds", s, {0.0, 1e9, true, false});
    options.max_seconds = s;
  }
  if (!max_iterations.is_none()) {
    const long long it = max_iterations.cast<long long>();
    check_integer("max-iterations", it, 1, 1000000000LL);
    options.max_iterations = static_cast<long>(it);
  }
  options.keep_channel = keep_channel;
  options.validate();
  return options;
}

// A finite problem from a pmf over m symbols and an m×n distortion matrix. Symbol i sits at
// source_points[i] and output k at reconstruction_points[k] (default: the indices 0, 1, ...), so
// that tv, kl and rkl compare p_X̂ with p_X on equal values, and w1/w2sq use |x − y|^r on them;
// "ot" takes any m×n transport cost.
FiniteRdpProblem matrix_problem(const py::object& pmf_obj, const py::object& dist_obj,
                                const std::string& perception, const py::object& cost_obj,
                                const py::object& points_obj, const py::object& recon_obj) {
  Array pmf = as_array("pmf", pmf_obj);
  Array dist = as_array("distortion matrix", dist_obj);
  if (pmf.ndim() != 1)
    throw InvalidArgument("pmf", "a one-dimensional array of masses", "shape " + shape_text(pmf));
  if (dist.ndim() != 2)
    throw InvalidArgument("distortion matrix", "a two-dimensional (m, n) array",
                          "shape " + shape_text(dist));
  const auto m = static_cast<Eigen::Index>(pmf.size());
  const auto n = static_cast<Eigen::Index>(dist.shape(1));
  if (dist.shape(0) != m)
    throw InvalidArgument("distortion matrix", std::to_string(m) + " rows (one per pmf mass)",
                          "shape " + shape_text(dist));
  require_all_finite("pmf", pmf);
  require_all_finite("distortion matrix", dist);
  std::vector<double> x(static_cast<std::size_t>(m)), y(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < m; ++i) x[i] = double(i);
  for (Eigen::Index k = 0; k < n; ++k) y[k] = double(k);
  if (!points_obj.is_none()) {
    Array a = as_array("source_points", points_obj);
    if (a.ndim() != 1 || a.size() != m)
      throw InvalidArgument("source_points", "one value per pmf mass (" + std::to_string(m) + ")",
                            "shape " + shape_text(a));
    require_all_finite("source_points", a);
    x.assign(a.data(), a.data() + m);
  }
  if (!recon_obj.is_none()) {
    Array a = as_array("reconstruction_points", recon_obj);
    if (a.ndim() != 1 || a.size() != n)
      throw InvalidArgument("reconstruction_points",
                            "one value per distortion column (" + std::to_string(n) + ")",
                            "shape " + shape_text(a));
    require_all_finite("reconstruction_points", a);
    y.assign(a.data(), a.data() + n);
  }
  Eigen::VectorXd p = Eigen::Map<const Eigen::VectorXd>(pmf.data(), m);
  Eigen::MatrixXd d(m, n);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index k = 0; k < n; ++k) d(i, k) = dist.data()[i * n + k];
  std::vector<int> cell_of;
  const std::vector<double> cells = distinct_cells(y, cell_of);
  if (perception != "ot" && !cost_obj.is_none())
    throw InvalidArgument("cost", "absent unless perception='ot'", "a cost matrix");
  DivergencePtr div;
  if (perception == "none") {
  } else if (perception == "tv") {
    div = make_tv_divergence(cell_reference(x, p, cells));
  } else if (perception == "kl") {
    div = make_kl_forward_divergence(cell_reference(x, p, cells));
  } else if (perception == "rkl") {
    div = make_kl_reverse_divergence(cell_reference(x, p, cells));
  } else if (perception == "w1" || perception == "w2sq") {
    div = make_wasserstein_line_divergence(x, p, cells, perception == "w1" ? 1.0 : 2.0);
  } else if (perception == "ot") {
    if (cost_obj.is_none())
      throw InvalidArgument("cost", "an (m, n) transport cost matrix with perception='ot'",
                            "nothing");
    Array c = as_array("cost", cost_obj);
    if (c.ndim() != 2 || c.shape(0) != m || c.shape(1) != static_cast<py::ssize_t>(cells.size()))
      throw InvalidArgument("cost",
                            "an (" + std::to_string(m) + ", " + std::to_string(cells.size()) +
                                ") array (source points x distinct outputs)",
                            "shape " + shape_text(c));
    require_all_finite("cost", c);
    Eigen::MatrixXd cm(m, c.shape(1));
    for (Eigen::Index i = 0; i < m; ++i)
      for (Eigen::Index k = 0; k < cm.cols(); ++k) cm(i, k) = c.data()[i * cm.cols() + k];
    if ((cm.array() < 0.0).any()) throw InvalidArgument("cost", "entries >= 0", "a negative entry");
    div = make_wasserstein_cost_divergence(p, cm);
  } else {
    throw InvalidArgument("perception", "one of none, tv, kl, rkl, w1, w2sq, ot",
                          "'" + perception + "'");
  }
  return make_finite_problem(std::move(x), std::move(p), std::move(y), std::move(d), std::move(div),
                             std::move(cell_of));
}

std::pair<double, double> query_levels(const FiniteRdpProblem& pb, double d,
                                       const py::object& p_obj) {
  require_nonnegative("D", d);
  const bool has_perception = static_cast<bool>(pb.perception);
  if (has_perception && p_obj.is_none())
    throw InvalidArgument("P", "[0, inf), required with a perception measure", "nothing");
  if (!has_perception && !p_obj.is_none())
    throw InvalidArgument("P", "absent without a perception measure",
                          format_number(p_obj.cast<double>()));
  const double p = has_perception ? p_obj.cast<double>() : 0.0;
  if (has_perception) require_nonnegative("P", p);
  return {d, p};
}

// Ctrl-C during a long solve: the solver reports once per inner solve (BaOptions::on_progress,
// which never alters the result), and a pending SIGINT there unwinds the solve into Python's
// KeyboardInterrupt.
struct Interrupted {};

BaOptions interruptible(BaOptions options) {
  options.on_progress = [](const BaProgress&) {
    py::gil_scoped_acquire acquire;
    if (PyErr_CheckSignals() != 0) throw Interrupted{};
  };
  return options;
}

template <class Solve>
BaResult without_gil(Solve solve) {
  try {
    py::gil_scoped_release release;
    return solve();
  } catch (const Interrupted&) {
    throw py::error_already_set();  // the KeyboardInterrupt PyErr_CheckSignals raised
  }
}

py::dict solve_problem(const FiniteRdpProblem& pb, double d, const py::object& p_obj,
                       const BaOptions& options) {
  const auto [dd, pp] = query_levels(pb, d, p_obj);
  check_ba_memory(pb, options);
  const BaOptions o = interruptible(options);
  return ba_result_dict(without_gil([&] { return solve_rdp_ba(pb, dd, pp, o); }));
}

struct SourceProblem {
  ProblemPtr problem;
  FiniteRdpProblem finite;
};

SourceProblem source_problem(const std::string& source, const std::string& perception,
                             const py::object& distortion, int grid) {
  SourceProblem sp;
  sp.problem = problem_for(source, opt_string(distortion), perception);
  check_integer("grid", grid, 2, static_cast<long long>(ba_max_square_points()));
  check_ba_grid(grid);
  {
    py::gil_scoped_release release;
    sp.finite = make_problem_for_source(*sp.problem->source, sp.problem->distortion,
                                        sp.problem->perception, grid);
  }
  return sp;
}

// `rdp rate --method ba --json`'s fields, plus the arrays.
py::dict solve_source(const std::string& source, const std::string& perception, double d,
                      const py::object& p_obj, const py::object& distortion, int grid, double gap,
                      const py::object& max_seconds, const py::object& max_iterations,
                      bool keep_channel) {
  const ProblemPtr pb = problem_for(source, opt_string(distortion), perception);
  const double p = point_perception(*pb, d, p_obj);
  check_integer("grid", grid, 2, static_cast<long long>(ba_max_square_points()));
  check_ba_grid(grid);
  const BaOptions options = ba_options(gap, max_seconds, max_iterations, keep_channel);
  const bool continuous = pb->source->kind() == SourceKind::continuous;
  if (continuous && d <= 0.0)
    throw InvalidArgument("D", "(0, inf) for a continuous source (R = inf at D = 0)",
                          format_number(d));
  const SourceProblem sp = source_problem(source, perception, distortion, grid);
  const BaOptions o = interruptible(options);
  py::dict j = ba_result_dict(without_gil([&] { return solve_rdp_ba(sp.finite, d, p, o); }));
  const nlohmann::ordered_json query = cli::rate_query_json(*pb, d, p);
  for (const auto& field : query.items()) j[py::str(field.key())] = json_to_py(field.value());
  j["method"] = "ba";
  j["region"] = "numerical";
  if (continuous) j["grid"] = grid;
  j["source_points"] = vector_array(sp.finite.source_points);
  j["source_pmf"] = eigen_vector_array(sp.finite.source_pmf);
  j["reconstruction_points"] = vector_array(sp.finite.reconstruction_points);
  return j;
}

// BaSolver with its warm starts, one query after another.
class Solver {
 public:
  Solver(FiniteRdpProblem pb, const BaOptions& options) {
    check_ba_memory(pb, options);  // before the solver allocates
    solver_ = std::make_unique<BaSolver>(std::move(pb), interruptible(options));
  }
  /// After a KeyboardInterrupt the next query may warm-start from what the interrupted one left
  /// (tests/python/test_solver.py checks that it still converges).
  py::dict solve(double d, const py::object& p_obj) {
    const auto [dd, pp] = query_levels(solver_->problem(), d, p_obj);
    return ba_result_dict(without_gil([&] {
      // BaSolver keeps its warm starts: one query at a time, whichever Python thread asks.
      const std::lock_guard<std::mutex> lock(*mutex_);
      return solver_->solve(dd, pp);
    }));
  }
  const FiniteRdpProblem& problem() const { return solver_->problem(); }

 private:
  std::unique_ptr<BaSolver> solver_;
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
};

// --- lattices

struct PyLattice {
  LatticePtr lattice;
};

// As `rdp lattice --lattice NAME` reads it.
LatticePtr lattice_named(const std::string& name) { return make_lattice(name); }

// X as rows of the lattice's dimension: (N, n), or one point (n,).
Array lattice_points(const Lattice& l, const py::object& obj, const std::string& name) {
  Array x = as_array(name, obj);
  const int n = l.dimension();
  const bool ok = (x.ndim() == 2 && x.shape(1) == n) || (x.ndim() == 1 && x.shape(0) == n);
  if (!ok)
    throw InvalidArgument(
        name,
        "an (N, " + std::to_string(n) + ") or (" + std::to_string(n) + ",) array for " + l.name(),
        "shape " + shape_text(x));
  // Beyond 2^50 the doubles are too coarse for any lattice's cells, and some decoders' integer
  // arithmetic overflows (A2 at 1e18), so such points are refused rather than decoded.
  constexpr double kMaxCoordinate = 1125899906842624.0;  // 2^50
  const double* p = x.data();
  for (py::ssize_t i = 0; i < x.size(); ++i)
    if (!(std::abs(p[i]) <= kMaxCoordinate))
      throw InvalidArgument(name, "finite entries with |x| <= 2^50",
                            format_number(p[i]) + " at flat index " + std::to_string(i));
  return x;
}

py::array_t<double> nearest_point(const PyLattice& self, const py::object& obj) {
  const Lattice& l = *self.lattice;
  Array x = lattice_points(l, obj, "X");
  std::vector<py::ssize_t> shape(x.shape(), x.shape() + x.ndim());
  py::array_t<double> out(shape);
  const auto count = static_cast<std::size_t>(x.size() / l.dimension());
  const double* in = x.data();
  double* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    l.nearest_points(in, o, count);
  }
  return out;
}

py::array_t<double> sample_voronoi(const PyLattice& self, long long count, std::uint64_t seed) {
  const Lattice& l = *self.lattice;
  check_integer("N", count, 0, 1LL << 40);
  const int n = l.dimension();
  py::array_t<double> out({static_cast<py::ssize_t>(count), static_cast<py::ssize_t>(n)});
  double* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    // Sample i from Philox(seed, i): the same points for any thread count (as
    // normalized_second_moment draws them).
#pragma omp parallel for schedule(static)
    for (long long i = 0; i < count; ++i) {
      Philox rng(seed, static_cast<std::uint64_t>(i));
      l.sample_voronoi(rng, o + i * n);
    }
  }
  return out;
}

py::dict lattice_nsm(const PyLattice& self, long long samples, std::uint64_t seed) {
  check_integer("samples", samples, 2, 1LL << 40);
  NsmEstimate g;
  {
    py::gil_scoped_release release;
    g = normalized_second_moment(*self.lattice, static_cast<std::uint64_t>(samples), seed);
  }
  py::dict d;
  d["nsm"] = g.nsm;
  d["nsm_stderr"] = g.standard_error;
  d["samples"] = g.samples;
  const auto ref = reference_nsm(self.lattice->name());
  d["nsm_reference"] = ref ? py::object(py::float_(*ref)) : py::object(py::none());
  d["loss_bits"] = space_filling_loss_bits(g.nsm);
  return d;
}

struct PyNested {
  std::shared_ptr<const NestedLattice> nested;
};

// --- codecs

int nesting_for(CodecKind kind, const py::object& nesting) {
  return cli::codec_nesting(
      kind, nesting.is_none() ? std::nullopt : std::optional(nesting.cast<long long>()));
}

// `rdp simulate --json` (cmd_simulate.cpp): the same checks, run_codec_point and codec_fields.
py::dict simulate(const std::string& codec, const std::string& lattice, const std::string& source,
                  double d, double p, const py::object& nesting, double samples, std::uint64_t seed,
                  int rate_points, int rate_max_rounds, int projections) {
  const CodecKind kind = parse_codec(codec);
  check_real("D", d, {0.0, INFINITY, true, true});
  check_real("P", p, {0.0, INFINITY, false, true});
  check_real("samples", samples,
             {1.0, experiments::kMaxSimulationSamples, false, false,
              "[64 n, 2e9], n the lattice dimension"});
  check_integer("rate-points", rate_points, 1, 4096);
  check_integer("rate-max-rounds", rate_max_rounds, 1, 1024);
  check_integer("projections", projections, 1, 100000);
  const cli::CodecInputs in = cli::parse_codec_inputs(lattice, source);
  const int a = nesting_for(kind, nesting);
  const std::uint64_t blocks =
      experiments::simulation_blocks(samples, format_number(samples), in.lattice->dimension());
  SimulationOptions so;
  so.blocks = blocks;
  so.seed = seed;
  so.rate_points = rate_points;
  so.rate_max_rounds = rate_max_rounds;
  so.projections = projections;
  experiments::CodecRun run;
  {
    py::gil_scoped_release release;
    run = experiments::run_codec_point({kind, in.lattice->name(), d, p, a}, *in.continuous, so);
  }
  py::dict j;
  for (const auto& [name, value] : experiments::codec_fields(run))
    j[py::str(name)] = json_to_py(value);
  py::dict seconds;
  seconds["coding"] = run.result.seconds_coding;
  seconds["rate"] = run.result.seconds_rate;
  seconds["perception"] = run.result.seconds_perception;
  j["seconds"] = seconds;
  return j;
}

// `rdp encode --in x.npy`: the same header, parameters and seeds, so the bytes are the file's.
py::bytes encode(const py::object& x_obj, const std::string& codec, const std::string& lattice,
                 const std::string& source, double d, double p, const py::object& nesting,
                 std::uint64_t seed) {
  const CodecKind kind = parse_codec(codec);
  check_real("D", d, {0.0, INFINITY, true, true});
  check_real("P", p, {0.0, INFINITY, false, true});
  const int a = nesting_for(kind, nesting);
  const cli::CodecInputs in = cli::parse_codec_inputs(lattice, source);
  Array x = as_array("x", x_obj);
  if (static_cast<std::uint64_t>(x.size()) > kMaxBitstreamSamples)
    throw InvalidArgument("x", "at most 2^31 samples", std::to_string(x.size()));
  require_all_finite("x", x);
  BitstreamHeader h;
  h.kind = kind;
  h.lattice = in.lattice->name();
  h.source = in.source->spec();
  h.distortion_target = d;
  h.perception_target = p;
  for (py::ssize_t k = 0; k < x.ndim(); ++k)
    h.shape.push_back(static_cast<std::uint64_t>(x.shape(k)));
  if (x.ndim() == 0) h.shape = {1};
  EncodedBitstream file;
  {
    py::gil_scoped_release release;
    h.parameters = choose_codec_parameters(
        kind, *in.lattice, experiments::codec_nsm(*in.lattice, lattice, seed).nsm,
        in.continuous->mean(), std::sqrt(in.continuous->variance()), d, p, a);
    h.common_seed = kind == CodecKind::pd ? 0 : derive_seed(seed, 1);
    h.private_seed = derive_seed(seed, 2);
    file = encode_bitstream(h, x.data());
  }
  return py::bytes(reinterpret_cast<const char*>(file.bytes.data()), file.bytes.size());
}

py::array_t<double> decode(const py::bytes& data) {
  const std::string_view bytes(data);
  DecodedBitstream dec;
  {
    py::gil_scoped_release release;
    dec = decode_bitstream(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::vector<py::ssize_t> shape(dec.header.shape.begin(), dec.header.shape.end());
  py::array_t<double> out(shape);
  std::copy(dec.x_hat.begin(), dec.x_hat.end(), out.mutable_data());
  return out;
}

py::dict bitstream_info(const py::bytes& data) {
  const std::string_view bytes(data);
  std::size_t offset = 0, size = 0;
  const BitstreamHeader h = read_bitstream_header(
      reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), &offset, &size);
  py::dict d;
  d["codec"] = std::string(codec_name(h.kind));
  d["lattice"] = h.lattice;
  d["source"] = h.source;
  d["D"] = h.distortion_target;
  d["P"] = h.perception_target;
  d["lattice_scale"] = h.parameters.lattice_scale;
  d["shape"] = py::tuple(py::cast(h.shape));
  d["samples"] = h.samples();
  d["header_bytes"] = bytes.size() - size;
  d["payload_bytes"] = size;
  d["coded_rate_bits"] = h.samples() ? 8.0 * double(size) / double(h.samples()) : 0.0;
  return d;
}

}  // namespace
}  // namespace rdp::python

PYBIND11_MODULE(rdpkit, m) {
  using namespace rdp;
  using namespace rdp::python;
  using rdp::python::Solver;
  m.doc() =
      "rdpkit: rate-distortion-perception theory, the certified Blahut-Arimoto solver, lattices "
      "and "
      "dithered lattice codecs.\n\n"
      "Rates are in bits (per dimension for vector sources and codecs); D is the distortion in the "
      "measure's units (MSE per dimension for 'mse'); P is in the perception measure's units "
      "(TV: probability, W2^2: squared units, KL/RKL: nats). Source, distortion and perception "
      "are the `rdp` command's spec strings ('gaussian:sigma=1', 'bernoulli:p=0.2', 'mse', "
      "'hamming', 'w2sq', 'kl', ...). Bad arguments raise ValueError with the command's message.";
  m.attr("__version__") = RDP_VERSION;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const rdp::InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const rdp::experiments::UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def("rate", &rate, "source"_a, "perception"_a, "D"_a, "P"_a = py::none(), py::kw_only(),
        "distortion"_a = py::none(),
        R"(R(D, P) in bits from the closed form, at every point of numpy's broadcast of D and P.

source: a source spec ('gaussian:sigma=1', 'bernoulli:p=0.2', ...).
perception: 'none', 'tv', 'w1', 'w2sq', 'kl' (KL(p_X||p_Xhat), nats) or 'rkl' (nats).
D: distortion budget(s) (MSE per dimension for 'mse', probability for 'hamming'); > 0 for a
   continuous source.
P: perception budget(s) in the measure's units; required with a perception, absent without.
distortion: 'mse', 'hamming' or 'abs:r=R' (default: hamming for bernoulli, mse otherwise).

Returns a float for scalar D and P, else a float64 array of the broadcast shape. Triples without a
closed form raise ValueError (use solve_source). The loop runs with the GIL released.)");
  m.def("rate_details", &rate_details, "source"_a, "perception"_a, "D"_a, "P"_a = py::none(),
        py::kw_only(), "distortion"_a = py::none(),
        "The fields of `rdp rate --method closed --json` at one point, as a dict: rate_bits "
        "(bits), region, optimality, reference and the closed form's details.");
  m.def("level_set", &level_set, "source"_a, "perception"_a, "rate"_a, py::kw_only(),
        "distortion"_a = py::none(), "D_min"_a = py::none(), "D_max"_a = py::none(),
        "P_min"_a = py::none(), "P_max"_a = py::none(), "P_points"_a = 101,
        "The equi-rate curve {(D, P) : R(D, P) = rate} (rate in bits) as `rdp level-set` "
        "computes it: a dict with arrays 'D' and 'P', one point per P of linspace(P_min, P_max, "
        "P_points). Unset ranges come from the problem's own scales.");
  m.def("surface", &surface, "source"_a, "perception"_a, py::kw_only(), "distortion"_a = py::none(),
        "D_min"_a = py::none(), "D_max"_a = py::none(), "D_points"_a = 50, "P_min"_a = py::none(),
        "P_max"_a = py::none(), "P_points"_a = 101,
        "R(D, P) in bits on the grid linspace(D_min, D_max, D_points) x linspace(P_min, P_max, "
        "P_points), as `rdp surface`: a dict with 'D' (nD,), 'P' (nP,), 'rate_bits' (nD, nP) "
        "and 'region' (nested lists of strings).");
  m.def("section", &section, "source"_a, "perception"_a, "fixed"_a, "value"_a, py::kw_only(),
        "distortion"_a = py::none(), "D_min"_a = py::none(), "D_max"_a = py::none(),
        "D_points"_a = py::none(), "P_min"_a = py::none(), "P_max"_a = py::none(),
        "P_points"_a = py::none(),
        "A cross-section of R(D, P) as `rdp section`: fixed='P' (R-D curve at P = value), 'D' "
        "(R-P curve at D = value) or 'R' (the level set at rate = value bits). A dict of "
        "one-dimensional arrays 'D', 'P', 'rate_bits' (bits), plus 'region' for P and D.");

  m.def(
      "solve",
      [](const py::object& pmf, const py::object& dist, double d, const py::object& p,
         const std::string& perception, const py::object& cost, double gap,
         const py::object& max_seconds, const py::object& max_iterations, bool keep_channel,
         const py::object& points, const py::object& recon) {
        const rdp::FiniteRdpProblem pb = matrix_problem(pmf, dist, perception, cost, points, recon);
        return solve_problem(pb, d, p, ba_options(gap, max_seconds, max_iterations, keep_channel));
      },
      "pmf"_a, "distortion_matrix"_a, py::kw_only(), "D"_a, "P"_a = py::none(),
      "perception"_a = "none", "cost"_a = py::none(), "gap"_a = 1e-6, "max_seconds"_a = py::none(),
      "max_iterations"_a = py::none(), "keep_channel"_a = true, "source_points"_a = py::none(),
      "reconstruction_points"_a = py::none(),
      R"(The certified Blahut-Arimoto solver on a finite problem: R(D, P) of a pmf over m symbols
with an (m, n) distortion matrix, in bits, with upper - lower <= gap bits on convergence.

perception: 'none', 'tv', 'kl', 'rkl' (output k compared with the symbol of equal value),
  'w1', 'w2sq' (|x - y|^r on the values) or 'ot' with cost=(m, n) transport cost.
source_points / reconstruction_points: the values of the symbols and outputs (default 0, 1, ...).
Returns a dict: rate_bits, lower_bits, upper_bits, gap_bits (bits), status ('converged',
'iteration_limit', 'infeasible', 'numerical_failure'), message, iterations, evaluations,
slope_distortion_bits, slope_perception_bits, distortion_achieved, perception_achieved, channel
(m, n) p(xhat_k | x_i), output_pmf (n,), and dual (None, or form, s_nats, mu_nats, log_lambda):
the dual point certifying lower_bits. An infeasible target has rate_bits = inf.)");
  m.def("solve_source", &solve_source, "source"_a, "perception"_a, "D"_a, "P"_a = py::none(),
        py::kw_only(), "distortion"_a = py::none(), "grid"_a = 256, "gap"_a = 1e-6,
        "max_seconds"_a = py::none(), "max_iterations"_a = py::none(), "keep_channel"_a = true,
        "The solver on a source spec as `rdp rate --method ba --json` runs it (a continuous "
        "source on a grid of `grid` points): its fields (rates in bits) plus the arrays of solve() "
        "and source_points, source_pmf, reconstruction_points. keep_channel=False returns no "
        "channel and may stop sooner once the gap is met: the numbers of `rdp rate --method ba` "
        "without --witness (with keep_channel=True, those of the command with --witness).");

  py::class_<Solver>(m, "Solver",
                     "A Blahut-Arimoto solver kept across queries: each solve() warm-starts "
                     "from the previous solutions (BaSolver). Build it from matrices like "
                     "solve(), or from a source spec with Solver.from_source().")
      .def(py::init([](const py::object& pmf, const py::object& dist, const std::string& perception,
                       const py::object& cost, double gap, const py::object& max_seconds,
                       const py::object& max_iterations, bool keep_channel,
                       const py::object& points, const py::object& recon) {
             return std::make_unique<Solver>(
                 matrix_problem(pmf, dist, perception, cost, points, recon),
                 ba_options(gap, max_seconds, max_iterations, keep_channel));
           }),
           "pmf"_a, "distortion_matrix"_a, py::kw_only(), "perception"_a = "none",
           "cost"_a = py::none(), "gap"_a = 1e-6, "max_seconds"_a = py::none(),
           "max_iterations"_a = py::none(), "keep_channel"_a = true, "source_points"_a = py::none(),
           "reconstruction_points"_a = py::none())
      .def_static(
          "from_source",
          [](const std::string& source, const std::string& perception, const py::object& distortion,
             int grid, double gap, const py::object& max_seconds,
             const py::object& max_iterations) {
            const BaOptions options = ba_options(gap, max_seconds, max_iterations, true);
            SourceProblem sp = source_problem(source, perception, distortion, grid);
            return std::make_unique<Solver>(std::move(sp.finite), options);
          },
          "source"_a, "perception"_a = "none", py::kw_only(), "distortion"_a = py::none(),
          "grid"_a = 256, "gap"_a = 1e-6, "max_seconds"_a = py::none(),
          "max_iterations"_a = py::none(),
          "A solver on a source spec (a continuous source on `grid` points), as solve_source.")
      .def("solve", &Solver::solve, "D"_a, "P"_a = py::none(),
           "R(D, P) in bits with certified bounds: the dict of rdpkit.solve().")
      .def_property_readonly(
          "source_points", [](const Solver& s) { return vector_array(s.problem().source_points); },
          "The source alphabet's values.")
      .def_property_readonly(
          "source_pmf", [](const Solver& s) { return eigen_vector_array(s.problem().source_pmf); },
          "The source pmf.")
      .def_property_readonly(
          "reconstruction_points",
          [](const Solver& s) { return vector_array(s.problem().reconstruction_points); },
          "The reconstruction alphabet's values.");

  py::class_<PyLattice>(m, "Lattice",
                        "A lattice by the `rdp lattice` name: z<n>, a<n>, d<n>, d<n>*, e8, bw16, "
                        "leech, products such as e8^2, scaled ones.")
      .def(py::init([](const std::string& name) { return PyLattice{lattice_named(name)}; }),
           "name"_a)
      .def_property_readonly("name", [](const PyLattice& l) { return l.lattice->name(); })
      .def_property_readonly("dimension", [](const PyLattice& l) { return l.lattice->dimension(); })
      .def_property_readonly(
          "generator",
          [](const PyLattice& l) { return eigen_matrix_array(l.lattice->generator()); },
          "The (n, n) generator matrix; the basis vectors are its columns.")
      .def_property_readonly(
          "covolume", [](const PyLattice& l) { return l.lattice->covolume(); },
          "The volume of a Voronoi cell (inf beyond the double range).")
      .def_property_readonly(
          "log_covolume", [](const PyLattice& l) { return l.lattice->log_covolume(); },
          "ln of the covolume.")
      .def_property_readonly(
          "kissing_number", [](const PyLattice& l) { return l.lattice->kissing_number(); },
          "The number of minimal vectors.")
      .def_property_readonly(
          "minimal_norm", [](const PyLattice& l) { return l.lattice->minimal_vectors().norm; },
          "The squared length of a minimal vector.")
      .def("nearest_point", &nearest_point, "X"_a,
           "The nearest lattice point of each row of X, an (N, n) or (n,) array (float64; a "
           "C-contiguous float64 array is read in place). The GIL is released and large batches "
           "run on all OpenMP threads. Non-finite entries and |x| > 2^50 raise ValueError.")
      .def("sample_voronoi", &sample_voronoi, "N"_a, "seed"_a = 1,
           "N points uniform on the Voronoi cell of 0, an (N, n) array; point i from "
           "Philox(seed, i), so the same for any thread count.")
      .def("nsm", &lattice_nsm, "samples"_a = 100000, "seed"_a = 1,
           "The normalized second moment G (dimensionless) by Monte Carlo, as `rdp lattice`: a "
           "dict with nsm, nsm_stderr, samples, nsm_reference (Conway & Sloane, or None) and "
           "loss_bits (the space-filling loss, bits per dimension).")
      .def("__repr__",
           [](const PyLattice& l) { return "rdpkit.Lattice('" + l.lattice->name() + "')"; });

  py::class_<PyNested>(m, "NestedLattice",
                       "The nested pair fine ⊃ coarse = ratio · fine (the QSD codebook).")
      .def(py::init([](const py::object& fine, int ratio) {
             LatticePtr l = py::isinstance<PyLattice>(fine)
                                ? fine.cast<const PyLattice&>().lattice
                                : lattice_named(fine.cast<std::string>());
             check_integer("nesting_ratio", ratio, 1, rdp::kMaxNestingRatio);
             return PyNested{std::make_shared<const rdp::NestedLattice>(std::move(l), ratio)};
           }),
           "fine"_a, "ratio"_a)
      .def_property_readonly(
          "fine",
          [](const PyNested& s) { return PyLattice{LatticePtr(s.nested, &s.nested->fine())}; })
      .def_property_readonly(
          "coarse",
          [](const PyNested& s) { return PyLattice{LatticePtr(s.nested, &s.nested->coarse())}; })
      .def_property_readonly("ratio", [](const PyNested& s) { return s.nested->ratio(); })
      .def_property_readonly("dimension", [](const PyNested& s) { return s.nested->dimension(); })
      .def_property_readonly(
          "common_randomness_bits",
          [](const PyNested& s) { return s.nested->common_randomness_bits(); },
          "log2 ratio bits per dimension.")
      .def_property_readonly(
          "log2_coset_count", [](const PyNested& s) { return s.nested->log2_coset_count(); },
          "log2 of the number of cosets, n log2 ratio bits.")
      .def(
          "reduce",
          [](const PyNested& s, const py::object& obj) {
            const rdp::Lattice& l = s.nested->fine();
            Array x = lattice_points(l, obj, "X");
            std::vector<py::ssize_t> shape(x.shape(), x.shape() + x.ndim());
            py::array_t<double> out(shape);
            const int n = l.dimension();
            const auto count = x.size() / n;
            const double* in = x.data();
            double* o = out.mutable_data();
            {
              py::gil_scoped_release release;
              for (py::ssize_t i = 0; i < count; ++i) s.nested->reduce(in + i * n, o + i * n);
            }
            return out;
          },
          "X"_a, "Each row reduced modulo the coarse lattice (its coset representative).")
      .def(
          "coset_representatives",
          [](const PyNested& s, std::uint64_t max_points) {
            std::vector<double> v;
            {
              py::gil_scoped_release release;
              v = s.nested->enumerate_coset_representatives(max_points);
            }
            const int n = s.nested->dimension();
            py::array_t<double> out(
                {static_cast<py::ssize_t>(v.size() / n), static_cast<py::ssize_t>(n)});
            std::copy(v.begin(), v.end(), out.mutable_data());
            return out;
          },
          "max_points"_a = std::uint64_t{1} << 22,
          "All ratio^n coset representatives, an (ratio^n, n) array (ValueError beyond "
          "max_points).")
      .def(
          "sample_coset_representatives",
          [](const PyNested& s, long long count, std::uint64_t seed) {
            check_integer("N", count, 0, 1LL << 40);
            const int n = s.nested->dimension();
            py::array_t<double> out({static_cast<py::ssize_t>(count), static_cast<py::ssize_t>(n)});
            double* o = out.mutable_data();
            {
              py::gil_scoped_release release;
              for (long long i = 0; i < count; ++i) {
                rdp::Philox rng(seed, static_cast<std::uint64_t>(i));
                s.nested->sample_coset_representative(rng, o + i * n);
              }
            }
            return out;
          },
          "N"_a, "seed"_a = 1,
          "N coset representatives uniform over the cosets, row i from Philox(seed, i).");

  m.def("simulate", &simulate, py::kw_only(), "codec"_a = "sd", "lattice"_a = "e8",
        "source"_a = "gaussian:sigma=1", "D"_a, "P"_a = 0.0, "nesting"_a = py::none(),
        "samples"_a = 200000.0, "seed"_a = 1, "rate_points"_a = 32, "rate_max_rounds"_a = 32,
        "projections"_a = 64,
        "Monte Carlo of SD-, PD- or QSD-LTC, as `rdp simulate --json`: a dict with the same keys "
        "(rates in bits per dimension, D as MSE per dimension, P as the Frechet W2^2 per "
        "dimension) and 'seconds'. D and P are the targets; nesting is QSD's ratio (default 2).");
  m.def("encode", &encode, "x"_a, py::kw_only(), "codec"_a = "sd", "lattice"_a = "z1",
        "source"_a = "gaussian:sigma=1", "D"_a, "P"_a = 0.0, "nesting"_a = py::none(), "seed"_a = 1,
        "Codes the samples of x (any shape, float64) into the bytes `rdp encode --in x.npy` "
        "writes with the same options; D is the target MSE per dimension, P the target Frechet "
        "W2^2 per dimension.");
  m.def("decode", &decode, "data"_a,
        "The reconstruction of a bitstream from encode() or `rdp encode`, a float64 array of "
        "the input's shape.");
  m.def("bitstream_info", &bitstream_info, "data"_a,
        "The header of a bitstream: codec, lattice, source, D, P, lattice_scale, shape, samples, "
        "header_bytes, payload_bytes and coded_rate_bits (payload bits per sample).");
}
