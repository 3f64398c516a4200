"""vocloop's version is written once, as CHANGELOG.md's latest heading.

setup.py builds the package with it; vocloop.__version__ reads it back from the installed
package's metadata, so an installed wheel knows it without CHANGELOG.md.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import vocloop

ROOT = Path(__file__).resolve().parents[1]


def changelog_version() -> str:
    spec = importlib.util.spec_from_file_location("vocloop_setup", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)  # imported, not run: it builds nothing
    return str(setup.changelog_version())


def test_the_installed_version_is_the_changelogs_latest_heading() -> None:
    latest = next(
        line for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")
    )
    assert latest.startswith(f"## {changelog_version()}")
    assert vocloop.__version__ == changelog_version(), (
        "the installed package is behind CHANGELOG.md: reinstall it (make clean test)"
    )


def test_the_version_is_written_nowhere_else() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert "dynamic" not in pyproject.get("tool", {}).get("setuptools", {})
    assert changelog_version() not in (ROOT / "src/vocloop/__init__.py").read_text()
