"""One demo loaded for a whole test module, rolled back when the module is done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.test import override_settings

from vocloop.demo import loader

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def demo_for_module(django_db_blocker: Any, **load: Any) -> Iterator[loader.LoadResult]:
    """`loader.demo_load(**load)` for a module's read-only tests (one load, not one per test)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        yield loader.demo_load(**load)
        transaction.set_rollback(True)
