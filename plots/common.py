"""Helpers shared by the plot scripts: read tidy CSV, save PNG + PDF. Plots never recompute."""
import csv
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


def column(rows, key):
    return [r[key] for r in rows]


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


def exists(out_dir, *names):
    return all(os.path.exists(os.path.join(out_dir, n)) for n in names)
