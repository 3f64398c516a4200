"""While `vocloop imports undo` holds SQLite's lock: a customer's complaint, a login and a note
come back in Chromium with what was typed and say why; sent again afterwards, they go through.
JavaScript is off for the customer: the page needs none."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_closed_loop import PHONE
from tests.busy_server import feedback_saying
from tests.conftest import PASSWORD
from tests.test_worker_outages import write_lock

pytestmark = pytest.mark.browser

COMPLAINT = "The engineer never came, and the chat just says try again later."
WRITE_BACK = "I am home all day on Friday if that helps."
NOTE = "Rang the customer at 10:40; engineer booked for Friday."


def test_a_complaint_sent_during_an_undo_is_kept_and_sent_again(served, new_page, tmp_path):
    customer = new_page(java_script_enabled=False, **PHONE)
    customer.goto(f"{served.base}/feedback/desk/")
    customer.get_by_label("Make a complaint").check()
    customer.get_by_label("Your message").fill(COMPLAINT)
    customer.get_by_label("Your email").fill("jo@example.com")
    with write_lock(served.database):
        customer.get_by_role("button", name="Send").click()
        alert = customer.get_by_role("alert")
        expect(alert).to_contain_text("Not sent yet: the system is busy")
        expect(alert).to_contain_text("nothing was stored. Please send it again in a moment.")
        customer.screenshot(path=str(tmp_path / "busy-complaint.png"), full_page=True)
    expect(customer.get_by_label("Your message")).to_have_value(COMPLAINT)
    expect(customer.get_by_label("Your email")).to_have_value("jo@example.com")
    expect(customer.get_by_label("Make a complaint")).to_be_checked()

    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    assert feedback_saying(served, COMPLAINT) == 1

    # Writing back on the tracking page: the page reads during the lock, the message waits.
    with write_lock(served.database):
        customer.reload()
        customer.get_by_label("Your message").fill(WRITE_BACK)
        customer.get_by_role("button", name="Send message").click()
        expect(customer.get_by_role("alert")).to_contain_text("the system is busy")
        customer.screenshot(path=str(tmp_path / "busy-tracking.png"), full_page=True)
    expect(customer.get_by_label("Your message")).to_have_value(WRITE_BACK)
    customer.get_by_role("button", name="Send message").click()
    expect(customer.get_by_role("status")).to_contain_text("your message has been added")


def test_staff_log_in_and_note_during_an_undo_keep_what_they_typed(served, new_page, tmp_path):
    agent = new_page()
    agent.goto(f"{served.base}/login/")
    agent.get_by_label("Username").fill("sam_agent")
    agent.get_by_label("Password").fill(PASSWORD)
    with write_lock(served.database):
        agent.get_by_role("button", name="Log in").click()
        expect(agent.get_by_role("alert")).to_contain_text("could not be logged in just now")
        agent.screenshot(path=str(tmp_path / "busy-login.png"), full_page=True)
    expect(agent.get_by_label("Username")).to_have_value("sam_agent")
    expect(agent.get_by_label("Password")).to_have_value("")
    agent.get_by_label("Password").fill(PASSWORD)
    agent.get_by_role("button", name="Log in").click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Inbox")

    agent.goto(f"{served.base}/staff/cases/{served.case_reference}/")
    agent.get_by_role("textbox", name="Note").fill(NOTE)
    with write_lock(served.database):
        agent.get_by_role("button", name="Add internal note").click()
        expect(agent.get_by_role("status")).to_contain_text("the system is busy")
        agent.screenshot(path=str(tmp_path / "busy-note.png"), full_page=True)
    expect(agent.get_by_role("textbox", name="Note")).to_have_value(NOTE)
    agent.get_by_role("button", name="Add internal note").click()
    expect(agent.get_by_role("status")).to_contain_text("Internal note added")
    expect(agent.locator("#timeline-list")).to_contain_text(NOTE)

    with write_lock(served.database):
        agent.get_by_role("button", name=re.compile("Log out")).click()
        expect(agent.get_by_role("heading", level=1)).to_have_text("vocloop is busy for a moment")
        agent.screenshot(path=str(tmp_path / "busy-staff-page.png"), full_page=True)
