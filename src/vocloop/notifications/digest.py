"""The daily digest: to each member of staff, their teams' cases that are due or breached,
and what the parts of the loop above notifications add (digest sections: the improvement
app's objectives and actions), without this module knowing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vocloop.accounts.people import display_name
from vocloop.accounts.roles import team_ids_of
from vocloop.cases.models import Case, Status
from vocloop.cases.representation import staff_case_url
from vocloop.lib.words import counted, number
from vocloop.notifications.emails import email_dedup_key, email_enqueue
from vocloop.notifications.memo import batch
from vocloop.notifications.models import OutboxMessage

HORIZON = dt.timedelta(hours=24)


def _deadline(case: Case) -> tuple[str, dt.datetime]:
    """The case's next deadline: acknowledging until it is acknowledged, then resolving."""
    if case.acknowledged_at is None and case.acknowledge_by is not None:
        return "acknowledge", case.acknowledge_by
    assert case.resolve_by is not None
    return "resolve", case.resolve_by


Rows = list[dict[str, Any]]


def digest_cases(*, user: Any, now: dt.datetime) -> tuple[Rows, Rows]:
    """(breached, due within 24 h) among the open cases of the teams the user works in."""
    horizon = now + HORIZON
    cases = (
        Case.objects.filter(team_id__in=team_ids_of(user))
        # A case waiting on the customer has its clock stopped: nothing falls due.
        .filter(status__in=[Status.NEW, Status.ACKNOWLEDGED])
        .filter(
            Q(acknowledged_at__isnull=True, acknowledge_by__lte=horizon)
            | Q(acknowledged_at__isnull=False, resolve_by__lte=horizon)
        )
        .select_related("team", "touchpoint", "assignee")
    )
    breached: Rows = []
    due: Rows = []
    for case in cases:
        step, deadline = _deadline(case)
        row = {
            "case": case,
            "step": step,
            "deadline": deadline,
            "url": staff_case_url(case.reference),
            "assignee": display_name(case.assignee) if case.assignee else "",
        }
        (breached if deadline < now else due).append(row)
    breached.sort(key=lambda r: r["deadline"])
    due.sort(key=lambda r: r["deadline"])
    return breached, due


class DigestSection(Protocol):
    """A part of the digest another app adds; the staff_digest template shows it."""

    @property
    def name(self) -> str:
        """What it tells, for logs and errors."""

    def digest_context(self, users: Sequence[Any], *, today: dt.date) -> dict[int, dict[str, Any]]:
        """For each of the users (by pk) with something to tell, the template's context for
        it. Read for all of them at once: the digest's queries must not grow with them."""


_sections: dict[str, DigestSection] = {}


def digest_section_add(section: DigestSection) -> None:
    """Add a part to the digest (an app's ready() does, once, when Django starts)."""
    _sections[section.name] = section


def _sections_context(users: Sequence[Any], today: dt.date) -> dict[int, dict[str, Any]]:
    context: dict[int, dict[str, Any]] = {}
    for section in _sections.values():
        for pk, told in section.digest_context(users, today=today).items():
            context.setdefault(pk, {}).update(told)
    return context


@dataclass(frozen=True)
class DigestRun:
    """What one run did: digests queued by it, and those an earlier run queued today."""

    queued: int
    earlier: int

    def said(self) -> str:
        """For the worker's log, which runs the digest hourly: what this run queued, and
        nothing when it queued nothing new."""
        if not self.queued:
            return ""
        earlier = f" ({number(self.earlier)} already queued today)" if self.earlier else ""
        return f"queued {counted(self.queued, 'daily digest')}{earlier}"


def digest_enqueue(*, now: dt.datetime | None = None) -> DigestRun:
    """Queue today's digest for every active member of staff with something due.

    One digest a person a day: a person whose digest an earlier run queued today is
    neither read again nor counted as queued now.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    users = list(get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk"))
    keys = {email_dedup_key(_cause(user, today), user.email): user for user in users}
    # One transaction and one notifications batch: the template is read once and the
    # digests are written together, with one delivery task queued at the commit.
    with transaction.atomic(), batch():
        done = set(
            OutboxMessage.objects.filter(dedup_key__in=list(keys)).values_list(
                "dedup_key", flat=True
            )
        )
        waiting = [user for key, user in keys.items() if key not in done]
        told = _sections_context(waiting, today)
        for user in waiting:
            queued += _digest_for(user, now=now, today=today, more=told.get(user.pk, {}))
    return DigestRun(queued=queued, earlier=len(done))


def _cause(user: Any, today: dt.date) -> str:
    return f"digest:{today.isoformat()}:user:{user.pk}"


def _digest_for(user: Any, *, now: dt.datetime, today: dt.date, more: dict[str, Any]) -> int:
    breached, due = digest_cases(user=user, now=now)
    if not breached and not due and not more:
        return 0
    email_enqueue(
        kind="staff_digest",
        to=user.email,
        cause=_cause(user, today),
        context={
            "recipient_name": display_name(user),
            "date": today,
            "breached": breached,
            "due": due,
            **more,
        },
    )
    return 1
