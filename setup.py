"""The package's version is CHANGELOG.md's latest heading: written in one place.

Everything else about the package is in pyproject.toml; setuptools takes the version
from here when it builds (pyproject's `dynamic = ["version"]`), and the running code
reads it back from the installed package's metadata (vocloop.__version__).
"""

import re
from pathlib import Path

from setuptools import setup

HEADING = re.compile(r"## (\d+\.\d+\.\d+\S*)(?: \(.+\))?")


def changelog_version() -> str:
    for line in (Path(__file__).parent / "CHANGELOG.md").read_text().splitlines():
        if found := HEADING.fullmatch(line):
            return found.group(1)
    raise SystemExit("CHANGELOG.md has no version heading such as '## 1.2.0 (2027-01-31)'")


if __name__ == "__main__":  # as setuptools runs it; a test imports it for the function
    setup(version=changelog_version())
