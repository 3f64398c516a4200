"""Writing the demo into the database: the organisation first, then the generated year in chunks.

The per-record services (feedback_receive, case_*) are the one home of every
write in the product, but they take a transaction and several queries per row;
the demo computes the same rows in memory (generator.py) and bulk-inserts them
(bulk_create for the organisation, rows.RowWriter for the many feedback, case
and timeline rows), so that a year of feedback loads in seconds. Each case is
written with the SLA clock its timeline gave it (slaclock.py): deadlines,
outcomes and pauses, those of open cases still running, and the escalations of its
breaches as the worker would have made them (clocks.py). The whole load is one
transaction: an interrupted load leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from vocloop.accounts.models import Team
from vocloop.accounts.roles import QUALITY_MANAGERS_GROUP
from vocloop.cases.models import (
    SEVERITY_RANK,
    Case,
    CaseEvent,
    ReplyTemplate,
    RootCause,
    Status,
)
from vocloop.conductor.bulk import feedback_arrived_in_bulk
from vocloop.customers.models import Customer
from vocloop.demo import organisation as org
from vocloop.demo import slaclock
from vocloop.demo.clocks import ESCALATION_COLUMNS, SlaRules
from vocloop.demo.generator import FeedbackRow, Generator
from vocloop.demo.programme import programme_create
from vocloop.demo.themes import taxonomy_create
from vocloop.demo.timeline import PlannedCase
from vocloop.improvement.models import Action
from vocloop.lib.progress import Progress, stage
from vocloop.lib.rows import RowWriter
from vocloop.listening import links
from vocloop.listening.models import (
    CaseRule,
    Feedback,
    ReferenceCounter,
    Survey,
    Touchpoint,
)
from vocloop.listening.rules import Thresholds, thresholds_for
from vocloop.listening.services import tracking_token_new
from vocloop.slas.models import ClockPause, Escalation

DEFAULT_RESPONSES = 20_000
DEFAULT_SEED = 42
ROOT_CAUSES = {
    "product": "Product",
    "process": "Process",
    "people": "People",
    "policy": "Policy",
    "communication": "Communication",
    "other": "Other",
}
# Rows that migrations create and the product relies on: a reset keeps them.
SEEDED_MODELS = {"cases.rootcause", "slas.businesscalendar", "slas.holiday", "slas.slapolicy"}
BATCH = 2000


def default_customers(responses: int) -> int:
    return max(2000, responses // 10)


def demo_staff() -> list[org.Staff]:
    staff = [org.QUALITY_MANAGER]
    for team in org.TEAMS:
        staff += [team.lead, *team.members]
    return staff


def demo_is_loaded() -> bool:
    return Touchpoint.objects.exists()


@transaction.atomic
def demo_reset() -> None:
    """Wipe vocloop's data (every vocloop app's tables but seeded ones) and the demo's staff."""
    tables = [
        model._meta.db_table
        for config in apps.get_app_configs()
        if config.name.startswith("vocloop.")
        for model in config.get_models(include_auto_created=True)
        if model._meta.label_lower not in SEEDED_MODELS
    ]
    # Django's foreign keys are checked at commit, so the order of the deletes does not
    # matter. DELETE rather than TRUNCATE: PostgreSQL refuses to truncate a table with
    # checks pending in the same transaction.
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    User.objects.filter(username__in=[s.username for s in demo_staff()]).delete()


@dataclass(frozen=True)
class LoadResult:
    responses: int
    customers: int
    cases: int
    events: int
    seconds: float


@dataclass
class _Ids:
    staff: dict[str, int]
    teams: dict[str, int]
    touchpoints: dict[str, int]
    surveys: dict[tuple[str, int], int]
    customers: list[int]
    sizes: list[str]  # of each customer, by the same index
    root_causes: dict[str, int]
    case_base: int
    sla: SlaRules


def _staff_create() -> dict[str, int]:
    password = make_password(org.DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    ids = {}
    for person in demo_staff():
        manager = person.username == org.MANAGER
        user, _ = User.objects.update_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "password": password,
                "is_active": True,
                "is_staff": manager,
                "is_superuser": manager,
            },
        )
        if manager:
            user.groups.add(Group.objects.get_or_create(name=QUALITY_MANAGERS_GROUP)[0])
        ids[person.username] = user.pk
    return ids


def _organisation_create() -> tuple[
    dict[str, int], dict[str, int], dict[str, int], dict[tuple[str, int], int]
]:
    staff = _staff_create()
    teams: dict[str, int] = {}
    for spec in org.TEAMS:  # parents come before their children
        team = Team.objects.create(
            name=spec.name,
            slug=spec.slug,
            lead_id=staff[spec.lead.username],
            parent_id=teams[spec.parent] if spec.parent else None,
        )
        team.members.add(*(staff[m.username] for m in spec.members))
        teams[spec.slug] = team.pk
    touchpoints: dict[str, int] = {}
    surveys: dict[tuple[str, int], int] = {}
    for tp in org.TOUCHPOINTS:
        touchpoint = Touchpoint.objects.create(
            name=tp.name,
            slug=tp.slug,
            stage=tp.stage,
            owning_team_id=teams[tp.team],
            description=tp.description,
        )
        # Unscored comments this negative open a case once read (only for new feedback:
        # the demo's history was not read on arrival).
        CaseRule.objects.create(touchpoint=touchpoint, sentiment_at_or_below=-0.6)
        touchpoints[tp.slug] = touchpoint.pk
        for index, s in enumerate(tp.surveys):
            survey = Survey.objects.create(
                touchpoint=touchpoint, name=s.name, kind=s.kind, question=s.question
            )
            surveys[(tp.slug, index)] = survey.pk
    ReplyTemplate.objects.bulk_create(
        ReplyTemplate(name=t.name, body=t.body, team_id=teams[t.team] if t.team else None)
        for t in org.REPLY_TEMPLATES
    )
    return staff, teams, touchpoints, surveys


def _customers_create(specs: list[org.CustomerSpec]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(specs), BATCH):
        created = Customer.objects.bulk_create(
            Customer(
                external_id=c.external_id,
                name=c.name,
                email=c.email,
                industry=c.industry,
                size=c.size,
                region=c.region,
            )
            for c in specs[start : start + BATCH]
        )
        ids += [c.pk for c in created]
    return ids


def _customers_known_since_their_first_feedback() -> None:
    """A customer is known since their first feedback, not since the demo was loaded."""
    first = Feedback.objects.filter(customer=OuterRef("pk")).order_by("received_at")
    Customer.objects.filter(pk__in=Feedback.objects.values("customer_id")).update(
        created_at=Subquery(first.values("received_at")[:1])
    )


FEEDBACK_COLUMNS = (  # noqa: SIM905
    "reference tracking_token touchpoint_id survey_id customer_id segment case_id kind "
    "channel score_type score comment occurred_at received_at"
).split()
CASE_COLUMNS = (  # noqa: SIM905
    "id reference touchpoint_id team_id customer_id assignee_id status severity severity_rank "
    "opened_at acknowledged_at resolved_at closed_at updated_at resolution root_cause_id "
    "customer_satisfied reopen_count"
).split()
# The SLA clock's fields, named on SlaRecord as on the model.
SLA_FIELDS = list(slaclock.SlaRecord.__dataclass_fields__)
EVENT_COLUMNS = (  # noqa: SIM905
    "case_id kind public actor_kind actor_id actor_label body public_text data created_at"
).split()


class _Writers:
    def __init__(self) -> None:
        self.feedback = RowWriter(Feedback, FEEDBACK_COLUMNS, batch=BATCH)
        self.cases = RowWriter(Case, CASE_COLUMNS + SLA_FIELDS, batch=BATCH)
        self.events = RowWriter(CaseEvent, EVENT_COLUMNS, batch=BATCH)
        self.pauses = RowWriter(ClockPause, ["case_id", "started_at", "ended_at"], batch=BATCH)
        self.escalations = RowWriter(Escalation, ESCALATION_COLUMNS, batch=BATCH)


def _feedback_write(writers: _Writers, rows: list[FeedbackRow], ids: _Ids) -> None:
    writers.feedback.write(
        {
            "reference": r.reference,
            "tracking_token": tracking_token_new(),
            "touchpoint_id": ids.touchpoints[r.touchpoint],
            "survey_id": ids.surveys[(r.touchpoint, r.survey)] if r.survey is not None else None,
            "customer_id": ids.customers[r.customer] if r.customer is not None else None,
            "segment": ids.sizes[r.customer] if r.customer is not None else "",
            "case_id": ids.case_base + r.case if r.case is not None else None,
            "kind": r.kind,
            "channel": r.channel,
            "score_type": r.score_type,
            "score": r.score,
            "comment": r.comment,
            "occurred_at": r.occurred_at,
            "received_at": r.received_at,
        }
        for r in rows
    )


def _case_row(c: PlannedCase, ids: _Ids, clock: slaclock.SlaRecord) -> dict[str, Any]:
    return {
        "id": ids.case_base + c.seq,
        "reference": c.reference,
        "touchpoint_id": ids.touchpoints[c.touchpoint],
        "team_id": ids.teams[c.team],
        "customer_id": ids.customers[c.customer] if c.customer is not None else None,
        "assignee_id": ids.staff[c.state.assignee] if c.state.assignee else None,
        "status": c.state.status,
        "severity": c.state.severity,
        "severity_rank": SEVERITY_RANK[c.state.severity],  # type: ignore[index]
        "opened_at": c.opened_at,
        "acknowledged_at": c.state.acknowledged_at,
        "resolved_at": c.state.resolved_at,
        "closed_at": c.state.closed_at,
        "updated_at": c.state.updated_at or c.opened_at,
        "resolution": c.state.resolution,
        "root_cause_id": ids.root_causes[c.state.root_cause] if c.state.root_cause else None,
        "customer_satisfied": c.state.customer_satisfied,
        "reopen_count": c.state.reopen_count,
        **{name: getattr(clock, name) for name in SLA_FIELDS},
    }


def _cases_write(writers: _Writers, cases: list[PlannedCase], ids: _Ids) -> int:
    rows, escalations = [], []
    for c in cases:
        # The SLA clock's deadlines and outcomes, and the escalations of its breaches,
        # as the services and the worker's sweep would have recorded them.
        touchpoint_id = ids.touchpoints[c.touchpoint]
        clock = ids.sla.record(c, touchpoint_id)
        rows.append(_case_row(c, ids, clock))
        escalations += ids.sla.escalations(c, ids.case_base + c.seq, touchpoint_id, clock)
    writers.cases.write(rows)
    writers.pauses.write(
        {"case_id": ids.case_base + c.seq, "started_at": start, "ended_at": end}
        for c in cases
        for start, end in c.state.clock_pauses
    )
    writers.escalations.write(
        {column: getattr(row, column) for column in ESCALATION_COLUMNS} for row, _ in escalations
    )
    planned = writers.events.write(
        {
            "case_id": ids.case_base + c.seq,
            "kind": e.kind,
            "public": e.public,
            "actor_kind": e.actor_kind,
            "actor_id": ids.staff[e.actor] if e.actor else None,
            "actor_label": e.actor_label,
            "body": e.body,
            "public_text": e.public_text,
            "data": e.data,
            "created_at": e.at,
        }
        for c in cases
        for e in c.events
    )
    return planned + writers.events.write(
        {column: getattr(event, column) for column in EVENT_COLUMNS} for _, event in escalations
    )


@transaction.atomic
def demo_load(
    *,
    responses: int = DEFAULT_RESPONSES,
    seed: int = DEFAULT_SEED,
    customers: int | None = None,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    chunk_size: int = 2000,
    read_comments: bool = True,
) -> LoadResult:
    """Load the demo organisation and a year of its feedback, ending at `now`."""
    began = time.monotonic()
    now = now or timezone.now()
    staff, teams, touchpoints, surveys = _organisation_create()
    specs = org.customers_generate(customers or default_customers(responses), seed=seed)
    for slug, name in ROOT_CAUSES.items():
        RootCause.objects.get_or_create(slug=slug, defaults={"name": name})
    ids = _Ids(
        staff=staff,
        teams=teams,
        touchpoints=touchpoints,
        surveys=surveys,
        customers=_customers_create(specs),
        sizes=[c.size for c in specs],
        root_causes=dict(RootCause.objects.values_list("slug", "id")),
        case_base=Case.objects.aggregate(top=Max("id"))["top"] or 0,
        sla=SlaRules(teams, specs, now),
    )
    thresholds: dict[str, Thresholds] = {
        tp.slug: thresholds_for(tp) for tp in Touchpoint.objects.select_related("case_rule")
    }
    generator = Generator(
        responses=responses,
        seed=seed,
        now=now,
        customers=specs,
        thresholds=thresholds,
        counters=dict(ReferenceCounter.objects.values_list("year", "last")),
        chunk_size=chunk_size,
    )
    writers = _Writers()
    cases = events = 0
    with stage(progress, "generating", responses) as advance:
        for chunk in generator.chunks():
            _feedback_write(writers, chunk.feedback, ids)
            events += _cases_write(writers, chunk.cases, ids)
            cases += len(chunk.cases)
            advance(len(chunk.feedback))
    _customers_known_since_their_first_feedback()
    # New feedback after the demo gets the next numbers of each year.
    for year, last in generator.counters.items():
        ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
    # The case ids were given explicitly; PostgreSQL's sequence must move past them.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case]):
            cursor.execute(sql)
    taxonomy_create()
    # The bulk rows bypassed the services that count and read feedback on arrival.
    feedback_arrived_in_bulk(read=read_comments, progress=progress)
    # Objectives and actions read their figures from the rollups just built.
    programme_create(now=now)
    return LoadResult(
        responses=responses,
        customers=len(specs),
        cases=cases,
        events=events,
        seconds=time.monotonic() - began,
    )


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    name: str


@dataclass(frozen=True)
class Summary:
    logins: list[Login]
    password: str
    tracking_path: str | None
    tracking_reference: str | None
    survey_path: str | None
    survey_name: str | None
    feedback_path: str
    # The improvement programme's staff pages, when the demo has one.
    improvement_paths: dict[str, str]


def demo_summary() -> Summary:
    """Where to start: the demo's logins and a few public links, read from the database."""
    roles = [
        ("Quality manager", org.MANAGER),
        ("Team lead, Support Desk", org.LEAD),
        ("Front-line agent, Support Desk", org.AGENT),
    ]
    users = {u.username: u for u in User.objects.filter(username__in=[r[1] for r in roles])}
    logins = [
        Login(role, username, users[username].get_full_name())
        for role, username in roles
        if username in users
    ]
    # A recently resolved case with the longest public timeline: the visitor can read it
    # all and still answer "are you satisfied?".
    with_timeline = Case.objects.filter(customer__isnull=False).annotate(
        public_events=Count("events", filter=Q(events__public=True))
    )
    latest = Case.objects.aggregate(latest=Max("updated_at"))["latest"]
    recent = with_timeline.filter(
        status=Status.RESOLVED, updated_at__gte=(latest or timezone.now()) - dt.timedelta(days=30)
    )
    case = (
        recent.order_by("-public_events", "reference").first()
        or with_timeline.order_by("-public_events", "reference").first()
    )
    token = (
        Feedback.objects.filter(reference=case.reference)
        .values_list("tracking_token", flat=True)
        .first()
        if case
        else None
    )
    surveys = Survey.objects.filter(active=True).exclude(kind=Survey.Kind.OPEN).order_by("name")
    survey = surveys.filter(touchpoint__slug="support-desk").first() or surveys.first()
    return Summary(
        logins=logins,
        password=org.DEMO_PASSWORD,
        tracking_path=links.tracking_path(token) if token else None,
        tracking_reference=case.reference if case else None,
        survey_path=links.survey_path(survey) if survey else None,
        survey_name=survey.name if survey else None,
        feedback_path="/feedback/",
        improvement_paths=(
            {
                "Improvement actions by PDCA phase": reverse("improvement:actions"),
                "Quality objectives and their status": reverse("improvement:objectives"),
            }
            if Action.objects.exists()
            else {}
        ),
    )
