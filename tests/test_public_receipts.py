"""A receipt to an address typed into a public form carries nothing its sender wrote but the
reference and a plain short name: the form cannot make the organisation mail a stranger
someone else's words."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core import mail

from tests.helpers import give_feedback
from tests.public_pages import fresh_rate_limit  # noqa: F401
from vocloop.listening.models import Feedback
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import EmailTemplate

VICTIM = "someone.else@example.com"
INJECTION = "Your account will be closed, verify at http://evil.example/login"
COMMENT = "Urgent: call +44 20 7946 0958 and read out your card number."


def complain(client: Any, org: Any, *, name: str, comment: str = COMMENT) -> Feedback:
    data = {"kind": "complaint", "comment": comment, "name": name, "email": VICTIM}
    assert client.post(f"/feedback/{org.helpdesk.slug}/", data).status_code == 302
    return Feedback.objects.get()


def receipt() -> tuple[str, str, str]:
    """Subject, plain text and HTML (unescaped) of the one email to the typed address."""
    deliver_due()
    [message] = [m for m in mail.outbox if m.to == [VICTIM]]
    return message.subject, message.body, html.unescape(message.alternatives[0][0])


def test_a_name_with_a_message_in_it_is_left_out_of_the_greeting(client, org):
    feedback = complain(client, org, name=INJECTION)
    subject, text, page = receipt()
    assert feedback.reference in subject
    for body in (text, page):
        assert "Hello," in body
        assert "Dear" not in body
        assert "verify" not in body and "evil.example" not in body
        assert f"/t/{feedback.tracking_token}/" in body


@pytest.mark.parametrize("name", ["O'Brien", "Anne-Marie", "José", "李雷", "Jan van der Berg"])
def test_an_ordinary_name_still_greets_the_customer(client, org, name):
    complain(client, org, name=name)
    _, text, page = receipt()
    assert text.startswith(f"Dear {name},")
    assert f"<p>Dear {name},</p>" in page


def test_the_comment_never_reaches_the_typed_address_even_through_an_edited_template(client, org):
    EmailTemplate.objects.filter(kind="customer_receipt").update(
        subject="{{ reference }} {{ feedback.comment }}",
        body_text="{{ feedback.comment }} {{ case.customer.name }} {{ reference }}",
        body_html="<p>{{ feedback.comment }} {{ case.customer.name }} {{ reference }}</p>",
    )
    feedback = complain(client, org, name="Call us now on the number below")
    subject, text, page = receipt()
    for part in (subject, text, page):
        assert feedback.reference in part
        assert "Urgent" not in part and "7946" not in part
        assert "Call us now" not in part


def test_a_known_customers_receipt_still_greets_by_name_and_may_quote_the_comment(org):
    EmailTemplate.objects.filter(kind="customer_receipt").update(
        body_text="Dear {{ customer_name }}: {{ feedback.comment }}"
    )
    org.customer.name = "Dr. Ada Customer"
    org.customer.save()
    give_feedback(org.helpdesk, customer=org.customer, score=2, comment="Known to us.")
    deliver_due()
    [message] = [m for m in mail.outbox if m.to == [org.customer.email]]
    assert message.body.strip() == "Dear Dr. Ada Customer: Known to us."
