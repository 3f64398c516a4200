"""A year of customer feedback and the cases it opens, generated as a stream of plain rows.

Feedback is generated day by day in the order it is received, with weekly and
yearly seasonality. Each answer's score comes from an ordered-probit model: a
latent satisfaction (touch point quality + the customer's segment and lean +
season + noise) cut into the scale's points, calibrated so that an average touch
point shows a realistic spread. Whether an answer opens a case is decided by the
product's own rule (`listening.rules.needs_case`), and feedback from a customer
who already has an open case at the touch point joins it, as the case service
does. Memory stays bounded: feedback is handed out in chunks, and a case is
handed out once nothing can change it any more.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from statistics import NormalDist

from vocloop.demo import comments as text
from vocloop.demo.organisation import (
    DETERIORATING,
    DETERIORATION_DAYS,
    RECOVERING_SURVEY,
    RECOVERY_DAYS,
    TEAMS_BY_SLUG,
    TOUCHPOINTS,
    CustomerSpec,
    TouchpointSpec,
    segment_effect,
)
from vocloop.demo.timeline import CaseContext, PlannedCase, attached_event, case_plan
from vocloop.lib.references import reference_format
from vocloop.listening.rules import Thresholds, needs_case

DAYS = 365

# The spread of answers at an average touch point (probabilities of each scale point).
BASELINE: dict[str, tuple[float, ...]] = {
    "nps": (0.02, 0.01, 0.02, 0.03, 0.03, 0.06, 0.07, 0.13, 0.20, 0.20, 0.23),
    "csat": (0.04, 0.05, 0.12, 0.35, 0.44),
    "ces": (0.03, 0.04, 0.06, 0.12, 0.20, 0.27, 0.28),
}
SCALE_LOW = {"nps": 0, "csat": 1, "ces": 1}


def _cuts(probabilities: tuple[float, ...]) -> list[float]:
    cumulative = list(itertools.accumulate(probabilities[:-1]))
    return [NormalDist().inv_cdf(p) for p in cumulative]


CUTS = {scale: _cuts(p) for scale, p in BASELINE.items()}


def score_of(scale: str, latent: float) -> int:
    """The scale point a latent satisfaction (standard normal at an average touch point) gives."""
    return SCALE_LOW[scale] + bisect.bisect(CUTS[scale], latent)


WEEKDAY_VOLUME = (1.15, 1.1, 1.05, 1.0, 0.9, 0.4, 0.3)
# Feedback arrives mostly in office hours, with an evening tail.
HOUR_WEIGHTS = (1, 0, 0, 0, 0, 1, 2, 4, 8, 10, 11, 10, 8, 9, 10, 10, 9, 7, 5, 4, 4, 3, 2, 1)
HOUR_CUM = list(itertools.accumulate(HOUR_WEIGHTS))

CHANNELS = {
    "survey": (("email", "web", "api"), (55, 40, 5)),
    "feedback": (("web", "email", "chat", "api"), (65, 20, 10, 5)),
    "complaint": (("phone", "email", "chat", "web"), (35, 35, 20, 10)),
}


@dataclass(slots=True)
class FeedbackRow:
    reference: str
    touchpoint: str
    survey: int | None  # index into the touch point's surveys
    customer: int | None  # CustomerSpec index
    kind: str
    channel: str
    score_type: str | None
    score: int | None
    comment: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    case: int | None = None  # PlannedCase.seq


@dataclass(slots=True)
class Chunk:
    feedback: list[FeedbackRow] = field(default_factory=list)
    cases: list[PlannedCase] = field(default_factory=list)


def day_volume(day: dt.date) -> float:
    """How busy a day is: weekdays, a January peak, a summer lull, quiet holidays, growth."""
    doy = day.timetuple().tm_yday
    yearly = 1 + 0.15 * math.cos(2 * math.pi * (doy - 20) / 365)
    summer = 0.85 if day.month == 8 else 1.0
    holidays = 0.45 if (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 1) else 1.0
    return WEEKDAY_VOLUME[day.weekday()] * yearly * summer * holidays


def touchpoint_volume(tp: TouchpointSpec, day: dt.date, deteriorating: bool) -> float:
    weight = tp.volume
    if tp.slug == "renewal":
        weight *= 1.9 if day.month in (1, 7) else 0.8
    elif tp.slug == "invoicing":
        weight *= 2.2 if day.day <= 5 else 0.8
    elif tp.slug == "website-marketing":
        weight *= 1.6 if day.month in (3, 9) else 0.95
    elif tp.slug == DETERIORATING and deteriorating:
        weight *= 1.3
    return weight


def deterioration(deteriorating_for: int) -> float:
    """How far the deteriorating touch point has fallen, in standard deviations, so many
    days into its decline (none before it starts)."""
    if deteriorating_for < 0:
        return 0.0
    return 0.95 * min(1.0, (deteriorating_for + 1) / 10)


def quality_of(tp: TouchpointSpec, day: dt.date, progress: float, deteriorating_for: int) -> float:
    """A touch point's latent quality on a day, in standard deviations from average.

    Apart from the support desk's slow, planned improvement and the one touch point
    that deteriorates, every touch point is a stable process: its weekly figures vary
    by chance alone, so the dashboards should flag nothing there.
    """
    quality = tp.quality
    if tp.slug == "support-desk":  # a steady improvement programme over the year
        quality += 0.3 * progress - 0.15
    if tp.slug == DETERIORATING:
        quality -= deterioration(deteriorating_for)
    return quality


class Generator:
    def __init__(
        self,
        *,
        responses: int,
        seed: int,
        now: dt.datetime,
        customers: list[CustomerSpec],
        thresholds: dict[str, Thresholds],
        counters: dict[int, int],
        chunk_size: int = 5000,
    ):
        self.responses = responses
        self.rng = random.Random(f"{seed}-feedback")
        self.case_rng = random.Random(f"{seed}-cases")
        self.now = now
        self.start = now - dt.timedelta(days=DAYS)
        self.customers = customers
        self.customer_cum = list(itertools.accumulate(c.activity for c in customers))
        self.thresholds = thresholds
        self.counters = dict(counters)
        self.chunk_size = chunk_size
        self.case_seq = 0
        self.pending: dict[int, PlannedCase] = {}
        # The latest case of each (customer, touch point): the only one that can be
        # open, or become open again, at any moment.
        self.latest: dict[tuple[int, str], PlannedCase] = {}
        self.cases_total = 0

    # Calendar ---------------------------------------------------------------------
    def days(self) -> list[tuple[dt.date, int]]:
        """Every day of the year and how many pieces of feedback arrive that day."""
        first = self.start.date()
        dates = [first + dt.timedelta(days=i) for i in range((self.now.date() - first).days + 1)]
        weights = [day_volume(d) * (0.9 + 0.2 * i / len(dates)) for i, d in enumerate(dates)]
        weights[0] *= 1 - (
            self.start - dt.datetime.combine(first, dt.time(), self.start.tzinfo)
        ) / (dt.timedelta(days=1))
        weights[-1] *= (self.now - dt.datetime.combine(dates[-1], dt.time(), self.now.tzinfo)) / (
            dt.timedelta(days=1)
        )
        total = sum(weights)
        counts, carried, given = [], 0.0, 0
        for w in weights:  # systematic rounding: the counts add up to exactly N
            carried += self.responses * w / total
            count = round(carried) - given
            given += count
            counts.append(count)
        return list(zip(dates, counts, strict=True))

    def moment(self, day: dt.date) -> dt.datetime:
        low = max(self.start, dt.datetime.combine(day, dt.time(), self.now.tzinfo))
        high = min(
            self.now, low.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
        )
        hour = bisect.bisect(HOUR_CUM, self.rng.random() * HOUR_CUM[-1])
        at = dt.datetime.combine(day, dt.time(hour), self.now.tzinfo) + dt.timedelta(
            seconds=self.rng.uniform(0, 3600)
        )
        if not low <= at < high:
            at = low + (high - low) * self.rng.random()
        return at

    # Feedback ---------------------------------------------------------------------
    def reference_next(self, at: dt.datetime) -> str:
        number = self.counters.get(at.year, 0) + 1
        self.counters[at.year] = number
        return reference_format(at.year, number)

    def feedback(
        self,
        tp: TouchpointSpec,
        at: dt.datetime,
        quality: float,
        worse: bool,
        recovered: float = 0.0,
    ) -> FeedbackRow:
        """One piece of feedback; `recovered` is what the programme's effective change gave
        back to the recovering survey's answers (in standard deviations).

        A recovered answer draws from the main stream exactly what it would have drawn
        unrecovered, so the rest of the year, at every other touch point, stays the same
        feedback whatever the recovery. Only its score moves: what customers write
        about the deteriorated delivery stays as written, and its theme still rises.
        """
        rng = self.rng
        anonymous = rng.random() < (0.25 if tp.slug == "website-marketing" else 0.06)
        customer = None
        if not anonymous and self.customers:
            pick = rng.random() * self.customer_cum[-1]
            customer = self.customers[bisect.bisect(self.customer_cum, pick)]
        complaint_share = tp.complaint_share * (3.5 if worse else 1.0)
        r = rng.random()
        kind = (
            "complaint"
            if r < complaint_share
            else "feedback"
            if r < complaint_share + 0.08
            else "survey"
        )
        latent = quality + segment_effect(tp.slug, customer) + rng.gauss(0, 1)
        survey_index, score_type, score = None, None, None
        if kind == "survey":
            survey_index = rng.randrange(len(tp.surveys))
            kind_of_survey = tp.surveys[survey_index].kind
            if tp.surveys[survey_index].name != RECOVERING_SURVEY:
                recovered = 0.0
            if kind_of_survey != "open":
                score_type, score = kind_of_survey, score_of(kind_of_survey, latent)
        else:
            recovered = 0.0
        comment = self.comment(rng, tp, kind, score_type, score, latent, worse)
        if recovered and score_type is not None:
            score = score_of(score_type, latent + recovered)
        channels, weights = CHANNELS[kind]
        delay = dt.timedelta(hours=rng.lognormvariate(math.log(10 if kind == "survey" else 3), 1))
        return FeedbackRow(
            reference=self.reference_next(at),
            touchpoint=tp.slug,
            survey=survey_index,
            customer=customer.index if customer else None,
            kind=kind,
            channel=rng.choices(channels, weights)[0],
            score_type=score_type,
            score=score,
            comment=comment,
            occurred_at=at - delay,
            received_at=at,
        )

    @staticmethod
    def comment(
        rng: random.Random,
        tp: TouchpointSpec,
        kind: str,
        score_type: str | None,
        score: int | None,
        latent: float,
        worse: bool,
    ) -> str:
        if kind == "complaint":
            mood = text.NEGATIVE
        elif score_type is not None and score is not None:
            mood = text.mood_of_score(score_type, score)
        else:
            mood = text.mood_of_latent(latent)
        if not text.wants_comment(rng, mood, has_score=score is not None):
            return ""
        return text.comment_compose(
            rng,
            touchpoint=tp.slug,
            mood=mood,
            complaint=kind == "complaint",
            deteriorating=worse,
        )

    # Cases ------------------------------------------------------------------------
    def route(self, row: FeedbackRow, tp: TouchpointSpec, worse: bool) -> None:
        """Open a case for the feedback, or join the customer's open case at the touch point."""
        if not needs_case(
            self.thresholds[tp.slug],
            is_complaint=row.kind == "complaint",
            score_type=row.score_type,
            score=row.score,
        ):
            return
        key = (row.customer, tp.slug) if row.customer is not None else None
        latest = self.latest.get(key) if key else None
        at = row.received_at
        if latest is not None and latest.is_open_at(at):
            latest.attach(
                attached_event(at=at, reference=row.reference, comment=row.comment, score=row.score)
            )
            row.case = latest.seq
            return
        if latest is not None and latest.reopens_after(at):
            # In the product a reopened case would now sit beside the new one; the
            # customer wrote anew instead of answering, so its plan ends here.
            latest.truncate(at)
        self.case_seq += 1
        customer = self.customers[row.customer] if row.customer is not None else None
        ctx = CaseContext(
            reference=row.reference,
            touchpoint=tp.slug,
            team=TEAMS_BY_SLUG[tp.team],
            opened_at=at,
            customer_first=customer.first_name if customer else None,
            complaint=row.kind == "complaint",
            deteriorating=worse,
            now=self.now,
        )
        case = PlannedCase(
            seq=self.case_seq,
            reference=row.reference,
            touchpoint=tp.slug,
            team=tp.team,
            customer=row.customer,
            opened_at=at,
            events=case_plan(self.case_rng, ctx),
        )
        case.refresh()
        self.pending[case.seq] = case
        if key:
            self.latest[key] = case
        row.case = case.seq
        self.cases_total += 1

    def settled(self, clock: dt.datetime) -> list[PlannedCase]:
        """Cases nothing can change any more: closed or resolved for good, in the past."""
        done = [c for c in self.pending.values() if not c.is_open and c.last_at < clock]
        for case in done:
            del self.pending[case.seq]
            if case.customer is not None:
                key = (case.customer, case.touchpoint)
                if self.latest.get(key) is case:
                    del self.latest[key]
        return sorted(done, key=lambda c: c.seq)

    def chunks(self) -> Iterator[Chunk]:
        chunk = Chunk()
        worse_from = self.now.date() - dt.timedelta(days=DETERIORATION_DAYS)
        recovered_from = self.now.date() - dt.timedelta(days=RECOVERY_DAYS)
        days = self.days()
        for i, (day, count) in enumerate(days):
            deteriorating_for = (day - worse_from).days
            progress = i / max(1, len(days) - 1)
            volumes = [touchpoint_volume(tp, day, deteriorating_for >= 0) for tp in TOUCHPOINTS]
            cum = list(itertools.accumulate(volumes))
            moments = sorted(self.moment(day) for _ in range(count))
            for at in moments:
                tp = TOUCHPOINTS[bisect.bisect(cum, self.rng.random() * cum[-1])]
                worse = tp.slug == DETERIORATING and deteriorating_for >= 0
                quality = quality_of(tp, day, progress, deteriorating_for)
                recovered = (
                    deterioration(deteriorating_for)
                    if tp.slug == DETERIORATING and day >= recovered_from
                    else 0.0
                )
                row = self.feedback(tp, at, quality, worse, recovered)
                self.route(row, tp, worse)
                chunk.feedback.append(row)
                if len(chunk.feedback) >= self.chunk_size:
                    chunk.cases = self.settled(at)
                    yield chunk
                    chunk = Chunk()
        chunk.cases = sorted(self.pending.values(), key=lambda c: c.seq)
        self.pending.clear()
        self.latest.clear()
        yield chunk
