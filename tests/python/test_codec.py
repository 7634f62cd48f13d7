"""rdpkit.simulate / encode / decode against `rdp simulate`, `rdp encode` and `rdp decode`."""
import subprocess

import numpy as np
import pytest

import rdpkit


@pytest.mark.parametrize("codec,lattice,d,p,extra", [
    ("sd", "e8", 0.5, 0.0, {}),
    ("pd", "z1", 0.4, 0.0, {}),
    ("qsd", "a2", 0.3, 0.05, {"nesting": 3}),
    ("sd", "d4", 0.6, 0.1, {"source": "laplace:b=1"}),
])
def test_simulate_equals_cli_json(cli, codec, lattice, d, p, extra):
    source = extra.get("source", "gaussian:sigma=1")
    args = ["simulate", "--codec", codec, "--lattice", lattice, "--source", source, "--D", repr(d),
            "--P", repr(p), "--samples", "4096", "--seed", "7", "--rate-points", "8",
            "--projections", "16"]
    if "nesting" in extra:
        args += ["--nesting", extra["nesting"]]
    expected = cli.json(*args)
    got = rdpkit.simulate(codec=codec, lattice=lattice, source=source, D=d, P=p, samples=4096,
                          seed=7, rate_points=8, projections=16, nesting=extra.get("nesting"))
    assert list(got) == list(expected)  # the same keys in the same order
    for key in expected:
        if key != "seconds":
            assert got[key] == expected[key], key


@pytest.mark.parametrize("codec,lattice,kw", [
    ("sd", "z1", {}), ("pd", "e8", {}), ("qsd", "d4", {"nesting": 2}), ("sd", "z8", {"P": 0.1}),
])
def test_encode_decode_equal_the_files(cli, tmp_path, codec, lattice, kw):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(37, 8))
    np.save(tmp_path / "x.npy", x)
    args = ["encode", "--codec", codec, "--lattice", lattice, "--D", "0.3", "--seed", "3",
            "--in", tmp_path / "x.npy", "--out", tmp_path / "x.rdpb"]
    if "P" in kw:
        args += ["--P", kw["P"]]
    if "nesting" in kw:
        args += ["--nesting", kw["nesting"]]
    cli.run(*args)
    data = rdpkit.encode(x, codec=codec, lattice=lattice, D=0.3, seed=3, **kw)
    assert data == (tmp_path / "x.rdpb").read_bytes()
    y = rdpkit.decode(data)
    assert y.shape == x.shape and y.dtype == np.float64
    cli.run("decode", "--in", tmp_path / "x.rdpb", "--out", tmp_path / "y.npy")
    np.testing.assert_array_equal(y, np.load(tmp_path / "y.npy"))
    info = rdpkit.bitstream_info(data)
    assert info["shape"] == (37, 8) and info["samples"] == x.size and info["codec"] == codec
    assert info["header_bytes"] + info["payload_bytes"] == len(data)
    # The reconstruction's error is about the target D.
    assert abs(((x - y) ** 2).mean() - 0.3) < 0.15


def test_encode_other_layouts():
    x = np.random.default_rng(1).normal(size=(20, 6))
    a = rdpkit.encode(x, D=0.5)
    assert rdpkit.encode(np.asfortranarray(x), D=0.5) == a
    assert rdpkit.encode(x.tolist(), D=0.5) == a
    assert rdpkit.decode(rdpkit.encode(x[:, ::2], D=0.5)).shape == (20, 3)
    assert rdpkit.decode(rdpkit.encode(np.float32(0.25), D=0.5)).shape == (1,)
