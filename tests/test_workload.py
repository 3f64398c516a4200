"""The team lead's workload: open cases per team and person against their deadlines."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clock import Clock, utc
from tests.conftest import Org, make_user
from tests.staff_pages import logged_in, open_case
from vocloop.accounts.models import Team
from vocloop.cases.models import OPEN_STATUSES, Case, Status
from vocloop.cases.selectors import case_due
from vocloop.cases.views import WORKLOAD_COLUMNS
from vocloop.slas.models import Escalation

URL = reverse("cases:workload")
NOW = utc(2026, 11, 20, 16, 0)  # the clock fixture's moment

# Deadlines placed around now: long breached, just breached, due within the two hours
# of "due soon", exactly at their edge, and later.
OFFSETS = [
    dt.timedelta(days=-3),
    dt.timedelta(minutes=-1),
    dt.timedelta(0),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=2, minutes=1),
    dt.timedelta(days=4),
]


def state_of(case: Case) -> str:
    """Where a case stands, read the inbox's way for one case (selectors.case_due)."""
    due = case_due(case, now=NOW)
    if due.state in ("paused", "none"):
        return due.state
    return f"{'acknowledge' if case.acknowledged_at is None else 'resolve'}-{due.state}"


def escalation_open(case: Case) -> bool:
    """Escalated for the deadline it is breaching now (the inbox filter's definition)."""
    if case.status not in (Status.NEW, Status.ACKNOWLEDGED):
        return False
    deadline, due_at = (
        ("acknowledge", case.acknowledge_by)
        if case.acknowledged_at is None
        else ("resolve", case.resolve_by)
    )
    return Escalation.objects.filter(case=case, deadline=deadline, due_at=due_at).exists()


def plant(org: Org, clock: Clock, *, count: int = 60, seed: int = 5) -> list[Case]:
    """Cases in every state, held by the teams' people or nobody, some escalated."""
    rng = random.Random(seed)
    people = {org.support: [org.support_agent, org.support_agent_2, org.support_lead, None]}
    people[org.billing] = [org.billing_agent, None]
    cases = []
    for i in range(count):
        touchpoint = org.helpdesk if i % 3 else org.invoicing
        case = open_case(touchpoint)
        status = rng.choice([*OPEN_STATUSES, Status.NEW, Status.RESOLVED])
        acknowledged = status != Status.NEW and rng.random() < 0.9
        fields: dict[str, Any] = {
            "status": status,
            "assignee": rng.choice(people[case.team]),
            "acknowledged_at": NOW - dt.timedelta(days=1) if acknowledged else None,
            "acknowledge_by": NOW + rng.choice(OFFSETS),
            "resolve_by": NOW + rng.choice(OFFSETS),
        }
        if rng.random() < 0.1:
            fields.update(sla_policy=None, acknowledge_by=None, resolve_by=None)
        Case.objects.filter(pk=case.pk).update(**fields)
        case.refresh_from_db()
        if rng.random() < 0.4:  # escalated: for the deadline it has now, or an earlier one
            deadline = "acknowledge" if rng.random() < 0.5 else "resolve"
            current = case.acknowledge_by if deadline == "acknowledge" else case.resolve_by
            due_at = current if rng.random() < 0.7 and current else NOW - dt.timedelta(days=9)
            Escalation.objects.create(
                case=case,
                deadline=deadline,
                due_at=due_at,
                level=1,
                team=case.team,
                created_at=NOW,
            )
        cases.append(case)
    return cases


def inbox_count(client: Any, url: str) -> int:
    answer = client.get(url)
    assert answer.status_code == 200
    return int(answer.context["page"].paginator.count)


def test_every_count_equals_a_count_over_the_cases_and_opens_those_cases(
    org: Org, clock: Clock
) -> None:
    plant(org, clock)
    expected: Counter[tuple[str, str, str]] = Counter()
    for case in Case.objects.filter(status__in=OPEN_STATUSES).select_related("team"):
        holder = str(case.assignee_id) if case.assignee_id else "unassigned"
        for who in (holder, "team"):
            expected[(case.team.slug, who, state_of(case))] += 1
            expected[(case.team.slug, who, "open")] += 1
            expected[(case.team.slug, who, "escalated")] += escalation_open(case)

    client = logged_in(org.manager)
    answer = client.get(URL)
    assert answer.status_code == 200
    seen = 0
    for team in answer.context["teams"]:
        slug = team["team"].slug
        rows = [("team", team["total"]), ("unassigned", team["unassigned"])]
        rows += [(str(person.person.pk), cells) for person, cells in team["people"]]
        for who, cells in rows:
            columns = ["open", *(q.get("due", "escalated") for q, _ in WORKLOAD_COLUMNS)]
            assert len(cells) == len(columns)
            for column, (count, url, _) in zip(columns, cells, strict=True):
                assert count == expected[(slug, who, column)], (slug, who, column)
                if count:
                    # The link opens exactly the cases counted.
                    assert inbox_count(client, url) == count, (slug, who, column, url)
                    seen += 1
    assert seen > 30, "the planted cases reach most cells"


def test_people_are_listed_by_name_never_by_their_load(org: Org, clock: Clock) -> None:
    for _ in range(3):
        case = open_case(org.helpdesk)
        Case.objects.filter(pk=case.pk).update(assignee=org.support_agent_2)  # Sue: three
    case = open_case(org.helpdesk)
    Case.objects.filter(pk=case.pk).update(assignee=org.support_agent)  # Sam: one
    answer = logged_in(org.manager).get(URL)
    support = next(t for t in answer.context["teams"] if t["team"] == org.support)
    names = [person.name for person, _ in support["people"]]
    assert names == ["Lee Lead", "Sam Agent", "Sue Agent"]  # Lee, with nothing, is listed too
    page = re.sub(r"\s+", " ", answer.content.decode())
    assert "not a ranking" in page
    assert "sort=" not in page.split("<h2", 1)[1], "no way to sort people by their figures"


def test_a_former_member_still_holding_cases_is_shown_and_their_link_works(
    org: Org, clock: Clock
) -> None:
    former = make_user("fay_former")
    org.support.members.add(former)
    case = open_case(org.helpdesk)
    Case.objects.filter(pk=case.pk).update(assignee=former)
    org.support.members.remove(former)

    client = logged_in(org.support_lead)
    answer = client.get(URL)
    support = next(t for t in answer.context["teams"] if t["team"] == org.support)
    fay = next((p, cells) for p, cells in support["people"] if p.person == former)
    assert not fay[0].in_team and "no longer in the team" in answer.content.decode()
    count, url, _ = fay[1][0]
    assert count == 1 and inbox_count(client, url) == 1


# --- who may open it --------------------------------------------------------------------


@pytest.mark.parametrize("user", ["support_agent", "billing_agent"])
def test_a_plain_agent_is_refused_with_a_page_that_says_why(org: Org, user: str) -> None:
    client = logged_in(getattr(org, user))
    answer = client.get(URL)
    assert answer.status_code == 403
    assert "for team leads and quality managers" in answer.content.decode()
    assert b'href="/staff/workload/"' not in client.get(reverse("cases:inbox")).content


def test_the_workload_needs_a_login(client: Any, org: Org) -> None:
    answer = client.get(URL)
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_a_lead_sees_the_teams_they_lead_and_those_below_a_manager_every_team(
    org: Org, clock: Clock
) -> None:
    tier2 = Team.objects.create(name="Support tier 2", slug="support-2", parent=org.support)
    lead = logged_in(org.support_lead)
    shown = [t["team"] for t in lead.get(URL).context["teams"]]
    assert shown == [org.support, tier2]
    assert b'href="/staff/workload/"' in lead.get(reverse("cases:inbox")).content
    manager = [t["team"].slug for t in logged_in(org.manager).get(URL).context["teams"]]
    assert manager == ["billing", "operations", "support", "support-2"]


def test_the_workload_costs_as_many_queries_for_many_cases_as_for_a_few(
    org: Org, clock: Clock
) -> None:
    client = logged_in(org.manager)
    plant(org, clock, count=3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    plant(org, clock, count=40, seed=6)
    extra = [make_user(f"new_{i}") for i in range(5)]
    org.support.members.add(*extra)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)
