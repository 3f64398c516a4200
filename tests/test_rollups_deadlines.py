"""SLA compliance counts every deadline on its own day: met, met late, or still open past it."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

from django.apps import apps
from django.urls import reverse

from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.staff_pages import logged_in
from tests.test_rollups import assert_rebuild_agrees, rollup_rows
from vocloop.cases import services as cases
from vocloop.cases.escalation import escalation_sweep
from vocloop.cases.models import Case, RootCause
from vocloop.metrics.models import CaseContribution, CaseRollup, CaseTouchpointRollup
from vocloop.metrics.rollups import rollup_deadlines_passed
from vocloop.metrics.selectors import METRICS, Scope, metric_groups

# Monday 2 March 2026, 09:00 UTC: the default calendar's working day begins (UTC).
MONDAY = utc(2026, 3, 2, 9, 0)
MARCH = Scope(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def compliance(name: str, scope: Scope = MARCH) -> tuple[float | None, int]:
    (group,) = metric_groups(METRICS[name], scope)
    return group.estimate.value, group.estimate.n


def deadline_counts(day: dt.date) -> tuple[int, int, int, int]:
    rows = CaseRollup.objects.filter(day=day)
    return (
        sum(r.acknowledge_deadlines for r in rows),
        sum(r.acknowledge_deadlines_met for r in rows),
        sum(r.resolve_deadlines for r in rows),
        sum(r.resolve_deadlines_met for r in rows),
    )


def open_case(org: Org, touchpoint: Any = None) -> Case:
    feedback = give_feedback(touchpoint or org.invoicing, score=2)  # anonymous: a case each
    assert feedback.case is not None
    return Case.objects.get(pk=feedback.case.pk)


def test_a_case_left_open_past_its_deadlines_is_a_miss_on_each_deadlines_day(
    org: Org, clock: Clock
) -> None:
    clock.to(MONDAY)
    case = open_case(org)  # Billing: no lead above it, so nobody to escalate to
    assert case.acknowledge_by == utc(2026, 3, 2, 17, 0)  # 8 business hours (normal)
    assert case.resolve_by == utc(2026, 3, 6, 17, 0)  # 40 business hours
    assert compliance("sla_compliance_acknowledge") == (None, 0)  # nothing due yet

    clock.to(utc(2026, 3, 3, 8, 0))  # past the acknowledge deadline, nothing done
    assert escalation_sweep() == 0
    assert rollup_deadlines_passed() == 1
    assert deadline_counts(dt.date(2026, 3, 2)) == (1, 0, 0, 0)
    assert compliance("sla_compliance_acknowledge") == (0.0, 1)
    assert compliance("sla_compliance") == (None, 0)  # the resolve deadline is still ahead
    assert rollup_deadlines_passed() == 0  # counted once

    clock.to(utc(2026, 3, 9, 8, 0))
    assert rollup_deadlines_passed() == 1
    assert deadline_counts(dt.date(2026, 3, 6)) == (0, 0, 1, 0)
    assert compliance("sla_compliance") == (0.0, 1)
    assert CaseContribution.objects.get(case=case).pending_until is None
    assert_rebuild_agrees()


def test_resolving_a_late_case_changes_nothing_and_keeping_it_open_gains_nothing(
    org: Org, clock: Clock
) -> None:
    clock.to(MONDAY)
    late, on_time = open_case(org), open_case(org, org.helpdesk)
    staff = cases.Actor.staff(org.manager)
    cause = RootCause.objects.first()
    clock.to(utc(2026, 3, 2, 10, 0))
    cases.case_resolve(case=on_time, resolution="Done.", root_cause=cause, actor=staff)
    clock.to(utc(2026, 3, 10, 9, 0))
    rollup_deadlines_passed()
    before = rollup_rows()["cases"]
    assert compliance("sla_compliance") == (0.5, 2)

    cases.case_resolve(case=late, resolution="Done at last.", root_cause=cause, actor=staff)
    after = rollup_rows()["cases"]
    assert compliance("sla_compliance") == (0.5, 2)  # the late one was a miss already
    # Only the resolution itself (count and duration) moved: to the day it happened.
    changed = {key[0] for key in after if after[key] != before.get(key)}
    assert changed == {dt.date(2026, 3, 10)}
    assert deadline_counts(dt.date(2026, 3, 10)) == (0, 0, 0, 0)
    assert_rebuild_agrees()


def test_a_deadline_not_yet_passed_counts_nothing_until_it_is_met(org: Org, clock: Clock) -> None:
    clock.to(MONDAY)
    case = open_case(org)
    assert CaseContribution.objects.get(case=case).pending_until == case.acknowledge_by
    clock.to(utc(2026, 3, 2, 11, 0))
    cases.case_acknowledge(case=case, actor=cases.Actor.staff(org.manager))
    assert compliance("sla_compliance_acknowledge") == (1.0, 1)
    assert deadline_counts(dt.date(2026, 3, 2)) == (1, 1, 0, 0)
    assert compliance("sla_compliance") == (None, 0)
    assert CaseContribution.objects.get(case=case).pending_until == case.resolve_by


def test_a_new_severity_moves_the_deadline_and_the_miss_with_it(org: Org, clock: Clock) -> None:
    clock.to(MONDAY)
    case = open_case(org)
    staff = cases.Actor.staff(org.manager)
    clock.to(utc(2026, 3, 3, 9, 30))  # the normal acknowledge deadline (Monday 17:00) passed
    rollup_deadlines_passed()
    assert deadline_counts(dt.date(2026, 3, 2))[:2] == (1, 0)

    cases.case_set_severity(case=case, severity="low", actor=staff)  # 16 business hours
    case.refresh_from_db()
    assert case.acknowledge_by == utc(2026, 3, 3, 17, 0)
    assert deadline_counts(dt.date(2026, 3, 2)) == (0, 0, 0, 0)  # taken back: not due yet
    assert compliance("sla_compliance_acknowledge") == (None, 0)
    assert_rebuild_agrees()

    cases.case_set_severity(case=case, severity="critical", actor=staff)  # 1 business hour
    # 1 hour to acknowledge and 8 to resolve: both missed at once, on Monday.
    assert deadline_counts(dt.date(2026, 3, 2)) == (1, 0, 1, 0)
    assert_rebuild_agrees()


def test_waiting_on_the_customer_stops_a_deadline_before_it_passes(org: Org, clock: Clock) -> None:
    clock.to(MONDAY)
    case = open_case(org)
    staff = cases.Actor.staff(org.manager)
    clock.to(utc(2026, 3, 2, 10, 0))
    cases.case_wait_on_customer(case=case, actor=staff)  # acknowledges it, in time
    case.refresh_from_db()
    assert case.resolve_by is None  # the clock stands still
    clock.to(utc(2026, 3, 20, 9, 0))
    assert rollup_deadlines_passed() == 0
    assert compliance("sla_compliance") == (None, 0)
    assert compliance("sla_compliance_acknowledge") == (1.0, 1)
    assert_rebuild_agrees()


def test_the_drill_down_lists_the_cases_the_point_counts_misses_first(
    org: Org, clock: Clock
) -> None:
    clock.to(MONDAY)
    met, resolved_late, still_open = (open_case(org, org.helpdesk) for _ in range(3))
    open_case(org, org.helpdesk)  # acknowledge deadline later the same day; resolve after
    staff = cases.Actor.staff(org.manager)
    cause = RootCause.objects.first()
    clock.to(utc(2026, 3, 2, 12, 0))
    cases.case_resolve(case=met, resolution="Done.", root_cause=cause, actor=staff)
    clock.to(utc(2026, 3, 9, 12, 0))
    cases.case_resolve(case=resolved_late, resolution="Done.", root_cause=cause, actor=staff)
    clock.to(utc(2026, 3, 9, 13, 0))
    rollup_deadlines_passed()
    assert compliance("sla_compliance") == (0.25, 4)

    week = "2026-03-02"
    answer = logged_in(org.manager).get(
        reverse("dashboards:metric", args=["sla_compliance"]),
        {"from": "2026-03-01", "to": "2026-03-31", "point": week},
    )
    shown = re.sub(r"\s+", " ", answer.content.decode())
    drill = re.search(r'id="drill-down".*?</section>', shown)
    assert drill is not None
    assert "4 cases whose resolve deadline fell" in drill.group(0)
    listed = re.findall(r">(VL-\d{4}-\d+)</a>", drill.group(0))
    assert set(listed) == set(Case.objects.values_list("reference", flat=True))
    assert listed[-1] == met.reference  # the one met comes last
    answers = re.findall(r"<td>(yes|no)</td>", drill.group(0))
    assert answers == ["no", "no", "no", "yes"]
    assert "not yet" in drill.group(0)  # still open past its deadline

    # Someone who sees only Billing's cases sees none of Support's here.
    billing = logged_in(org.billing_agent).get(
        reverse("dashboards:metric", args=["sla_compliance"]),
        {"from": "2026-03-01", "to": "2026-03-31", "point": week},
    )
    assert still_open.reference not in billing.content.decode()


def test_the_migration_counts_existing_cases_as_a_rebuild_does(org: Org, clock: Clock) -> None:
    clock.to(MONDAY)
    staff = cases.Actor.staff(org.manager)
    first, second, _ = (open_case(org, tp) for tp in (org.helpdesk, org.invoicing, org.helpdesk))
    clock.to(utc(2026, 3, 2, 11, 0))
    cases.case_acknowledge(case=first, actor=staff)
    clock.to(utc(2026, 3, 4, 11, 0))
    cases.case_resolve(
        case=second, resolution="Done.", root_cause=RootCause.objects.first(), actor=staff
    )
    clock.to(utc(2026, 3, 12, 11, 0))
    rollup_deadlines_passed()
    expected = rollup_rows()
    # As the rows were before the migration: no deadline counted anywhere.
    blank = dict.fromkeys(
        (
            "acknowledge_deadlines",
            "acknowledge_deadlines_met",
            "resolve_deadlines",
            "resolve_deadlines_met",
        ),
        0,
    )
    CaseRollup.objects.update(**blank)
    CaseTouchpointRollup.objects.update(**blank)
    CaseContribution.objects.update(
        acknowledge_due_day=None,
        acknowledge_met=None,
        resolve_due_day=None,
        resolve_met=None,
        pending_until=None,
    )
    # A row a deadline's day needs but that holds nothing else is made by the migration.
    for model in (CaseRollup, CaseTouchpointRollup):
        for row in model.objects.all():
            if not any(getattr(row, c) for c in ("opened", "acknowledged", "resolved")):
                row.delete()
    migration = importlib.import_module("vocloop.metrics.migrations.0004_sla_deadlines")
    migration.count_deadlines(apps, None)
    assert rollup_rows() == expected
