"""The customer's pages laid out on a 390 px phone and a 1280 px screen: every point of a
scale where it belongs, and each question inside its box."""

from __future__ import annotations

import pytest

from tests.public_pages import survey_url, track_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SCREEN = {"viewport": {"width": 1280, "height": 900}}


def rows_of_points(page) -> list[list[str]]:
    """The scale's points, row by row as they are drawn."""
    boxes = page.locator(".scale label > span").evaluate_all(
        "spans => spans.map(s => [Math.round(s.getBoundingClientRect().top),"
        " s.firstChild.textContent.trim()])"
    )
    rows: dict[int, list[str]] = {}
    for top, number in boxes:
        rows.setdefault(top, []).append(number)
    return [rows[top] for top in sorted(rows)]


def question_inside_its_box(page, fieldset: str) -> bool:
    """The legend's every line below the box's top border and within its sides."""
    return page.locator(fieldset).first.evaluate(
        """box => {
            const outer = box.getBoundingClientRect();
            const legend = box.querySelector('legend').getBoundingClientRect();
            const border = parseFloat(getComputedStyle(box).borderTopWidth);
            return legend.top >= outer.top + border && legend.left >= outer.left
                && legend.right <= outer.right && legend.bottom < outer.bottom;
        }"""
    )


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    ("survey", "phone_rows", "screen_rows"),
    [
        (
            "ces_survey",
            [["1", "2", "3", "4", "5", "6", "7"]],
            [["1", "2", "3", "4", "5", "6", "7"]],
        ),
        ("csat_survey", [["1", "2", "3", "4", "5"]], [["1", "2", "3", "4", "5"]]),
        (
            "nps_survey",
            [["0", "1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]],
            [[str(n) for n in range(11)]],
        ),
    ],
)
def test_a_surveys_scale_keeps_its_points_together_on_a_phone_and_a_screen(
    org, live_server, new_page, survey, phone_rows, screen_rows
):
    url = live_server.url + survey_url(getattr(org, survey))
    for device, rows in ((PHONE, phone_rows), (SCREEN, screen_rows)):
        page = new_page(**device)
        page.goto(url)
        assert rows_of_points(page) == rows
        assert question_inside_its_box(page, "fieldset.score-question")
        assert fits_the_screen(page)


def test_the_tracking_pages_question_stays_inside_its_box_on_a_phone(
    live_server, new_page, resolved
):
    page = new_page(**PHONE)
    page.goto(live_server.url + track_url(resolved))
    page.get_by_text("Are you satisfied with how we handled this?").wait_for()
    # On a phone the question takes two lines: the border must not run through it.
    legend = page.locator("fieldset.choices legend")
    assert legend.evaluate("l => l.getBoundingClientRect().height") > 30
    assert question_inside_its_box(page, "fieldset.choices")
    assert fits_the_screen(page)
