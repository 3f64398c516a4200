"""Objectives are reviewed at their cadence: when, by whom, what the review records."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.clock import Clock, utc
from tests.conftest import Org
from tests.staff_pages import logged_in
from tests.test_improvement_pages import page, set_objective
from vocloop.cases.timeline import Actor
from vocloop.improvement.announce import webhook_event_of
from vocloop.improvement.digest import IMPROVEMENT_DIGEST
from vocloop.improvement.models import Cadence, ImprovementEvent, Objective
from vocloop.improvement.reviews import (
    add_months,
    one_period_after,
    review_state,
    review_states,
)
from vocloop.improvement.services import ImprovementError, objective_review
from vocloop.improvement.status import objective_status

TODAY = dt.date(2026, 11, 20)  # the clock fixture's day


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 5, 31), 12, dt.date(2027, 5, 31)),
    ],
)
def test_a_month_later_is_the_same_day_or_the_months_last(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


def test_the_cadence_gives_the_period_between_reviews() -> None:
    day = dt.date(2026, 11, 20)
    assert one_period_after(day, Cadence.WEEKLY) == dt.date(2026, 11, 27)
    assert one_period_after(day, Cadence.MONTHLY) == dt.date(2026, 12, 20)
    assert one_period_after(day, Cadence.QUARTERLY) == dt.date(2027, 2, 20)


def _objective(**fields: object) -> Objective:
    base: dict[str, object] = {
        "due_on": dt.date(2027, 3, 31),
        "review_cadence": Cadence.MONTHLY,
        "created_at": utc(2026, 10, 1, 9, 0),
    }
    return Objective(**(base | fields))


def test_the_first_review_is_a_period_after_the_objective_was_set() -> None:
    state = review_state(_objective(), None, today=TODAY)
    assert (state.last_on, state.next_on) == (None, dt.date(2026, 11, 1))
    assert state.overdue and state.due


def test_each_next_review_is_a_period_after_the_last() -> None:
    state = review_state(_objective(), dt.date(2026, 11, 10), today=TODAY)
    assert state.next_on == dt.date(2026, 12, 10) and not state.due
    weekly = review_state(_objective(review_cadence=Cadence.WEEKLY), TODAY, today=TODAY)
    assert weekly.next_on == dt.date(2026, 11, 27)


def test_an_objective_is_reviewed_when_it_falls_due_and_once_after() -> None:
    near = _objective(due_on=dt.date(2026, 11, 25), review_cadence=Cadence.QUARTERLY)
    assert review_state(near, dt.date(2026, 11, 1), today=TODAY).next_on == dt.date(2026, 11, 25)
    final = review_state(near, dt.date(2026, 11, 26), today=dt.date(2026, 12, 1))
    assert final.next_on is None and not final.due and final.last_on == dt.date(2026, 11, 26)


def test_a_review_records_the_decision_and_the_status_of_the_day(org: Org, clock: Clock) -> None:
    objective = set_objective(org)
    clock.to(utc(2026, 12, 22, 10, 0))
    day = dt.date(2026, 12, 22)
    entry = objective_review(
        objective=objective,
        actor=Actor.staff(org.billing_agent),
        decision="act",
        note="Invoices still go out late; raise an action on the print run.",
        today=day,
    )
    status = objective_status(objective, today=day)
    assert entry.kind == "reviewed" and entry.actor == org.billing_agent
    assert entry.data == {
        "decision": "act",
        "note": "Invoices still go out late; raise an action on the print run.",
        "status": status.status,
        "sentence": status.sentence,
    }
    assert webhook_event_of(entry) == "objective.reviewed"
    state = review_states([objective], today=day)[objective.pk]
    assert (state.last_on, state.next_on) == (day, dt.date(2027, 1, 22))


@pytest.mark.parametrize(
    ("decision", "note", "said"),
    [
        ("shrug", "A decision that is not one.", "Unknown decision 'shrug'"),
        ("keep", "  ok  ", "at least 10 characters"),
    ],
)
def test_a_review_without_a_decision_in_words_is_refused(
    org: Org, clock: Clock, decision: str, note: str, said: str
) -> None:
    objective = set_objective(org)
    with pytest.raises(ImprovementError, match=said):
        objective_review(
            objective=objective,
            actor=Actor.staff(org.manager),
            decision=decision,
            note=note,
            today=TODAY,
        )
    assert not ImprovementEvent.objects.filter(kind="reviewed").exists()


def test_the_owner_reviews_through_the_objective_page(org: Org, clock: Clock) -> None:
    objective = set_objective(org)
    clock.to(utc(2026, 12, 22, 10, 0))
    url = reverse("improvement:objective", args=[objective.pk])
    owner = logged_in(org.billing_agent)
    before = page(owner, url)
    assert "Review overdue" in before and "20 Dec 2026" in before
    assert "Review the objective" in before and "Not reviewed yet." in before
    assert "Review overdue" in page(owner, reverse("improvement:objectives"))

    note = "On course: the new invoice template is live; keep to the plan."
    posted = owner.post(
        reverse("improvement:objective_review", args=[objective.pk]),
        {"review-decision": "keep", "review-note": note},
    )
    assert posted.status_code == 302 and posted["Location"] == url
    after = page(owner, url)
    assert "Keep to the plan" in after and note in after
    assert objective_status(objective, today=dt.date(2026, 12, 22)).sentence in after
    assert "Review overdue" not in after and "next review 22 Jan 2027" in after

    refused = owner.post(
        reverse("improvement:objective_review", args=[objective.pk]),
        {"review-decision": "keep", "review-note": ""},
    )
    assert refused.status_code == 400
    assert "Say what the review decided and why." in refused.content.decode()
    assert ImprovementEvent.objects.filter(kind="reviewed").count() == 1


def test_only_its_owner_leads_and_managers_review_an_objective(org: Org, clock: Clock) -> None:
    objective = set_objective(org)
    url = reverse("improvement:objective_review", args=[objective.pk])
    data = {"review-decision": "keep", "review-note": "Nothing to change this month."}
    colleague = get_user_model().objects.create_user("colleague", password="x" * 16)
    org.billing.members.add(colleague)
    member = logged_in(colleague)
    assert "Review the objective" not in page(
        member, reverse("improvement:objective", args=[objective.pk])
    )
    assert member.post(url, data).status_code == 403
    # Another team's member does not see it at all.
    assert logged_in(org.support_agent).post(url, data).status_code == 404
    assert logged_in(org.manager).post(url, data).status_code == 302
    assert ImprovementEvent.objects.filter(kind="reviewed").count() == 1


def test_the_owners_digest_and_the_csv_say_when_reviews_are_due(org: Org, clock: Clock) -> None:
    due = set_objective(org, title="Reviewed too rarely")
    clock.to(utc(2026, 11, 25, 9, 0))
    fresh = set_objective(org, title="Set this week")
    day = dt.date(2026, 12, 22)
    clock.to(utc(2026, 12, 22, 9, 0))
    told = IMPROVEMENT_DIGEST.digest_context([org.billing_agent], today=day)
    rows = told[org.billing_agent.pk]["objectives_to_review"]
    assert [row["objective"] for row in rows] == [due]
    assert rows[0]["review"].next_on == dt.date(2026, 12, 20)
    assert rows[0]["url"].endswith(reverse("improvement:objective", args=[due.pk]))

    body = logged_in(org.manager).get(reverse("improvement:objectives_csv")).content.decode()
    table = {row["title"]: row for row in csv.DictReader(io.StringIO(body))}
    assert table[due.title]["next_review_on"] == "2026-12-20"
    assert table[fresh.title]["next_review_on"] == "2026-12-25"
    assert table[due.title]["last_reviewed_on"] == ""


def test_a_review_that_concludes_the_objective_ends_its_reviews(org: Org, clock: Clock) -> None:
    objective = set_objective(org)
    clock.to(utc(2026, 12, 22, 10, 0))
    day = dt.date(2026, 12, 22)
    objective_review(
        objective=objective,
        actor=Actor.staff(org.manager),
        decision="conclude",
        note="Met for three months running; the controls stay in the procedure.",
        today=day,
    )
    later = dt.date(2027, 6, 1)  # past a due date that would call for another review
    state = review_states([objective], today=later)[objective.pk]
    assert state.concluded and state.next_on is None and not state.due
    assert not IMPROVEMENT_DIGEST.digest_context([org.billing_agent], today=later)
    shown = page(logged_in(org.manager), reverse("improvement:objectives"))
    assert "concluded</strong> at the review of 22 Dec 2026" in shown
    assert "Review overdue" not in shown
