"""The demo's improvement programme: objectives in every status, actions in every PDCA phase.

The demo as `make demo` loads it (seed 42, 20,000 responses), as of the day the browser
journey test uses: the smaller demo of test_demo.py (5,000 responses) holds too few
answers at one touch point for a check to conclude in four weeks, as a real
organisation of that size would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from statistics import mean
from typing import Any

import pytest
from django.core.management import call_command
from scipy import stats

from tests.demo_fixture import demo_for_module
from vocloop.dashboards.figures import SCORE_METRICS, figures
from vocloop.dashboards.forms import default_range
from vocloop.demo import loader
from vocloop.demo.organisation import (
    DETERIORATING,
    RECOVERING_SURVEY,
    RECOVERY_DAYS,
    TOUCHPOINTS_BY_SLUG,
)
from vocloop.demo.programme import OBJECTIVES, REVIEW_OVERDUE
from vocloop.improvement.authority import may_set_objective_for
from vocloop.improvement.check import action_check
from vocloop.improvement.models import Action, ImprovementEvent, Objective
from vocloop.improvement.reviews import review_states
from vocloop.improvement.status import objective_status
from vocloop.listening.models import Feedback, Touchpoint
from vocloop.metrics.selectors import Scope
from vocloop.statistics.effect import EFFECTIVE, INCONCLUSIVE, NOT_YET
from vocloop.statistics.projection import (
    AT_RISK,
    MET,
    NOT_ENOUGH_DATA,
    OFF_TRACK,
    ON_TRACK,
)

NOW = dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[loader.LoadResult]:
    """One demo for the module's read-only tests, rolled back when they are done."""
    with demo_for_module(django_db_blocker, responses=20_000, seed=42, now=NOW) as result:
        yield result


def test_the_objectives_show_every_status_computed_from_the_demos_data(demo, db):
    shown = [objective_status(o, today=TODAY).status for o in Objective.objects.all()]
    assert sorted(shown) == sorted((MET, ON_TRACK, AT_RISK, OFF_TRACK, NOT_ENOUGH_DATA))
    assert sorted(shown) == sorted(aim.aim for aim in OBJECTIVES)


def test_each_objective_was_set_by_one_who_may_with_a_due_date_after_its_baseline(demo, db):
    for objective in Objective.objects.select_related("owner", "team"):
        assert objective.baseline_to < TODAY < objective.due_on
        (created,) = ImprovementEvent.objects.filter(objective=objective, kind="created")
        assert may_set_objective_for(created.actor, objective.team_id)
        assert created.created_at == objective.created_at < NOW


def test_objectives_are_reviewed_monthly_by_their_owners_and_one_is_overdue(demo, db):
    objectives = list(Objective.objects.all())
    states = review_states(objectives, today=TODAY)
    overdue = [o.title for o in objectives if states[o.pk].overdue]
    assert overdue == [next(a.title for a in OBJECTIVES if a.key == REVIEW_OVERDUE)]
    for objective in objectives:
        reviews = ImprovementEvent.objects.filter(objective=objective, kind="reviewed")
        assert reviews and {r.actor for r in reviews} == {objective.owner}
        assert all(objective.created_at < r.created_at < NOW for r in reviews)
        latest = max(r.created_at for r in reviews)
        assert states[objective.pk].last_on == latest.date()


def test_the_off_track_objective_aims_at_the_level_before_the_deterioration(demo, db):
    objective = Objective.objects.get(touchpoint__slug=DETERIORATING)
    feedback = Feedback.objects.filter(
        touchpoint__slug=DETERIORATING,
        received_at__date__range=(objective.baseline_from, objective.baseline_to),
    )
    complaints = feedback.filter(kind=Feedback.Kind.COMPLAINT).count()
    assert objective.target == pytest.approx(complaints / feedback.count(), abs=0.001)
    assert objective_status(objective, today=TODAY).status == OFF_TRACK


def test_actions_stand_in_every_phase_with_both_kinds_of_close(demo, db):
    actions = Action.objects.all()
    assert {a.phase for a in actions} == set(Action.Phase.values)
    closed = {a.outcome: a for a in actions if a.phase == Action.Phase.CLOSED}
    assert set(closed) == set(Action.Outcome.values)
    assert closed[Action.Outcome.STANDARDISED].verdict == EFFECTIVE
    assert len(closed[Action.Outcome.CLOSED_WITH_REASON].close_reason) >= 20


def test_each_action_has_its_people_tasks_cases_and_timeline_at_the_demos_time(demo, db):
    for action in Action.objects.select_related("owner", "team"):
        assert action.team.lead_id == action.owner.pk or action.team.members.contains(action.owner)
        events = list(action.events.order_by("created_at", "pk"))
        assert events[0].kind == "raised" and events[0].created_at == action.created_at
        assert all(NOW - dt.timedelta(days=365) < e.created_at <= NOW for e in events)
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        for task in action.tasks.all():
            assert task.owner is not None and task.due_on is not None
        for case in action.cases.all():
            assert case.touchpoint_id == action.touchpoint_id


def test_the_action_on_the_deterioration_is_effective_and_standardised(demo, db):
    action = Action.objects.get(touchpoint__slug=DETERIORATING)
    assert action.effective_from == TODAY - dt.timedelta(days=RECOVERY_DAYS)
    check = action_check(action, today=TODAY)
    assert check.verdict == EFFECTIVE and check.final
    assert action.outcome == Action.Outcome.STANDARDISED and action.public
    assert action.cases.count() > 0


def test_its_effect_shows_in_the_raw_answers_while_the_touch_point_stays_worse(demo, db):
    """Independently of the rollups: the delivery-effort answers recover after the change
    (Welch's t on the raw scores), the installation ones do not."""
    action = Action.objects.get(touchpoint__slug=DETERIORATING)
    check = action_check(action, today=TODAY)
    assert check.before_window is not None and check.after_window is not None
    at = Feedback.objects.filter(touchpoint__slug=DETERIORATING, score__isnull=False)

    def scores(survey: str, window: Any) -> list[int]:
        return list(
            at.filter(
                survey__name=survey, occurred_at__date__range=(window.first, window.last)
            ).values_list("score", flat=True)
        )

    before = scores(RECOVERING_SURVEY, check.before_window)
    after = scores(RECOVERING_SURVEY, check.after_window)
    assert check.before is not None and check.after is not None
    assert (check.before.n, check.after.n) == (len(before), len(after))
    assert check.after.value - check.before.value == pytest.approx(mean(after) - mean(before))
    assert stats.ttest_ind(after, before, equal_var=False, alternative="greater").pvalue < 0.01
    (other,) = [
        s.name for s in TOUCHPOINTS_BY_SLUG[DETERIORATING].surveys if s.name != RECOVERING_SURVEY
    ]
    since = scores(other, check.after_window)
    worse_from = TODAY - dt.timedelta(days=60)
    earlier = list(
        at.filter(survey__name=other, occurred_at__date__lt=worse_from).values_list(
            "score", flat=True
        )
    )
    assert mean(since) < mean(earlier) - 0.5


def test_the_action_whose_change_does_nothing_has_no_effect_to_show(demo, db):
    action = Action.objects.get(touchpoint__slug="invoicing")
    assert action.phase == Action.Phase.CHECK
    assert action_check(action, today=TODAY).verdict in (NOT_YET, INCONCLUSIVE)


def test_the_deterioration_is_still_flagged_at_its_touch_point_only(demo, db):
    """What the journey shows (and tests/browser/test_dashboards.py sees in a browser)."""
    date_from, date_to = default_range(TODAY)
    flagged = set()
    for tp in Touchpoint.objects.all():
        scope = Scope(date_from, date_to, touchpoint_id=tp.pk)
        for fig in figures([*SCORE_METRICS, "complaint_rate"], scope):
            signal = fig.current_signal
            if signal is not None and (signal.meaning == "worse" or tp.slug != DETERIORATING):
                flagged.add((tp.slug, fig.name, signal.meaning))
    assert {slug for slug, _, _ in flagged} == {DETERIORATING}
    assert (DETERIORATING, "csat", "worse") in flagged


def test_the_demo_command_lists_the_improvement_pages(demo, db):
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "http://127.0.0.1:8000/staff/improvement/objectives/" in out.getvalue()
    assert "http://127.0.0.1:8000/staff/improvement/" in out.getvalue()
