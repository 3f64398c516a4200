"""The improvement loop in a real browser: a theme rising at the help desk → an action raised
from its page with the evidence → planned, done, its change dated → answers after the
change → the check says effective → standardised → the linked customer's tracking page and
email say what changed, and the public page lists it."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_closed_loop import log_in
from tests.clock import utc
from tests.helpers import give_feedback
from tests.improvement_data import plant_complaints, rollups_from_rows
from tests.insights_themes import fill
from vocloop.improvement.models import Action
from vocloop.improvement.told import KIND
from vocloop.notifications.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RAISED = utc(2026, 9, 4, 16, 0)  # a Friday: the rise is read over the weeks to 30 August
CHANGE = dt.date(2026, 9, 7)
CONCLUDED = utc(2026, 11, 30, 10, 0)
RISING = [1] * 22 + [7, 8, 8, 9]
CHANGED = "Every depot now keeps bays free for customers collecting parcels."


def plant_answers(org) -> None:
    """Eight weeks before the change and ten after: complaints at the help desk fall from
    30 % to 12 %, at Invoicing (the rest of the organisation) they stay at 25 %."""
    rng = random.Random(7)
    before = CHANGE - dt.timedelta(weeks=8)
    for touchpoint, per_day, shares in (
        (org.helpdesk, 12, (0.30, 0.12)),
        (org.invoicing, 40, (0.25, 0.25)),
    ):
        plant_complaints(
            touchpoint, first=before, days=56, per_day=per_day, complaint_share=shares[0], rng=rng
        )
        plant_complaints(
            touchpoint, first=CHANGE, days=70, per_day=per_day, complaint_share=shares[1], rng=rng
        )
    rollups_from_rows()


def test_a_rising_theme_to_a_proven_change_the_customer_is_told_of(
    org, parking, clock, live_server, new_page, settings
):
    base = settings.BASE_URL = live_server.url
    clock.to(RAISED)
    fill(org, RAISED.date(), RISING)
    complaint = give_feedback(
        org.helpdesk, customer=org.customer, score=3, comment="No parking space at the depot again."
    )
    assert complaint.case is not None

    staff = new_page(viewport={"width": 1280, "height": 1000})
    log_in(staff, base, org.manager.username)

    # The theme's page flags the rise and offers to raise an action on it.
    staff.goto(f"{base}/staff/insights/themes/parking/")
    expect(staff.get_by_role("status")).to_contain_text("On the rise")
    raise_link = staff.get_by_role("link", name="Raise an improvement action on this rise")
    raise_link.scroll_into_view_if_needed()
    staff.screenshot(path="/tmp/raise-theme.png")
    raise_link.click()

    # The form opens prefilled: the theme's numbers, where it rises, its team.
    expect(staff.get_by_role("heading", name="Raised from a theme: the evidence")).to_be_visible()
    form = staff.locator("form.panel")
    problem = form.get_by_label("Problem")
    expect(problem).to_have_value(
        re.compile(
            r"^‘Parking’: 40\.0 % of comments at Help desk in the 4 weeks to 30 Aug 2026 "
            r"\[.*\], n=80, up from 5\.0 % \["
        )
    )
    expect(form.get_by_label("Touch point")).to_have_value(str(org.helpdesk.pk))
    expect(form.get_by_label("Team", exact=True)).to_have_value(str(org.support.pk))
    staff.screenshot(path="/tmp/raise-form.png", full_page=True)

    # Plan: the cause, the change, what it should move and by how much.
    form.get_by_label("Why? (1)").fill("Customers collecting parcels find the bays taken.")
    form.get_by_label("Why? (2)").fill("Staff park in the customer bays.")
    form.get_by_label("Cause category (Ishikawa)").select_option("method")
    form.get_by_label("The change").fill("Customer bays marked and kept free.")
    form.get_by_label("Metric").select_option("complaint_rate")
    form.get_by_label("Expected effect").fill("-10")
    form.get_by_label("Owner").select_option(str(org.manager.pk))
    form.get_by_label("Due by").fill("2026-12-31")
    form.get_by_role("button", name="Raise the action").click()
    expect(staff.locator(".messages")).to_contain_text("Action raised")
    action = Action.objects.get()
    assert (action.source, action.theme, action.touchpoint) == ("theme", parking, org.helpdesk)
    action_url = staff.url

    # The customer's case is linked to it from the case page.
    staff.goto(f"{base}/staff/cases/{complaint.case.reference}/")
    staff.get_by_label("Improvement action", exact=True).select_option(str(action.pk))
    staff.get_by_role("button", name="Link", exact=True).click()
    expect(staff.locator(".linked-actions")).to_contain_text(action.title)

    # Do, with the day the change took effect; then Check.
    staff.goto(action_url)
    staff.get_by_role("button", name="Move to Do").click()
    edit = staff.locator("form", has=staff.get_by_role("button", name="Save the plan"))
    edit.get_by_label("Change took effect on").fill(CHANGE.isoformat())
    edit.get_by_role("button", name="Save the plan").click()
    staff.get_by_role("button", name="Move to Check").click()
    expect(staff.locator(".badge").first).to_have_text("Check")

    # Ten weeks of answers after the change; the check concludes effective.
    plant_answers(org)
    clock.to(CONCLUDED)
    log_in(staff, base, org.manager.username)  # the session of September has expired
    staff.goto(action_url)
    expect(staff.locator(".verdict")).to_have_text(re.compile("^Effective"))
    # On a phone, its check's table scrolls within the page, which does not widen.
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, base, org.manager.username)
    phone.goto(action_url)
    expect(phone.locator(".verdict")).to_have_text(re.compile("^Effective"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    staff.get_by_role("button", name="Move to Act").click()
    words = staff.locator("form", has=staff.get_by_role("button", name="Save “you said, we did”"))
    words.get_by_label("The problem, in the customers' words").fill(
        "There was nowhere to park when collecting a parcel."
    )
    words.get_by_label("What changed").fill(CHANGED)
    words.get_by_label("Show it on the public").check()
    words.get_by_role("button", name="Save “you said, we did”").click()
    staff.get_by_role("button", name="Standardise and close").click()
    expect(staff.locator(".messages")).to_contain_text("standardised")

    # The customer is told, on their tracking page and by email; the public page lists it.
    (email,) = OutboxMessage.objects.filter(kind=KIND)
    assert email.recipient == org.customer.email and CHANGED in email.body_text
    customer = new_page()
    customer.goto(f"{base}/t/{complaint.tracking_token}/")
    expect(customer.get_by_text("What we changed because of what you told us")).to_be_visible()
    expect(customer.get_by_text(CHANGED)).to_be_visible()
    customer.goto(f"{base}/you-said-we-did/")
    expect(customer.get_by_text(CHANGED)).to_be_visible()
