"""Turn a posted case event into the one case service that makes that change."""

from __future__ import annotations

from typing import Any

from vocloop.accounts.selectors import people_named
from vocloop.api.errors import invalid
from vocloop.api.schemas import CaseEventIn
from vocloop.cases import services
from vocloop.cases.models import Case, RootCause
from vocloop.cases.selectors import root_cause_in_use, root_causes_in_use
from vocloop.cases.timeline import Actor


def _needed(value: str | None, field: str, why: str) -> str:
    if value is None or not value.strip():
        raise invalid(field, why)
    return value


def _user_named(name: str) -> Any:
    """The user a username, or failing that an email, names; 422 when none or several."""
    people = people_named(name)
    if len(people) > 1:
        raise invalid("assignee", f"Several users have the email {name}; give a username.")
    if not people:
        raise invalid("assignee", f"There is no user “{name}”.")
    return people[0]


def root_cause_named(slug: str) -> RootCause:
    """The root cause in use a slug names; 422 naming the ones in use when none."""
    root_cause = root_cause_in_use(slug)
    if root_cause is None:
        usable = ", ".join(root_causes_in_use().values_list("slug", flat=True))
        raise invalid("root_cause", f"There is no root cause “{slug}” in use; use one of {usable}.")
    return root_cause


def _change_status(case: Case, event: CaseEventIn, actor: Actor) -> None:
    status = event.status
    if status is None:
        raise invalid("status", "A status_change needs the new status.")
    if status == "acknowledged":
        services.case_acknowledge(case=case, actor=actor)
    elif status == "waiting_on_customer":
        services.case_wait_on_customer(case=case, actor=actor)
    elif status == "resolved":
        resolution = _needed(
            event.resolution, "resolution", "Resolving needs a resolution the customer can read."
        )
        slug = _needed(event.root_cause, "root_cause", "Resolving needs a root_cause slug.")
        services.case_resolve(
            case=case, resolution=resolution, root_cause=root_cause_named(slug), actor=actor
        )
    else:  # "reopened", or its synonym "open"
        reason = _needed(event.body, "body", "Reopening needs the reason in body.")
        services.case_reopen(case=case, reason=reason, actor=actor)


def case_event_apply(*, case: Case, event: CaseEventIn, actor: Actor) -> None:
    """Apply the event; CaseActionRefused when the case's state does not allow it."""
    if event.kind == "public_reply":
        body = _needed(event.body, "body", "A public_reply needs a body.")
        services.case_reply(case=case, body=body, actor=actor)
    elif event.kind == "internal_note":
        body = _needed(event.body, "body", "An internal_note needs a body.")
        services.case_note(case=case, body=body, actor=actor)
    elif event.kind == "status_change":
        _change_status(case, event, actor)
    elif event.kind == "assignment":
        name = (event.assignee or "").strip()
        assignee = _user_named(name) if name else None
        services.case_assign(case=case, assignee=assignee, actor=actor)
    else:  # "severity_change"
        if event.severity is None:
            raise invalid("severity", "A severity_change needs the new severity.")
        services.case_set_severity(case=case, severity=event.severity, actor=actor)
