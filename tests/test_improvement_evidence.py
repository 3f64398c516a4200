"""An action raised from where the problem is seen: a rising theme, a control-chart signal,
a case and its root cause, an objective at risk. The form opens with the source, the
metric and scope to move and a problem statement whose numbers are the selectors' —
checked against the raw rows too — and whatever is out of the user's reach is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import Org
from tests.improvement_data import plant_complaints, rollups_from_rows
from tests.insights_themes import WEEKLY, fill
from tests.staff_pages import logged_in, messages_of, open_case
from vocloop.cases.models import RootCause
from vocloop.dashboards.figures import figure
from vocloop.improvement.evidence import signal_estimate, signal_raised, stated
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.raise_views import evidence_read, evidence_signed
from vocloop.insights import selectors as insights
from vocloop.insights.models import CommentTheme, Theme
from vocloop.listening.models import Feedback
from vocloop.metrics.selectors import METRICS, Scope, metric_groups, period_bounds
from vocloop.statistics.intervals import wilson_interval

NEW = reverse("improvement:action_new")
RISING = [1] * 22 + [7, 8, 8, 9]  # parking comments a week, of WEEKLY at the help desk


def opened(client: Any, **query: str) -> tuple[dict[str, Any], Any]:
    response = client.get(NEW, query)
    assert response.status_code == 200, response.content[:500]
    return response.context["form"].initial, response


def raise_it(client: Any, initial: dict[str, Any], **extra: Any) -> Any:
    """Send the prefilled form as it opened, with a change and an expected effect."""
    data = {k: v for k, v in initial.items() if v is not None and k != "cases"}
    data |= {"owner": extra.pop("owner"), "due_on": "2026-12-31", **extra}
    return client.post(NEW, data | {"cases": initial.get("cases", [])})


# --- A theme --------------------------------------------------------------------------------


@pytest.fixture
def rising(org: Org, clock: Any, parking: Theme) -> dt.date:
    today = clock.now.date()
    fill(org, today, RISING)
    return today


def test_a_rising_theme_prefills_its_share_where_it_rises(org: Org, rising: dt.date, parking):
    client = logged_in(org.manager)
    initial, response = opened(client, source="theme", theme="parking")
    assert initial["source"] == Action.Source.THEME and initial["theme"] == "parking"
    assert initial["metric"] == "theme_share"
    assert initial["touchpoint"] == org.helpdesk.pk  # where it rises: the help desk
    assert initial["team"] == org.support.pk
    # The numbers are the themes page's: its selectors over the rising test's weeks …
    period = insights.rise_period(rising)
    recent_span = insights.span_of(
        period.recent_first, period.recent_last, touchpoint_id=org.helpdesk.pk
    )
    recent = next(f for f in insights.theme_figures(recent_span) if f.theme == parking)
    history_span = insights.span_of(
        period.history_first, period.history_last, touchpoint_id=org.helpdesk.pk
    )
    history = next(f for f in insights.theme_figures(history_span) if f.theme == parking)
    problem = initial["problem"]
    now, interval = stated(recent.share, "share").split(" [")
    assert f"‘Parking’: {now} of comments at Help desk in the 4 weeks to " in problem
    assert f" [{interval}, up from" in problem
    assert f"up from {stated(history.share, 'share')} in the 22 weeks before" in problem
    # … and the raw rows': 32 of 80 comments in the four weeks, with Wilson's interval.
    links = CommentTheme.objects.filter(
        theme=parking, day__gte=period.recent_first, day__lte=period.recent_last
    )
    assert links.count() == sum(RISING[-4:]) == 32
    low, high = wilson_interval(32, 4 * WEEKLY)
    assert now == "40.0 %" and interval == f"{100 * low:.1f} %, {100 * high:.1f} %], n=80"
    assert problem.endswith("; 32 comments.")
    assert "at Help desk" in problem and "to 15 Nov 2026" in problem
    evidence = evidence_read(initial["evidence"])  # signed on its way through the browser
    assert "Flagged as rising" in evidence
    negative = metric_groups(
        METRICS["negative_comments"],
        Scope(period.recent_first, period.recent_last, touchpoint_id=org.helpdesk.pk),
    )[0].estimate
    assert stated(negative, "negative_comments") in evidence
    assert "Raised from a theme: the evidence" in response.content.decode()

    response = raise_it(
        client, initial, owner=org.support_agent.pk, change="Mark the bays.", expected_effect="-5"
    )
    action = Action.objects.get()
    assert response.status_code == 302
    assert (action.source, action.theme, action.touchpoint) == ("theme", parking, org.helpdesk)
    assert action.evidence == evidence and action.problem == problem
    assert action.expected_effect == pytest.approx(-0.05)


def test_evidence_changed_on_its_way_is_refused(org: Org, rising, parking):
    client = logged_in(org.support_agent)
    initial, _ = opened(client, source="theme", theme="parking")
    counted = evidence_read(initial["evidence"])
    forged = evidence_signed(counted).replace(":", ":x", 1)
    for sent in (forged, "Flagged as rising: 90 % of all comments."):
        initial["evidence"] = sent
        refused = raise_it(client, initial, owner=org.support_agent.pk, change="Mark the bays.")
        assert refused.status_code == 400
        page = refused.content.decode()
        assert "did not come back as it was counted" in page
        assert "the evidence</h2>" not in page and "<li>Flagged as rising: 90 %" not in page
    assert not Action.objects.exists()


def test_a_theme_rising_nowhere_is_raised_where_it_is_said_most(org: Org, clock: Any, parking):
    fill(org, clock.now.date(), [4] * 26)  # steady: no rise anywhere
    initial, _ = opened(logged_in(org.manager), source="theme", theme="parking")
    assert "Not flagged as rising" in evidence_read(initial["evidence"])
    # Raised over every comment it could never be checked: nothing would be left to
    # compare with. The help desk is where the comments about parking are.
    assert initial["touchpoint"] == org.helpdesk.pk and initial["metric"] == "theme_share"


def test_the_theme_page_offers_to_raise_an_action_on_its_rise(org: Org, rising, parking):
    page = logged_in(org.support_agent).get(reverse("insights:theme", args=["parking"]))
    text = page.content.decode()
    assert "On the rise" in text
    assert f"{NEW}?source=theme&amp;theme=parking&amp;from=" in text
    assert "Raise an improvement action on this rise" in text


def test_another_teams_touch_point_is_not_given_to_the_user(org: Org, rising, parking):
    """Parking rises at Support's help desk: a Billing agent raising it owns it in Billing."""
    initial, response = opened(logged_in(org.billing_agent), source="theme", theme="parking")
    assert initial["touchpoint"] == org.helpdesk.pk and "team" not in initial
    offered = list(response.context["form"].fields["team"].queryset)
    assert offered == [org.billing]


# --- A control-chart signal -----------------------------------------------------------------

SIGNAL_FROM = dt.date(2026, 8, 24)  # a Monday; twelve whole weeks to 15 November


@pytest.fixture
def signalled(org: Org, clock: Any) -> Scope:
    plant_complaints(
        org.invoicing,
        first=SIGNAL_FROM,
        days=84,
        per_day=12,
        complaint_share=lambda day: 0.10 if day < 56 else 0.40,
        rng=random.Random(3),
    )
    rollups_from_rows()
    return Scope(SIGNAL_FROM, dt.date(2026, 11, 15), touchpoint_id=org.invoicing.pk)


def test_a_signal_in_a_teams_scope_is_raised_to_measure_that_team(org: Org, signalled: Scope):
    scope = dataclasses.replace(signalled, touchpoint_id=None, team_id=org.billing.pk)
    raised = signal_raised("complaint_rate", scope)
    assert (raised.scope_team_id, raised.team_id, raised.touchpoint) == (
        org.billing.pk,
        org.billing.pk,
        None,
    )
    assert raised.title.startswith("Complaint rate for the Billing team:")
    assert raised.initial()["scope_team"] == org.billing.pk
    assert "a change for the worse, still current" in raised.problem


def test_a_signal_prefills_its_metric_scope_and_weeks(org: Org, signalled: Scope):
    client = logged_in(org.manager)
    query = {"from": "2026-08-24", "to": "2026-11-15", "touchpoint": "invoicing"}
    page = client.get(reverse("dashboards:metric", args=["complaint_rate"]), query).content
    assert b"Raise an improvement action on this signal" in page
    initial, _ = opened(client, source="signal", metric="complaint_rate", **query)
    assert initial["source"] == Action.Source.SIGNAL
    assert (initial["metric"], initial["touchpoint"]) == ("complaint_rate", org.invoicing.pk)
    assert initial["team"] == org.billing.pk
    fig = figure("complaint_rate", signalled)
    signal = fig.current_signal
    assert signal is not None and signal.meaning == "worse"
    during = signal_estimate(fig, signal)
    problem = initial["problem"]
    assert stated(during, "complaint_rate") in problem
    assert "a change for the worse, still current" in problem
    # The raw rows of the signal's weeks give the same count and share.
    first = period_bounds(signal.keys[0], "week")[0]
    last = period_bounds(signal.last_key, "week")[1]
    rows = Feedback.objects.filter(
        touchpoint=org.invoicing, occurred_at__date__gte=first, occurred_at__date__lte=last
    )
    complaints, n = rows.filter(kind=Feedback.Kind.COMPLAINT).count(), rows.count()
    assert n == during.n == 12 * 7 * len(signal.keys)
    assert f"{100 * complaints / n:.1f} %" in problem
    assert f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}" in problem

    raise_it(client, initial, owner=org.billing_agent.pk, change="Check.", expected_effect="-10")
    action = Action.objects.get()
    assert (action.source, action.metric, action.touchpoint) == (
        "signal",
        "complaint_rate",
        org.invoicing,
    )


def test_a_signal_with_unreadable_filters_opens_an_empty_form(org: Org):
    response = logged_in(org.manager).get(NEW, {"source": "signal", "metric": "no_such"})
    assert response.status_code == 400
    assert "cannot be read" in " ".join(messages_of(response))
    assert response.context["form"].initial["source"] == Action.Source.HAND


# --- Cases ----------------------------------------------------------------------------------


def test_a_case_prefills_its_root_cause_counted_and_is_linked(org: Org, clock: Any):
    process = RootCause.objects.get(slug="process")
    cases = [open_case(org.invoicing) for _ in range(3)]
    for case in cases[:2]:
        case.root_cause = process
        case.save(update_fields=["root_cause"])
    client = logged_in(org.billing_agent)
    page = client.get(reverse("cases:detail", args=[cases[0].reference])).content.decode()
    assert f"{NEW}?source=cases&amp;cases={cases[0].reference}" in page
    initial, _ = opened(client, source="cases", cases=cases[0].reference)
    assert initial["source"] == Action.Source.CASES and initial["cases"] == [cases[0].reference]
    assert (initial["metric"], initial["touchpoint"]) == ("complaint_rate", org.invoicing.pk)
    problem = initial["problem"]
    assert f"Case {cases[0].reference} at Invoicing" in problem
    assert "Root cause: Process, recorded for 2 cases at Invoicing in the 8 weeks" in problem
    today = clock.now.date()
    rate = metric_groups(
        METRICS["complaint_rate"],
        Scope(today - dt.timedelta(weeks=8, days=-1), today, touchpoint_id=org.invoicing.pk),
    )[0].estimate
    assert stated(rate, "complaint_rate") in problem
    assert rate.n == Feedback.objects.filter(touchpoint=org.invoicing).count() == 3

    raise_it(client, initial, owner=org.billing_agent.pk)
    action = Action.objects.get()
    assert action.source == Action.Source.CASES
    assert list(action.cases.all()) == [cases[0]]
    assert action.events.filter(kind="cases").exists()


def test_another_teams_case_is_refused(org: Org):
    theirs = open_case(org.helpdesk)  # Support's
    mine = open_case(org.invoicing)
    client = logged_in(org.billing_agent)
    assert client.get(NEW, {"source": "cases", "cases": theirs.reference}).status_code == 404
    initial, _ = opened(client, source="cases", cases=mine.reference)
    response = raise_it(client, initial | {"cases": [theirs.reference]}, owner=org.billing_agent.pk)
    assert response.status_code == 400
    assert "Choose cases of your teams" in response.content.decode()
    assert not Action.objects.exists()


# --- An objective ---------------------------------------------------------------------------


def test_an_objective_is_recorded_as_the_source(org: Org, clock: Any):
    objective = Objective.objects.create(
        title="Fewer invoicing complaints",
        metric="complaint_rate",
        touchpoint=org.invoicing,
        target=0.05,
        direction="lower",
        due_on=dt.date(2027, 3, 31),
        baseline_from=dt.date(2026, 9, 1),
        baseline_to=dt.date(2026, 9, 30),
        team=org.billing,
        owner=org.billing_agent,
    )
    client = logged_in(org.billing_agent)
    initial, _ = opened(client, objective=str(objective.pk))
    assert initial["source"] == Action.Source.OBJECTIVE and initial["objective"] == objective.pk
    assert initial["problem"].startswith("Objective “Fewer invoicing complaints” (")
    raise_it(client, initial, owner=org.billing_agent.pk)
    action = Action.objects.get()
    assert (action.source, action.objective) == (Action.Source.OBJECTIVE, objective)
    # Another team's objective is not found.
    support = logged_in(org.support_agent)
    assert support.get(NEW, {"objective": objective.pk}).status_code == 404
