"""What the insights pages read: themes over a span, emerging themes, similar comments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from vocloop.cases.selectors import CaseScope
from vocloop.dashboards.figures import SignalView
from vocloop.insights.models import CommentText, CommentTheme, Dimension, Theme, Want
from vocloop.insights.services import SIMILAR_WINDOW
from vocloop.listening.models import Feedback
from vocloop.metrics.queries import enough
from vocloop.statistics.control_charts import ControlChart, p_chart
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.metrics import proportion

EMERGING_WEEKS = 26
EMERGING_CACHE_SECONDS = 600


@dataclass(frozen=True)
class Span:
    start: dt.datetime
    end: dt.datetime  # exclusive


def span_of(first: dt.date, last: dt.date) -> Span:
    tz = timezone.get_current_timezone()
    return Span(
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


@dataclass(frozen=True)
class ThemeFigure:
    """How many comments raised a theme (or a dimension, or a want) and how they felt."""

    key: str
    label: str
    comments: int
    share: Estimate  # of all comments read in the span
    negative: Estimate  # of this group's comments
    theme: Theme | None = None
    emerging: Emerging | None = None

    @property
    def enough_data(self) -> bool:
        return enough(self.negative)


@dataclass(frozen=True)
class Emerging:
    theme: Theme
    signal: SignalView
    chart: ControlChart
    weeks: tuple[dt.date, ...]
    latest_share: float
    usual_share: float

    @property
    def plain(self) -> str:
        return self.signal.plain("week")


def comments_in(span: Span) -> int:
    return CommentText.objects.filter(occurred_at__gte=span.start, occurred_at__lt=span.end).count()


def theme_figures(span: Span, *, by: str = "theme") -> list[ThemeFigure]:
    """Every theme (or dimension, or want) with its share of comments and its negative share."""
    total = comments_in(span)
    links = CommentTheme.objects.filter(
        occurred_at__gte=span.start, occurred_at__lt=span.end, theme__active=True
    )
    negative = Count("feedback", distinct=True, filter=Q(feedback__text__sentiment="negative"))
    figures = []
    if by == "theme":
        counted = {
            row["theme"]: row
            for row in links.values("theme").annotate(
                n=Count("feedback", distinct=True), negative=negative
            )
        }
        for theme in Theme.objects.filter(active=True).select_related("parent"):
            row = counted.get(theme.pk, {"n": 0, "negative": 0})
            figures.append(_figure(theme.slug, theme.name, row, total, theme=theme))
        return figures
    field, choices = ("theme__dimension", Dimension) if by == "dimension" else ("theme__want", Want)
    counted = {
        row[field]: row
        for row in links.values(field).annotate(
            n=Count("feedback", distinct=True), negative=negative
        )
    }
    nothing = {"n": 0, "negative": 0}
    for value, label in choices.choices:
        figures.append(_figure(value, str(label), counted.get(value, nothing), total))
    return figures


def _figure(key: str, label: str, row: dict[str, Any], total: int, **extra: Any) -> ThemeFigure:
    return ThemeFigure(
        key=key,
        label=label,
        comments=row["n"],
        share=proportion(row["n"], total),
        negative=proportion(row["negative"], row["n"]),
        **extra,
    )


def whole_weeks(today: dt.date, weeks: int = EMERGING_WEEKS) -> list[dt.date]:
    """The Mondays of the last `weeks` whole weeks before the one in progress."""
    this_monday = today - dt.timedelta(days=today.weekday())
    return [this_monday - dt.timedelta(weeks=k) for k in range(weeks, 0, -1)]


def emerging_themes(*, today: dt.date | None = None) -> list[Emerging]:
    """Themes whose weekly share of comments has risen beyond their own history, as of now.

    Each theme's share per whole week (of all comments read that week) goes on a
    p-chart, Laney p′ when the weeks vary more than sampling explains; a theme
    emerges when a rule fires upwards on a signal that includes the latest week.
    Remembered for ten minutes: it reads half a year of comments.
    """
    today = today or timezone.localdate()
    key = f"vocloop:emerging:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = [(e.theme.pk, e) for e in _emerging(today)]
        cache.set(key, found, EMERGING_CACHE_SECONDS)
    return [e for _, e in found]


def _emerging(today: dt.date) -> list[Emerging]:
    weeks = whole_weeks(today)
    span = span_of(weeks[0], weeks[-1] + dt.timedelta(days=6))
    week = TruncWeek("occurred_at")
    totals: dict[dt.date, int] = {
        _day(row["week"]): row["n"]
        for row in CommentText.objects.filter(occurred_at__gte=span.start, occurred_at__lt=span.end)
        .annotate(week=week)
        .values("week")
        .annotate(n=Count("pk"))
    }
    counts: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for row in (
        CommentTheme.objects.filter(occurred_at__gte=span.start, occurred_at__lt=span.end)
        .annotate(week=week)
        .values("theme", "week")
        .annotate(n=Count("pk"))
    ):
        counts[row["theme"]][_day(row["week"])] = row["n"]
    charted = [w for w in weeks if totals.get(w, 0) > 0]
    if len(charted) < 2 or charted[-1] != weeks[-1]:
        return []
    themes = Theme.objects.filter(active=True, pk__in=counts)
    emerging = []
    for theme in themes:
        series = [counts[theme.pk].get(w, 0) for w in charted]
        if sum(series) == 0:
            continue
        chart = p_chart(series, [totals[w] for w in charted])
        rising = [
            s
            for s in chart.signals
            if len(charted) - 1 in s.indices and sum(chart.z[i] for i in s.indices) > 0
        ]
        if not rising:
            continue
        signal = rising[0]
        view = SignalView(
            rule=signal.rule,
            description=signal.description,
            keys=tuple(charted[i].isoformat() for i in signal.indices),
            meaning="worse",
            current=True,
            rising=True,
        )
        emerging.append(
            Emerging(
                theme=theme,
                signal=view,
                chart=chart,
                weeks=tuple(charted),
                latest_share=chart.values[-1],
                usual_share=chart.centre,
            )
        )
    return sorted(emerging, key=lambda e: e.latest_share - e.usual_share, reverse=True)


def _day(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@dataclass(frozen=True)
class Similar:
    """Comments like this one in the 30 days around it: counted all, listed where visible."""

    customers: int  # other customers (anonymous feedback counts one each)
    items: list[Feedback]
    hidden: int


def similar_to(feedback: Feedback, *, scope: CaseScope, limit: int = 10) -> Similar | None:
    text = CommentText.objects.filter(feedback=feedback).first()
    if text is None or text.similar_group_id is None:
        return None
    others = Feedback.objects.filter(
        text__similar_group_id=text.similar_group_id,
        occurred_at__gte=feedback.occurred_at - SIMILAR_WINDOW,
        occurred_at__lte=feedback.occurred_at + SIMILAR_WINDOW,
    ).exclude(pk=feedback.pk)
    if feedback.customer_id is not None:
        others = others.exclude(customer_id=feedback.customer_id)
    others = others
    counted = others.aggregate(
        named=Count("customer", distinct=True), anonymous=Count("pk", filter=Q(customer=None))
    )
    allowed = visible_feedback(scope)
    items = list(
        others.filter(allowed).select_related("touchpoint", "case").order_by("-occurred_at")[:limit]
    )
    return Similar(
        customers=counted["named"] + counted["anonymous"],
        items=items,
        hidden=others.exclude(allowed).count(),
    )


@dataclass(frozen=True)
class Cluster:
    group_id: int
    comments: int
    example: Feedback


def theme_clusters(theme: Theme, span: Span, *, limit: int = 20) -> list[Cluster]:
    """The distinct things said within a theme: its comments' similar groups, largest first."""
    rows = list(
        CommentText.objects.filter(
            feedback__themes__theme=theme,
            occurred_at__gte=span.start,
            occurred_at__lt=span.end,
            similar_group__isnull=False,
        )
        .values("similar_group")
        .annotate(n=Count("pk"))
        .order_by("-n")[:limit]
    )
    examples = {}
    for row in rows:
        examples[row["similar_group"]] = (
            Feedback.objects.filter(text__similar_group=row["similar_group"])
            .order_by("-occurred_at")
            .select_related("touchpoint")
            .first()
        )
    return [
        Cluster(row["similar_group"], row["n"], example)
        for row in rows
        if (example := examples[row["similar_group"]]) is not None
    ]


def visible_feedback(scope: CaseScope) -> Q:
    """Feedback a user may read: in their teams' cases, or caseless at their teams' touch points."""
    caseless = Q(case__isnull=True)
    if not scope.sees_all:
        caseless &= Q(touchpoint__owning_team_id__in=scope.team_ids)
    return caseless | Q(case__in=scope.cases())


def theme_comments(
    theme: Theme, span: Span, *, scope: CaseScope, limit: int = 25
) -> list[Feedback]:
    """The theme's latest comments in the span that the user may read."""
    return list(
        Feedback.objects.filter(
            themes__theme=theme, occurred_at__gte=span.start, occurred_at__lt=span.end
        )
        .filter(visible_feedback(scope))
        .select_related("touchpoint", "case", "text")
        .order_by("-occurred_at")[:limit]
    )


@dataclass(frozen=True)
class CommentReading:
    """How vocloop read one comment, for the case page."""

    feedback: Feedback
    text: CommentText | None
    themes: list[CommentTheme]
    similar: Similar | None


def comment_readings(feedback: list[Feedback], *, scope: CaseScope) -> dict[int, CommentReading]:
    texts = {t.feedback_id: t for t in CommentText.objects.filter(feedback__in=feedback)}
    links: dict[int, list[CommentTheme]] = defaultdict(list)
    for link in (
        CommentTheme.objects.filter(feedback__in=feedback)
        .select_related("theme")
        .order_by("-confidence", "theme__name")
    ):
        links[link.feedback_id].append(link)
    return {
        f.pk: CommentReading(
            feedback=f,
            text=texts.get(f.pk),
            themes=links[f.pk],
            similar=similar_to(f, scope=scope) if f.pk in texts else None,
        )
        for f in feedback
        if f.comment
    }
