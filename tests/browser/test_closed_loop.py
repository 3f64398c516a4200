"""The whole loop in a real browser: a customer's poor score becomes a case, the owning team
answers and resolves it, the customer sees it and, not satisfied, reopens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from vocloop.cases.models import Case, Status
from vocloop.listening.models import Feedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_detractor_to_case_to_reply_to_resolution_to_reopening(
    org, live_server, new_page, settings
):
    base = settings.BASE_URL = live_server.url

    # The customer, on a phone, answers the NPS survey with a 3 and a comment.
    customer = new_page(**PHONE)
    customer.goto(f"{base}/s/{org.nps_survey.public_slug}/")
    expect(customer.get_by_text(org.nps_survey.question_text)).to_be_visible()
    assert fits_the_screen(customer)
    customer.get_by_label("3", exact=True).check()
    customer.get_by_label("What is the main reason").fill("I waited forty minutes on the phone.")
    customer.get_by_label("Your name").fill("Ada Lovelace")
    customer.get_by_label("Your email address").fill("ada.l@example.com")
    customer.get_by_role("button", name="Send my answer").click()

    expect(customer.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    reference = customer.locator(".reference").first.inner_text().strip()
    assert re.fullmatch(r"VL-\d{4}-\d{6}", reference)
    tracking_url = customer.locator(".tracking-link a").get_attribute("href")
    assert tracking_url and reference not in tracking_url
    feedback = Feedback.objects.get(reference=reference)  # committed before the confirmation
    assert feedback.score == 3 and feedback.case.team == org.support

    # A member of the owning team finds it, replies from a template and resolves it.
    staff = new_page()
    log_in(staff, base, org.support_agent.username)
    staff.get_by_role("link", name=reference).click()
    expect(staff.get_by_text("I waited forty minutes on the phone.").first).to_be_visible()
    staff.get_by_label("Start from a reply template").select_option(label="Apology (all teams)")
    staff.get_by_role("button", name="Use template").click()
    reply = staff.get_by_label("Your reply")
    expect(reply).to_have_value(re.compile(f"Dear Ada Lovelace, .*case {reference}"))
    staff.get_by_role("button", name="Send reply to the customer").click()
    expect(staff.get_by_role("status")).to_contain_text("reply")
    staff.get_by_label("Resolution summary").fill("We called you back and added a callback option.")
    staff.get_by_label("Root cause").select_option(label="Process")
    staff.get_by_role("button", name="Resolve").click()
    expect(staff.locator(".status").first).to_contain_text("Resolved")

    # The customer's tracking page shows the reply and the resolution.
    customer.goto(tracking_url)
    expect(customer.get_by_text("Dear Ada Lovelace, we are sorry.", exact=False)).to_be_visible()
    expect(customer.get_by_text("We called you back and added a callback option.")).to_be_visible()
    expect(customer.get_by_role("region", name="Where it stands")).to_contain_text("Resolved")
    assert org.support_agent.email not in customer.content()
    assert fits_the_screen(customer)

    # Not satisfied: the customer says why, and the case is reopened.
    verdict = customer.locator("section", has=customer.get_by_role("heading", name="Your opinion"))
    verdict.get_by_label("No", exact=True).check()
    verdict.get_by_label("What is still wrong?").fill("Nobody called me back.")
    verdict.get_by_role("button", name="Send my answer").click()
    expect(customer.get_by_text("You told us you are not satisfied")).to_be_visible()

    case = Case.objects.get(reference=reference)
    assert case.status == Status.ACKNOWLEDGED and case.reopen_count == 1

    # Back in the inbox, the case is open again.
    staff.goto(f"{base}/staff/")
    row = staff.get_by_role("row", name=re.compile(reference))
    expect(row).to_contain_text("Acknowledged")
    row.get_by_role("link", name=reference).click()
    expect(staff.get_by_text("Nobody called me back.").first).to_be_visible()


def test_the_survey_can_be_answered_with_the_keyboard_alone(org, live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/s/{org.csat_survey.public_slug}/")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    page.keyboard.press("ArrowRight")  # from 1 to 2 within the radio group
    page.keyboard.press("Space")
    focused = page.evaluate("[document.activeElement.value, document.activeElement.checked]")
    assert focused == ["2", True]
    page.keyboard.press("Tab")
    page.keyboard.type("The invoice listed a product we never ordered.")
    page.get_by_role("button", name="Send my answer").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    assert Feedback.objects.get().case.team == org.billing
