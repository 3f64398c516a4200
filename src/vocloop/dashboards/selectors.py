"""Raw records behind a figure: the feedback, cases and verdicts a chart point counts.

The figures themselves come from the rollups; these reads serve the drill-down (one
period, one page at a time) and the coaching view. Each applies the same scope as
the rollups — days in settings.TIME_ZONE, touch point, stage, channel, segment — and
what the reader may see: someone who does not see every case reads only the
feedback of their own teams' touch points and cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import F, Model, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from vocloop.accounts.scope import CaseScope
from vocloop.cases.models import Case, CaseEvent
from vocloop.listening.models import Feedback
from vocloop.metrics.rollups import case_segment
from vocloop.metrics.selectors import UNKNOWN_SEGMENT, Scope

M = TypeVar("M", bound=Model)

# Which answers each feedback metric is computed from.
SCORE_TYPE_OF = {"nps": "nps", "csat": "csat", "ces": "ces", "ces_easy": "ces"}
# Metrics of the comments as read (insights.CommentText), scored or not.
SENTIMENT_METRICS = ("negative_comments", "sentiment")


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of a day where the rollups count days (settings.TIME_ZONE)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def within(rows: QuerySet[M], field: str, first: dt.date, last: dt.date) -> QuerySet[M]:
    """Rows whose `field` falls on the days first … last, both included."""
    return rows.filter(
        **{
            f"{field}__gte": day_start(first),
            f"{field}__lt": day_start(last + dt.timedelta(days=1)),
        }
    )


def scoped(rows: QuerySet[M], scope: Scope, *, via: str = "") -> QuerySet[M]:
    """The scope's touch point, stage and segment filters; `via` leads from rows to a case.

    The segment is the one the rollups count in: feedback's own (the customer's size when
    it was given), a case's that of the feedback it was opened for.
    """
    if scope.touchpoint_id is not None:
        rows = rows.filter(**{f"{via}touchpoint_id": scope.touchpoint_id})
    if scope.stage is not None:
        rows = rows.filter(**{f"{via}touchpoint__stage": scope.stage})
    if scope.segment is not None:
        segment = "" if scope.segment == UNKNOWN_SEGMENT else scope.segment
        if rows.model is Feedback and not via:
            rows = rows.filter(segment=segment)
        else:
            rows = rows.alias(case_segment=case_segment(f"{via}pk")).filter(case_segment=segment)
    return rows


def feedback_behind(
    metric: str, scope: Scope, first: dt.date, last: dt.date, reader: CaseScope
) -> QuerySet[Feedback]:
    """The comments behind one point, those that pull the figure down first."""
    rows = within(Feedback.objects.exclude(comment=""), "occurred_at", first, last)
    rows = scoped(rows, scope)
    if scope.channel is not None:
        rows = rows.filter(channel=scope.channel)
    if not reader.sees_all:
        teams = reader.team_ids
        rows = rows.filter(touchpoint__owning_team_id__in=teams).filter(
            Q(case__isnull=True) | Q(case__team_id__in=teams)
        )
    if metric in SCORE_TYPE_OF:
        rows = rows.filter(score_type=SCORE_TYPE_OF[metric]).order_by("score", "-occurred_at")
    elif metric in SENTIMENT_METRICS:
        # The comments read, as the figure counts them: negative first, then the lowest score.
        negative_first = SqlCase(When(text__sentiment="negative", then=Value(0)), default=Value(1))
        rows = rows.filter(text__isnull=False).order_by(
            negative_first, "text__sentiment_score", "-occurred_at", "pk"
        )
        return rows.select_related("touchpoint", "case", "text")
    else:
        complaints_first = SqlCase(
            When(kind=Feedback.Kind.COMPLAINT, then=Value(0)),
            When(kind=Feedback.Kind.FEEDBACK, then=Value(1)),
            default=Value(2),
        )
        rows = rows.order_by(complaints_first, F("score").asc(nulls_first=True), "-occurred_at")
    return rows.select_related("touchpoint", "case")


DEADLINE_FIELDS = {
    # deadline: (when it falls, when it was met, whether it was recorded as in time)
    "acknowledge": ("acknowledge_by", "acknowledged_at", "acknowledged_within_sla"),
    "resolve": ("resolve_by", "resolved_at", "resolved_within_sla"),
}


def deadlines_counted(
    cases: QuerySet[Case],
    deadline: Literal["acknowledge", "resolve"],
    first: dt.date,
    last: dt.date,
    *,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases whose deadline fell on the days first … last and counts in SLA compliance,
    annotated `met`: done within it, done late, or not done and past it (a miss already).

    The rollups' rule (metrics/case_rollups.py, Deadline.of): a deadline not yet passed
    counts nothing until it is met or passes.
    """
    due, done, in_time = DEADLINE_FIELDS[deadline]
    cases = within(cases, due, first, last).filter(
        Q(**{f"{done}__isnull": False, f"{in_time}__isnull": False})
        | Q(**{f"{done}__isnull": True, f"{due}__lte": now or timezone.now()})
    )
    return cases.annotate(met=Coalesce(F(in_time), Value(False)))


def cases_behind(
    metric: str, scope: Scope, first: dt.date, last: dt.date, reader: CaseScope
) -> QuerySet[Case]:
    """The cases an SLA point counts, on their deadline's day, misses first."""
    deadline: Literal["acknowledge", "resolve"] = (
        "acknowledge" if metric == "sla_compliance_acknowledge" else "resolve"
    )
    cases = deadlines_counted(scoped(reader.cases(), scope), deadline, first, last)
    due = DEADLINE_FIELDS[deadline][0]
    return cases.order_by("met", f"-{due}", "pk").select_related("touchpoint", "team")


def verdicts_behind(
    scope: Scope, first: dt.date, last: dt.date, reader: CaseScope
) -> QuerySet[CaseEvent]:
    """The customers' verdicts given in the period (a recovery-rate point), unsatisfied first."""
    events = CaseEvent.objects.filter(
        kind=CaseEvent.Kind.SATISFACTION, case__in=scoped(reader.cases(), scope)
    )
    events = within(events, "created_at", first, last)
    return events.order_by(KT("data__satisfied"), "-created_at").select_related(
        "case__touchpoint", "case__team"
    )
