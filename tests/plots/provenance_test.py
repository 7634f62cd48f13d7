"""Provenance checks: what the figures show and what the code cites can be traced.

1. The plot scripts take every parameter their titles show from the experiments' JSON sidecars.
Renders from synthetic out directories whose sidecars name sources the code never uses itself
(Bernoulli(0.2), Laplace with b = 2, N(3, 2²)), in both sidecar layouts (one per experiment, one
per CSV), and checks the titles on the figures; then, when the build tree is given and holds
fig_theory, runs it (--quick) and checks that its own sidecar is enough to title every figure.

2. Every "docs/THEORY.md §n" cited anywhere in the tree names a section the document has, and
every file, header and identifier the document names in `backticks` exists in the tree.

Usage: /usr/bin/python3 tests/plots/provenance_test.py [BUILD_DIR]
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "plots"))

import fig_numerical  # noqa: E402
import fig_theory  # noqa: E402

BUILD_DIR = sys.argv.pop(1) if len(sys.argv) > 1 else None


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(str(x) for x in row) + "\n")


def write_sidecar(path, experiment, parameters):
    with open(path, "w") as f:
        json.dump({"experiment": experiment, "version": "test", "seed": 1, "quick": True,
                   "wall_seconds": 0.0, "parameters": parameters}, f)


def theory_csvs(out, figure, name):
    base = os.path.join(out, f"{figure}_{name}")
    write_csv(base + "_surface.csv", ["D", "P", "rate_bits"],
              [(d, p, 1.0 - d - p) for d in (0.1, 0.2) for p in (0.0, 0.1)])
    write_csv(base + "_level_sets.csv", ["rate_bits", "D", "P"], [(0.5, 0.1, 0.0), (0.5, 0.2, 0.1)])
    write_csv(base + "_rate_perception.csv", ["D", "P", "rate_bits"],
              [(0.1, 0.0, 0.9), (0.1, 0.1, 0.8)])


def numerical_csvs(out, name):
    base = os.path.join(out, f"fig4_{name}")
    header = ["D", "P", "rate_bits", "lower_bits", "upper_bits", "gap_bits", "status", "iterations"]
    write_csv(base + "_surface.csv", header,
              [(d, p, 0.5, 0.5, 0.5, 1e-5, "converged", 10) for d in (0.1, 0.2) for p in (0.0, 0.1)])
    write_csv(base + "_level_sets.csv", ["rate_bits", "D", "P", "gap_bits"],
              [(0.5, 0.1, 0.0, 1e-5), (0.5, 0.2, 0.1, 1e-5)])


class Captured:
    """Stands in for common.save: keeps the figures instead of writing them."""

    def __init__(self):
        self.figures = {}

    def __call__(self, fig, fig_dir, name):
        self.figures[name] = fig

    def titles(self, name):
        fig = self.figures[name]
        out = [ax.get_title() for ax in fig.axes]
        if fig._suptitle is not None:
            out.append(fig._suptitle.get_text())
        return " | ".join(out)

    def labels(self, name):
        return " | ".join(ax.get_xlabel() + " / " + ax.get_ylabel() for ax in self.figures[name].axes)


def render(out):
    captured = Captured()
    old = fig_theory.save, fig_numerical.save
    fig_theory.save = fig_numerical.save = captured
    try:
        fig_theory.render(out, os.path.join(out, "figures"))
        fig_numerical.render(out, os.path.join(out, "figures"))
    finally:
        fig_theory.save, fig_numerical.save = old
    return captured


class TitlesFromSidecar(unittest.TestCase):
    def test_experiment_sidecar(self):
        with tempfile.TemporaryDirectory() as out:
            write_csv(os.path.join(out, "fig1_bernoulli_rd.csv"), ["curve", "P", "D", "rate_bits"],
                      [("shannon", "inf", 0.0, 0.7), ("shannon", "inf", 0.1, 0.2),
                       ("tv", 0.0, 0.0, 0.7), ("tv", 0.0, 0.1, 0.3)])
            theory_csvs(out, "fig2", "bernoulli_tv")
            theory_csvs(out, "fig3", "gaussian_kl")
            numerical_csvs(out, "laplace_rkl")
            write_sidecar(os.path.join(out, "fig_theory.json"), "fig_theory", {"cases": [
                {"name": "bernoulli_rd", "source": "bernoulli:p=0.2", "distortion": "hamming",
                 "perception": "tv"},
                {"name": "bernoulli_tv", "source": "bernoulli:p=0.2", "distortion": "hamming",
                 "perception": "tv"},
                {"name": "gaussian_kl", "source": "gaussian:mu=3,sigma=2", "distortion": "mse",
                 "perception": "kl"}]})
            write_sidecar(os.path.join(out, "fig_numerical.json"), "fig_numerical", {
                "grid_points": 48, "cases": [
                    {"name": "laplace_rkl", "source": "laplace:b=2,mu=0", "distortion": "mse",
                     "perception": "rkl"}]})
            c = render(out)
            self.assertIn("Bernoulli(0.2)", c.titles("fig1_bernoulli_rd"))
            fig2 = c.titles("fig2_bernoulli_tv")
            self.assertIn("Bernoulli(0.2), Hamming, TV", fig2)
            self.assertNotIn("0.1", fig2)
            self.assertIn("P (TV)", c.labels("fig2_bernoulli_tv"))
            fig3 = c.titles("fig3_gaussian_kl")
            self.assertIn("N(3, 2²)", fig3)
            self.assertIn("jointly Gaussian", fig3)
            self.assertNotIn("N(0,1)", fig3)
            fig4 = c.titles("fig4_laplace_rkl")
            self.assertIn("Laplace(μ=0, b=2)", fig4)
            self.assertIn("48 cells", fig4)
            self.assertIn("P (nats)", c.labels("fig4_laplace_rkl"))

    def test_per_csv_sidecar_wins(self):
        with tempfile.TemporaryDirectory() as out:
            theory_csvs(out, "fig2", "bernoulli_tv")
            numerical_csvs(out, "ternary_w1")
            # The experiment-wide sidecar says one thing, the CSV's own sidecar another: the CSV's
            # own one describes the file, so it must win.
            write_sidecar(os.path.join(out, "fig_theory.json"), "fig_theory", {"cases": [
                {"name": "bernoulli_tv", "source": "bernoulli:p=0.1", "distortion": "hamming",
                 "perception": "tv"}]})
            write_sidecar(os.path.join(out, "fig2_bernoulli_tv_surface.json"), "fig_theory", {
                "source": "bernoulli:p=0.3", "distortion": "hamming", "perception": "tv"})
            write_sidecar(os.path.join(out, "fig4_ternary_w1_surface.json"), "fig_numerical", {
                "grid_points": 48, "cases": [
                    {"name": "ternary_w1", "source": "finite:points=0/1/5,pmf=0.6/0.3/0.1",
                     "distortion": "mse", "perception": "w1"}]})
            c = render(out)
            self.assertIn("Bernoulli(0.3)", c.titles("fig2_bernoulli_tv"))
            fig4 = c.titles("fig4_ternary_w1")
            self.assertIn("3-letter source on {0, 1, 5}, pmf (0.6, 0.3, 0.1)", fig4)
            self.assertIn("$W_1$", fig4)
            self.assertNotIn("cells", fig4)  # a finite source is not discretised

    def test_overlay_of_another_source_is_not_drawn(self):
        with tempfile.TemporaryDirectory() as out:
            theory_csvs(out, "fig2", "bernoulli_tv")
            write_sidecar(os.path.join(out, "fig_theory.json"), "fig_theory", {"cases": [
                {"name": "bernoulli_tv", "source": "bernoulli:p=0.2", "distortion": "hamming",
                 "perception": "tv"}]})
            header = ["D", "P", "rate_bits", "lower_bits", "upper_bits", "gap_bits", "status",
                      "iterations"]
            write_csv(os.path.join(out, "fig2_bernoulli_tv_ba_rate_perception.csv"), header,
                      [(0.1, 0.0, 0.9, 0.9, 0.9, 1e-6, "converged", 10)])

            def legend(c):
                axes = c.figures["fig2_bernoulli_tv"].axes
                return " ".join(t.get_text() for ax in axes if ax.get_legend()
                                for t in ax.get_legend().get_texts())

            # Without a record of the overlay's source it is drawn ...
            self.assertIn("Blahut-Arimoto", legend(render(out)))
            # ... and with a record of another source it is not.
            write_sidecar(os.path.join(out, "fig2_bernoulli_tv_ba_rate_perception.json"),
                          "fig_numerical", {"source": "bernoulli:p=0.1"})
            self.assertNotIn("Blahut-Arimoto", legend(render(out)))
            write_sidecar(os.path.join(out, "fig2_bernoulli_tv_ba_rate_perception.json"),
                          "fig_numerical", {"source": "bernoulli:p=0.2"})
            self.assertIn("Blahut-Arimoto", legend(render(out)))

    def test_missing_sidecar_says_so(self):
        with tempfile.TemporaryDirectory() as out:
            theory_csvs(out, "fig2", "bernoulli_tv")
            self.assertIn("source not recorded", render(out).titles("fig2_bernoulli_tv"))

    @unittest.skipUnless(BUILD_DIR and os.access(os.path.join(BUILD_DIR or "", "experiments",
                                                                 "fig_theory"), os.X_OK),
                         "fig_theory not built")
    def test_fig_theory_sidecar_titles_every_figure(self):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([os.path.join(BUILD_DIR, "experiments", "fig_theory"), "--quick",
                            "--out", out], check=True, stdout=subprocess.DEVNULL)
            c = render(out)
            self.assertIn("Bernoulli(0.1)", c.titles("fig1_bernoulli_rd"))
            self.assertIn("Bernoulli(0.1), Hamming, TV", c.titles("fig2_bernoulli_tv"))
            for name, perception in (("w2sq", "$W_2^2$"), ("kl", "KL($p_X\\|p_{\\hat X}$)"),
                                     ("rkl", "KL($p_{\\hat X}\\|p_X$)")):
                self.assertIn(f"Gaussian N(0, 1²), MSE, {perception}",
                              c.titles(f"fig3_gaussian_{name}"))


ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
THEORY = os.path.join(ROOT, "docs", "THEORY.md")
SKIP_DIRS = {".git", "out"}
TEXT_SUFFIXES = (".cpp", ".hpp", ".py", ".sh", ".md", ".txt", ".in", ".cmake")


def tree_files():
    for top, dirs, files in os.walk(ROOT):
        # Build trees (build, build-asan, ...) and outputs hold copies and generated text.
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
        for name in files:
            if name.endswith(TEXT_SUFFIXES) or name == "CMakeLists.txt":
                yield os.path.join(top, name)


def cited_sections(text):
    """Section numbers cited as "THEORY.md §3", "§3, §5", "§4-5" or "§2-3" after a THEORY.md."""
    out = []
    for m in re.finditer(r"THEORY\.md((?:[ ,]*§\d+(?:[-–]\d+)?)+)", text):
        for a, b in re.findall(r"§(\d+)(?:[-–](\d+))?", m.group(1)):
            out.extend(range(int(a), int(b or a) + 1))
    return out


class TheoryCitations(unittest.TestCase):
    def test_every_cited_section_exists(self):
        self.assertTrue(os.path.exists(THEORY), "docs/THEORY.md is missing")
        with open(THEORY) as f:
            sections = {int(n) for n in re.findall(r"^## §(\d+) ", f.read(), re.M)}
        citations = 0
        for path in tree_files():
            if os.path.samefile(path, THEORY) or os.path.samefile(path, __file__):
                continue
            with open(path, errors="replace") as f:
                text = f.read()
            for line_no, line in enumerate(text.splitlines(), 1):
                if not re.search(r"THEORY\.md\s*§", line):
                    continue
                where = f"{os.path.relpath(path, ROOT)}:{line_no}"
                # The document lives in docs/; a bare "THEORY.md §n" names a file that is not there.
                self.assertRegex(line, r"docs/THEORY\.md\s*§", where)
                for n in cited_sections(line):
                    citations += 1
                    self.assertIn(n, sections, f"{where} cites §{n}")
        self.assertGreater(citations, 0)

    def test_named_files_and_identifiers_exist(self):
        with open(THEORY) as f:
            names = set(re.findall(r"`([^`\n]+)`", f.read()))
        sources = ""
        basenames = set()
        for path in tree_files():
            basenames.add(os.path.basename(path))
            if path.endswith((".cpp", ".hpp")):
                with open(path, errors="replace") as f:
                    sources += f.read()
        for name in sorted(names):
            if "/" in name:  # a path, possibly with a glob
                self.assertTrue(glob.glob(os.path.join(ROOT, name)), f"no file {name}")
            elif name.endswith((".cpp", ".hpp")):
                self.assertIn(name, basenames, f"no file named {name}")
            elif re.fullmatch(r"[A-Za-z]\w*(::\w+)*", name) and ("_" in name or "::" in name):
                # An identifier of the code: its last component must occur as a word.
                last = name.split("::")[-1]
                self.assertRegex(sources, rf"\b{re.escape(last)}\b", f"no identifier {name}")


if __name__ == "__main__":
    unittest.main()
