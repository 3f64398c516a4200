"""Customers kept informed at an address they proved: the receipt's link, the tracking page's
"email me updates", the confirmation page, and what an unconfirmed address never gets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.helpers import give_feedback
from tests.notification_receivers import smtp_server
from tests.public_pages import text_of, track_url
from tests.test_notifications_email import use_email_url
from vocloop.cases.models import Case, RootCause
from vocloop.cases.services import case_reopen, case_reply, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.customers.models import Customer
from vocloop.listening.models import Feedback
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import OutboxMessage, UpdatesSubscription

ADDRESS = "jo.public@example.com"
LINK = re.compile(r"http://testserver(/updates/[^/\s\"]+/)")


@pytest.fixture(autouse=True)
def links_on_the_test_server(settings: Any) -> None:
    settings.BASE_URL = "http://testserver"


def complain(client: Client, org: Any, comment: str, email: str = ADDRESS) -> Feedback:
    data = {"kind": "complaint", "comment": comment, "name": "Jo Public", "email": email}
    response = client.post(f"/feedback/{org.helpdesk.slug}/", data)
    assert response.status_code == 302, text_of(response)[:500]
    return Feedback.objects.get(comment=comment)


def mails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


def confirm_path(message: Any) -> str:
    """The confirmation link's path, read from the plain text and the HTML alike."""
    [in_text] = LINK.findall(message.body)
    [in_html] = LINK.findall(message.alternatives[0][0])
    assert in_text == in_html
    return in_text


def confirm(client: Client, path: str) -> Any:
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path)


def reply(case: Case, org: Any, body: str) -> None:
    case_reply(case=case, body=body, actor=Actor.staff(org.support_agent))


def ask_for_updates(client: Client, feedback: Feedback, email: str) -> Any:
    url = reverse("public:track_updates", args=[feedback.tracking_token])
    return client.post(url, {"updates-email": email})


# --- A typed address, from the receipt ------------------------------------------------------


def test_a_confirmed_typed_address_gets_a_staff_reply_through_smtp(org, settings, tmp_path):
    client = Client()
    with smtp_server() as (port, server):
        use_email_url(settings, f"smtp://127.0.0.1:{port}", tmp_path)
        feedback = complain(client, org, "My parcel never came.")
        assert deliver_due() == 1
        [receipt] = server.messages
        text = receipt.get_body(preferencelist=("plain",)).get_content()
        html = receipt.get_body(preferencelist=("html",)).get_content()
        assert f"Confirm this is your address to get updates on {feedback.reference}" in text
        [path] = LINK.findall(text)
        assert f'href="http://testserver{path}"' in html

        assert "Yes, email me updates" in text_of(client.get(path))
        done = client.post(path)
        assert done.status_code == 200
        assert "Confirmed" in text_of(done) and ADDRESS in text_of(done)

        reply(feedback.case, org, "We found your parcel at the depot.")
        assert deliver_due() == 1
    [envelope] = server.envelopes[1:]
    assert envelope.rcpt_tos == [ADDRESS]
    update = server.messages[1]
    assert update["Subject"].strip() == f"A reply about {feedback.reference} from our Support team"
    body = update.get_body(preferencelist=("plain",)).get_content()
    assert "We found your parcel at the depot." in body
    assert f"http://testserver/t/{feedback.tracking_token}/" in body
    page = client.get(urlsplit(f"http://testserver/t/{feedback.tracking_token}/").path)
    assert "We found your parcel at the depot." in text_of(page)


def test_a_confirmed_address_hears_of_the_resolution_and_a_reopening(client, org):
    feedback = complain(client, org, "The invoice is wrong.")
    deliver_due()
    confirm(client, confirm_path(mails_to(ADDRESS)[0]))
    staff = Actor.staff(org.support_agent)
    case_resolve(
        case=feedback.case,
        resolution="We credited the difference.",
        root_cause=RootCause.objects.get(slug="process"),
        actor=staff,
    )
    case_reopen(case=feedback.case, reason="The credit was too small.", actor=staff)
    deliver_due()
    subjects = [m.subject for m in mails_to(ADDRESS)]
    reference = feedback.reference
    assert subjects[1:] == [
        f"{reference} is resolved – are you satisfied?",
        f"{reference} is open again",
    ]
    resolved = mails_to(ADDRESS)[1]
    assert "We credited the difference." in resolved.body
    assert f"/t/{feedback.tracking_token}/" in resolved.body
    # The name typed into the form is on the customer record the address made.
    assert resolved.body.startswith("Dear Jo Public,")


def test_an_unconfirmed_address_gets_nothing_beyond_the_receipt(client, org):
    feedback = complain(client, org, "Nobody answers the phone.")
    staff = Actor.staff(org.support_agent)
    reply(feedback.case, org, "Sorry, we will call you.")
    case_resolve(
        case=feedback.case,
        resolution="We called.",
        root_cause=RootCause.objects.get(slug="people"),
        actor=staff,
    )
    case_reopen(case=feedback.case, reason="Reopened by us.", actor=staff)
    deliver_due()
    [receipt] = mails_to(ADDRESS)
    assert feedback.reference in receipt.subject
    assert not OutboxMessage.objects.exclude(kind="customer_receipt").filter(recipient=ADDRESS)


def test_a_second_case_with_the_same_typed_address_is_neither_joined_nor_followed(client, org):
    first = complain(client, org, "First problem.")
    deliver_due()
    confirm(client, confirm_path(mails_to(ADDRESS)[0]))
    second = complain(client, org, "Second problem.")
    assert second.case != first.case
    reply(second.case, org, "About the second problem.")
    reply(first.case, org, "About the first problem.")
    deliver_due()
    replies = [m for m in mails_to(ADDRESS) if m.subject.startswith("A reply")]
    assert [m.subject for m in replies] == [
        f"A reply about {first.reference} from our Support team"
    ]
    # Confirming proves the address for that case only: it identifies nobody.
    assert not Case.objects.filter(customer_verified=True).exists()
    real = give_feedback(org.helpdesk, customer=first.customer, score=1, comment="Real one.")
    assert real.case not in (first.case, second.case)


def test_a_known_customers_address_typed_by_someone_else_joins_nothing(client, org):
    mallory = complain(client, org, "Tell me about Ada.", email=org.customer.email)
    deliver_due()
    [receipt] = mails_to(org.customer.email)
    confirm(client, confirm_path(receipt))  # Ada herself follows the link
    adas = give_feedback(org.helpdesk, customer=org.customer, score=1, comment="ADA SECRET")
    assert adas.case != mallory.case
    assert "ADA SECRET" not in text_of(client.get(track_url(mallory)))
    assert Customer.objects.filter(email__iexact=org.customer.email).count() == 1


# --- The confirmation page ------------------------------------------------------------------


def test_a_mail_scanner_fetching_the_link_confirms_nothing(client, org):
    feedback = complain(client, org, "Scanned mail.")
    deliver_due()
    path = confirm_path(mails_to(ADDRESS)[0])
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200
    reply(feedback.case, org, "Anyone there?")
    deliver_due()
    assert len(mails_to(ADDRESS)) == 1
    assert UpdatesSubscription.objects.get().confirmed_at is None


def test_confirming_twice_is_no_error(client, org):
    complain(client, org, "Double click.")
    deliver_due()
    path = confirm_path(mails_to(ADDRESS)[0])
    confirm(client, path)
    again = client.post(path)
    assert again.status_code == 200
    assert "Confirmed" in text_of(again)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),
        lambda token: "not-a-token",
        lambda token: token.split(":")[0] + ":" + token.split(":")[0],
    ],
    ids=["tampered", "garbage", "spliced"],
)
def test_a_forged_link_gets_a_clear_page(client, org, mangle):
    complain(client, org, "Forged link.")
    deliver_due()
    token = confirm_path(mails_to(ADDRESS)[0]).split("/")[2]
    path = reverse("notifications:updates_confirm", args=[mangle(token)])
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        assert "This confirmation link is not one we sent" in text_of(response)
    assert UpdatesSubscription.objects.get().confirmed_at is None


def test_an_expired_link_gets_a_clear_page(client, org, monkeypatch):
    complain(client, org, "Old link.")
    deliver_due()
    path = confirm_path(mails_to(ADDRESS)[0])
    later = timezone.now() + dt.timedelta(days=7, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.post(path)
    assert response.status_code == 410
    assert "has expired" in text_of(response)
    assert UpdatesSubscription.objects.get().confirmed_at is None


def test_a_link_withdrawn_by_a_newer_one_or_by_stopping_confirms_nothing(client, org):
    feedback = complain(client, org, "Two links.")
    deliver_due()
    first = confirm_path(mails_to(ADDRESS)[0])
    assert ask_for_updates(client, feedback, ADDRESS).status_code == 302
    deliver_due()
    second = confirm_path(mails_to(ADDRESS)[1])
    assert client.post(first).status_code == 410
    client.post(reverse("public:track_updates_stop", args=[feedback.tracking_token]))
    response = client.post(second)
    assert response.status_code == 410
    assert "no longer valid" in text_of(response)


def test_confirming_counts_against_the_clients_limit(client, org, settings):
    complain(client, org, "Many clicks.")
    deliver_due()
    path = confirm_path(mails_to(ADDRESS)[0])
    settings.PUBLIC_RATE_LIMIT = 1  # the complaint itself used it up
    response = client.post(path)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please wait a little" in text_of(response)
    assert UpdatesSubscription.objects.get().confirmed_at is None


# --- The tracking page ----------------------------------------------------------------------


def test_email_me_updates_on_the_tracking_page_then_a_reply_reaches_the_address(client, org):
    feedback = give_feedback(org.helpdesk, score=2, comment="Anonymous, for now.")
    page = text_of(client.get(track_url(feedback)))
    assert "Email me updates" in page
    response = ask_for_updates(client, feedback, "later@example.com")
    assert response.status_code == 302
    page = text_of(client.get(track_url(feedback)))
    assert "a link to confirm it is on its way" in page
    assert "Waiting for confirmation of later@example.com" in page
    deliver_due()
    [link_mail] = mails_to("later@example.com")
    assert link_mail.subject == f"Confirm your address for updates on {feedback.reference}"
    # The address's owner may not be the one who typed it: the email leads to no case.
    assert feedback.tracking_token not in link_mail.body
    confirm(client, confirm_path(link_mail))
    assert "We email updates on" in text_of(client.get(track_url(feedback)))
    reply(feedback.case, org, "Thanks for waiting.")
    deliver_due()
    assert "Thanks for waiting." in mails_to("later@example.com")[1].body


def test_writing_back_about_caseless_feedback_brings_its_new_case_to_a_confirmed_address(
    client, org
):
    feedback = give_feedback(org.helpdesk, score=10, comment="Great, one question.")
    ask_for_updates(client, feedback, "later@example.com")
    deliver_due()
    confirm(client, confirm_path(mails_to("later@example.com")[0]))
    url = reverse("public:track_message", args=[feedback.tracking_token])
    assert client.post(url, {"message-body": "Do you ship to Norway?"}).status_code == 302
    feedback.refresh_from_db()
    reply(feedback.case, org, "We do.")
    deliver_due()
    assert "We do." in mails_to("later@example.com")[1].body


@pytest.mark.parametrize("bad", ["", "not-an-address", "jo@", "a" * 250 + "@example.com"])
def test_a_bad_address_is_refused_with_a_form_error(client, org, bad):
    feedback = give_feedback(org.helpdesk, score=2)
    response = ask_for_updates(client, feedback, bad)
    assert response.status_code == 400
    html = text_of(response)
    assert "Please check the form" in html
    assert re.search(r"Please enter your email address|Enter an email address like|at most", html)
    assert not UpdatesSubscription.objects.exists()
    assert not OutboxMessage.objects.filter(kind="customer_confirm_updates").exists()


def test_the_answer_never_tells_whether_an_address_is_known(client, org):
    known = give_feedback(org.helpdesk, score=2, comment="One.")
    unknown = give_feedback(org.helpdesk, score=2, comment="Two.")
    answers = []
    for feedback, address in ((known, org.customer.email), (unknown, "nobody@example.net")):
        response = ask_for_updates(client, feedback, address)
        assert response.status_code == 302
        page = text_of(client.get(response["Location"]))
        answers.append(
            page.replace(address, "ADDRESS")
            .replace(feedback.reference, "REF")
            .replace(feedback.tracking_token, "TOKEN")
            .replace(feedback.comment, "COMMENT")
        )
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|datetime="[^"]+"|\d\d:\d\d')
    assert strip.sub("", answers[0]) == strip.sub("", answers[1])


def test_sends_to_one_address_are_limited_whoever_asks(org):
    asked = [give_feedback(org.helpdesk, score=2, comment=f"Case {n}.") for n in range(5)]
    for n, feedback in enumerate(asked):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        response = ask_for_updates(client, feedback, "Target@Example.com")
        assert response.status_code == 302  # the same answer past the allowance
    assert OutboxMessage.objects.filter(kind="customer_confirm_updates").count() == 3


def test_an_ask_past_the_allowance_leaves_the_link_already_sent_working(org):
    feedback = give_feedback(org.helpdesk, score=2, comment="Where is it?")
    for n in range(4):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        assert ask_for_updates(client, feedback, ADDRESS).status_code == 302
    deliver_due()
    links = [confirm_path(message) for message in mails_to(ADDRESS)]
    assert len(links) == 3  # the fourth ask sent nothing
    assert Client().post(links[0]).status_code == 410  # withdrawn by the second, as it should
    # Nothing newer went out after the third, so the third still confirms.
    done = Client().post(links[-1])
    assert done.status_code == 200 and "Confirmed" in text_of(done)
    assert UpdatesSubscription.objects.get().active


def test_receipts_to_a_typed_address_count_against_its_allowance(org, caplog):
    """Each receipt carries a confirmation link: the forms, posted from many clients, reach
    an address no more often than the tracking pages' asks do, and share its allowance."""
    survey = reverse("public:survey", args=[org.nps_survey.public_slug])
    pages = []
    for n in range(4):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        if n < 3:
            data = {"kind": "complaint", "comment": f"Flood {n}.", "email": ADDRESS}
            response = client.post(f"/feedback/{org.helpdesk.slug}/", data)
        else:
            data = {"score": "2", "comment": f"Flood {n}.", "email": ADDRESS}
            response = client.post(survey, data)
        assert response.status_code == 302
        pages.append((client, response["Location"]))
    stored = list(Feedback.objects.order_by("pk"))
    assert len(stored) == 4 and all(f.case is not None for f in stored)  # all taken in
    ask_for_updates(Client(REMOTE_ADDR="192.0.2.9"), stored[0], ADDRESS)
    deliver_due()
    assert [m.subject for m in mails_to(ADDRESS)] == [
        f"We received your complaint – reference {f.reference}" for f in stored[:3]
    ]
    last = stored[3]
    assert not UpdatesSubscription.objects.filter(feedback=last).exists()
    client, location = pages[3]
    page = text_of(client.get(location))
    assert last.reference in page and f"/t/{last.tracking_token}/" in page
    assert "Waiting for confirmation" not in page  # no link was sent to follow
    [line] = [r.getMessage() for r in caplog.records if last.reference in r.getMessage()]
    assert "receipt not emailed" in line and "tracking link on the page" in line
    assert ADDRESS not in line


def test_receipts_to_a_known_customer_are_not_limited(org):
    for n in range(5):
        give_feedback(org.helpdesk, customer=org.customer, score=2, comment=f"Known {n}.")
    deliver_due()
    assert len(mails_to(org.customer.email)) == 5


def test_asks_from_one_client_are_limited_and_keep_the_address(client, org, settings):
    settings.PUBLIC_RATE_LIMIT = 2
    feedback = give_feedback(org.helpdesk, score=2)
    for address in ("a@example.com", "b@example.com"):
        assert ask_for_updates(client, feedback, address).status_code == 302
    response = ask_for_updates(client, feedback, "c@example.com")
    assert response.status_code == 429
    assert 'value="c@example.com"' in text_of(response)
    assert not UpdatesSubscription.objects.filter(email="c@example.com").exists()


def test_stop_emailing_me_stops_a_confirmed_address(client, org):
    feedback = complain(client, org, "Stop later.")
    deliver_due()
    confirm(client, confirm_path(mails_to(ADDRESS)[0]))
    stop = reverse("public:track_updates_stop", args=[feedback.tracking_token])
    response = client.post(stop, follow=True)
    assert "We will email no more updates" in text_of(response)
    assert "Email me updates" in text_of(response)
    reply(feedback.case, org, "Nobody will read this by email.")
    deliver_due()
    assert len(mails_to(ADDRESS)) == 1


def test_a_known_customer_can_stop_their_case_updates_too(client, org):
    feedback = give_feedback(org.helpdesk, customer=org.customer, score=2)
    page = text_of(client.get(track_url(feedback)))
    assert "the address we have for you" in page
    assert org.customer.email not in page
    client.post(reverse("public:track_updates_stop", args=[feedback.tracking_token]))
    reply(feedback.case, org, "Not by email.")
    deliver_due()
    assert [m.subject for m in mails_to(org.customer.email)] == [
        f"We received your feedback – reference {feedback.reference}"
    ]
    # Asking again, and confirming, brings them back.
    ask_for_updates(client, feedback, org.customer.email)
    deliver_due()
    confirm(client, confirm_path(mails_to(org.customer.email)[1]))
    reply(feedback.case, org, "By email again.")
    deliver_due()
    assert "By email again." in mails_to(org.customer.email)[2].body
    assert len(mails_to(org.customer.email)) == 3  # once, though two rules name the address


def test_a_stop_from_one_tracking_link_holds_for_the_cases_other_links(client, org):
    first = give_feedback(org.helpdesk, customer=org.customer, score=2, comment="First.")
    later = give_feedback(org.helpdesk, customer=org.customer, score=1, comment="Later.")
    assert later.case == first.case
    client.post(reverse("public:track_updates_stop", args=[first.tracking_token]))
    page = text_of(client.get(track_url(later)))
    assert "We email updates on" not in page and "Email me updates" in page
    reply(first.case, org, "Quiet now.")
    deliver_due()
    assert not [m for m in mails_to(org.customer.email) if m.subject.startswith("A reply")]
