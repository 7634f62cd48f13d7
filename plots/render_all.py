"""Renders every figure whose CSVs exist in OUT_DIR into OUT_DIR/figures (PNG and PDF).

Usage: /usr/bin/python3 plots/render_all.py OUT_DIR   (Debian's python3 with python3-matplotlib)
"""
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

MODULES = ["fig_theory", "fig_numerical", "fig_codecs", "fig_images"]


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.stderr.write("render_all.py: error: OUT_DIR must be an existing directory\n")
        return 2
    out_dir = sys.argv[1]
    fig_dir = os.path.join(out_dir, "figures")
    here = os.path.dirname(os.path.abspath(__file__))
    for name in MODULES:
        if os.path.exists(os.path.join(here, name + ".py")):
            importlib.import_module(name).render(out_dir, fig_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
