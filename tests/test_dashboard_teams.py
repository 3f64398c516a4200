"""The teams dashboard compares case handling without ranking noise; people only for coaching."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from vocloop.accounts.models import Team
from vocloop.cases.models import Case
from vocloop.demo import loader
from vocloop.demo.organisation import AGENT, LEAD, MANAGER

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
RANGE = {"from": "2025-09-01", "to": "2026-03-01"}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        loader.demo_load(responses=6000, seed=3, customers=400, now=NOW)
        yield
        transaction.set_rollback(True)


def as_user(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def rows_of(answer: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


def test_every_team_is_listed_by_name_with_its_figures(demo: None, db: Any) -> None:
    answer = as_user(MANAGER).get(reverse("dashboards:teams"), RANGE)
    assert answer.status_code == 200
    shown = re.sub(r"\s+", " ", answer.content.decode())
    table = re.search(r'<table class="team-table">.*?</table>', shown)
    assert table is not None
    names = [html.unescape(n) for n in re.findall(r'<th scope="row">([^<]+)</th>', table.group(0))]
    assert names == sorted(Team.objects.values_list("name", flat=True))
    assert "95 % CI" in table.group(0)
    assert shown.count('<svg class="interval-chart"') == 3
    assert "Coaching view" not in shown


def test_shrunken_shares_lie_between_the_raw_share_and_the_overall_rate(
    demo: None, db: Any
) -> None:
    rows = rows_of(as_user(MANAGER).get(reverse("dashboards:teams"), {**RANGE, "format": "csv"}))
    sla = [r for r in rows if r["metric"] == "sla_compliance" and int(r["n"]) > 0]
    assert len(sla) == Team.objects.count()
    successes = sum(round(float(r["raw"]) * int(r["n"])) for r in sla)
    overall = successes / sum(int(r["n"]) for r in sla)
    assert 0.5 < overall < 1.0, "the demo misses some deadlines, not all or none"
    for r in sla:
        raw, value = float(r["raw"]), float(r["value"])
        assert min(raw, overall) - 1e-9 <= value <= max(raw, overall) + 1e-9, r
        assert float(r["ci_low"]) <= value <= float(r["ci_high"])
    durations = [r for r in rows if r["metric"] == "time_to_resolve"]
    assert durations and all(float(r["value"]) > 0 for r in durations if r["enough_data"] == "True")


def test_the_coaching_view_is_off_by_default(demo: None, db: Any) -> None:
    url = reverse("dashboards:team_people", args=["support-desk"])
    assert as_user(MANAGER).get(url, RANGE).status_code == 404


@override_settings(COACHING_VIEW=True)
def test_with_the_setting_a_lead_coaches_their_own_team_only(demo: None, db: Any) -> None:
    team = Team.objects.get(slug="support-desk")
    assert team.lead is not None and team.lead.username == LEAD
    lead = as_user(LEAD)
    answer = lead.get(reverse("dashboards:team_people", args=[team.slug]), RANGE)
    assert answer.status_code == 200
    shown = re.sub(r"\s+", " ", answer.content.decode())
    assert "not for ranking" in shown and "95 % CI" in shown
    names = re.findall(r'<th scope="row">([^<]+)</th>', shown)
    assert names and names == sorted(names, key=str.casefold)

    other = Team.objects.exclude(pk=team.pk).exclude(lead=team.lead).first()
    assert other is not None
    assert lead.get(reverse("dashboards:team_people", args=[other.slug])).status_code == 404
    member = team.members.first()
    assert member is not None
    url = reverse("dashboards:team_people", args=[team.slug])
    assert as_user(member.username).get(url).status_code == 404
    assert "Coaching view" in as_user(MANAGER).get(reverse("dashboards:teams")).content.decode()


def test_the_teams_page_refuses_a_channel_with_a_reason(demo: None, db: Any) -> None:
    answer = as_user(MANAGER).get(reverse("dashboards:teams"), {**RANGE, "channel": "email"})
    assert answer.status_code == 400
    assert "Cases have no channel" in answer.content.decode()


@pytest.mark.parametrize(
    ("metric", "week"),
    [
        ("sla_compliance", "2026-01-12"),
        ("sla_compliance_acknowledge", "2026-01-12"),
        ("recovery_rate", "2026-01-12"),
    ],
)
def test_a_case_point_drills_down_to_exactly_the_records_it_counts(
    demo: None, db: Any, metric: str, week: str
) -> None:
    manager = as_user(MANAGER)
    points = rows_of(
        manager.get(reverse("dashboards:metric", args=[metric]), {**RANGE, "format": "csv"})
    )
    point = next(r for r in points if r["period"] == week)
    answer = manager.get(reverse("dashboards:metric", args=[metric]), {**RANGE, "point": week})
    shown = re.sub(r"\s+", " ", answer.content.decode())
    counted = re.search(r"(\d+) (?:verdicts? given|cases? whose)", shown)
    assert counted is not None, shown[-3000:]
    assert int(counted.group(1)) == int(point["n"]) > 0
    # Misses (and unhappy customers) first: a "no" is never listed after a "yes".
    drill = re.search(r'id="drill-down".*?</section>', shown)
    assert drill is not None
    answers = re.findall(r"<td>(yes|no)</td>", drill.group(0))
    assert answers and answers == sorted(answers)


@override_settings(COACHING_VIEW=True)
def test_the_coaching_view_counts_verdicts_and_applies_the_filters(demo: None, db: Any) -> None:
    url = reverse("dashboards:team_people", args=["support-desk"])
    manager = as_user(MANAGER)
    rows = rows_of(manager.get(url, {**RANGE, "format": "csv"}))
    recovery = [r for r in rows if r["metric"] == "recovery_rate" and int(r["n"]) > 0]
    assert recovery and any(float(r["value"]) < 0.97 for r in recovery), "verdicts, not leftovers"
    team_verdicts = sum(
        int(r["n"])
        for r in rows_of(manager.get(reverse("dashboards:teams"), {**RANGE, "format": "csv"}))
        if r["team"] == "support-desk" and r["metric"] == "recovery_rate"
    )
    assert sum(int(r["n"]) for r in recovery) <= team_verdicts
    smaller = rows_of(manager.get(url, {**RANGE, "format": "csv", "segment": "enterprise"}))
    assert sum(int(r["n"]) for r in smaller) < sum(int(r["n"]) for r in rows)
    assert manager.get(url, {**RANGE, "channel": "email"}).status_code == 400
    # No raw share where n is below the minimum: that is the league table shrinkage prevents.
    assert all(r["raw"] == "" for r in rows if r["enough_data"] == "False")


def test_below_the_minimum_the_all_teams_line_is_not_a_figure(
    demo: None, db: Any, settings: Any
) -> None:
    settings.MIN_RESPONSES = 100_000
    shown = as_user(MANAGER).get(reverse("dashboards:teams"), RANGE).content.decode()
    assert "95 % CI" not in shown and "Not enough cases" in shown


def test_an_agent_reads_only_their_own_teams_feedback_behind_a_point(demo: None, db: Any) -> None:
    agent = User.objects.get(username=AGENT)
    teams = set(agent.teams.values_list("pk", flat=True))
    answer = as_user(AGENT).get(
        reverse("dashboards:metric", args=["complaint_rate"]), {**RANGE, "point": "2026-01-12"}
    )
    shown = answer.content.decode()
    assert "You see the records of your own teams only" in shown
    references = re.findall(r"/staff/cases/(VL-\d{4}-\d+)/", shown)
    assert references, "the agent's own teams have complaints that week"
    assert (
        set(Case.objects.filter(reference__in=references).values_list("team", flat=True)) <= teams
    )
    manager_refs = re.findall(
        r"/staff/cases/(VL-\d{4}-\d+)/",
        as_user(MANAGER)
        .get(
            reverse("dashboards:metric", args=["complaint_rate"]), {**RANGE, "point": "2026-01-12"}
        )
        .content.decode(),
    )
    assert len(manager_refs) >= len(references)
