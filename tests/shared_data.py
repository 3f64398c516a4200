"""The real customer data kept beside the repository, in ../shared/data (see its README).

A test that reads it fails under CI (CI set) when a file is missing: a run that skipped
it would pass having checked less than it says. Elsewhere it skips, naming the file and
where it was looked for. VOCLOOP_SHARED_DATA names another directory (a clone kept
somewhere else). No Django here: the pure tests use it too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def directory() -> Path:
    return Path(os.environ.get("VOCLOOP_SHARED_DATA") or ROOT.parent / "shared" / "data")


def available(name: str) -> Path | None:
    """The file, or None outside CI when it is missing; under CI a missing file fails."""
    path = directory() / name
    if path.exists():
        return path
    if os.environ.get("CI"):
        pytest.fail(
            f"{name} is missing from {directory()} and CI is set: the tests that read the "
            "shared data must run (set VOCLOOP_SHARED_DATA to the directory that has it)",
            pytrace=False,
        )
    return None


def shared_data(name: str) -> Path:
    """The file; a test without it is skipped outside CI and fails under CI."""
    path = available(name)
    if path is None:
        pytest.skip(f"{name} is not in {directory()} (set VOCLOOP_SHARED_DATA to read it)")
    return path
