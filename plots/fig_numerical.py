"""Figure 4: certified numerical R(D,P) on sources without closed forms (docs/THEORY.md §6). The
solver's overlays on Figures 2-3 (fig_numerical's *_ba_*.csv) are drawn by fig_theory.py. Titles
name the source, distortion, perception and grid recorded in fig_numerical's sidecar."""
import math

import numpy as np

from common import (PERCEPTION_AXIS, case_parameters, column, group_by, plt, problem_title,
                    read_csvs, save, sidecar_parameters)

# Figure 4's cases; the source, distortion and perception each shows come from the sidecar.
CASES = ["laplace_rkl", "ternary_w1"]


def render_fig4(out_dir, fig_dir, name):
    base = f"fig4_{name}"
    tables = read_csvs(out_dir, f"{base}_surface", f"{base}_level_sets")
    if tables is None:
        return
    surf, levels = tables
    case = case_parameters(sidecar_parameters(out_dir, f"{base}_surface", "fig_numerical"), name)
    title = problem_title(case)
    if "grid_points" in case and not case.get("source", "").startswith(("finite", "bernoulli")):
        title += f", discretised on {case['grid_points']:g} cells"
    p_label = PERCEPTION_AXIS.get(case.get("perception"), "P")
    ds = sorted(set(column(surf, "D")))
    ps = sorted(set(column(surf, "P")))
    rate = np.full((len(ds), len(ps)), np.nan)
    gap = np.full((len(ds), len(ps)), np.nan)
    for r in surf:
        i, j = ds.index(r["D"]), ps.index(r["P"])
        rate[i, j] = r["rate_bits"]
        g = r["gap_bits"]
        gap[i, j] = g if isinstance(g, float) and math.isfinite(g) else np.nan
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    im = axes[0].pcolormesh(ds, ps, rate.T, shading="nearest", cmap="viridis")
    fig.colorbar(im, ax=axes[0], label="R (bits, certified midpoint)")
    axes[0].set_xlabel("D")
    axes[0].set_ylabel(p_label)
    axes[0].set_title("(a) R(D,P)")
    for rate_level, pts in sorted(group_by(levels, "rate_bits").items()):
        axes[1].plot(column(pts, "D"), column(pts, "P"), marker=".", label=f"R = {rate_level:g}")
    axes[1].set_xlabel("D")
    axes[1].set_ylabel(p_label)
    axes[1].set_title("(b) equi-rate level sets")
    axes[1].legend(fontsize=8)
    # A converged gap can read slightly negative (~1e-12 bits: the channel meets D and P to a
    # relative 1e-12 tolerance), so it is floored at 1e-16 rather than left out as log10 of <= 0.
    with np.errstate(invalid="ignore"):
        floored = np.where(np.isnan(gap), np.nan, np.maximum(gap, 1e-16))
    im2 = axes[2].pcolormesh(ds, ps, np.log10(floored.T), shading="nearest", cmap="magma")
    fig.colorbar(im2, ax=axes[2], label="log10 certified gap (bits); blank: not certified")
    axes[2].set_xlabel("D")
    axes[2].set_ylabel(p_label)
    axes[2].set_title("(c) certified gap upper - lower")
    fig.suptitle(title)
    save(fig, fig_dir, base)


def render(out_dir, fig_dir):
    for name in CASES:
        render_fig4(out_dir, fig_dir, name)
