"""The one write of the audit: a read, recorded."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from vocloop.accounts.people import display_name
from vocloop.audit.models import Read


def read_record(
    *, kind: str, what: str, path: str, user: Any = None, client: str = "", address: str = ""
) -> Read:
    """Record that `user` (or the API client named `client`) read `what`."""
    person = user if getattr(user, "is_authenticated", False) else None
    who = display_name(person) if person is not None else f"API: {client}" if client else "?"
    if person is not None and person.get_username() not in who:
        who = f"{who} ({person.get_username()})"
    return Read.objects.create(
        at=timezone.now(),
        kind=kind,
        reader=person,
        who=who[:200],
        what=what[:200],
        path=path[:500],
        address=address[:100],
    )
