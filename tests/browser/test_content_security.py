"""Under vocloop's Content-Security-Policy every page still works: the browser reports
no violation on the customer's pages, the staff pages (charts included), the admin or
the API's documentation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from vocloop.cases.models import Case
from vocloop.demo import loader
from vocloop.demo.organisation import DEMO_PASSWORD, MANAGER
from vocloop.improvement.models import Action, Objective
from vocloop.insights.models import Theme
from vocloop.listening.models import Feedback, Survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)

# Recorded before any of the page's own scripts run, whatever the policy allows.
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`
));
"""


def violations_on(page: Any, url: str, console: list[str]) -> list[str]:
    console.clear()
    response = page.goto(url)
    assert response is not None and response.status < 400, url
    assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # an htmx request the page makes at once
    found = page.evaluate("window.__violations")
    return [*found, *console]


def test_no_page_breaks_the_content_security_policy(live_server, new_page) -> None:
    loader.demo_load(responses=3_000, seed=42, now=NOW)
    base = live_server.url
    page = new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    feedback = Feedback.objects.exclude(tracking_token="").first()
    assert feedback is not None
    public = [
        "/feedback/",
        f"/s/{Survey.objects.filter(active=True).first().public_slug}/",  # type: ignore[union-attr]
        f"/t/{feedback.tracking_token}/",
        "/you-said-we-did/",
        "/login/",
    ]
    found = {path: violations_on(page, base + path, console) for path in public}

    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(MANAGER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    case = Case.objects.order_by("-opened_at").first()
    action, objective, theme = (
        Action.objects.first(),
        Objective.objects.first(),
        Theme.objects.first(),
    )
    staff = [
        "/staff/",
        f"/staff/cases/{case.reference}/" if case else "/staff/",
        "/staff/workload/",
        "/staff/dashboards/",
        "/staff/dashboards/journey/",
        "/staff/dashboards/teams/",
        "/staff/dashboards/root-causes/",
        "/staff/dashboards/metrics/",
        "/staff/dashboards/metrics/nps/",
        "/staff/insights/",
        f"/staff/insights/themes/{theme.slug}/" if theme else "/staff/insights/",
        "/staff/improvement/",
        f"/staff/improvement/actions/{action.pk}/" if action else "/staff/improvement/",
        "/staff/improvement/actions/new/",
        "/admin/",
        "/api/v1/docs",
    ]
    staff += ["/staff/improvement/objectives/"]
    if objective is not None:
        staff += [f"/staff/improvement/objectives/{objective.pk}/"]
    found |= {path: violations_on(page, base + path, console) for path in staff}

    assert {path: v for path, v in found.items() if v} == {}
