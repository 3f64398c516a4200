"""Files shared by the pytest-xdist workers of one test run, in the run's temporary directory
(pytest removes it with old runs): a migrated SQLite database to copy, results computed
once for every worker, and locks.

`vocloop migrate` on an empty file costs seconds of CPU, and a dozen tests each want a
database of their own for the vocloop processes they start. The first of them in a run
migrates one, under a lock so that the other workers wait for it rather than migrate
their own; every test then gets a copy of that file.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

DATABASE = "vocloop.sqlite3"

_run: Path | None = None


@pytest.fixture(scope="session", autouse=True)
def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of this test run that every worker shares."""
    global _run
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist a worker's directory is inside the run's.
    _run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return _run


@contextmanager
def run_lock(name: str) -> Iterator[None]:
    """Held by one test of the run at a time, whichever worker runs it."""
    assert _run is not None, "tests.run_files is loaded as a pytest plugin"
    with open(_run / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def computed_once(name: str, produce: Callable[[], str]) -> str:
    """What `produce` gives, computed by the first worker of the run that asks; the others
    wait for it and read it (a module-scoped fixture is built once per worker)."""
    assert _run is not None, "tests.run_files is loaded as a pytest plugin"
    kept = _run / f"{name}.out"
    with run_lock(name):
        if not kept.exists():
            kept.write_text(produce())
    return kept.read_text()


def copy_migrated(data_dir: Path) -> None:
    """`data_dir` gets a migrated SQLite database, as `vocloop migrate` would leave it."""
    assert _run is not None, "tests.run_files is loaded as a pytest plugin"
    template = _run / "migrated" / DATABASE
    with run_lock("migrated"):
        if not template.exists():
            _migrate(template.parent)
    for suffix in ("", "-wal"):  # a write-ahead log left over would hold committed pages
        if Path(f"{template}{suffix}").exists():
            shutil.copyfile(f"{template}{suffix}", data_dir / f"{DATABASE}{suffix}")


def _migrate(directory: Path) -> None:
    making = directory / "making"
    env = {k: v for k, v in os.environ.items() if k != "VOCLOOP_TASKS_URL"}
    env |= {"VOCLOOP_DATA_DIR": str(making), "VOCLOOP_DATABASE_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "vocloop", "migrate", "--no-input", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for suffix in ("-wal", ""):  # the database last: its presence says the copy is whole
        if (making / f"{DATABASE}{suffix}").exists():
            os.replace(making / f"{DATABASE}{suffix}", directory / f"{DATABASE}{suffix}")
