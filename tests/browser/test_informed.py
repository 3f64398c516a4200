"""A customer asks on their tracking page to be emailed updates, confirms the address from the
email, hears of the team's reply, and stops the emails again, on a phone; the case's assignee
reveals the phone number the customer gave, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.test_closed_loop import PHONE, fits_the_screen, log_in
from tests.helpers import give_feedback
from vocloop.cases.services import case_assign, case_reply
from vocloop.cases.timeline import Actor
from vocloop.listening.models import Feedback
from vocloop.notifications.delivery import deliver_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "sam.someone@example.com"


def test_email_me_updates_from_the_tracking_page(org, live_server, new_page, settings):
    base = settings.BASE_URL = live_server.url
    customer = new_page(**PHONE)
    customer.goto(f"{base}/feedback/{org.helpdesk.slug}/")
    customer.get_by_label("Make a complaint").check()
    customer.get_by_label("Your message").fill("The engineer did not turn up.")
    customer.get_by_role("button", name=re.compile("Send")).click()
    expect(customer.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    feedback = Feedback.objects.get()

    updates = customer.get_by_role("region", name="Updates by email")
    updates.get_by_label("Your email address").fill("not an address")
    updates.get_by_role("button", name="Email me updates").click()
    expect(customer.get_by_role("alert")).to_contain_text("Enter an email address like")
    updates = customer.get_by_role("region", name="Updates by email")
    updates.get_by_label("Your email address").fill(ADDRESS)
    updates.get_by_role("button", name="Email me updates").click()
    expect(customer.get_by_role("status")).to_contain_text("a link to confirm it is on its way")
    expect(customer.get_by_role("region", name="Updates by email")).to_contain_text(
        f"Waiting for confirmation of {ADDRESS}"
    )
    assert fits_the_screen(customer)

    assert deliver_due() == 1
    [link_mail] = mail.outbox
    assert link_mail.to == [ADDRESS]
    [link] = re.findall(r"http://\S+/updates/\S+/", link_mail.body)
    customer.goto(link)
    expect(customer.get_by_role("heading", level=1)).to_contain_text("by email?")
    customer.get_by_role("button", name="Yes, email me updates").click()
    expect(customer.get_by_role("heading", level=1)).to_contain_text("Confirmed")

    case_reply(
        case=feedback.case,
        body="An engineer comes tomorrow at nine.",
        actor=Actor.staff(org.support_agent),
    )
    assert deliver_due() == 1
    assert "An engineer comes tomorrow at nine." in mail.outbox[1].body

    customer.get_by_role("link", name=re.compile("tracking page")).click()
    updates = customer.get_by_role("region", name="Updates by email")
    expect(updates).to_contain_text(f"We email updates on {feedback.reference}")
    updates.get_by_role("button", name="Stop emailing me").click()
    expect(customer.get_by_role("status")).to_contain_text("We will email no more updates")
    expect(customer.get_by_role("button", name="Email me updates")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_the_assignee_reveals_the_number_the_customer_gave(
    org, live_server, new_page, settings, javascript
):
    base = settings.BASE_URL = live_server.url
    feedback = give_feedback(
        org.helpdesk, score=None, kind="complaint", comment="No signal. Call me on 0612345678."
    )
    case_assign(case=feedback.case, assignee=org.support_agent, actor=Actor.staff(org.manager))
    staff = new_page(java_script_enabled=javascript)
    log_in(staff, base, org.support_agent.username)
    staff.goto(f"{base}/staff/cases/{feedback.reference}/")
    comment = staff.locator(f"#text-feedback-{feedback.reference}")
    expect(comment).to_contain_text("Call me on [phone].")
    url_before = staff.url
    comment.get_by_role("button", name="Reveal contact details").click()
    expect(staff.locator(f"#text-feedback-{feedback.reference}")).to_contain_text(
        "Call me on 0612345678."
    )
    entry = staff.locator("#timeline-list li").last
    expect(entry).to_contain_text("Contact details revealed")
    expect(entry).to_contain_text("Sam Agent")
    expect(entry).not_to_contain_text("0612345678")
    if javascript:
        assert staff.url == url_before  # swapped in place
