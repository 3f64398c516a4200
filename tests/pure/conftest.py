"""The pure tests: no Django, no database, no conftest of the Django suite."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests.hypothesis_profile import load_profile

load_profile()


@pytest.fixture(scope="session", autouse=True)
def no_django() -> Iterator[None]:
    """Fails the run if anything it imported imported Django: these modules stay pure."""
    yield
    imported = sorted(name for name in sys.modules if name.partition(".")[0] == "django")
    assert not imported, f"the pure tests imported Django: {', '.join(imported[:5])}"
