"""`cmake --install` puts a working module under the prefix (lib/python3.X/dist-packages)."""
import os
import pathlib
import subprocess
import sys

import pytest


def test_installed_module_imports_and_runs(tmp_path):
    build = os.environ.get("RDP_BUILD_DIR")
    if not build:
        pytest.skip("RDP_BUILD_DIR (set by ctest) names the build tree to install")
    subprocess.run(["cmake", "--install", build, "--prefix", str(tmp_path)], check=True,
                   capture_output=True)
    site = tmp_path / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "dist-packages"
    assert any(p.name.startswith("rdpkit.") for p in site.iterdir())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    code = ("import rdpkit, pathlib, sys; assert pathlib.Path(rdpkit.__file__).parent == "
            "pathlib.Path(sys.argv[1]); print(rdpkit.rate('gaussian:sigma=1', 'none', 0.25))")
    out = subprocess.run([sys.executable, "-c", code, str(site)], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert float(out) == 1.0
