"""Figures 8-10 (fig8_images_grid, fig8_images_measures, fig9_images_rdp, fig10_images_codecs):
real images through the lattice transform coder (docs/THEORY.md §7). Reads only the CSVs and
sidecars fig_images writes."""
import numpy as np

from common import column, group_by, plt, read_csvs, save, sidecar_parameters, two_se

PANELS = [("mmse", "MMSE decoder (SD, P = ∞)"), ("sd_p0", "SD-LTC, P = 0"),
          ("pd_p0", "PD-LTC, P = 0")]
CODEC_COLORS = {"sd": "C0", "pd": "C1", "qsd2": "C2", "qsd3": "C3"}
LATTICE_MARKERS = {"z1": "o", "e8": "^", "bw16": "v", "leech": "*"}


def _data_label(params):
    return params.get("data_description", params.get("data", "data not recorded"))


def _codec_key(r):
    return r["codec"] if r["codec"] != "qsd" else f"qsd{int(r['nesting'])}"


def _codec_label(key):
    return {"sd": "SD", "pd": "PD", "qsd2": "QSD a=2", "qsd3": "QSD a=3"}.get(key, key)


def _rate_err(r):
    """(below, above) error bar: ±2 SE, widened to the Monte-Carlo bracket [lower, upper] where
    the rate is a cell-integral estimate, capped for SD by the max-entropy bound."""
    lo = min(r["rate_bits"], r["rate_lower_bits"]) - 2 * r["rate_lower_stderr"]
    hi = r["rate_bits"] + 2 * r["rate_stderr"]
    bound = r.get("rate_entropy_bound_bits")
    if isinstance(bound, float) and r["rate_method"] != "exact_box_cells":
        hi = min(hi, bound)
    y = min(r["rate_bits"], hi)
    return y, max(y - lo, 0.0), max(hi - y, 0.0)


def _sections(rows, th, design, target_key, model_key, first_color):
    """Figure 9's cross-sections, one per target of the codec rows of `design` (ascending): its
    colour C<first_color + k>, the target, the model's curve (theory rows of kind `design` at
    model_key = target, by P) and the codec's points aimed at it (by P target)."""
    groups = group_by([r for r in rows if r["design"] == design], target_key)
    for k, (target, pts) in enumerate(sorted(groups.items())):
        curve = sorted([r for r in th if r["kind"] == design and r[model_key] == target],
                       key=lambda r: r["P"])
        yield f"C{first_color + k}", target, curve, sorted(pts, key=lambda r: r["P_target"])


def render_grid(out_dir, fig_dir):
    tables = read_csvs(out_dir, "fig8_images_grid")
    if tables is None:
        return
    (rows,) = tables
    params = sidecar_parameters(out_dir, "fig8_images_grid", "fig_images")
    originals = sorted([r for r in rows if r["panel"] == "original"], key=lambda r: r["image"])
    h, w = int(originals[0]["height"]), int(originals[0]["width"])

    def tile(r):
        return np.clip(np.array([float(v) for v in r["pixels"].split()]).reshape(h, w), 0, 1)

    n_rates = len({r["rate_target_bits"] for r in rows if r["panel"] != "original"}) // 1
    fig, axes = plt.subplots(1, 3, figsize=(15, 1.3 + 0.7 * (1 + n_rates)))
    for ax, (panel, title) in zip(axes, PANELS):
        mine = [r for r in rows if r["panel"] == panel]
        rates = sorted({r["rate_target_bits"] for r in mine})
        grid_rows = [np.hstack([tile(r) for r in originals])]
        labels = ["original"]
        for rate in rates:
            sel = sorted([r for r in mine if r["rate_target_bits"] == rate], key=lambda r: r["image"])
            grid_rows.append(np.hstack([tile(r) for r in sel]))
            labels.append(f"{sel[0]['rate_bits']:.0f} bits")
        ax.imshow(np.vstack(grid_rows), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_yticks([h * (k + 0.5) for k in range(len(labels))])
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xticks([])
        ax.set_title(title, fontsize=10)
    fig.suptitle(f"{_data_label(params)}: test images and reconstructions; rows: measured rate "
                 f"per image (design targets {params.get('rate_targets_bits', '?')} bits, lattice "
                 f"{params.get('lattice', '?')})", fontsize=9)
    save(fig, fig_dir, "fig8_images_grid")


def render_measures(out_dir, fig_dir):
    tables = read_csvs(out_dir, "fig8_images_points")
    if tables is None:
        return
    (rows,) = tables
    params = sidecar_parameters(out_dir, "fig8_images_points", "fig_images")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for design, title in PANELS:
        pts = sorted([r for r in rows if r["design"] == design], key=lambda r: r["rate_bits"])
        kw = dict(marker="o", capsize=2, label=title)
        for ax, measure in zip(axes, ("distortion", "sliced_w2sq", "frechet_pca")):
            ax.errorbar(column(pts, "rate_bits"), column(pts, measure),
                        yerr=two_se(pts, f"{measure}_stderr"), **kw)
    axes[0].set_ylabel("MSE per pixel")
    axes[1].set_ylabel(f"sliced $W_2^2$, pixel space ({params.get('projections', '?')} directions)")
    axes[2].set_ylabel(f"Fréchet distance, first {params.get('frechet_features', '?')} PCA features")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("rate (bits per image)")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    fig.suptitle(f"{_data_label(params)}: the grid's codec points, {params.get('test_rows', '?')} "
                 "test images (bars ± 2 SE)", fontsize=9)
    save(fig, fig_dir, "fig8_images_measures")


def render_rdp(out_dir, fig_dir):
    tables = read_csvs(out_dir, "fig9_images_rdp", "fig9_theory")
    if tables is None:
        return
    rows, th = tables
    params = sidecar_parameters(out_dir, "fig9_images_rdp", "fig_images")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    # (a) the Gaussian model's surface as equi-rate contours, codec points coloured by rate.
    surf = [r for r in th if r["kind"] == "surface"]
    ds = sorted({r["D"] for r in surf})
    ps = sorted({r["P"] for r in surf})
    z = np.array([[next(r["theory_rate_bits"] for r in surf if r["D"] == d and r["P"] == p)
                   for d in ds] for p in ps])
    levels = [5, 10, 20, 30, 50, 100, 200, 400]
    cs = axes[0].contour(ds, ps, z, levels=levels, cmap="viridis", norm=plt.Normalize(0, 400))
    axes[0].clabel(cs, fontsize=7, fmt="%g")
    sc = axes[0].scatter(column(rows, "distortion"), column(rows, "perception_w2sq"),
                         c=column(rows, "rate_bits"), cmap="viridis", norm=plt.Normalize(0, 400),
                         edgecolors="k", s=30, zorder=5)
    fig.colorbar(sc, ax=axes[0], label="measured rate (bits per image)")
    axes[0].set_xscale("log")
    axes[0].set_title("(a) Gaussian-model equi-rate lines; codec points by measured rate",
                      fontsize=9)
    # (b) P–D cross-sections at fixed rate.
    for color, rate, tl, pts in _sections(rows, th, "level_set", "rate_target_bits", "rate_bits",
                                          first_color=0):
        axes[1].plot(column(tl, "D"), column(tl, "P"), "-", color=color,
                     label=f"model R = {rate:g}")
        mean_rate = sum(column(pts, "rate_bits")) / len(pts)
        axes[1].errorbar(column(pts, "distortion"), column(pts, "perception_w2sq"),
                         xerr=two_se(pts, "distortion_stderr"),
                         yerr=two_se(pts, "perception_w2sq_stderr"), marker="o", ls="--",
                         color=color, capsize=2,
                         label=f"SD aimed at {rate:g} (measured {mean_rate:.0f} bits)")
    axes[1].set_title("(b) P–D cross-sections at fixed rate", fontsize=9)
    # (c) R–P at fixed D.
    for color, d, tl, pts in _sections(rows, th, "fixed_D", "D_target", "D", first_color=3):
        axes[2].plot(column(tl, "P"), column(tl, "theory_rate_bits"), "-", color=color,
                     label=f"model, D = {d:.3g}")
        axes[2].errorbar(column(pts, "perception_w2sq"), column(pts, "rate_bits"),
                         yerr=two_se(pts, "rate_stderr"), marker="o", ls="--", color=color,
                         capsize=2, label=f"SD, D target {d:.3g}")
    axes[2].set_xlabel("P: Gaussian-model $W_2^2$ per pixel (measured)")
    axes[2].set_ylabel("rate (bits per image)")
    axes[2].set_title("(c) rate–perception at fixed distortion", fontsize=9)
    for ax in axes[:2]:
        ax.set_xlabel("D: MSE per pixel")
        ax.set_ylabel("P: Gaussian-model $W_2^2$ per pixel")
    for ax in axes[1:]:
        ax.legend(fontsize=7)
    fig.suptitle(f"{_data_label(params)}: operational RDP of the transform coder (SD on "
                 f"{params.get('lattice', '?')}) against the Gaussian model with the data's "
                 "covariance (not the data's own R(D,P))", fontsize=9)
    save(fig, fig_dir, "fig9_images_rdp")


def render_codecs(out_dir, fig_dir):
    tables = read_csvs(out_dir, "fig10_images_codecs", "fig10_theory")
    if tables is None:
        return
    rows, th = tables
    params = sidecar_parameters(out_dir, "fig10_images_codecs", "fig_images")
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.2))
    axes[0].plot(column(th, "D"), column(th, "rate_p0_bits"), "k-", label="model R(D,0)")
    axes[0].plot(column(th, "D"), column(th, "rate_half_distortion_bits"), "k--",
                 label="model R(D/2,∞)")
    axes[0].plot(column(th, "D"), column(th, "rate_shannon_bits"), "k:", label="model R(D,∞)")
    # The cell Monte Carlo's upper value can be far above its lower one at low rate (docs/THEORY.md
    # §7.7): the axis stops at twice the largest lower value, and a bracket that runs beyond it
    # ends in an arrow.
    top = 2.0 * max(min(r["rate_bits"], r["rate_lower_bits"]) for r in rows)
    for design, ax, xkey in (("R_D", axes[0], "distortion"), ("R_P", axes[1], "perception_w2sq")):
        sel = [r for r in rows if r["design"] == design]
        ax.set_ylim(0, top)
        for key, by_codec in group_by(sel, "codec").items():
            for pts in group_by(by_codec, "nesting").values():
                for lat, lpts in group_by(pts, "lattice").items():
                    lpts = sorted(lpts, key=lambda r: r[xkey])
                    ys, lo, hi = zip(*[_rate_err(r) for r in lpts])
                    ck = _codec_key(lpts[0])
                    clipped = [(x, 0.97 * top) for x, y, h in zip(column(lpts, xkey), ys, hi)
                               if y + h > top]
                    if clipped:
                        ax.scatter(*zip(*clipped), marker="^", color=CODEC_COLORS.get(ck), s=25)
                    ax.errorbar(column(lpts, xkey), ys, yerr=[lo, hi], ls="-", lw=0.8,
                                marker=LATTICE_MARKERS.get(lat, "o"), color=CODEC_COLORS.get(ck),
                                capsize=2, label=f"{_codec_label(ck)}, {lat}")
        coded = [r for r in sel if isinstance(r.get("coded_rate_bits"), float)]
        if coded:  # Z^n: real rANS payloads (one stream per component; same law of dither)
            ax.scatter(column(coded, xkey), column(coded, "coded_rate_bits"), marker="x", s=30,
                       color="black", zorder=6, label="coded payload (Z^n)")
        ax.set_ylabel("rate (bits per image)")
        ax.legend(fontsize=6, ncol=2)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("D: MSE per pixel")
    axes[0].set_title("(a) rate–distortion at P = 0", fontsize=9)
    axes[1].set_xlabel("P: Gaussian-model $W_2^2$ per pixel (measured)")
    axes[1].set_title(f"(b) rate–perception at D target {params.get('R_P_fixed_D', 0):.3g}",
                      fontsize=9)
    fig.suptitle(f"{_data_label(params)}: n = {params.get('coded_components', '?')} coded PCA "
                 f"components, {params.get('test_rows', '?')} test images; bars: ± 2 SE, on "
                 "E8/Λ16/Λ24 the Monte-Carlo bracket (SD capped by the max-entropy bound)",
                 fontsize=9)
    save(fig, fig_dir, "fig10_images_codecs")


def render(out_dir, fig_dir):
    render_grid(out_dir, fig_dir)
    render_measures(out_dir, fig_dir)
    render_rdp(out_dir, fig_dir)
    render_codecs(out_dir, fig_dir)
