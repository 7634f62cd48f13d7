"""Shared fixtures of the rdpkit Python tests (run by ctest: tests/CMakeLists.txt).

RDP_CLI names the `rdp` binary of the same build (the CLI the module is compared with); PYTHONPATH
holds the folder of the built module. Both are set by ctest; by hand:
  RDP_CLI=build/experiments/rdp PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python
"""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cli_path():
    path = os.environ.get("RDP_CLI", str(ROOT / "build" / "experiments" / "rdp"))
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"the rdp binary {path} is missing: build it or set RDP_CLI")
    return path


class Cli:
    """Runs `rdp ARGS` and returns its stdout, its JSON, or its one-line error."""

    def __init__(self, path):
        self.path = path

    def run(self, *args, check=True):
        r = subprocess.run([self.path, *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"rdp {' '.join(map(str, args))} exited {r.returncode}: {r.stderr}")
        return r

    def json(self, *args):
        return json.loads(self.run(*args, "--json").stdout)

    def csv(self, *args):
        lines = self.run(*args).stdout.strip().splitlines()
        header = lines[0].split(",")
        return header, [line.split(",") for line in lines[1:]]

    def error(self, *args):
        """The message after 'rdp CMD: error: ' (exit code 2 checked)."""
        r = self.run(*args, check=False)
        assert r.returncode == 2, (r.returncode, r.stderr)
        line = r.stderr.strip()
        assert "\n" not in line
        head, sep, message = line.partition(": error: ")
        assert sep, line
        return message


@pytest.fixture(scope="session")
def cli():
    return Cli(_cli_path())
