"""Bad input raises ValueError with the command line's one-line message, and never crashes."""
import numpy as np
import pytest

import rdpkit

# (a call of the module, the same request to `rdp`).
SAME_MESSAGE = [
    (lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", -1.0, 0.1),
     ["rate", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--D", "-1", "--P", "0.1"]),
    (lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", 0.5),
     ["rate", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--D", "0.5"]),
    (lambda: rdpkit.rate("gaussian:sigma=1", "none", 0.5, 0.1),
     ["rate", "--source", "gaussian:sigma=1", "--D", "0.5", "--P", "0.1"]),
    (lambda: rdpkit.rate("gauss:sigma=1", "w2sq", 0.5, 0.1),
     ["rate", "--source", "gauss:sigma=1", "--perception", "w2sq", "--D", "0.5", "--P", "0.1"]),
    (lambda: rdpkit.rate("gaussian:sigma=-1", "w2sq", 0.5, 0.1),
     ["rate", "--source", "gaussian:sigma=-1", "--perception", "w2sq", "--D", "0.5", "--P", "0.1"]),
    (lambda: rdpkit.rate("gaussian:sigma=1", "tv", 0.5, 0.1),
     ["rate", "--source", "gaussian:sigma=1", "--perception", "tv", "--D", "0.5", "--P", "0.1"]),
    (lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", 0.5, 0.1, distortion="hamming"),
     ["rate", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--D", "0.5", "--P", "0.1",
      "--distortion", "hamming"]),
    (lambda: rdpkit.rate("laplace:b=1", "w2sq", 0.5, 0.1),
     ["rate", "--source", "laplace:b=1", "--perception", "w2sq", "--D", "0.5", "--P", "0.1",
      "--method", "closed"]),
    (lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", 0.0, 0.1),
     ["rate", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--D", "0", "--P", "0.1"]),
    (lambda: rdpkit.solve_source("gaussian:sigma=1", "w2sq", 0.5, 0.1, grid=1),
     ["rate", "--method", "ba", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--D",
      "0.5", "--P", "0.1", "--grid", "1"]),
    (lambda: rdpkit.level_set("gaussian:sigma=1", "w2sq", -0.5),
     ["level-set", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--rate", "-0.5"]),
    (lambda: rdpkit.level_set("gaussian:sigma=1", "none", 0.5),
     ["level-set", "--source", "gaussian:sigma=1", "--perception", "none", "--rate", "0.5"]),
    (lambda: rdpkit.surface("gaussian:sigma=1", "w2sq", D_min=2.0, D_max=1.0),
     ["surface", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--D-min", "2",
      "--D-max", "1"]),
    (lambda: rdpkit.section("gaussian:sigma=1", "w2sq", "P", 0.1, P_points=5),
     ["section", "--source", "gaussian:sigma=1", "--perception", "w2sq", "--fixed", "P",
      "--value", "0.1", "--P-points", "5"]),
    (lambda: rdpkit.simulate(lattice="e9", D=0.5),
     ["simulate", "--lattice", "e9", "--D", "0.5"]),
    (lambda: rdpkit.simulate(source="bernoulli:p=0.2", D=0.5),
     ["simulate", "--source", "bernoulli:p=0.2", "--D", "0.5"]),
    (lambda: rdpkit.simulate(codec="sd", nesting=2, D=0.5),
     ["simulate", "--codec", "sd", "--nesting", "2", "--D", "0.5"]),
    (lambda: rdpkit.simulate(codec="qsd", nesting=0, D=0.5),
     ["simulate", "--codec", "qsd", "--nesting", "0", "--D", "0.5"]),
    (lambda: rdpkit.simulate(lattice="e8", D=0.5, samples=100),
     ["simulate", "--lattice", "e8", "--D", "0.5", "--samples", "100"]),
    (lambda: rdpkit.simulate(D=-0.5), ["simulate", "--D", "-0.5"]),
    (lambda: rdpkit.simulate(D=0.5, samples=2e9), ["simulate", "--D", "0.5", "--samples", "2e9"]),
    (lambda: rdpkit.simulate(D=0.5, codec="xd"), ["simulate", "--D", "0.5", "--codec", "xd"]),
    (lambda: rdpkit.Lattice("q9"), ["lattice", "--lattice", "q9"]),
    (lambda: rdpkit.decode(b"not a bitstream at all"), None),
]


@pytest.mark.parametrize("call,args", SAME_MESSAGE)
def test_value_error_with_the_cli_message(cli, tmp_path, call, args):
    with pytest.raises(ValueError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and message.startswith("invalid ")
    if args is None:  # the command reads a file: write the same bytes
        bad = tmp_path / "bad.rdpb"
        bad.write_bytes(b"not a bitstream at all")
        args = ["decode", "--in", bad, "--out", tmp_path / "y.npy"]
    expected = cli.error(*args)
    if args[0] == "decode":  # the command names its file where the module has bytes
        assert message.split(";")[-1] == expected.split(";")[-1]
    elif "2e9" in args:  # the command echoes "2e9" as typed; the module formats the number
        assert message.replace("2e+09;", "2e9;") == expected
    else:
        assert message == expected


LAT = rdpkit.Lattice("e8")
BAD = [
    lambda: LAT.nearest_point(np.ones((3, 7))),
    lambda: LAT.nearest_point(np.ones((2, 3, 8))),
    lambda: LAT.nearest_point(np.array([[np.nan] * 8])),
    lambda: LAT.nearest_point(np.array([[np.inf] * 8])),
    lambda: LAT.nearest_point("abc"),
    lambda: LAT.nearest_point(None),
    lambda: LAT.nearest_point(np.array([["a"] * 8])),
    lambda: LAT.nearest_point(np.array([[1 + 2j] * 8])),
    lambda: LAT.nearest_point(np.array([object()] * 8)),
    lambda: LAT.nearest_point(5.0),
    lambda: rdpkit.Lattice("a2").nearest_point(np.full((1, 2), 1e18)),  # crashed A2's decoder
    lambda: LAT.nearest_point(np.full((1, 8), 2.0**51)),
    lambda: LAT.sample_voronoi(-1),
    lambda: LAT.nsm(1),
    lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", np.array([0.5, np.nan]), 0.1),
    lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", 0.5, np.array([0.1, -np.inf])),
    lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", [1.0, 2.0], [1.0, 2.0, 3.0]),
    lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", "x", 0.1),
    lambda: rdpkit.rate("gaussian:sigma=1", "none", 0.5, np.ones((3, 3))),  # one line, no repr
    lambda: rdpkit.rate("gaussian:sigma=1", "w2sq", float("nan"), 0.1),
    lambda: rdpkit.solve([0.5, 0.6], 1 - np.eye(2), D=0.1),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(3), D=0.1),
    lambda: rdpkit.solve([[0.5, 0.5]], 1 - np.eye(2), D=0.1),
    lambda: rdpkit.solve([0.5, 0.5], [1.0, 0.0], D=0.1),
    lambda: rdpkit.solve([0.5, 0.5], np.array([[0.0, np.nan], [1.0, 0.0]]), D=0.1),
    lambda: rdpkit.solve([0.5, 0.5], -np.eye(2), D=0.1),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=0.1, perception="tv"),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=0.1, P=0.1),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=0.1, P=0.1, perception="xx"),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=0.1, P=0.1, perception="ot"),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=0.1, cost=np.eye(2)),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=0.1, gap=0.0),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=-0.1),
    lambda: rdpkit.solve([0.5, 0.5], 1 - np.eye(2), D=0.1, source_points=[0.0]),
    lambda: rdpkit.Solver([0.5, 0.5], 1 - np.eye(2)).solve(float("nan")),
    lambda: rdpkit.NestedLattice("e8", 0),
    lambda: rdpkit.NestedLattice("a2", 3).reduce(np.ones((2, 3))),
    lambda: rdpkit.encode(np.array([1.0, np.nan]), D=0.5),
    lambda: rdpkit.encode(np.ones(4), D=0.0),
    lambda: rdpkit.decode(rdpkit.encode(np.ones(40), D=0.5)[:-3]),
    lambda: rdpkit.decode(b""),
    lambda: rdpkit.bitstream_info(b"\x89RDPB"),
]


@pytest.mark.parametrize("k", range(len(BAD)))
def test_bad_input_raises_value_error(k):
    with pytest.raises(ValueError) as err:
        BAD[k]()
    assert "\n" not in str(err.value) and str(err.value)


def test_wrong_python_types_raise_type_error():
    # Arguments that are not even of the parameter's Python type: pybind11's TypeError.
    with pytest.raises(TypeError):
        rdpkit.rate(3, "w2sq", 0.5, 0.1)
    with pytest.raises(TypeError):
        rdpkit.Lattice(None)
    with pytest.raises(TypeError):
        rdpkit.decode("text")
