"""An action's check read from the rollups: the difference-in-differences against the rest
of the organisation, the planned sample, the one look, and the verdict kept."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.conftest import Org
from tests.improvement_data import plant_complaints, planted_row, rollups_from_rows
from vocloop.cases.timeline import Actor
from vocloop.improvement.check import CANNOT_CHECK, NOT_STARTED, Window, action_check
from vocloop.improvement.errors import ImprovementConflict, ImprovementError
from vocloop.improvement.models import Action
from vocloop.improvement.readiness import action_checks_sweep
from vocloop.improvement.services import (
    action_advance,
    action_check_record,
    action_close,
    action_create,
    action_task_add,
    action_task_done,
    action_update,
)
from vocloop.listening.models import Feedback
from vocloop.notifications.models import OutboxMessage
from vocloop.statistics.effect import EFFECTIVE, NOT_YET
from vocloop.statistics.intervals import wilson_interval

CHANGE = dt.date(2026, 9, 7)  # a Monday
BEFORE = CHANGE - dt.timedelta(weeks=8)


def raise_action(org: Org, **extra: object) -> Action:
    fields: dict[str, object] = {
        "title": "Check invoices before they go out",
        "metric": "complaint_rate",
        "touchpoint": org.invoicing,
        "problem": "A third of invoicing feedback is a complaint.",
        "change": "A second pair of eyes on every invoice over 1,000.",
        "expected_effect": -0.10,
        "team": org.billing,
        "owner": org.billing_agent,
        "due_on": dt.date(2026, 12, 31),
    }
    return action_create(actor=Actor.staff(org.manager), **(fields | extra))


def plant(org: Org, *, scope_after: float, rest_after: float, seed: int = 1) -> None:
    rng = random.Random(seed)
    weeks_after = 10
    plant_complaints(
        org.invoicing, first=BEFORE, days=56, per_day=12, complaint_share=0.30, rng=rng
    )
    plant_complaints(org.helpdesk, first=BEFORE, days=56, per_day=40, complaint_share=0.25, rng=rng)
    days = 7 * weeks_after
    plant_complaints(
        org.invoicing, first=CHANGE, days=days, per_day=12, complaint_share=scope_after, rng=rng
    )
    plant_complaints(
        org.helpdesk, first=CHANGE, days=days, per_day=40, complaint_share=rest_after, rng=rng
    )
    rollups_from_rows()


def counted(touchpoint: object, first: dt.date, last: dt.date) -> tuple[int, int]:
    rows = Feedback.objects.filter(
        touchpoint=touchpoint, occurred_at__date__gte=first, occurred_at__date__lte=last
    )
    return rows.filter(kind=Feedback.Kind.COMPLAINT).count(), rows.count()


def test_the_check_compares_with_the_rest_and_stops_at_the_planned_sample(org: Org) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org, effective_from=CHANGE)
    check = action_check(action, today=dt.date(2026, 11, 30))
    assert check.needed_n is not None and check.final and check.verdict == EFFECTIVE
    # The one look: the after-period ends on the day the planned sample was complete.
    assert check.after_window is not None and check.before_window is not None
    assert check.responses >= check.needed_n > check.responses - 12
    days = check.after_window.days
    assert days == -(-check.needed_n // 12)
    # Every figure equals counting the raw rows of the windows.
    k_sb, n_sb = counted(org.invoicing, *vars(check.before_window).values())
    k_sa, n_sa = counted(org.invoicing, check.after_window.first, check.after_window.last)
    k_rb, n_rb = counted(org.helpdesk, *vars(check.before_window).values())
    k_ra, n_ra = counted(org.helpdesk, check.after_window.first, check.after_window.last)
    assert check.before is not None and check.before.n == n_sb == 56 * 12
    assert check.before.value == pytest.approx(k_sb / n_sb)
    assert (check.before.ci_low, check.before.ci_high) == pytest.approx(wilson_interval(k_sb, n_sb))
    assert check.effect is not None
    expected = (k_sa / n_sa - k_sb / n_sb) - (k_ra / n_ra - k_rb / n_rb)
    assert check.effect.difference == pytest.approx(expected)
    assert check.effect.n_rest_after == n_ra and check.effect.n_scope_after == n_sa


def test_an_action_scoped_to_a_team_is_checked_against_the_other_teams(org: Org) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org, touchpoint=None, scope_team=org.billing, effective_from=CHANGE)
    check = action_check(action, today=dt.date(2026, 11, 30))
    assert check.final and check.verdict == EFFECTIVE
    assert check.before_window is not None and check.after_window is not None

    def team_counted(team: object, window: Window) -> tuple[int, int]:
        rows = Feedback.objects.filter(
            touchpoint__owning_team=team,
            occurred_at__date__gte=window.first,
            occurred_at__date__lte=window.last,
        )
        return rows.filter(kind=Feedback.Kind.COMPLAINT).count(), rows.count()

    k_sb, n_sb = team_counted(org.billing, check.before_window)
    k_sa, n_sa = team_counted(org.billing, check.after_window)
    k_rb, n_rb = team_counted(org.support, check.before_window)
    k_ra, n_ra = team_counted(org.support, check.after_window)
    assert check.before is not None and (check.before.n, check.before.value) == (
        n_sb,
        pytest.approx(k_sb / n_sb),
    )
    assert check.rest_before is not None and check.rest_before.n == n_rb
    assert check.effect is not None and check.effect.n_rest_after == n_ra
    expected = (k_sa / n_sa - k_sb / n_sb) - (k_ra / n_ra - k_rb / n_rb)
    assert check.effect.difference == pytest.approx(expected)


def test_before_the_planned_sample_it_says_how_many_and_when(org: Org) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org, effective_from=CHANGE)
    check = action_check(action, today=CHANGE + dt.timedelta(days=15))
    assert check.verdict == NOT_YET and not check.final
    assert check.after_window is not None and check.after_window.days == 14
    assert check.responses == 14 * 12 < (check.needed_n or 0)
    missing = (check.needed_n or 0) - check.responses
    assert check.expected_ready_on == check.after_window.last + dt.timedelta(days=-(-missing // 12))
    assert f"{check.responses:,} of {check.needed_n:,}" in check.sentence
    ready = f"they will be in by {check.expected_ready_on:%-d %B %Y}"
    assert check.sentence.endswith(ready + ".")
    # Ready after the day the action is due: the sentence says so.
    action.due_on = CHANGE + dt.timedelta(days=16)
    late = action_check(action, today=CHANGE + dt.timedelta(days=15))
    assert late.sentence.endswith(
        f"{ready}, after the action's due date of {action.due_on:%-d %B %Y}."
    )


def test_a_company_wide_drop_is_not_credited_to_the_action(org: Org) -> None:
    plant(org, scope_after=0.15, rest_after=0.10)  # everyone fell by about as much
    action = raise_action(org, effective_from=CHANGE)
    check = action_check(action, today=dt.date(2026, 11, 30))
    assert check.final and check.verdict != EFFECTIVE
    assert check.after is not None and check.before is not None
    assert (check.after.value or 0) < (check.before.value or 0)  # the scope alone did fall


def test_without_a_date_or_a_rest_there_is_nothing_to_check(org: Org) -> None:
    assert action_check(raise_action(org), today=CHANGE).verdict == NOT_STARTED
    whole = raise_action(org, touchpoint=None, effective_from=CHANGE)
    answer = action_check(whole, today=CHANGE)
    assert answer.verdict == CANNOT_CHECK and "whole organisation" in answer.sentence


def test_the_verdict_is_kept_and_only_an_effective_one_closes_without_a_reason(org: Org) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org)
    staff = Actor.staff(org.manager)
    action_advance(action=action, actor=staff)
    with pytest.raises(ImprovementError, match="took effect"):
        action_advance(action=action, actor=staff)
    action_update(action=action, actor=staff, effective_from=CHANGE)
    action_advance(action=action, actor=staff)
    assert action.phase == Action.Phase.CHECK
    with pytest.raises(ImprovementError, match="not concluded"):
        action_advance(action=action, actor=staff, today=CHANGE + dt.timedelta(days=15))
    action_advance(action=action, actor=staff, today=dt.date(2026, 11, 30))
    assert (action.phase, action.verdict) == (Action.Phase.ACT, EFFECTIVE)
    with pytest.raises(ImprovementError, match="can no longer change"):
        action_update(action=action, actor=staff, expected_effect=-0.2)
    # What was planned is done before the change becomes the standard.
    task = action_task_add(action=action, actor=staff, title="Train the night shift")
    with pytest.raises(ImprovementConflict, match=r"1 task still open \(Train the night shift\)"):
        action_close(action=action, actor=staff)
    action_task_done(task=task, actor=staff)
    action_close(action=action, actor=staff)
    assert action.outcome == Action.Outcome.STANDARDISED
    kinds = list(action.events.values_list("kind", flat=True))
    assert kinds == [
        "raised",
        "phase",
        "changed",
        "phase",
        "verdict",
        "phase",
        "task",
        "task_done",
        "closed",
    ]


def test_closing_without_an_effective_verdict_needs_a_reason(org: Org) -> None:
    action = raise_action(org)
    staff = Actor.staff(org.manager)
    with pytest.raises(ImprovementError, match="why it closes"):
        action_close(action=action, actor=staff, reason="no")
    action_close(action=action, actor=staff, reason="The supplier withdrew the product line.")
    assert action.outcome == Action.Outcome.CLOSED_WITH_REASON
    assert action_check_record(action=action).verdict == ""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metric": "happiness"}, "Unknown metric"),
        ({"before_from": CHANGE, "before_to": BEFORE}, "ends before it starts"),
        ({"effective_from": CHANGE, "before_to": CHANGE}, "before the change took effect"),
        ({"metric": "time_to_resolve", "channel": "web"}, "cases have no channel"),
    ],
)
def test_bad_plans_are_refused_in_words(org: Org, fields: dict[str, object], message: str) -> None:
    with pytest.raises(ImprovementError, match=message):
        raise_action(org, **fields)


def test_the_owner_is_told_once_when_the_check_concludes(org: Org) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org, effective_from=CHANGE)
    staff = Actor.staff(org.manager)
    action_advance(action=action, actor=staff)
    action_advance(action=action, actor=staff)
    assert action.phase == Action.Phase.CHECK
    assert action_checks_sweep(today=CHANGE + dt.timedelta(days=15)) == 0  # not in yet
    assert not OutboxMessage.objects.filter(kind="staff_action_checked").exists()
    assert action_checks_sweep(today=dt.date(2026, 11, 30)) == 1
    assert action_checks_sweep(today=dt.date(2026, 11, 30)) == 0
    (email,) = OutboxMessage.objects.filter(kind="staff_action_checked")
    action.refresh_from_db()
    assert email.recipient == org.billing_agent.email
    assert action.verdict == EFFECTIVE and action.verdict_text in email.body_text
    assert f"/staff/improvement/actions/{action.pk}/" in email.body_text


def test_a_mean_from_a_single_answer_is_no_effect_yet_not_an_error(org: Org) -> None:
    # Effort scores (a mean) with one answer after the change at the invoicing desk: a
    # mean of one has no spread, so no difference can be judged yet.
    rows = [
        (org.invoicing, CHANGE - dt.timedelta(days=10), 3),
        (org.invoicing, CHANGE - dt.timedelta(days=9), 5),
        (org.invoicing, CHANGE + dt.timedelta(days=1), 6),
        *((org.helpdesk, CHANGE - dt.timedelta(days=d), 4 + d % 3) for d in range(1, 9)),
        *((org.helpdesk, CHANGE + dt.timedelta(days=d), 5 + d % 2) for d in range(1, 9)),
    ]
    Feedback.objects.bulk_create(
        planted_row(
            tp, dt.datetime.combine(day, dt.time(12), dt.UTC), kind="survey", score_type="ces",
            score=score,
        )
        for tp, day, score in rows
    )  # fmt: skip
    rollups_from_rows()
    action = raise_action(org, metric="ces", expected_effect=1.0, effective_from=CHANGE)
    check = action_check(action, today=CHANGE + dt.timedelta(days=15))
    assert check.verdict == NOT_YET and check.effect is None
    assert check.after is not None and check.after.n == 1
