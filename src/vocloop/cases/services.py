"""Everything that changes a case. Each change lands on the case's timeline with who and when."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from vocloop.accounts import roles
from vocloop.accounts.people import display_name
from vocloop.cases import wording
from vocloop.cases.models import (
    OPEN_STATUSES,
    SEVERITY_RANK,
    Case,
    CaseEvent,
    RootCause,
    Severity,
    Status,
)
from vocloop.cases.timeline import Actor, record_event
from vocloop.customers.models import Customer
from vocloop.lib.moments import utc_minute
from vocloop.listening.models import Feedback
from vocloop.slas import services as sla

User = get_user_model()
Kind = CaseEvent.Kind


# In which statuses staff may take each action: the services enforce it and the case
# page offers only what it allows.
ACTION_STATUSES: dict[str, tuple[str, ...]] = {
    "acknowledge": (Status.NEW,),
    "assign": OPEN_STATUSES,
    "reply": OPEN_STATUSES,
    "note": tuple(Status.values),
    "severity": tuple(Status.values),
    "wait_on_customer": (Status.NEW, Status.ACKNOWLEDGED),
    "resolve": OPEN_STATUSES,
    "reopen": (Status.RESOLVED, Status.CLOSED),
}


def case_allowed_actions(case: Case) -> frozenset[str]:
    return frozenset(a for a, statuses in ACTION_STATUSES.items() if case.status in statuses)


# Reply templates mark what the sender must complete with […]; such a reply is unfinished.
REPLY_GAPS = ("[…]", "[...]")


class CaseActionRefused(ValueError):
    """A change the case's state or the request does not allow; the message says why."""


def can_act_on(actor: Actor, case: Case) -> bool:
    if actor.kind != CaseEvent.Actor.STAFF:
        return True
    return roles.sees_all_cases(actor.user) or case.team_id in roles.team_ids_of(actor.user)


def _guard(actor: Actor, case: Case) -> None:
    if not can_act_on(actor, case):
        raise PermissionDenied(f"{actor.label} does not work on the {case.team.name} team's cases.")


def require_status(case: Case, allowed: tuple[str, ...], action: str) -> None:
    if case.status not in allowed:
        raise CaseActionRefused(
            f"Case {case.reference} is {case.get_status_display().lower()}; it cannot be {action}."
        )


def touch_case(case: Case, *fields: str) -> None:
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "updated_at"])


def lock_case(case: Case) -> Case:
    """Re-read the case under a row lock so two concurrent changes apply one after the other."""
    return Case.objects.select_for_update().select_related("team").get(pk=case.pk)


def open_case_for(*, customer_id: int | None, touchpoint_id: int) -> Case | None:
    """The customer's open case at the touch point, locked; None for an anonymous customer.

    The customer's row is locked first: two poor answers from one customer arriving
    at the same moment then queue here instead of opening two cases.
    """
    if customer_id is None:
        return None
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))
    return (
        Case.objects.select_for_update()
        .filter(
            customer_id=customer_id,
            touchpoint_id=touchpoint_id,
            status__in=OPEN_STATUSES,
            customer_verified=True,
        )
        .order_by("opened_at")
        .first()
    )


@transaction.atomic
def case_open_or_attach(*, feedback: Feedback, attach: bool = True) -> Case:
    """Open a case for the feedback, or attach it to the customer's open case at its touch point.

    attach=False always opens a new case: for feedback whose customer is only
    claimed (see FeedbackInput.customer_verified), and for a follow-up, whose writer
    holds this feedback's link but not necessarily the customer's other cases. The
    case is verified for its customer as the feedback was.
    """
    existing = (
        open_case_for(customer_id=feedback.customer_id, touchpoint_id=feedback.touchpoint_id)
        if attach
        else None
    )
    system = Actor.system()
    if existing is not None:
        feedback.case = existing
        feedback.save(update_fields=["case"])
        record_event(
            existing,
            system,
            Kind.FEEDBACK_ATTACHED,
            public=True,
            body=feedback.comment,
            public_text=wording.FEEDBACK_ATTACHED,
            data={"feedback": feedback.reference, "score": feedback.score},
        )
        customer_answered(existing)
        return existing

    touchpoint = feedback.touchpoint
    team = touchpoint.owning_team
    case = Case.objects.create(
        reference=feedback.reference,
        touchpoint=touchpoint,
        team=team,
        customer=feedback.customer,
        customer_verified=feedback.customer_verified,
        opened_at=feedback.received_at,
        updated_at=feedback.received_at,
    )
    feedback.case = case
    feedback.save(update_fields=["case"])
    sla.case_deadlines_refresh(case=case)
    record_event(
        case,
        system,
        Kind.OPENED,
        public=True,
        public_text=wording.OPENED,
        data={"feedback": feedback.reference},
        at=feedback.received_at,
    )
    record_event(
        case,
        system,
        Kind.ASSIGNED_TEAM,
        public=True,
        public_text=wording.assigned_to(team.name),
        data={"team": team.slug, "touchpoint": touchpoint.slug},
        at=feedback.received_at,
    )
    return case


def customer_answered(case: Case) -> None:
    """Whatever the customer sends ends a wait on them: the ball is back with the team."""
    if case.status == Status.WAITING_ON_CUSTOMER:
        case.status = Status.ACKNOWLEDGED
        touch_case(case, "status")
        sla.case_clock_resume(case=case, at=case.updated_at)
    else:
        touch_case(case)


def bounded_text(value: str, *, what: str) -> str:
    """Text a person wrote for the timeline, stripped and within the length vocloop keeps."""
    value = value.strip()
    if len(value) > settings.COMMENT_MAX_LENGTH:
        raise CaseActionRefused(
            f"The {what} is {len(value):,} characters long; "
            f"the limit is {settings.COMMENT_MAX_LENGTH:,}."
        )
    return value


def _acknowledge(case: Case, actor: Actor) -> None:
    case.status = Status.ACKNOWLEDGED
    case.acknowledged_at = timezone.now()
    touch_case(case, "status", "acknowledged_at")
    sla.case_sla_acknowledged(case=case)
    record_event(
        case,
        actor,
        Kind.ACKNOWLEDGED,
        public=True,
        public_text=wording.looking_into_it(case.team.name),
    )


@transaction.atomic
def case_acknowledge(*, case: Case, actor: Actor) -> Case:
    case = lock_case(case)
    _guard(actor, case)
    require_status(case, ACTION_STATUSES["acknowledge"], "acknowledged (it is not new)")
    _acknowledge(case, actor)
    return case


@transaction.atomic
def case_assign(*, case: Case, assignee: Any, actor: Actor) -> Case:
    """Give the case to one person of its team, or to nobody (assignee None)."""
    case = lock_case(case)
    _guard(actor, case)
    require_status(case, ACTION_STATUSES["assign"], "assigned (it is not open)")
    if assignee is not None:
        in_team = (
            case.team.members.filter(pk=assignee.pk).exists() or case.team.lead_id == assignee.pk
        )
        if not assignee.is_active or not in_team:
            raise CaseActionRefused(
                f"{assignee.get_username()} is not an active member of the {case.team.name} team."
            )
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    touch_case(case, "assignee")
    name = display_name(assignee) if assignee else ""
    record_event(
        case,
        actor,
        Kind.ASSIGNED,
        body=f"Assigned to {name}." if assignee else "Unassigned.",
        data={"assignee": assignee.get_username() if assignee else None},
    )
    return case


@transaction.atomic
def case_reply(*, case: Case, body: str, actor: Actor) -> CaseEvent:
    """A reply the customer sees on the tracking page. Replying to a new case acknowledges it."""
    body = bounded_text(body, what="reply")
    if not body:
        raise CaseActionRefused("A reply needs some text.")
    if any(gap in body for gap in REPLY_GAPS):
        raise CaseActionRefused(
            "The reply still has a gap marked […] from its template: fill it in before sending."
        )
    case = lock_case(case)
    _guard(actor, case)
    require_status(case, ACTION_STATUSES["reply"], "replied to (reopen it first)")
    if case.status == Status.NEW:
        _acknowledge(case, actor)
    event = record_event(
        case,
        actor,
        Kind.PUBLIC_REPLY,
        public=True,
        body=body,
        public_text=wording.reply_from(case.team.name),
    )
    touch_case(case)
    return event


@transaction.atomic
def case_note(*, case: Case, body: str, actor: Actor) -> CaseEvent:
    """An internal note: staff only, never shown to the customer."""
    body = bounded_text(body, what="note")
    if not body:
        raise CaseActionRefused("A note needs some text.")
    case = lock_case(case)
    _guard(actor, case)
    event = record_event(case, actor, Kind.INTERNAL_NOTE, body=body)
    touch_case(case)
    return event


@transaction.atomic
def case_set_severity(*, case: Case, severity: str, actor: Actor) -> Case:
    if severity not in Severity.values:
        raise CaseActionRefused(f"Unknown severity {severity!r}; use {', '.join(Severity.values)}.")
    case = lock_case(case)
    _guard(actor, case)
    if case.severity == severity:
        return case
    before = case.get_severity_display()
    case.severity = severity
    case.severity_rank = SEVERITY_RANK[Severity(severity)]
    touch_case(case, "severity", "severity_rank")
    sla.case_deadlines_refresh(case=case)
    record_event(
        case,
        actor,
        Kind.SEVERITY_CHANGED,
        body=f"Severity {before} → {case.get_severity_display()}. {_deadlines_in_words(case)}",
        data={
            "from": before.lower(),
            "to": severity,
            "acknowledge_by": _iso(case.acknowledge_by),
            "resolve_by": _iso(case.resolve_by),
        },
    )
    return case


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _deadlines_in_words(case: Case) -> str:
    parts = []
    if case.acknowledged_at is None and case.acknowledge_by is not None:
        parts.append(f"acknowledge by {utc_minute(case.acknowledge_by)}")
    if case.resolved_at is None and case.resolve_by is not None:
        parts.append(f"resolve by {utc_minute(case.resolve_by)}")
    if not parts:
        return "No SLA deadline applies." if case.sla_policy_id is None else ""
    return "Deadlines now: " + ", ".join(parts) + "."


@transaction.atomic
def case_wait_on_customer(*, case: Case, actor: Actor) -> Case:
    """Mark the case as waiting for the customer's answer (usually after asking them something)."""
    case = lock_case(case)
    _guard(actor, case)
    require_status(case, ACTION_STATUSES["wait_on_customer"], "set to wait on the customer")
    now = timezone.now()
    newly_acknowledged = case.acknowledged_at is None
    if newly_acknowledged:
        case.acknowledged_at = now
    case.status = Status.WAITING_ON_CUSTOMER
    touch_case(case, "status", "acknowledged_at")
    if newly_acknowledged:
        sla.case_sla_acknowledged(case=case)
    sla.case_clock_pause(case=case, at=now)
    record_event(
        case,
        actor,
        Kind.STATUS_CHANGED,
        public=True,
        public_text=wording.WAITING_ON_CUSTOMER,
        data={"status": Status.WAITING_ON_CUSTOMER},
    )
    return case


@transaction.atomic
def case_resolve(
    *, case: Case, resolution: str, root_cause: RootCause | None, actor: Actor
) -> Case:
    resolution = bounded_text(resolution, what="resolution summary")
    if not resolution:
        raise CaseActionRefused("Say how the case was resolved: the customer reads this summary.")
    if root_cause is None:
        raise CaseActionRefused("Choose a root cause.")
    case = lock_case(case)
    _guard(actor, case)
    require_status(case, ACTION_STATUSES["resolve"], "resolved (it is not open)")
    now = timezone.now()
    newly_acknowledged = case.acknowledged_at is None
    if newly_acknowledged:
        case.acknowledged_at = now
    case.status = Status.RESOLVED
    case.resolved_at = now
    case.resolution = resolution
    case.root_cause = root_cause
    case.customer_satisfied = None
    touch_case(
        case,
        "status",
        "acknowledged_at",
        "resolved_at",
        "resolution",
        "root_cause",
        "customer_satisfied",
    )
    if newly_acknowledged:
        sla.case_sla_acknowledged(case=case)
    sla.case_sla_resolved(case=case)
    record_event(
        case,
        actor,
        Kind.RESOLVED,
        public=True,
        body=resolution,
        public_text=wording.RESOLVED,
        data={"root_cause": root_cause.slug},
    )
    return case


@transaction.atomic
def case_reopen(*, case: Case, reason: str, actor: Actor) -> Case:
    reason = bounded_text(reason, what="reason")
    if not reason:
        raise CaseActionRefused("Say why the case is reopened.")
    case = lock_case(case)
    _guard(actor, case)
    require_status(case, ACTION_STATUSES["reopen"], "reopened (it is still open)")
    resolved_at = case.resolved_at or case.closed_at or timezone.now()
    case.status = Status.ACKNOWLEDGED
    case.resolved_at = None
    case.closed_at = None
    # The earlier resolution stays on the timeline; on the case it would read as if
    # the case were still solved, and count in the root-cause figures. The
    # customer's verdict stays until the next resolution asks again.
    case.resolution = ""
    case.root_cause = None
    case.reopen_count += 1
    touch_case(
        case,
        "status",
        "resolved_at",
        "closed_at",
        "resolution",
        "root_cause",
        "reopen_count",
    )
    sla.case_sla_reopened(case=case, resolved_at=resolved_at, now=case.updated_at)
    by_customer = actor.kind == CaseEvent.Actor.CUSTOMER
    record_event(
        case,
        actor,
        Kind.REOPENED,
        public=True,
        body=reason,
        public_text=(
            wording.REOPENED_BY_CUSTOMER if by_customer else wording.reopened_by(case.team.name)
        ),
    )
    return case
