"""Who hears of a case change: the consumers a case change is announced to.

The cases app records what changed and announces it; it does not know who listens.
The conductor (vocloop.conductor) installs the list once at start-up. Each consumer
runs synchronously, in the change's transaction, in the order of the list: what it
writes (rollups, the notification outbox) commits with the change or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vocloop.cases.models import CaseEvent


class CaseChangeConsumer(Protocol):
    """Something that must follow every change of a case."""

    @property
    def name(self) -> str:
        """What it keeps up to date, for logs and errors."""

    def case_events_recorded(self, events: Sequence[CaseEvent]) -> None:
        """Called with newly recorded timeline entries, their cases already saved."""


_consumers: tuple[CaseChangeConsumer, ...] = ()
_installed = False


def consumers_install(consumers: Sequence[CaseChangeConsumer]) -> None:
    """Set who hears of case changes (the conductor does, once, when Django starts)."""
    global _consumers, _installed
    _consumers = tuple(consumers)
    _installed = True


def consumers_installed() -> tuple[CaseChangeConsumer, ...]:
    return _consumers


def case_events_announce(events: Sequence[CaseEvent]) -> None:
    """Tell every consumer of the new entries, in order, inside the caller's transaction."""
    if not _installed:
        # A change nobody hears of would leave figures and notifications silently behind.
        raise RuntimeError(
            "No consumers of case changes are installed: is vocloop.conductor in INSTALLED_APPS?"
        )
    for consumer in _consumers:
        consumer.case_events_recorded(events)
