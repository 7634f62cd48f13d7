"""rdpkit.Lattice / NestedLattice against `rdp lattice` and the lattice properties."""
import itertools

import numpy as np
import pytest

import rdpkit

NAMES = ["z1", "z3", "a2", "d4", "d4star", "e8", "bw16", "leech", "e8^2"]


@pytest.mark.parametrize("name", ["z2", "a2", "d4", "e8", "leech"])
def test_constants_equal_cli(cli, name):
    j = cli.json("lattice", "--lattice", name, "--samples", "2000", "--seed", "5")
    lat = rdpkit.Lattice(name)
    assert lat.name == j["name"] and lat.dimension == j["dimension"]
    assert lat.kissing_number == j["kissing_number"] and lat.minimal_norm == j["minimal_norm"]
    assert lat.covolume == j["covolume"]
    g = lat.nsm(2000, 5)
    for key in ["nsm", "nsm_stderr", "loss_bits", "samples"]:
        assert g[key] == j[key], key
    assert g["nsm_reference"] == j.get("nsm_reference")


@pytest.mark.parametrize("name", NAMES)
def test_nearest_point_properties(name):
    lat = rdpkit.Lattice(name)
    n = lat.dimension
    rng = np.random.default_rng(11)
    x = rng.normal(scale=2.0, size=(300, n))
    q = lat.nearest_point(x)
    assert q.shape == x.shape and q.dtype == np.float64
    # Lattice points: G k with k integral; Q(Q(x)) = Q(x); Q(x + λ) = Q(x) + λ.
    k = np.linalg.solve(lat.generator, q.T).T
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    np.testing.assert_array_equal(lat.nearest_point(q), q)
    lam = lat.generator @ rng.integers(-3, 4, size=n).astype(float)
    np.testing.assert_allclose(lat.nearest_point(x + lam), q + lam, atol=1e-12)
    # No other lattice point among Q(x) ± the basis vectors is closer.
    err = ((x - q) ** 2).sum(axis=1)
    for j in range(n):
        for s in (1.0, -1.0):
            alt = q + s * lat.generator[:, j]
            assert np.all(((x - alt) ** 2).sum(axis=1) >= err - 1e-12)
    # One point, (n,), gives one point; the rows of a batch are decoded one by one.
    np.testing.assert_array_equal(lat.nearest_point(x[3]), q[3])


def test_nearest_point_layouts_and_dtypes():
    lat = rdpkit.Lattice("e8")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 8))
    q = lat.nearest_point(x)
    np.testing.assert_array_equal(lat.nearest_point(np.asfortranarray(x)), q)
    wide = np.zeros((64, 16))
    wide[:, ::2] = x
    np.testing.assert_array_equal(lat.nearest_point(wide[:, ::2]), q)  # non-contiguous
    np.testing.assert_array_equal(lat.nearest_point(x.astype(np.float32)),
                                  lat.nearest_point(x.astype(np.float32).astype(np.float64)))
    np.testing.assert_array_equal(lat.nearest_point(x.tolist()), q)
    assert lat.nearest_point(np.zeros((0, 8))).shape == (0, 8)
    # Large batches (OpenMP) equal small ones.
    big = rng.normal(size=(20000, 8))
    np.testing.assert_array_equal(lat.nearest_point(big)[:100], lat.nearest_point(big[:100]))


@pytest.mark.parametrize("name", ["z2", "a2", "d4", "e8"])
def test_sample_voronoi(name):
    lat = rdpkit.Lattice(name)
    v = lat.sample_voronoi(4000, seed=9)
    assert v.shape == (4000, lat.dimension)
    np.testing.assert_array_equal(lat.nearest_point(v), 0.0)
    np.testing.assert_array_equal(v, lat.sample_voronoi(4000, seed=9))
    assert not np.array_equal(v, lat.sample_voronoi(4000, seed=10))
    # G = E‖e‖²/(n V^{2/n}) within 5 standard errors of the Monte-Carlo estimate.
    sq = (v ** 2).sum(axis=1) / (lat.dimension * lat.covolume ** (2 / lat.dimension))
    g = lat.nsm(4000, 9)
    assert abs(sq.mean() - g["nsm"]) < 5 * sq.std() / np.sqrt(len(sq))


def test_nested_lattice():
    nest = rdpkit.NestedLattice("a2", 3)
    assert nest.ratio == 3 and nest.dimension == 2
    assert nest.common_randomness_bits == pytest.approx(np.log2(3))
    assert nest.log2_coset_count == pytest.approx(2 * np.log2(3))
    reps = nest.coset_representatives()
    assert reps.shape == (9, 2)
    fine, coarse = nest.fine, nest.coarse
    np.testing.assert_allclose(fine.nearest_point(reps), reps, atol=1e-12)  # fine points
    np.testing.assert_allclose(coarse.generator, 3 * fine.generator)
    # Distinct cosets: no two representatives differ by a coarse point.
    for a, b in itertools.combinations(range(9), 2):
        d = reps[a] - reps[b]
        assert np.abs(coarse.nearest_point(d) - d).max() > 1e-9
    # reduce(x) ≡ x modulo the coarse lattice, and is a representative.
    rng = np.random.default_rng(2)
    pts = fine.nearest_point(rng.normal(scale=5, size=(50, 2)))
    red = nest.reduce(pts)
    diff = pts - red
    np.testing.assert_allclose(coarse.nearest_point(diff), diff, atol=1e-12)
    for r in red:
        assert np.min(np.abs(reps - r).max(axis=1)) < 1e-12
    s = nest.sample_coset_representatives(100, seed=4)
    assert s.shape == (100, 2)
    np.testing.assert_array_equal(s, nest.sample_coset_representatives(100, seed=4))
    # A Lattice object works as the fine lattice too.
    assert rdpkit.NestedLattice(rdpkit.Lattice("z2"), 2).coset_representatives().shape == (4, 2)


@pytest.mark.parametrize("name", NAMES + ["a1", "a3", "a7", "d3", "d5star", "leech:decoder=cosets"])
def test_nearest_point_at_the_largest_coordinates(name):
    # Up to |x| = 2^50 every decoder returns a point within a few units (and does not crash).
    lat = rdpkit.Lattice(name)
    s = 2.0 ** 50
    x = np.random.default_rng(0).uniform(-s, s, size=(100, lat.dimension))
    x[0], x[1] = s, -s
    q = lat.nearest_point(x)
    assert np.all(np.abs(q - x) <= 4.0)


def test_solver_is_safe_from_threads():
    import concurrent.futures
    s = rdpkit.Solver.from_source("bernoulli:p=0.3", "tv", gap=1e-8)
    qs = [(0.05 + 0.01 * k, 0.02) for k in range(12)]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        out = list(ex.map(lambda q: s.solve(*q), qs))
    for (d, p), r in zip(qs, out):
        assert r["lower_bits"] - 1e-9 <= rdpkit.rate("bernoulli:p=0.3", "tv", d, p) <= \
            r["upper_bits"] + 1e-9
