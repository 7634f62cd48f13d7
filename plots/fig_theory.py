"""Figures 1-3: closed-form R(D,P) (Blau & Michaeli 2019, Figs. 2-3 analogues; docs/THEORY.md §2-3).
Titles name the source, distortion and perception recorded in fig_theory's sidecar."""
import os
import sys

import numpy as np

from common import (DISTORTION_LABELS, PERCEPTION_AXIS, case_parameters, column, group_by, plt,
                    problem_title, read_csv, read_csvs, save, sidecar_parameters, source_label)

# (figure, case) of the surface figures; what each one shows is read from fig_theory's sidecar.
CASES = [
    ("fig2", "bernoulli_tv"),
    ("fig3", "gaussian_w2sq"),
    ("fig3", "gaussian_kl"),
    ("fig3", "gaussian_rkl"),
]


def case_of(out_dir, figure, name, csv_suffix):
    return case_parameters(sidecar_parameters(out_dir, f"{figure}_{name}_{csv_suffix}", "fig_theory"),
                           name)


def render_rd(out_dir, fig_dir):
    tables = read_csvs(out_dir, "fig1_bernoulli_rd")
    if tables is None:
        return
    (rows,) = tables
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for curve in group_by(rows, "curve").items():
        name, pts = curve
        if name == "shannon":
            ax.plot(column(pts, "D"), column(pts, "rate_bits"), "k--", label="R(D) (Shannon)")
    tv = [r for r in rows if r["curve"] == "tv"]
    for p, pts in sorted(group_by(tv, "P").items()):
        ax.plot(column(pts, "D"), column(pts, "rate_bits"), label=f"P = {p:g}")
    case = case_parameters(sidecar_parameters(out_dir, "fig1_bernoulli_rd", "fig_theory"),
                           "bernoulli_rd")
    distortion = DISTORTION_LABELS.get(case.get("distortion"), case.get("distortion", "?"))
    ax.set_xlabel(f"D ({distortion})")
    ax.set_ylabel("R(D,P) (bits)")
    ax.set_title(f"{source_label(case.get('source', ''))}: perception-constrained R-D curves")
    ax.legend()
    save(fig, fig_dir, "fig1_bernoulli_rd")


def render_case(out_dir, fig_dir, figure, name, overlay=None):
    base = f"{figure}_{name}"
    tables = read_csvs(out_dir, f"{base}_surface", f"{base}_level_sets", f"{base}_rate_perception")
    if tables is None:
        return
    surf, levels, rp = tables
    case = case_of(out_dir, figure, name, "surface")
    title = problem_title(case)
    if case.get("perception") == "kl" and case.get("source", "").startswith("gaussian"):
        # Only the optimum over jointly Gaussian reconstructions (docs/THEORY.md §3.2, §3.5).
        title += " (jointly Gaussian X̂: an upper bound, not R; ◆ explicit channels below it)"
    p_label = PERCEPTION_AXIS.get(case.get("perception"), "P")
    d = np.array(column(surf, "D"))
    p = np.array(column(surf, "P"))
    r = np.array(column(surf, "rate_bits"))
    nd, npp = len(np.unique(d)), len(np.unique(p))
    explicit_path = os.path.join(out_dir, f"{base}_explicit_channel.csv")
    explicit = read_csv(explicit_path) if os.path.exists(explicit_path) else []
    panels = 4 if explicit else 3
    fig = plt.figure(figsize=(5 * panels, 4.5))
    ax = fig.add_subplot(1, panels, 1, projection="3d")
    ax.plot_surface(d.reshape(nd, npp), p.reshape(nd, npp), np.minimum(r, 3.0).reshape(nd, npp),
                    cmap="viridis", alpha=0.75, linewidth=0)
    for rate, pts in sorted(group_by(levels, "rate_bits").items()):
        ax.plot(column(pts, "D"), column(pts, "P"), [rate] * len(pts), "r-", lw=1.5)
    ax.set_xlabel("D")
    ax.set_ylabel(p_label)
    ax.set_zlabel("R (bits)")
    ax.set_title("(a) equi-rate level sets on R(D,P)")
    ax2 = fig.add_subplot(1, panels, 2)
    for rate, pts in sorted(group_by(levels, "rate_bits").items()):
        ax2.plot(column(pts, "D"), column(pts, "P"), label=f"R = {rate:g}")
    if overlay:
        overlay(ax2, "level_sets")
    ax2.set_xlabel("D")
    ax2.set_ylabel(p_label)
    ax2.set_title("(b) perception-distortion cross-sections")
    ax2.legend(fontsize=8)
    ax3 = fig.add_subplot(1, panels, 3)
    for dist, pts in sorted(group_by(rp, "D").items()):
        ax3.plot(column(pts, "P"), column(pts, "rate_bits"), label=f"D = {dist:g}")
    if overlay:
        overlay(ax3, "rate_perception")
    if explicit:
        # Certified upper bounds from explicit heavy-tailed channels (fig_theory, THEORY §3.5).
        ax3.plot(column(explicit, "P"), column(explicit, "rate_bits"), "D", ms=5, mfc="none",
                 color="crimson", label="explicit channel (certified upper bound)")
    ax3.set_xlabel(p_label)
    ax3.set_ylabel("R (bits)")
    ax3.set_title("(c) rate-perception cross-sections")
    ax3.legend(fontsize=8)
    if explicit:
        # The gap itself: how far the jointly Gaussian value lies above a certified upper bound.
        ax4 = fig.add_subplot(1, panels, 4)
        for dist, pts in sorted(group_by(explicit, "D").items()):
            gap = np.array(column(pts, "jointly_gaussian_bits")) - np.array(column(pts, "rate_bits"))
            ax4.plot(column(pts, "P"), gap * 1e3, "D-", ms=4, label=f"D = {dist:g}")
        ax4.axhline(0.0, color="k", lw=0.8)
        ax4.set_xscale("log")
        ax4.set_xlabel(p_label)
        ax4.set_ylabel("jointly Gaussian − explicit channel (millibits)")
        ax4.set_title("(d) the jointly Gaussian value is not R(D,P)")
        ax4.legend(fontsize=8)
    fig.suptitle(title)
    save(fig, fig_dir, base)


def ba_overlay(out_dir, figure, name, source=None):
    """The certified solver's points drawn as markers over the closed form: R-P cross-sections
    on panel (c), equi-rate level sets on panel (b). An overlay whose sidecar records a source
    other than the closed form's (`source`) is left out: it would show a different problem."""
    def converged(kind):
        csv_name = f"{figure}_{name}_ba_{kind}"
        path = os.path.join(out_dir, f"{csv_name}.csv")
        if not os.path.exists(path):
            return []
        recorded = case_parameters(sidecar_parameters(out_dir, csv_name, "fig_numerical"),
                                   f"{figure}_{name}").get("source")
        if recorded and source and source_label(recorded) != source_label(source):
            sys.stderr.write(f"plots: {csv_name}.csv is for {recorded}, not {source}; not drawn\n")
            return []
        rows = read_csv(path)
        if rows and "status" in rows[0]:
            rows = [r for r in rows if r["status"] == "converged"]
        elif rows and "gap_bits" in rows[0]:
            # Level-set points: the root search brackets D; keep those whose solves certified
            # R to within a plot-invisible 1e-3 bits.
            rows = [r for r in rows if float(r["gap_bits"]) <= 1e-3]
        return rows

    rp, levels = converged("rate_perception"), converged("level_sets")
    if not rp and not levels:
        return None

    def draw(ax, panel):
        rows, x, y, key = (rp, "P", "rate_bits", "D") if panel == "rate_perception" else \
            (levels, "D", "P", "rate_bits")
        first = True
        for _, pts in sorted(group_by(rows, key).items()):
            ax.plot(column(pts, x), column(pts, y), "kx", ms=5,
                    label="Blahut-Arimoto (certified)" if first else None)
            first = False

    return draw


def render(out_dir, fig_dir):
    render_rd(out_dir, fig_dir)
    for figure, name in CASES:
        source = case_of(out_dir, figure, name, "surface").get("source")
        render_case(out_dir, fig_dir, figure, name,
                    overlay=ba_overlay(out_dir, figure, name, source))
