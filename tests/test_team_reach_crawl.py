"""A front-line member of Support crawls every staff page their links lead to, and every
listing of the API with a token acting for them, and finds nothing of Billing's cases:
neither a Billing case's reference nor the words its customers wrote, although the
same customer has cases in both teams, both teams have themes, improvement actions
linked to their cases, and objectives. Every page answers without a server error.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tests.api_client import ApiClient
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.staff_pages import logged_in
from tests.test_api_improvement import an_action, an_objective
from tests.test_api_token_reach import acting_for
from vocloop.cases.models import Case, RootCause
from vocloop.cases.services import case_resolve
from vocloop.cases.timeline import Actor
from vocloop.customers.models import Customer
from vocloop.insights.bulk import comments_read_bulk
from vocloop.lib.days import day_of
from vocloop.metrics.selectors import METRICS

# Words only Billing's customers wrote: they may reach Support's pages in no form.
BILLING_WORDS = ["quokka ledger", "Wexford branch"]
BILLING_COMPLAINT = "Charged twice, the invoice went to the Wexford branch."
ANSWERS = {200, 302, 403, 404}
# Bounds: pages in all, and a page with the same query parameters in other values (other
# periods, filters, sort orders), beyond which such links are not followed.
MOST_PAGES = 600
MOST_VARIANTS = 3
NEVER = ("/logout/",)
HREF = re.compile(r"""href=["']([^"'#]+)""")
WEEKS = 10


@dataclass
class TwoTeams:
    billing_cases: list[str]  # references
    support_cases: list[str]


def weeks_of_feedback(org: Org, other: Customer) -> None:
    """Ten weeks of answers at both touch points, enough for control charts to draw their
    points and for their drill-downs; Ada and Bo complain to Billing, Ada to Support too,
    and one Support complaint reads like Billing's (the similar-comments pages)."""
    today = day_of(timezone.now())
    for week in range(WEEKS):
        at = dt.datetime.combine(today - dt.timedelta(days=7 * week + 1), dt.time(10), dt.UTC)
        for touchpoint, customer, score_type, score, comment in [
            (org.helpdesk, None, "nps", 9, "Quick answer at the help desk, thanks."),
            (org.helpdesk, org.customer, "nps", 3, f"On hold for an hour again ({week})."),
            (org.helpdesk, None, "nps", 4, "I was charged twice on the invoice, please help."),
            (org.helpdesk, None, "nps", 8, "I was charged twice on the invoice, please help."),
            (org.invoicing, None, "csat", 5, "The invoice was right, says the quokka ledger."),
            (org.invoicing, [org.customer, other][week % 2], "csat", 1, BILLING_COMPLAINT),
        ]:
            give_feedback(
                touchpoint,
                customer=customer,
                score_type=score_type,
                score=score,
                comment=comment,
                occurred_at=at,
            )


@pytest.fixture
def two_teams(org: Org, api: ApiClient, billing: Any, waiting: Any) -> TwoTeams:
    """Both teams' cases with themes, an objective each and an action each that their
    cases are linked to, some cases resolved."""
    other = Customer.objects.create(name="Bo Payer", email="bo@example.com")
    weeks_of_feedback(org, other)
    comments_read_bulk()
    root = RootCause.objects.get(slug="process")
    references = {}
    for team, owner, touchpoint in (
        (org.billing, "bill_agent", "invoicing"),
        (org.support, "sam_agent", "help-desk"),
    ):
        cases = list(Case.objects.filter(team=team).order_by("pk"))
        references[team.slug] = [case.reference for case in cases]
        case_resolve(
            case=cases[0], resolution="Refunded.", root_cause=root, actor=Actor.api("set-up")
        )
        scope = {"team": team.slug, "owner": owner, "touchpoint": touchpoint}
        objective = api.post("/objectives", an_objective(org, **scope))
        assert objective.status_code == 201, objective.json()
        action = api.post("/actions", an_action(org, objective=objective.json()["id"], **scope))
        assert action.status_code == 201, action.json()
        linked = api.post(
            f"/actions/{action.json()['id']}/events",
            {"kind": "link_cases", "cases": references[team.slug][1:4]},
        )
        assert linked.status_code == 201, linked.json()
    return TwoTeams(billing_cases=references["billing"], support_cases=references["support"])


def crawl(
    start: list[str],
    fetch: Callable[[str], tuple[int, str]],
    follows: Callable[[str, str], Iterator[str]],
) -> dict[str, str]:
    """Every page reached breadth first from `start` through the links `follows` finds in
    each, within the bounds: path → text. Each answers 200, 302, 403 or 404."""
    pages: dict[str, str] = {}
    queue, seen, variants = deque(start), set(start), Counter[tuple[str, tuple[str, ...]]]()
    while queue and len(pages) < MOST_PAGES:
        path = queue.popleft()
        status, text = fetch(path)
        assert status in ANSWERS, f"{path} answered {status}"
        pages[path] = text
        for found in follows(path, text):
            parts = urlsplit(found)
            shape = (parts.path, tuple(sorted(parse_qs(parts.query, keep_blank_values=True))))
            if found in seen or variants[shape] >= MOST_VARIANTS:
                continue
            seen.add(found)
            variants[shape] += 1
            queue.append(found)
    return pages


def staff_links(path: str, text: str) -> Iterator[str]:
    for href in HREF.findall(text):
        link = urljoin(path, href.replace("&amp;", "&"))
        parts = urlsplit(link)
        if parts.netloc or not parts.path.startswith("/staff/") or parts.path in NEVER:
            continue
        yield link


def staff_page(client: Client, path: str) -> tuple[int, str]:
    response = client.get(path)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, content.decode(errors="replace")


def api_links(path: str, text: str) -> Iterator[str]:
    """The records a listing names."""
    if not text.startswith(("{", "[")):
        return
    body = json.loads(text)
    items = body.get("items", []) if isinstance(body, dict) else body
    listing = urlsplit(path).path.removeprefix("/api/v1")
    for item in items:
        if listing == "/cases":
            yield f"/api/v1/cases/{item['reference']}"
        elif listing in ("/objectives", "/actions"):
            yield f"/api/v1{listing}/{item['id']}"


def api_listings() -> list[str]:
    metrics = [
        f"/api/v1/metrics/{name}" + ("?theme=billing" if metric.by_theme else "")
        for name, metric in sorted(METRICS.items())
    ]
    grouped = [f"/api/v1/metrics/nps?by={by}" for by in ("touchpoint", "stage", "week")]
    grouped.append("/api/v1/metrics/time_to_resolve?by=team")
    charts = [f"/api/v1/metrics/{name}/control-chart" for name in ("nps", "complaint_rate")]
    listings = ["cases?limit=200", "cases?status=open", "touchpoints", "teams"]
    listings += ["objectives?limit=200", "actions?limit=200"]
    return [f"/api/v1/{listing}" for listing in listings] + metrics + grouped + charts


def test_a_support_agent_crawling_pages_and_api_meets_nothing_of_billings_cases(org, two_teams):
    browser = logged_in(org.support_agent)
    pages = crawl(["/staff/"], lambda path: staff_page(browser, path), staff_links)
    token = acting_for(org.support_agent)

    def api_read(path: str) -> tuple[int, str]:
        response = token.client.get(path, headers=token.headers)
        return response.status_code, response.content.decode()

    answers = crawl(api_listings(), api_read, api_links)

    billing_words = two_teams.billing_cases + BILLING_WORDS
    read = {**pages, **answers}
    assert [
        (path, word) for path, text in read.items() for word in billing_words if word in text
    ] == []
    # What the crawl looks for is there to be found, by Billing...
    billing = logged_in(org.billing_agent)
    billing_case = staff_page(billing, f"/staff/cases/{billing_words[0]}/")[1]
    billing_theme = staff_page(billing, "/staff/insights/themes/billing/")[1]
    assert billing_words[0] in billing_case and "Wexford branch" in billing_case
    assert "quokka ledger" in billing_theme, billing_theme
    # ...and it reached what Support may see: its own cases, on the pages and in the API,
    # the drill-downs of the charts and the comments said alike.
    for reference in two_teams.support_cases:
        assert f"/staff/cases/{reference}/" in pages and f"/api/v1/cases/{reference}" in answers
    for part in ("point=", "/insights/themes/", "/similar/", "/actions/", "/objectives/", ".csv"):
        assert any(part in path for path in pages), part
    assert len(pages) > 150 and len(answers) > 30
