"""Helpers shared by the plot scripts: read tidy CSV and the JSON sidecars, save PNG + PDF. Plots
never recompute; every parameter a title shows comes from a sidecar."""
import csv
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_csv(path):
    """Returns a list of dicts; numeric cells become floats."""
    rows = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            parsed = {}
            for key, value in row.items():
                try:
                    parsed[key] = float(value)
                except ValueError:
                    parsed[key] = value
            rows.append(parsed)
    return rows


def read_csvs(out_dir, *names):
    """The rows of OUT_DIR/<name>.csv for each of `names`, or None when one is missing: a figure is
    drawn from all of its CSVs or not at all."""
    paths = [os.path.join(out_dir, f"{name}.csv") for name in names]
    if not all(os.path.exists(p) for p in paths):
        return None
    return [read_csv(p) for p in paths]


def column(rows, key):
    return [r[key] for r in rows]


def two_se(rows, key):
    """Error bars of ± 2 standard errors: twice each row's `key` (a *_stderr column)."""
    return [2 * v for v in column(rows, key)]


def group_by(rows, key):
    groups = {}
    for r in rows:
        groups.setdefault(r[key], []).append(r)
    return groups


def save(fig, fig_dir, name):
    os.makedirs(fig_dir, exist_ok=True)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(fig_dir, f"{name}.{ext}"), dpi=130)
    plt.close(fig)
    print(f"plots: {name}.png/.pdf")


def sidecar_parameters(out_dir, csv_name, experiment):
    """The `parameters` object of the JSON sidecar that describes OUT_DIR/<csv_name>.csv.

    Two layouts are accepted: one sidecar per CSV (<csv_name>.json beside the CSV) and one per
    experiment binary (<experiment>.json); the per-CSV one wins when both exist. Returns {} when
    neither is there, so that a plot still renders (with a title that says so) from bare CSVs.
    """
    for name in (csv_name, experiment):
        path = os.path.join(out_dir, f"{name}.json")
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f).get("parameters", {})
    return {}


def case_parameters(parameters, case):
    """The entry of parameters["cases"] whose "name" is `case`; `parameters` itself when it has no
    such list (a per-CSV sidecar may record its case's fields at the top level)."""
    for entry in parameters.get("cases", []):
        if entry.get("name") == case:
            merged = {k: v for k, v in parameters.items() if k != "cases"}
            merged.update(entry)
            return merged
    return parameters


def _spec_fields(spec):
    family, _, rest = spec.partition(":")
    fields = {}
    for item in rest.split(",") if rest else []:
        key, _, value = item.partition("=")
        fields[key] = value
    return family, fields


def source_label(spec):
    """A readable name for a source spec string as make_source() takes it ("bernoulli:p=0.1" ->
    "Bernoulli(0.1)"); specs of an unknown shape are shown as they are."""
    if not spec:
        return "source not recorded"
    family, f = _spec_fields(spec)
    if family == "bernoulli" and "p" in f:
        return f"Bernoulli({f['p']})"
    if family == "gaussian" and "sigma" in f:
        return f"Gaussian N({f.get('mu', '0')}, {f['sigma']}²)"
    if family == "laplace" and "b" in f:
        return f"Laplace(μ={f.get('mu', '0')}, b={f['b']})"
    if family == "finite":
        if "points" in f and "pmf" in f:
            points, pmf = f["points"].split("/"), f["pmf"].split("/")
        else:  # the older spelling x0=…,p0=…,x1=…
            count = sum(1 for key in f if key.startswith("x"))
            points = [f.get(f"x{i}", "?") for i in range(count)]
            pmf = [f.get(f"p{i}", "?") for i in range(count)]
        if points:
            return f"{len(points)}-letter source on {{{', '.join(points)}}}, pmf ({', '.join(pmf)})"
    return spec


DISTORTION_LABELS = {"hamming": "Hamming", "mse": "MSE"}
PERCEPTION_LABELS = {
    "tv": "TV",
    "w1": "$W_1$",
    "w2sq": "$W_2^2$",
    "kl": "KL($p_X\\|p_{\\hat X}$)",
    "rkl": "KL($p_{\\hat X}\\|p_X$)",
}
PERCEPTION_AXIS = {"tv": "P (TV)", "w1": "P ($W_1$)", "w2sq": "P ($W_2^2$)", "kl": "P (nats)",
                   "rkl": "P (nats)"}


def problem_title(case):
    """"<source>, <distortion>, <perception>" from a case's recorded source, distortion and
    perception, so a title can never disagree with the run it shows."""
    parts = [source_label(case.get("source", ""))]
    if "distortion" in case:
        parts.append(DISTORTION_LABELS.get(case["distortion"], case["distortion"]))
    if "perception" in case:
        parts.append(PERCEPTION_LABELS.get(case["perception"], case["perception"]))
    return ", ".join(parts)
