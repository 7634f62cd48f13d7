"""The scripts of examples/python run and produce what they say."""
import os
import pathlib
import subprocess
import sys

import rdpkit

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


def run(script, *args, cwd):
    # The module under test, whatever the form of PYTHONPATH (the scripts run elsewhere).
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(pathlib.Path(rdpkit.__file__).parent))
    return subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, check=True, timeout=300).stdout


def test_blau_michaeli_curves(tmp_path):
    run("blau_michaeli_curves.py", tmp_path / "curves.png", cwd=tmp_path)
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sd_ltc_numpy(tmp_path):
    out = run("sd_ltc_numpy.py", cwd=tmp_path)
    assert "bits per sample" in out and "simulate: rate" in out
