"""vocloop's version is written once, in vocloop.__version__, and CHANGELOG.md says the same.

The package's version is read from vocloop.__version__ when it is built (pyproject's
dynamic version), so an installed wheel knows it without CHANGELOG.md; this test keeps
the changelog's latest heading and that one line from drifting apart.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import vocloop

ROOT = Path(__file__).resolve().parents[1]


def test_the_changelogs_latest_version_is_the_packages() -> None:
    headings = [
        line for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")
    ]
    latest = re.fullmatch(r"## (\d+\.\d+\.\d+\S*)(?: \(.+\))?", headings[0])
    assert latest is not None, f"not a version heading: {headings[0]!r}"
    assert latest.group(1) == vocloop.__version__


def test_the_package_is_built_with_vocloops_own_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vocloop.__version__"}
