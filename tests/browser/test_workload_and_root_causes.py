"""A team lead's morning in a real browser: the workload's count of escalated cases opens
exactly those cases in the inbox, and a root cause leads from the Pareto to its cases and on
to a case page; an agent is told the workload is not theirs."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from vocloop.cases.escalation import escalation_sweep
from vocloop.demo import loader
from vocloop.demo.organisation import AGENT, DEMO_PASSWORD, LEAD
from vocloop.slas.models import Escalation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The default SLA policies the demo runs on come from a data migration, which an earlier
# transactional test may have flushed.
sla_defaults = importlib.import_module("vocloop.slas.migrations.0002_defaults")


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_lead_follows_the_workload_into_the_inbox_and_a_cause_to_its_cases(
    live_server, new_page, settings
) -> None:
    settings.BASE_URL = live_server.url
    sla_defaults.create(apps, None)
    loader.demo_load(responses=6000, seed=3, customers=400)  # ending now: live deadlines
    # The demo escalated its breaches as they fell due; a sweep now finds what is new.
    escalation_sweep()
    assert Escalation.objects.exists()

    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, LEAD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workload").click()
    team = page.locator("section.workload-team").first
    expect(team.get_by_role("heading", level=2)).to_have_text("Support Desk")
    escalated = team.locator("tr.workload-total td.count").last.locator("a")
    count = int(escalated.inner_text())
    escalated.click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.locator(".result-count")).to_contain_text(re.compile(rf"^\s*{count} cases?\b"))
    expect(page.locator("caption.inbox-caption")).to_contain_text(
        "the deadline each case was escalated for has passed and is still not met"
    )
    expect(page.get_by_label("Escalation")).to_have_value("open")

    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Root causes").click()
    expect(page.get_by_role("heading", name="Pareto of root causes")).to_be_visible()
    first = page.locator("table.pareto-table tbody th a").first
    cause = first.inner_text()
    first.click()
    drill = page.locator("#drill-down")
    expect(drill.get_by_role("heading", level=2)).to_have_text(cause)
    case_link = drill.locator("tbody th a").first
    reference = case_link.inner_text()
    case_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.locator("dt:has-text('Root cause') + dd")).to_have_text(cause)

    agent = new_page(viewport={"width": 1280, "height": 900})
    log_in(agent, live_server.url, AGENT)
    expect(agent.get_by_role("link", name="Workload")).to_have_count(0)
    agent.goto(f"{live_server.url}/staff/workload/")
    expect(agent.get_by_text("for team leads and quality managers")).to_be_visible()
