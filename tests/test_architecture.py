"""Architecture boundaries: lint-imports keeps every .importlinter contract; the config covers the repo."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _config() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / ".importlinter")
    return config


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(REPO_ROOT / ".importlinter")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_package_is_a_root_package() -> None:
    # A new lib or service that is not listed here would escape every contract.
    listed = set(_config()["importlinter"]["root_packages"].split())
    on_disk = {
        f"riverflow.{package.name}"
        for package in REPO_ROOT.glob("*/*/src/riverflow/*")
        if (package / "__init__.py").exists()
    }
    assert on_disk == listed


def test_no_contract_has_exceptions() -> None:
    config = _config()
    contracts = [s for s in config.sections() if s.startswith("importlinter:contract:")]
    assert contracts
    assert [s for s in contracts if config.has_option(s, "ignore_imports")] == []
