"""A score is shown with its scale, and every scale comes from SCORE_RANGES, never the template."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import vocloop
from tests.clock import Clock
from tests.conftest import Org
from tests.staff_pages import detail_url, logged_in, open_case
from tests.test_dashboards import FIRST_MONDAY, WEEKS, page, plant, text_of
from vocloop.listening.templatetags.vocloop_scores import out_of, score_scale

PACKAGE = Path(vocloop.__file__).parent
# "0–10", "1-5", "0 to 10", "of 7": a scale written out by hand.
SCALE_BY_HAND = re.compile(r"\b[01]\s*(?:[–-]|to)\s*(?:10|5|7)\b|\bof (?:10|5|7)\b")


@pytest.mark.parametrize(
    ("score_type", "scale", "top"), [("nps", "0–10", "3 of 10"), ("csat", "1–5", "3 of 5"),
                                     ("ces", "1–7", "3 of 7")],
)  # fmt: skip
def test_each_score_type_has_its_scale(score_type: str, scale: str, top: str) -> None:
    assert score_scale(score_type) == scale
    assert out_of(3, score_type) == top


def test_a_score_of_no_known_type_is_shown_without_a_scale() -> None:
    assert score_scale(None) == "" and score_scale("stars") == ""
    assert out_of(4, "stars") == "4" and out_of(None, "nps") == ""


def test_no_template_writes_a_scale_by_hand() -> None:
    written = [
        f"{path.relative_to(PACKAGE)}: {match.group(0)!r}"
        for path in sorted(PACKAGE.rglob("*.html")) + sorted(PACKAGE.rglob("*.txt"))
        for match in SCALE_BY_HAND.finditer(path.read_text())
    ]
    assert written == []


@pytest.mark.django_db
def test_the_case_page_gives_the_scale_of_the_customers_score(org: Org) -> None:
    agent = logged_in(org.support_agent)
    nps = agent.get(detail_url(open_case(org.helpdesk))).content.decode()
    assert "(on a 0–10 scale)" in nps
    csat = logged_in(org.manager).get(detail_url(open_case(org.invoicing))).content.decode()
    assert "(on a 1–5 scale)" in csat


@pytest.mark.django_db
def test_a_drilled_down_comment_gives_its_score_out_of_the_top_of_its_scale(
    org: Org, clock: Clock
) -> None:
    plant(org.helpdesk, "ces", [[2, 6]] * WEEKS, comment="Week {week}, effort {score}.")
    week = FIRST_MONDAY + dt.timedelta(weeks=WEEKS - 2)
    shown = text_of(page(logged_in(org.manager), "metric", "ces", point=week.isoformat()))
    drill = re.search(r'id="drill-down".*?</section>', shown)
    assert drill is not None
    assert "2 of 7" in drill.group(0) and "6 of 7" in drill.group(0)
