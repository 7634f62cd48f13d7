"""rdpkit.solve / solve_source / Solver against `rdp rate --method ba` and known rates."""
import json
import math

import numpy as np
import pytest

import rdpkit


def h(x):
    return 0.0 if x in (0.0, 1.0) else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


BA_FIELDS = ["rate_bits", "lower_bits", "upper_bits", "gap_bits", "iterations", "evaluations",
             "status", "message", "slope_distortion_bits", "slope_perception_bits",
             "distortion_achieved", "perception_achieved", "source", "distortion", "perception",
             "D", "method", "region"]


@pytest.mark.parametrize("args", [
    ("bernoulli:p=0.3", "tv", 0.1, 0.05, {}),
    ("bernoulli:p=0.2", "none", 0.05, None, {}),
    ("finite:points=0/1/2,pmf=0.5/0.3/0.2", "w1", 0.2, 0.1, {"distortion": "mse"}),
    ("gaussian:sigma=1", "w2sq", 0.5, 0.1, {"grid": 48, "gap": 1e-4}),
    # Settled exactly at D = 0 (the identity is the only channel; no dual point): check-witness
    # recomputes R = H(X) from the source pmf.
    ("bernoulli:p=0.3", "tv", 0.0, 0.1, {}),
    ("finite:points=0/1/2,pmf=0.5/0.3/0.2", "w1", 0.0, 0.1, {"distortion": "mse"}),
])
def test_solve_source_equals_cli_json(cli, tmp_path, args):
    source, perception, d, p, kw = args
    cmd = ["rate", "--method", "ba", "--source", source, "--perception", perception, "--D", repr(d)]
    if p is not None:
        cmd += ["--P", repr(p)]
    if "distortion" in kw:
        cmd += ["--distortion", kw["distortion"]]
    if "grid" in kw:
        cmd += ["--grid", kw["grid"]]
    if "gap" in kw:
        cmd += ["--gap", repr(kw["gap"])]
    keys = BA_FIELDS + (["P"] if p is not None else []) + (["grid"] if "grid" in kw else [])
    # Without a witness the command keeps no channel (and may stop sooner): keep_channel=False.
    expected = cli.json(*cmd)
    got = rdpkit.solve_source(source, perception, d, p, keep_channel=False, **kw)
    for key in keys:
        assert got[key] == expected[key], key
    assert got["lower_bits"] <= got["rate_bits"] <= got["upper_bits"]
    # With --witness it keeps the channel: the default here; the witness file has the arrays.
    witness = tmp_path / "w.json"
    expected = cli.json(*cmd, "--witness", witness)
    got = rdpkit.solve_source(source, perception, d, p, **kw)
    for key in keys:
        assert got[key] == expected[key], key
    w = json.loads(witness.read_text())
    # Every witness this test writes rechecks from the file alone (issue 14).
    check = cli.json("check-witness", witness, "--json")
    assert check["agrees"] is True
    assert got["channel"].tolist() == w["channel"]
    assert got["output_pmf"].tolist() == w["output_pmf"]
    assert got["source_points"].tolist() == w["source_points"]
    assert got["source_pmf"].tolist() == w["source_pmf"]
    assert got["reconstruction_points"].tolist() == w["reconstruction_points"]
    if "dual" in w:
        for key in ["form", "s_nats", "mu_nats"]:
            assert got["dual"][key] == w["dual"][key], key
        assert got["dual"]["log_lambda"].tolist() == w["dual"]["log_lambda"]
    else:
        assert got["dual"] is None


def test_binary_symmetric_rate_and_arrays():
    pmf = np.array([0.5, 0.5])
    hamming = 1.0 - np.eye(2)
    for d in [0.02, 0.1, 0.3]:
        r = rdpkit.solve(pmf, hamming, D=d, gap=1e-9)
        assert r["status"] == "converged"
        assert r["lower_bits"] - 1e-12 <= 1 - h(d) <= r["upper_bits"] + 1e-12
        assert r["upper_bits"] - r["lower_bits"] <= 1e-9
        ch = r["channel"]
        assert ch.shape == (2, 2)
        np.testing.assert_allclose(ch.sum(axis=1), 1.0, atol=1e-12)
        np.testing.assert_allclose(pmf @ ch, r["output_pmf"], atol=1e-12)
        assert r["distortion_achieved"] <= d + 1e-9
        dual = r["dual"]
        assert dual["form"] == "shannon" and dual["log_lambda"].shape == (2,)
        # Shannon's dual: s = ln((1 − D)/D) nats per unit of distortion at the optimum.
        assert dual["s_nats"] == pytest.approx(math.log((1 - d) / d), rel=1e-4)
    # D beyond the zero-rate distortion: R = 0, exactly.
    r = rdpkit.solve(pmf, hamming, D=0.6)
    assert r["upper_bits"] == pytest.approx(0.0, abs=1e-12)


def test_matrix_problem_equals_source_problem():
    # The spec 'bernoulli:p=0.3' with Hamming is the matrix problem on points 0, 1.
    a = rdpkit.solve([0.7, 0.3], 1.0 - np.eye(2), D=0.1, P=0.05, perception="tv")
    b = rdpkit.solve_source("bernoulli:p=0.3", "tv", 0.1, 0.05)
    for key in ["rate_bits", "lower_bits", "upper_bits", "iterations", "status"]:
        assert a[key] == b[key], key
    np.testing.assert_array_equal(a["channel"], b["channel"])


def test_perceptions_on_matrices():
    rng = np.random.default_rng(7)
    pmf = rng.dirichlet(np.ones(4))
    x = np.arange(4.0)
    mse = (x[:, None] - x[None, :]) ** 2
    base = rdpkit.solve(pmf, mse, D=0.3, gap=1e-7)["rate_bits"]
    for perception in ["tv", "kl", "rkl", "w1", "w2sq"]:
        r = rdpkit.solve(pmf, mse, D=0.3, P=0.01, perception=perception, gap=1e-7)
        assert r["status"] == "converged", (perception, r["message"])
        assert r["perception_achieved"] <= 0.01 + 1e-7
        assert r["rate_bits"] >= base - 1e-6  # a perception constraint never lowers the rate
    # 'ot' with the cost |x − y| is W1 on the line: both certificates bracket the same R(D, P)
    # (the library's own case, tests/solvers/ba_solver_test.cpp).
    x3 = np.array([0.0, 1.0, 3.0])
    p3 = np.array([0.5, 0.3, 0.2])
    sq = (x3[:, None] - x3[None, :]) ** 2
    a = rdpkit.solve(p3, sq, D=0.3, P=0.1, perception="w1", source_points=x3,
                     reconstruction_points=x3, gap=1e-5, max_iterations=5000)
    b = rdpkit.solve(p3, sq, D=0.3, P=0.1, perception="ot", cost=np.abs(x3[:, None] - x3),
                     source_points=x3, reconstruction_points=x3, gap=1e-5, max_iterations=5000)
    assert np.isfinite(a["upper_bits"]) and np.isfinite(b["upper_bits"])
    assert a["lower_bits"] <= b["upper_bits"] + 1e-12 and b["lower_bits"] <= a["upper_bits"] + 1e-12
    # Values of the symbols: points 0, 2, 4 with |x − y|^2 are the same problem scaled by 4.
    p3 = np.array([0.2, 0.5, 0.3])
    x3 = np.array([0.0, 2.0, 4.0])
    m3 = (x3[:, None] - x3[None, :]) ** 2
    a = rdpkit.solve(p3, m3, D=0.4, P=0.4, perception="w2sq", source_points=x3,
                     reconstruction_points=x3, gap=1e-8)
    b = rdpkit.solve(p3, m3 / 4, D=0.1, P=0.1, perception="w2sq", gap=1e-8)
    assert a["rate_bits"] == pytest.approx(b["rate_bits"], abs=2e-8)


def test_solver_warm_starts_agree_with_cold_solves():
    s = rdpkit.Solver.from_source("bernoulli:p=0.25", "tv", gap=1e-8)
    for d, p in [(0.05, 0.0), (0.05, 0.02), (0.1, 0.02), (0.15, 0.1), (0.1, 0.0)]:
        warm = s.solve(d, p)
        closed = rdpkit.rate("bernoulli:p=0.25", "tv", d, p)
        assert warm["status"] == "converged"
        assert warm["lower_bits"] - 1e-9 <= closed <= warm["upper_bits"] + 1e-9
    np.testing.assert_array_equal(s.source_points, [0.0, 1.0])
    np.testing.assert_allclose(s.source_pmf, [0.75, 0.25])
    m = rdpkit.Solver(np.array([0.5, 0.5]), 1 - np.eye(2))
    assert m.solve(0.1)["upper_bits"] >= 1 - h(0.1) - 1e-6


def test_infeasible_and_limits():
    # D below the least distortion: infeasible, rate inf.
    r = rdpkit.solve([0.5, 0.5], np.array([[1.0, 2.0], [2.0, 1.0]]), D=0.5)
    assert r["status"] == "infeasible" and math.isinf(r["rate_bits"])
    r = rdpkit.solve([0.7, 0.3], 1 - np.eye(2), D=0.01, gap=1e-12, max_iterations=3)
    assert r["status"] == "iteration_limit"
    assert r["lower_bits"] <= h(0.3) - h(0.01) <= r["upper_bits"]


def test_ctrl_c_interrupts_a_long_solve():
    # SIGINT during a solve raises KeyboardInterrupt at the next inner solve; the Solver still
    # answers afterwards with certified bounds. In a child process, bounded in time.
    import subprocess
    import sys
    code = r"""
import os, signal, threading, time, rdpkit
def interrupt_soon():
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
interrupt_soon()
t = time.time()
try:
    rdpkit.solve_source("gaussian:sigma=1", "w2sq", 0.3, 0.01, grid=1200, gap=1e-12)
    print("finished")
except KeyboardInterrupt:
    print("interrupted", time.time() - t)
s = rdpkit.Solver.from_source("gaussian:sigma=1", "w2sq", grid=600, gap=1e-12)
interrupt_soon()
try:
    s.solve(0.3, 0.01)
    print("finished")
except KeyboardInterrupt:
    print("interrupted", time.time() - t)
s.solve(1.5, 0.5)  # far from the interrupted query: any state it left is replaced
r = rdpkit.Solver.from_source("gaussian:sigma=1", "w2sq", grid=64, gap=1e-6).solve(0.5, 0.1)
print(r["status"])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = out.stdout.split("\n")
    assert out.returncode == 0, out.stderr
    assert lines[0].startswith("interrupted") and lines[1].startswith("interrupted"), out.stdout
    assert lines[2] == "converged"
