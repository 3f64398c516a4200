"""How long unmasked originals stay: feedback without a case by the retention setting; a
case's comments and the customer's messages while it is open, then by its resolution."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from tests.helpers import give_feedback
from vocloop.cases.customer_actions import case_customer_message
from vocloop.cases.models import OPEN_STATUSES, Case, CaseEventOriginal, RootCause, Status
from vocloop.cases.services import Actor, case_reopen, case_resolve
from vocloop.insights.models import OriginalComment, TextSettings
from vocloop.insights.services import originals_purge, text_settings_save

CALL_ME = "Broken again. Call me on 0612345678."
DAY = dt.timedelta(days=1)


def keep_days(days: int) -> None:
    TextSettings.objects.update_or_create(pk=1, defaults={"keep_original_days": days})


def case_with_originals(org: Any) -> Case:
    """A complaint with a phone number, and a follow-up with an address: two originals."""
    feedback = give_feedback(org.helpdesk, score=None, kind="complaint", comment=CALL_ME)
    case = feedback.case
    case_customer_message(case=case, body="Or write to jo@example.com.")
    assert OriginalComment.objects.filter(feedback=feedback).exists()
    assert CaseEventOriginal.objects.filter(event__case=case).exists()
    return case


def resolve(case: Case, org: Any) -> Case:
    return case_resolve(
        case=case,
        resolution="Replaced it.",
        root_cause=RootCause.objects.get(slug="product"),
        actor=Actor.staff(org.support_agent),
    )


def originals_of(case: Case) -> int:
    return (
        OriginalComment.objects.filter(feedback__case=case).count()
        + CaseEventOriginal.objects.filter(event__case=case).count()
    )


def test_an_open_case_keeps_its_originals_whatever_the_setting(org):
    case = case_with_originals(org)  # 0 days by default: no original of caseless feedback
    caseless = give_feedback(org.helpdesk, score=9, comment="Great. Call me on 0612345678.")
    assert not OriginalComment.objects.filter(feedback=caseless).exists()
    assert originals_purge(now=case.opened_at + 3650 * DAY) == 0
    assert originals_of(case) == 2


def test_after_resolution_they_stay_for_the_retention_counted_from_it(org):
    keep_days(10)
    case = resolve(case_with_originals(org), org)
    assert case.resolved_at is not None
    assert originals_purge(now=case.resolved_at + 9 * DAY) == 0
    assert originals_purge(now=case.resolved_at + 11 * DAY) == 2
    assert originals_of(case) == 0


def test_with_no_retention_they_go_at_the_first_purge_after_resolution(org):
    case = resolve(case_with_originals(org), org)
    assert originals_purge(now=case.resolved_at + dt.timedelta(seconds=1)) == 2


def test_a_reopened_case_keeps_them_again(org):
    case = resolve(case_with_originals(org), org)
    case_reopen(case=case, reason="Still broken.", actor=Actor.staff(org.support_agent))
    assert originals_purge(now=case.opened_at + 3650 * DAY) == 0
    assert originals_of(case) == 2


def test_a_closed_case_counts_from_its_resolution(org):
    keep_days(5)
    case = resolve(case_with_originals(org), org)
    Case.objects.filter(pk=case.pk).update(
        status=Status.CLOSED, closed_at=case.resolved_at + 3 * DAY
    )
    assert originals_purge(now=case.resolved_at + 4 * DAY) == 0
    assert originals_purge(now=case.resolved_at + 6 * DAY) == 2


def test_saving_no_retention_purges_caseless_originals_but_not_an_open_cases(org):
    keep_days(30)
    caseless = give_feedback(org.helpdesk, score=9, comment="Nice. Call me on 0612345678.")
    case = case_with_originals(org)
    text_settings_save(keep_original_days=0)
    assert not OriginalComment.objects.filter(feedback=caseless).exists()
    assert originals_of(case) == 2


@pytest.mark.parametrize("seed", [1, 2])
def test_the_purge_deletes_exactly_what_the_rule_says_checked_case_by_case(org, seed):
    """Many cases in every state, against the rule written out plainly in Python."""
    rng = random.Random(seed)
    days = rng.choice([0, 7, 30])
    keep_days(days)
    now = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    cases = [case_with_originals(org) for _ in range(16)]
    for case in cases:
        status = rng.choice(list(Status))
        ended = now - dt.timedelta(hours=rng.randint(0, 24 * 60))
        resolved = ended if status in (Status.RESOLVED, Status.CLOSED) else None
        if status == Status.CLOSED and rng.random() < 0.3:
            resolved = None  # closed without a recorded resolution: counted from closing
        Case.objects.filter(pk=case.pk).update(
            status=status,
            resolved_at=resolved,
            closed_at=ended if status == Status.CLOSED else None,
            updated_at=ended,
        )
    # An original of feedback without a case, due and not yet due.
    keep_days(days or 1)
    due = give_feedback(org.helpdesk, score=9, comment="Call me on 0698765432.")
    OriginalComment.objects.filter(feedback=due).update(keep_until=now - DAY)
    young = give_feedback(org.helpdesk, score=9, comment="Call me on 0698765431.")
    OriginalComment.objects.filter(feedback=young).update(keep_until=now + DAY)
    keep_days(days)

    expected_gone = set()
    for case in Case.objects.all():
        ended_at = case.resolved_at or case.closed_at or case.updated_at
        if case.status not in OPEN_STATUSES and ended_at < now - dt.timedelta(days=days):
            expected_gone.add(case.pk)
    assert 0 < len(expected_gone) < len(cases)  # the draw covers both outcomes

    deleted = originals_purge(now=now)
    assert deleted == 2 * len(expected_gone) + 1
    remaining = set(OriginalComment.objects.values_list("feedback__case", flat=True))
    remaining |= set(CaseEventOriginal.objects.values_list("event__case", flat=True))
    assert remaining == ({c.pk for c in cases} - expected_gone) | {None}
    assert OriginalComment.objects.filter(feedback=young).exists()
    assert not OriginalComment.objects.filter(feedback=due).exists()
