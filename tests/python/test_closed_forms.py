"""rdpkit.rate / rate_details / level_set / surface / section against `rdp` and the formulas."""
import math

import numpy as np
import pytest

import rdpkit

# (source, perception, D, P) with a closed form in this build.
POINTS = [
    ("gaussian:sigma=1", "w2sq", 0.5, 0.1),
    ("gaussian:sigma=2", "w2sq", 0.3, 0.0),
    ("gaussian:sigma=1", "kl", 0.4, 0.05),
    ("gaussian:sigma=1", "rkl", 0.4, 0.05),
    ("gaussian:mu=1,sigma=0.5", "none", 0.1, None),
    ("bernoulli:p=0.2", "tv", 0.05, 0.02),
    ("bernoulli:p=0.3", "tv", 0.1, 0.2),
    ("bernoulli:p=0.2", "none", 0.05, None),
]


def cli_rate_args(source, perception, d, p):
    args = ["rate", "--source", source, "--perception", perception, "--D", repr(d), "--method",
            "closed"]
    if p is not None:
        args += ["--P", repr(p)]
    return args


@pytest.mark.parametrize("source,perception,d,p", POINTS)
def test_rate_details_equal_cli_json(cli, source, perception, d, p):
    expected = cli.json(*cli_rate_args(source, perception, d, p))
    got = rdpkit.rate_details(source, perception, d, p)
    assert got == expected  # every field, the numbers to the last bit


@pytest.mark.parametrize("source,perception,d,p", POINTS)
def test_rate_equals_cli_to_the_bit(cli, source, perception, d, p):
    expected = cli.json(*cli_rate_args(source, perception, d, p))["rate_bits"]
    assert rdpkit.rate(source, perception, d, p) == expected
    assert rdpkit.rate(source, perception, np.array([d]), None if p is None else [p])[0] == expected


def test_broadcasting_matches_scalar_calls():
    d = np.linspace(0.05, 1.2, 7).reshape(7, 1)
    p = np.array([0.0, 0.01, 0.3, 2.0])
    r = rdpkit.rate("gaussian:sigma=1", "w2sq", d, p)
    assert r.shape == (7, 4) and r.dtype == np.float64
    for i in range(7):
        for j in range(4):
            assert r[i, j] == rdpkit.rate("gaussian:sigma=1", "w2sq", float(d[i, 0]), float(p[j]))
    # A scalar against an array, either way round; lists and integer arrays convert.
    assert np.array_equal(rdpkit.rate("gaussian:sigma=1", "w2sq", 0.5, p),
                          rdpkit.rate("gaussian:sigma=1", "w2sq", np.full(4, 0.5), p))
    assert np.array_equal(rdpkit.rate("bernoulli:p=0.2", "tv", [0, 0.1], np.array([0, 1])),
                          rdpkit.rate("bernoulli:p=0.2", "tv", np.array([0.0, 0.1]), [0.0, 1.0]))
    # Non-contiguous and Fortran-ordered inputs give the same values.
    big = np.linspace(0.1, 1, 40).reshape(5, 8)
    assert np.array_equal(rdpkit.rate("gaussian:sigma=1", "w2sq", big[:, ::2], 0.1),
                          rdpkit.rate("gaussian:sigma=1", "w2sq", big[:, ::2].copy(), 0.1))
    assert np.array_equal(rdpkit.rate("gaussian:sigma=1", "w2sq", np.asfortranarray(big), 0.1),
                          rdpkit.rate("gaussian:sigma=1", "w2sq", big, 0.1))
    # Zero-dimensional arrays broadcast too; an empty array gives an empty result.
    assert rdpkit.rate("gaussian:sigma=1", "w2sq", np.float64(0.5), np.array(0.1)) == 0.5
    assert rdpkit.rate("gaussian:sigma=1", "w2sq", np.array([]), 0.1).shape == (0,)


def test_closed_forms_reference_values():
    # Shannon: R(D) = ½ log2(σ²/D) for the Gaussian, h(p) − h(D) for Bernoulli–Hamming.
    d = np.linspace(0.01, 3.9, 50)
    np.testing.assert_allclose(rdpkit.rate("gaussian:sigma=2", "none", d),
                               np.maximum(0.0, 0.5 * np.log2(4.0 / d)), rtol=1e-14, atol=0)

    def h(x):
        return -x * np.log2(x) - (1 - x) * np.log2(1 - x)

    d = np.linspace(0.01, 0.19, 19)
    np.testing.assert_allclose(rdpkit.rate("bernoulli:p=0.2", "none", d), h(0.2) - h(d),
                               rtol=1e-13)
    # A perception budget beyond saturation is the Shannon rate; P = 0 at small D is
    # ½ log2(σ²/D) + ... never below Shannon (Blau & Michaeli: perfect realism costs rate).
    d = np.linspace(0.05, 0.95, 10)
    shannon = rdpkit.rate("gaussian:sigma=1", "none", d)
    np.testing.assert_array_equal(rdpkit.rate("gaussian:sigma=1", "w2sq", d, 10.0), shannon)
    assert np.all(rdpkit.rate("gaussian:sigma=1", "w2sq", d, 0.0) > shannon)
    # Zhang et al., Thm. 2 at P = 0: R(D, 0) = ½ log2(σ² / (D (1 − D/(4σ²))) ) for D <= 2σ².
    s2 = 1.0
    expected = 0.5 * np.log2(s2 / (d * (1 - d / (4 * s2))))
    np.testing.assert_allclose(rdpkit.rate("gaussian:sigma=1", "w2sq", d, 0.0), expected,
                               rtol=1e-12)


@pytest.mark.parametrize("source,perception", [("gaussian:sigma=1", "w2sq"),
                                               ("gaussian:sigma=1", "kl"),
                                               ("gaussian:sigma=1", "rkl"),
                                               ("bernoulli:p=0.25", "tv")])
def test_monotone_and_convex(source, perception):
    rng = np.random.default_rng(20261202)
    top = 0.24 if source.startswith("bernoulli") else 1.5
    d = np.linspace(0.02, top, 80)
    for p in rng.uniform(0.0, 0.3, size=5):
        r = rdpkit.rate(source, perception, d, p)
        assert np.all(np.diff(r) <= 1e-12), "R non-increasing in D"
        assert np.all(np.diff(r, 2) >= -1e-9), "R convex in D"
    ps = np.linspace(0.0, 0.5, 60)
    for dd in rng.uniform(0.05, top, size=5):
        r = rdpkit.rate(source, perception, dd, ps)
        assert np.all(np.diff(r) <= 1e-12), "R non-increasing in P"
        assert np.all(np.diff(r, 2) >= -1e-9), "R convex in P"


def test_level_set_equals_cli(cli):
    header, rows = cli.csv("level-set", "--source", "gaussian:sigma=1", "--perception", "w2sq",
                           "--rate", "0.5", "--P-points", "17")
    assert header == ["D", "P"]
    got = rdpkit.level_set("gaussian:sigma=1", "w2sq", 0.5, P_points=17)
    assert list(got["D"]) == [float(r[0]) for r in rows]
    assert list(got["P"]) == [float(r[1]) for r in rows]
    # Every point lies on the level set.
    np.testing.assert_allclose(rdpkit.rate("gaussian:sigma=1", "w2sq", got["D"], got["P"]), 0.5,
                               atol=1e-9)


def test_surface_equals_cli(cli):
    header, rows = cli.csv("surface", "--source", "bernoulli:p=0.2", "--perception", "tv",
                           "--D-points", "6", "--P-points", "5")
    assert header == ["D", "P", "rate_bits", "region"]
    got = rdpkit.surface("bernoulli:p=0.2", "tv", D_points=6, P_points=5)
    assert got["rate_bits"].shape == (6, 5)
    k = 0
    for i in range(6):
        for j in range(5):
            d, p, r, region = rows[k]
            assert float(d) == got["D"][i] and float(p) == got["P"][j]
            assert float(r) == got["rate_bits"][i, j] and region == got["region"][i][j]
            k += 1
    assert k == len(rows) == 30


@pytest.mark.parametrize("fixed,value", [("P", "0.05"), ("D", "0.1"), ("R", "0.3")])
def test_section_equals_cli(cli, fixed, value):
    # The fixed quantity takes no range (the command refuses one, and so does the module).
    points = {"D": ("--P-points", "9"), "P": ("--D-points", "7"), "R": ("--P-points", "9")}[fixed]
    header, rows = cli.csv("section", "--source", "gaussian:sigma=1", "--perception", "kl",
                           "--fixed", fixed, "--value", value, *points)
    got = rdpkit.section("gaussian:sigma=1", "kl", fixed, float(value),
                         **{points[0][2:].replace("-", "_"): int(points[1])})
    assert len(got["D"]) == len(rows)
    for k, row in enumerate(rows):
        assert float(row[0]) == got["D"][k] and float(row[1]) == got["P"][k]
        assert float(row[2]) == got["rate_bits"][k]
        if fixed != "R":
            assert row[3] == got["region"][k]


def test_million_points_under_half_a_second():
    import time
    d = np.linspace(0.01, 2.0, 10**6)
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        rdpkit.rate("gaussian:sigma=1", "w2sq", d, 0.1)
        best = min(best, time.perf_counter() - t)
    # The target is 0.5 s; a shared CI machine gets twice that before this fails.
    assert best < 1.0, best
