"""Reads of cases for staff pages.

Every staff read starts from the user's scope (accounts/scope.py), so that the
visibility rule of accounts/roles.py is applied in one place: members see their own
teams' cases, team leads and quality managers see every case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone

from vocloop.accounts.models import Team
from vocloop.accounts.scope import CaseScope, feedback_visible
from vocloop.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    ReplyTemplate,
    RootCause,
    Status,
)
from vocloop.cases.services import case_allowed_actions
from vocloop.lib.ids import id_from
from vocloop.listening.models import Feedback, Touchpoint
from vocloop.slas.models import Escalation

User = get_user_model()

# The inbox shows the start of the opening comment; the rest stays in the database.
# One character more is read than shown, so that the page knows the comment goes on.
COMMENT_PREVIEW_CHARS = 160

STATUS_OPEN = "open"
STATUS_ALL = "all"
ASSIGNEE_ME = "me"
SORT_URGENT = "urgent"
SORT_DUE = "due"
# A deadline this close counts as due soon: time to act before it is breached.
DUE_SOON = dt.timedelta(hours=2)
ASSIGNEE_NOBODY = "unassigned"
# Where an open case stands against its next SLA deadline: the deadline (acknowledge
# until acknowledged, then resolve) and its state, as case_due reads it for one case.
DUE_STATES = (
    "acknowledge-breached",
    "acknowledge-soon",
    "acknowledge-ok",
    "resolve-breached",
    "resolve-soon",
    "resolve-ok",
    "paused",
    "none",
)
DUE_BREACHED = "breached"  # either deadline breached: the inbox filter's shorthand
ESCALATED_OPEN = "open"
ESCALATED_EVER = "ever"
# The primary key breaks ties, so that pages of a list never overlap or skip a case.
MOST_SEVERE_FIRST = ("-severity_rank", "-opened_at", "-pk")
# What a case's JSON reads besides the case (representation.case_json).
CASE_RELATIONS = ("team", "touchpoint", "assignee", "customer", "root_cause", "sla_policy")


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows. status: "open", "all" or one Status value.

    assignee: "" (anyone), "me", "unassigned" or a user's primary key as text.
    """

    status: str = STATUS_OPEN
    touchpoint: Touchpoint | None = None
    assignee: str = ""
    team: Team | None = None
    search: str = ""
    sort: str = SORT_URGENT
    due: str = ""  # one of DUE_STATES, DUE_BREACHED or "" (any)
    escalated: str = ""  # ESCALATED_OPEN, ESCALATED_EVER or "" (any)


def due_state(now: dt.datetime) -> models.Case:
    """SQL for where each case stands against its next deadline: one of DUE_STATES.

    The same reading as case_due, for many cases at once (the inbox filter, the
    workload): "paused" while waiting on the customer under an SLA, "none" for a
    closed case or one without a deadline.
    """
    soon = now + DUE_SOON
    unacknowledged = Q(acknowledged_at__isnull=True)
    return models.Case(
        When(~Q(status__in=OPEN_STATUSES), then=Value("none")),
        When(Q(status=Status.WAITING_ON_CUSTOMER, sla_policy__isnull=False), then=Value("paused")),
        When(status=Status.WAITING_ON_CUSTOMER, then=Value("none")),
        When(unacknowledged & Q(acknowledge_by__isnull=True), then=Value("none")),
        When(unacknowledged & Q(acknowledge_by__lte=now), then=Value("acknowledge-breached")),
        When(unacknowledged & Q(acknowledge_by__lte=soon), then=Value("acknowledge-soon")),
        When(unacknowledged, then=Value("acknowledge-ok")),
        When(resolve_by__isnull=True, then=Value("none")),
        When(resolve_by__lte=now, then=Value("resolve-breached")),
        When(resolve_by__lte=soon, then=Value("resolve-soon")),
        default=Value("resolve-ok"),
        output_field=models.CharField(),
    )


def escalation_open() -> Q:
    """Cases with an open escalation: escalated for the deadline they are breaching now.

    The escalation was raised for the case's current deadline (acknowledge until it is
    acknowledged, then resolve), and that deadline is still unmet on a case whose
    clock runs. It closes when the case is acknowledged or resolved in time for the
    next step, waits on the customer, or gets new deadlines (a new severity).
    """
    escalations = Escalation.objects.filter(case=OuterRef("pk"))
    for_acknowledging = Exists(
        escalations.filter(
            deadline=Escalation.Deadline.ACKNOWLEDGE, due_at=OuterRef("acknowledge_by")
        )
    )
    for_resolving = Exists(
        escalations.filter(deadline=Escalation.Deadline.RESOLVE, due_at=OuterRef("resolve_by"))
    )
    running = Q(status__in=(Status.NEW, Status.ACKNOWLEDGED))
    return running & (
        (Q(acknowledged_at__isnull=True) & Q(for_acknowledging))
        | (Q(acknowledged_at__isnull=False) & Q(for_resolving))
    )


def escalation_ever() -> Q:
    """Cases escalated at least once, whatever became of them."""
    return Q(Exists(Escalation.objects.filter(case=OuterRef("pk"))))


def inbox_order(filters: InboxFilter) -> str:
    """The inbox's order in words, as inbox_cases sorts: its table's caption."""
    if filters.sort == SORT_DUE:
        return (
            "next deadline first (the longest breached at the top, cases without a running "
            "deadline last), then the most severe"
        )
    if filters.status == STATUS_ALL:
        return "open first, then the most severe, then the newest"
    return "the most severe first, then the newest"


def cases_matching(*, scope: CaseScope, filters: InboxFilter) -> QuerySet[Case]:
    """The cases within the user's reach that the filters pick, in no particular order."""
    cases = scope.cases()
    if filters.status == STATUS_OPEN:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status != STATUS_ALL:
        cases = cases.filter(status=filters.status)
    if filters.touchpoint is not None:
        cases = cases.filter(touchpoint=filters.touchpoint)
    if filters.team is not None:
        cases = cases.filter(team=filters.team)
    if search := filters.search.strip():
        cases = cases.filter(
            Q(reference__iexact=search)
            | Q(customer__email__icontains=search)
            | Q(customer__name__icontains=search)
        )
    if filters.assignee == ASSIGNEE_ME:
        cases = cases.filter(assignee_id=scope.user.pk)
    elif filters.assignee == ASSIGNEE_NOBODY:
        cases = cases.filter(assignee__isnull=True)
    elif (assignee := id_from(filters.assignee)) is not None:
        cases = cases.filter(assignee_id=assignee)
    if filters.escalated == ESCALATED_OPEN:
        cases = cases.filter(escalation_open())
    elif filters.escalated == ESCALATED_EVER:
        cases = cases.filter(escalation_ever())
    if filters.due == DUE_BREACHED:
        cases = cases.annotate(due_state=due_state(timezone.now())).filter(
            due_state__in=("acknowledge-breached", "resolve-breached")
        )
    elif filters.due in DUE_STATES:
        cases = cases.annotate(due_state=due_state(timezone.now())).filter(due_state=filters.due)
    return cases


def inbox_cases(*, scope: CaseScope, filters: InboxFilter) -> QuerySet[Case]:
    """The user's inbox: open cases first, then the most severe, then the newest.

    Each case carries the score and the start of the comment of the feedback that
    opened it (opening_score_type, opening_score, opening_comment), read in the
    same query so that a page of 50 rows costs one query, not 51.
    """
    cases = cases_matching(scope=scope, filters=filters)
    opening = Feedback.objects.filter(case_id=OuterRef("pk")).order_by("received_at", "pk")
    preview = Substr("comment", 1, COMMENT_PREVIEW_CHARS + 1)
    cases = cases.select_related("touchpoint", "team", "assignee", "customer").annotate(
        opening_kind=Subquery(opening.values("kind")[:1]),
        opening_score_type=Subquery(opening.values("score_type")[:1]),
        opening_score=Subquery(opening.values("score")[:1]),
        opening_comment=Subquery(opening.annotate(preview=preview).values("preview")[:1]),
    )
    # The next SLA deadline of an open case: acknowledging first, then resolving.
    cases = cases.annotate(
        next_due=models.Case(
            When(~Q(status__in=OPEN_STATUSES), then=Value(None)),
            When(status=Status.WAITING_ON_CUSTOMER, then=Value(None)),  # the clock is paused
            When(acknowledged_at__isnull=True, then=F("acknowledge_by")),
            default=F("resolve_by"),
            output_field=models.DateTimeField(),
        )
    )
    if filters.sort == SORT_DUE:
        return cases.order_by(F("next_due").asc(nulls_last=True), "-severity_rank", "-pk")
    if filters.status != STATUS_ALL:
        # One status group only: the plain order can use the (team, status, …) index.
        return cases.order_by(*MOST_SEVERE_FIRST)
    return cases.annotate(
        open_first=models.Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", *MOST_SEVERE_FIRST)


def case_list(*, scope: CaseScope, filters: InboxFilter) -> QuerySet[Case]:
    """The cases the filters pick, the most severe first, then the newest, whatever their
    status, with the rows a case's JSON reads (representation.case_json): the API's list.
    """
    return (
        cases_matching(scope=scope, filters=filters)
        .select_related(*CASE_RELATIONS)
        .order_by(*MOST_SEVERE_FIRST)
    )


@dataclass(frozen=True)
class Due:
    """Where a case stands against its next SLA deadline, for the inbox and the case page."""

    state: str  # "breached", "soon", "ok", "paused" or "none"
    at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return {
            "breached": "Breached",
            "soon": "Due soon",
            "ok": "Due",
            "paused": "Clock paused",
            "none": "No SLA",
        }[self.state]


def case_due(case: Case, *, now: dt.datetime | None = None) -> Due:
    if not case.is_open:
        return Due("none")
    if case.status == Status.WAITING_ON_CUSTOMER:
        return Due("paused" if case.sla_policy_id is not None else "none")
    at = case.acknowledge_by if case.acknowledged_at is None else case.resolve_by
    if at is None:
        return Due("none")
    left = at - (now or timezone.now())
    if left <= dt.timedelta(0):
        return Due("breached", at)
    return Due("soon" if left <= DUE_SOON else "ok", at)


def inbox_touchpoints(scope: CaseScope) -> QuerySet[Touchpoint]:
    """Touch points the user has cases at: the choices of the inbox filter."""
    return Touchpoint.objects.filter(pk__in=scope.cases().values("touchpoint_id"))


def inbox_people(scope: CaseScope) -> QuerySet[Any]:
    """Active people of the teams whose cases the user sees: the assignee filter's choices."""
    people = User.objects.filter(is_active=True)
    if scope.sees_all:
        in_teams = Q(teams__isnull=False) | Q(led_teams__isnull=False)
    else:
        in_teams = Q(teams__in=scope.team_ids) | Q(led_teams__in=scope.team_ids)
    return people.filter(pk__in=User.objects.filter(in_teams).values("pk")).order_by(
        "first_name", "last_name", "username"
    )


def former_assignee(scope: CaseScope, asked: str, people: Iterable[Any]) -> Any | None:
    """A person asked for in the assignee filter who is not among `people` (left the team,
    deactivated) but holds cases the user sees: still a filter that works, as the
    workload links to them. None for anyone else, so ids reveal no names."""
    pk = id_from(asked)
    if pk is None:
        return None
    if any(person.pk == pk for person in people):
        return None
    return User.objects.filter(pk=pk, pk__in=scope.cases().values("assignee_id")).first()


def case_for_staff(scope: CaseScope) -> QuerySet[Case]:
    """The queryset a case page reads its case from (look it up by reference)."""
    return scope.cases().select_related("touchpoint", "team", "assignee", "customer", "root_cause")


def case_history(scope: CaseScope) -> QuerySet[Case]:
    """The queryset to read a case from with everything about it (look it up by reference):
    its feedback with how each comment was read, and its whole timeline, oldest first.
    What representation.case_detail_json reads, in four queries."""
    return (
        scope.cases()
        .select_related(*CASE_RELATIONS)
        .prefetch_related(
            Prefetch(
                "feedback",
                queryset=Feedback.objects.order_by("received_at", "id")
                .select_related("text")
                .prefetch_related("themes__theme"),
            ),
            Prefetch("events", queryset=CaseEvent.objects.order_by("created_at", "id")),
        )
    )


def case_feedback(case: Case) -> QuerySet[Feedback]:
    """The feedback that opened the case, then any attached later, oldest first."""
    return Feedback.objects.filter(case=case).select_related("survey").order_by("received_at", "pk")


@dataclass(frozen=True)
class OtherFeedback:
    """The customer's feedback outside this case that the user may see, newest first.

    Feedback belonging to cases of teams the user does not work with is only counted.
    """

    items: list[Feedback]
    hidden: int


def customer_other_feedback(*, scope: CaseScope, case: Case, limit: int = 20) -> OtherFeedback:
    if case.customer_id is None:
        return OtherFeedback(items=[], hidden=0)
    others = Feedback.objects.filter(customer_id=case.customer_id).exclude(case_id=case.pk)
    allowed = feedback_visible(scope)
    items = list(
        others.filter(allowed)
        .select_related("touchpoint", "case")
        .order_by("-received_at", "-pk")[:limit]
    )
    return OtherFeedback(items=items, hidden=others.exclude(allowed).count())


def case_timeline(case: Case) -> list[tuple[CaseEvent, str]]:
    """Every entry of the case, public and internal, oldest first, with the text to show.

    A customer who is not satisfied gives one reason, stored with their verdict and
    with the reopening it causes (the team's email quotes it from there); the
    reopening shows no text of its own that only repeats the verdict just above.
    """
    entries: list[tuple[CaseEvent, str]] = []
    previous: CaseEvent | None = None
    for event in CaseEvent.objects.filter(case=case).order_by("created_at", "id"):
        repeated = (
            event.kind == CaseEvent.Kind.REOPENED
            and previous is not None
            and previous.kind == CaseEvent.Kind.SATISFACTION
            and previous.body == event.body
        )
        entries.append((event, "" if repeated else event.body))
        previous = event
    return entries


def root_causes_in_use() -> QuerySet[RootCause]:
    """The root causes a case may be resolved with."""
    return RootCause.objects.filter(active=True)


def root_cause_in_use(slug: str) -> RootCause | None:
    return root_causes_in_use().filter(slug=slug).first()


def reply_templates_for(case: Case) -> QuerySet[ReplyTemplate]:
    """The case team's own reply templates and the ones offered to every team."""
    return ReplyTemplate.objects.filter(Q(team_id=case.team_id) | Q(team__isnull=True)).order_by(
        "name", "pk"
    )


def case_team_people(case: Case) -> QuerySet[Any]:
    """Who may be given the case: the active members and the lead of its team."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            pk__in=User.objects.filter(Q(teams=case.team_id) | Q(led_teams=case.team_id)).values(
                "pk"
            )
        )
        .order_by("first_name", "last_name", "username")
    )


def case_actions(case: Case) -> frozenset[str]:
    """The actions the case page offers: the services' own rule, so the two cannot drift."""
    return case_allowed_actions(case)
