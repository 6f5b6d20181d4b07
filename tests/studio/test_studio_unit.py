"""The studio's JavaScript unit tests (`npm test`: the checklist and copy/paste fragment functions,
compiled with tsc and run by node's test runner), as part of the Python suite."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.studio.conftest import STUDIO


def test_studio_unit_tests() -> None:
    if shutil.which("npm") is None or not (STUDIO / "node_modules" / ".bin" / "tsc").exists():
        pytest.skip("npm or the studio's node_modules (npm ci) is missing")
    done = subprocess.run(
        ["npm", "test", "--silent"], cwd=STUDIO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
