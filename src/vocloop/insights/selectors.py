"""What the insights pages read: themes over a span, emerging themes, similar comments."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from vocloop.accounts.scope import CaseScope, feedback_visible
from vocloop.insights.models import (
    SIMILAR_WINDOW,
    CommentText,
    CommentTheme,
    Dimension,
    Theme,
    Want,
)
from vocloop.lib.days import day_of
from vocloop.lib.words import number
from vocloop.listening.models import Feedback, FeedbackImport
from vocloop.metrics.selectors import enough
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.metrics import proportion
from vocloop.statistics.rises import FAMILY_ALPHA, ShareCounts, rises

EMERGING_WEEKS = 26
RECENT_WEEKS = 4
HISTORY_WEEKS = 22
MIN_RISE = 1.25  # a quarter above the usual share, at least
MIN_RECENT_COMMENTS = 5
EMERGING_CACHE_SECONDS = 600


@dataclass(frozen=True)
class Span:
    """Whole local days, first to last; the feedback of one touch point or channel, or all."""

    first: dt.date
    last: dt.date
    touchpoint_id: int | None = None
    channel: str | None = None

    def of_feedback(self, path: str = "feedback__") -> Q:
        """The touch point and channel, as a condition on the feedback `path` leads to."""
        wanted = Q()
        if self.touchpoint_id is not None:
            wanted &= Q(**{f"{path}touchpoint_id": self.touchpoint_id})
        if self.channel:
            wanted &= Q(**{f"{path}channel": self.channel})
        return wanted

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> dt.datetime:  # exclusive
        day_after = self.last + dt.timedelta(days=1)
        return dt.datetime.combine(day_after, dt.time(), tzinfo=timezone.get_current_timezone())


def span_of(
    first: dt.date, last: dt.date, *, touchpoint_id: int | None = None, channel: str | None = None
) -> Span:
    return Span(first, last, touchpoint_id, channel or None)


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
    """A theme whose share of comments in the latest weeks is significantly above its history."""

    theme: Theme
    latest_share: float  # in the last RECENT_WEEKS whole weeks
    usual_share: float  # in the HISTORY_WEEKS before them
    comments: int  # in the last RECENT_WEEKS whole weeks
    p_value: float
    overdispersion: float  # how much more the weeks vary than sampling explains (≥ 1)

    @property
    def plain(self) -> str:
        return (
            f"{100 * self.latest_share:.1f} % of comments in the last {RECENT_WEEKS} whole "
            f"weeks ({number(self.comments)}), against {100 * self.usual_share:.1f} % in the "
            f"{HISTORY_WEEKS} weeks before"
        )


LATEST = 2000


def latest_unread() -> int:
    """How many of the latest comments still wait to be read (a backlog shows here first)."""
    latest = Feedback.objects.order_by("-pk").values("pk")[:LATEST]
    unread = Feedback.objects.filter(pk__in=latest, text__isnull=True, erased_at__isnull=True)
    return unread.exclude(comment="").count()


def comment_days() -> tuple[dt.date, dt.date] | None:
    """The first and the last day with a comment read (imported history included)."""
    found = CommentText.objects.aggregate(first=Min("day"), last=Max("day"))
    return (found["first"], found["last"]) if found["first"] is not None else None


def comments_in(span: Span) -> int:
    in_span = CommentText.objects.filter(day__gte=span.first, day__lte=span.last)
    return in_span.filter(span.of_feedback()).count()


def theme_figures(span: Span, *, by: str = "theme") -> list[ThemeFigure]:
    """Every theme (or dimension, or want) with its share of comments and its negative share."""
    total = comments_in(span)
    links = CommentTheme.objects.filter(
        span.of_feedback(), day__gte=span.first, day__lte=span.last, theme__active=True
    )
    figures = []
    if by == "theme":
        # (comment, theme) is unique: counting rows counts comments, no DISTINCT needed.
        counted = {
            row["theme"]: row
            for row in links.values("theme").annotate(
                n=Count("pk"), negative=Count("pk", filter=Q(negative=True))
            )
        }
        for theme in Theme.objects.filter(active=True).select_related("parent"):
            row = counted.get(theme.pk, {"n": 0, "negative": 0})
            figures.append(_figure(theme.slug, theme.name, row, total, theme=theme))
        return figures
    field, choices = ("theme__dimension", Dimension) if by == "dimension" else ("theme__want", Want)
    # A comment with two themes of one dimension counts once for it.
    counted = {
        row[field]: row
        for row in links.values(field).annotate(
            n=Count("feedback", distinct=True),
            negative=Count("feedback", distinct=True, filter=Q(negative=True)),
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


@dataclass(frozen=True)
class RisePeriod:
    """The weeks the rising test compares: RECENT_WEEKS whole weeks against those before."""

    history_first: dt.date
    recent_first: dt.date
    recent_last: dt.date

    @property
    def history_last(self) -> dt.date:
        return self.recent_first - dt.timedelta(days=1)


def rise_period(today: dt.date) -> RisePeriod:
    """The whole weeks before the one `today` falls in, as `emerging_themes` tests them."""
    weeks = whole_weeks(today, RECENT_WEEKS + HISTORY_WEEKS)
    return RisePeriod(weeks[0], weeks[HISTORY_WEEKS], weeks[-1] + dt.timedelta(days=6))


def emerging_in(span: Span) -> tuple[list[Emerging], RisePeriod]:
    """What was on the rise by the span's last day, among its touch point's or channel's
    comments, and the weeks that tells of.

    The test always compares RECENT_WEEKS whole weeks with the HISTORY_WEEKS before
    them, whatever the span's length: only its end and its filters move it. The week
    in progress is never one of them.
    """
    as_of = min(span.last + dt.timedelta(days=1), day_of(timezone.now()))
    found = emerging_themes(today=as_of, touchpoint_id=span.touchpoint_id, channel=span.channel)
    return found, rise_period(as_of)


def _emerging_key(today: dt.date, touchpoint_id: int | None, channel: str | None) -> str:
    # History imported or undone changes which themes are on the rise: the key changes
    # with it, in every process (the cache may be each process's own memory).
    stamp = FeedbackImport.objects.aggregate(last=Max("pk"), undone=Max("undone_at"))
    undone = stamp["undone"].timestamp() if stamp["undone"] else 0
    # The channel may hold any character: hashed, it makes a key every cache accepts.
    asked = hashlib.sha256(f"{touchpoint_id}|{channel or ''}".encode()).hexdigest()[:16]
    return f"vocloop:emerging:{today.isoformat()}:{stamp['last'] or 0}:{undone:.0f}:{asked}"


def emerging_themes(
    *,
    today: dt.date | None = None,
    touchpoint_id: int | None = None,
    channel: str | None = None,
) -> list[Emerging]:
    """Themes whose share of comments has risen significantly against their own history,
    in the whole weeks before the one `today` falls in, among the comments of one touch
    point or channel if asked.

    Remembered for ten minutes: it reads half a year of comments.
    """
    today = today or day_of(timezone.now())
    key = _emerging_key(today, touchpoint_id, channel)
    found = cache.get(key)
    if found is None:
        found = [(e.theme.pk, e) for e in _emerging(today, touchpoint_id, channel)]
        cache.set(key, found, EMERGING_CACHE_SECONDS)
    return [e for _, e in found]


def _weekly_counts(span: Span) -> tuple[dict[dt.date, int], dict[int, dict[dt.date, int]]]:
    """Comments read per week (by its Monday), and per theme per week."""
    totals: dict[dt.date, int] = defaultdict(int)
    for day, n in (
        CommentText.objects.filter(span.of_feedback(), day__gte=span.first, day__lte=span.last)
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    ):
        totals[_monday(day)] += n
    counts: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for theme, day, n in (
        CommentTheme.objects.filter(span.of_feedback(), day__gte=span.first, day__lte=span.last)
        .values("theme", "day")
        .annotate(n=Count("pk"))
        .values_list("theme", "day", "n")
    ):
        counts[theme][_monday(day)] += n
    return totals, counts


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _emerging(today: dt.date, touchpoint_id: int | None, channel: str | None) -> list[Emerging]:
    """The last RECENT_WEEKS whole weeks against the HISTORY_WEEKS before, theme by theme.

    The test is statistics.rises: a one-sided two-proportion z-test widened by the
    history's overdispersion, at a family-wise 5 % over all themes tested. A rise must
    also be a real one, a quarter or more above the usual share, so that a million
    comments do not flag a trifle.
    """
    weeks = whole_weeks(today, RECENT_WEEKS + HISTORY_WEEKS)
    history, recent = weeks[:HISTORY_WEEKS], weeks[HISTORY_WEEKS:]
    last = weeks[-1] + dt.timedelta(days=6)
    span = span_of(weeks[0], last, touchpoint_id=touchpoint_id, channel=channel)
    totals, counts = _weekly_counts(span)
    themes = list(Theme.objects.filter(active=True, pk__in=list(counts)))
    candidates = [
        ShareCounts(
            recent=sum(counts[t.pk].get(w, 0) for w in recent),
            history=tuple(counts[t.pk].get(w, 0) for w in history),
        )
        for t in themes
    ]
    found = rises(
        candidates,
        sum(totals.get(w, 0) for w in recent),
        [totals.get(w, 0) for w in history],
        alpha=FAMILY_ALPHA,
        min_ratio=MIN_RISE,
        min_recent=MIN_RECENT_COMMENTS,
    )
    return [
        Emerging(
            themes[r.index],
            r.recent_share,
            r.usual_share,
            candidates[r.index].recent,
            r.p_value,
            r.overdispersion,
        )
        for r in found
    ]


@dataclass(frozen=True)
class Similar:
    """Comments like this one in the 30 days around it: counted all, listed where visible."""

    customers: int  # other customers (anonymous feedback counts one each)
    items: list[Feedback]  # the latest the user may read, up to the limit asked for
    visible: int  # all the user may read
    hidden: int


def visible_feedback(scope: CaseScope, reference: str) -> Feedback | None:
    """The feedback a reference names, if the user may read it."""
    return Feedback.objects.filter(feedback_visible(scope), reference=reference).first()


def said_alike(feedback: Feedback) -> QuerySet[Feedback] | None:
    """The comments in the feedback's group of similar ones within 30 days of it, itself
    included; None when its comment has not been grouped."""
    text = CommentText.objects.filter(feedback=feedback).first()
    if text is None or text.similar_group_id is None:
        return None
    return Feedback.objects.filter(
        text__similar_group_id=text.similar_group_id,
        occurred_at__gte=feedback.occurred_at - SIMILAR_WINDOW,
        occurred_at__lte=feedback.occurred_at + SIMILAR_WINDOW,
    )


def similar_to(feedback: Feedback, *, scope: CaseScope, limit: int = 10) -> Similar | None:
    group = said_alike(feedback)
    if group is None:
        return None
    others = group.exclude(pk=feedback.pk)
    if feedback.customer_id is not None:
        others = others.exclude(customer_id=feedback.customer_id)
    allowed = feedback_visible(scope)
    counted = others.aggregate(
        named=Count("customer", distinct=True),
        anonymous=Count("pk", filter=Q(customer=None)),
        comments=Count("pk"),
    )
    visible = others.filter(allowed)
    items = list(
        visible.select_related("touchpoint", "case").order_by("-occurred_at", "-pk")[:limit]
    )
    shown = len(items) if len(items) < limit else visible.count()
    return Similar(
        customers=counted["named"] + counted["anonymous"],
        items=items,
        visible=shown,
        hidden=counted["comments"] - shown,
    )


@dataclass(frozen=True)
class Cluster:
    group_id: int
    comments: int
    example: Feedback | None  # the latest the user may read; None when all are other teams'


def theme_clusters(theme: Theme, span: Span, *, scope: CaseScope, limit: int = 20) -> list[Cluster]:
    """The distinct things said within a theme: its comments' similar groups, largest first."""
    in_theme = Feedback.objects.filter(
        span.of_feedback(""),
        themes__theme=theme,
        text__day__gte=span.first,
        text__day__lte=span.last,
        text__similar_group__isnull=False,
    )
    rows = list(
        in_theme.values("text__similar_group")
        .annotate(n=Count("pk"))
        .order_by("-n", "text__similar_group")[:limit]
    )
    groups = [row["text__similar_group"] for row in rows]
    # The latest comment the user may read in each group, in one query.
    latest = (
        in_theme.filter(feedback_visible(scope), text__similar_group__in=groups)
        .annotate(
            group=F("text__similar_group"),
            rank=Window(
                RowNumber(),
                partition_by=F("text__similar_group"),
                order_by=(F("occurred_at").desc(), F("pk").desc()),
            ),
        )
        .filter(rank=1)
        .select_related("touchpoint")
    )
    examples = {f.group: f for f in latest}
    return [
        Cluster(row["text__similar_group"], row["n"], examples.get(row["text__similar_group"]))
        for row in rows
    ]


def theme_comments(
    theme: Theme, span: Span, *, scope: CaseScope, limit: int = 25
) -> list[Feedback]:
    """The theme's latest comments in the span that the user may read."""
    return list(
        Feedback.objects.filter(
            span.of_feedback(""),
            themes__theme=theme,
            occurred_at__gte=span.start,
            occurred_at__lt=span.end,
        )
        .filter(feedback_visible(scope))
        .select_related("touchpoint", "case", "text")
        .order_by("-occurred_at")[:limit]
    )


@dataclass(frozen=True)
class CommentReading:
    """How vocloop read one comment, for the case page and a theme's latest comments."""

    feedback: Feedback
    text: CommentText | None
    themes: list[CommentTheme]
    similar: Similar | None


def comment_readings(
    feedback: list[Feedback], *, scope: CaseScope, similar: bool = True
) -> dict[int, CommentReading]:
    """How each comment was read; with `similar`, the other customers who said the same."""
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
            similar=similar_to(f, scope=scope) if similar and f.pk in texts else None,
        )
        for f in feedback
        if f.comment
    }
