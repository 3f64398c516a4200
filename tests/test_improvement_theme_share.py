"""Objectives and actions measured by a theme's share of comments, read for their theme."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import random
from typing import Any

import pytest
from django.urls import reverse

from tests.api_client import ApiClient
from tests.conftest import Org
from tests.improvement_data import plant_comments, rollups_from_rows
from tests.staff_pages import logged_in
from tests.test_api_improvement import TODAY, an_action, an_objective, today  # noqa: F401
from vocloop.cases.timeline import Actor
from vocloop.improvement import services
from vocloop.improvement.check import action_check
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.services import ImprovementError
from vocloop.improvement.status import objective_status
from vocloop.insights.models import CommentText, CommentTheme, Theme
from vocloop.metrics.selectors import METRICS, Scope, metric_groups
from vocloop.statistics.effect import EFFECTIVE
from vocloop.statistics.metrics import proportion

pytestmark = pytest.mark.timeout(600)

CHANGE = dt.date(2026, 9, 7)  # a Monday
BEFORE = CHANGE - dt.timedelta(weeks=6)
INVOICE = "The invoice was wrong again."
OTHER = "Friendly people, quick answer."


@pytest.fixture
def planted(org: Org, billing: Theme) -> None:
    """Comments about invoices (`billing`, a theme of the insights tests): at invoicing
    they fall from 40 % to 15 % after the change, at the help desk they stay at 30 %.
    All read."""
    rng = random.Random(4)
    for touchpoint, per_day, before, after in ((org.invoicing, 8, 0.4, 0.15),
                                               (org.helpdesk, 10, 0.3, 0.3)):  # fmt: skip
        for first, days, share in ((BEFORE, 42, before), (CHANGE, 70, after)):
            plant_comments(
                touchpoint, first=first, days=days, per_day=per_day, share=share,
                about=INVOICE, other=OTHER, rng=rng,
            )  # fmt: skip
    rollups_from_rows(read=True)


def by_hand(theme: Theme, first: dt.date, last: dt.date, **feedback: Any) -> tuple[int, int]:
    """(comments about the theme, comments read), from the raw rows."""
    read = CommentText.objects.filter(day__gte=first, day__lte=last).filter(
        **{f"feedback__{k}": v for k, v in feedback.items()}
    )
    return CommentTheme.objects.filter(theme=theme, feedback__text__in=read).count(), read.count()


@pytest.mark.usefixtures("today")
def test_an_action_on_a_theme_share_is_checked_against_the_rest_for_the_same_theme(
    org: Org, planted: None, billing: Theme
) -> None:
    action = services.action_create(
        actor=Actor.staff(org.manager),
        title="Check invoices before they go out",
        metric="theme_share",
        theme=billing,
        touchpoint=org.invoicing,
        expected_effect=-0.15,
        effective_from=CHANGE,
        team=org.billing,
        owner=org.billing_agent,
        due_on=dt.date(2026, 12, 31),
    )
    check = action_check(action, today=TODAY)
    page = logged_in(org.manager).get(reverse("improvement:action", args=[action.pk]))
    assert "Theme's share of comments: Billing · Invoicing" in html.unescape(page.content.decode())
    last_before = CHANGE - dt.timedelta(days=1)
    assert check.before == proportion(
        *by_hand(billing, BEFORE, last_before, touchpoint=org.invoicing)
    )
    rest = by_hand(billing, BEFORE, last_before, touchpoint=org.helpdesk)
    assert check.rest_before == proportion(*rest)
    assert check.after_window is not None and check.after is not None
    window = check.after_window
    assert check.after == proportion(
        *by_hand(billing, window.first, window.last, touchpoint=org.invoicing)
    )
    assert check.verdict == EFFECTIVE, check.sentence
    exported = logged_in(org.manager).get(reverse("improvement:actions_csv")).content.decode()
    [row] = csv.DictReader(io.StringIO(exported))
    assert (row["metric"], row["theme"]) == ("theme_share", "billing")


@pytest.mark.usefixtures("today")
def test_an_objective_on_a_theme_share_reads_its_theme_through_the_api(
    api: ApiClient, org: Org, planted: None, billing: Theme
) -> None:
    body = an_objective(org, metric="theme_share", theme="billing", target=0.2)
    created = api.post("/objectives", body)
    assert created.status_code == 201, created.json()
    assert created.json()["theme"] == "billing" and created.json()["metric"] == "theme_share"
    objective = Objective.objects.get(pk=created.json()["id"])
    status = objective_status(objective, today=TODAY)
    first, last = (dt.date.fromisoformat(body["baseline"][k]) for k in ("from", "to"))
    baseline = Scope(first, last, org.invoicing.pk, theme_id=billing.pk)
    assert status.baseline == metric_groups(METRICS["theme_share"], baseline)[0].estimate
    assert status.baseline == proportion(*by_hand(billing, first, last, touchpoint=org.invoicing))
    read = api.get(f"/objectives/{objective.pk}").json()
    assert read["status"]["baseline"]["n"] == status.baseline.n


@pytest.mark.parametrize(
    ("path", "extra", "words"),
    [
        ("/objectives", {"metric": "theme_share"}, "choose the theme"),
        ("/actions", {"metric": "theme_share"}, "choose the theme"),
        ("/actions", {"metric": "theme_share", "theme": "parking"}, "no theme"),
    ],
)
def test_a_theme_share_without_a_known_theme_is_refused_in_words(
    api: ApiClient, org: Org, billing: Theme, path: str, extra: dict[str, str], words: str
) -> None:
    body = an_objective(org, **extra) if path == "/objectives" else an_action(org, **extra)
    answer = api.post(path, body)
    assert answer.status_code == 422, answer.json()
    assert words in answer.json()["detail"]
    assert not Action.objects.exists() and not Objective.objects.exists()


def test_after_the_check_the_theme_it_measured_no_longer_changes(
    org: Org, billing: Theme, waiting: Theme
) -> None:
    actor = Actor.staff(org.manager)
    action = services.action_create(
        actor=actor, **{**an_action(org), "metric": "theme_share", "theme": billing,
                        "touchpoint": org.invoicing, "team": org.billing,
                        "owner": org.billing_agent, "due_on": dt.date(2026, 12, 31),
                        "whys": []},
    )  # fmt: skip
    Action.objects.filter(pk=action.pk).update(verdict=EFFECTIVE)
    action.refresh_from_db()
    with pytest.raises(ImprovementError, match="can no longer change"):
        services.action_update(action=action, actor=actor, theme=waiting)


def test_the_plan_form_offers_the_metric_and_the_theme(org: Org, billing: Theme) -> None:
    page = logged_in(org.manager).get(reverse("improvement:action_new")).content.decode()
    assert 'value="theme_share"' in page and 'name="theme"' in page
    assert '<option value="billing">Billing</option>' in page
