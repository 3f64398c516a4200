"""Emails to customers: through a real SMTP server, into .eml files, with editable wording."""

from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests.conftest import PASSWORD
from tests.helpers import give_feedback
from tests.notification_receivers import smtp_server
from vocloop.cases.customer_actions import case_customer_verdict
from vocloop.cases.models import RootCause
from vocloop.cases.services import case_reopen, case_reply, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.config import ConfigError
from vocloop.notifications.delivery import deliver_due, message_id
from vocloop.notifications.email_url import django_email_settings
from vocloop.notifications.models import EmailTemplate, OutboxMessage


def use_email_url(settings: Any, url: str, data_dir: Path) -> None:
    for name, value in django_email_settings(url, data_dir).items():
        setattr(settings, name, value)


def sent_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


def test_a_detractor_with_an_email_gets_a_receipt_through_smtp(org, settings, tmp_path, client):
    settings.BASE_URL = "http://testserver"
    with smtp_server() as (port, server):
        use_email_url(settings, f"smtp://127.0.0.1:{port}", tmp_path)
        feedback = give_feedback(org.helpdesk, customer=org.customer, score=2)
        assert deliver_due() == 1
    [received] = server.messages
    [envelope] = server.envelopes
    assert envelope.rcpt_tos == ["ada@example.com"]
    outbox = OutboxMessage.objects.get(kind="customer_receipt")
    assert received["From"] == settings.DEFAULT_FROM_EMAIL
    assert received["To"] == "ada@example.com"
    # Django folds an encoded subject onto a continuation line; readers unfold it.
    subject = received["Subject"].strip()
    assert subject == f"We received your feedback – reference {feedback.reference}"
    assert received["Message-ID"] == message_id(outbox)
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    link = f"http://testserver/t/{feedback.tracking_token}/"
    assert link in text
    assert f'href="{link}"' in html
    assert "Support team" in text
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert feedback.reference in page.content.decode()


def test_the_default_writes_eml_files_into_the_data_directory(org, settings, tmp_path):
    use_email_url(settings, "file://", tmp_path)
    feedback = give_feedback(org.helpdesk, customer=org.customer, score=9)
    assert deliver_due() == 1
    [eml] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "ada@example.com"
    assert feedback.reference in message["Subject"]
    assert message.get_body(preferencelist=("html",)) is not None
    # A good score opens no case: the receipt does not promise a team's follow-up.
    assert "team" not in message.get_body(preferencelist=("plain",)).get_content()


def eml_received(tmp_path: Path) -> list[Any]:
    return [
        message_from_bytes(eml.read_bytes(), policy=policy.default)
        for eml in sorted((tmp_path / "mail").glob("*.eml"))
    ]


def test_a_complaints_receipt_says_the_complaint_was_received(org, settings, tmp_path):
    use_email_url(settings, "file://", tmp_path)
    complaint = give_feedback(
        org.helpdesk, customer=org.customer, kind="complaint", score=None, comment="Cut off."
    )
    assert deliver_due() == 1
    [message] = eml_received(tmp_path)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert message["Subject"].strip() == (
        f"We received your complaint – reference {complaint.reference}"
    )
    assert f"We have received your complaint. Its reference is {complaint.reference}." in text
    assert "We have received your complaint." in html and "Follow your complaint" in html
    assert "Support team" in text  # a complaint always opens a case
    assert "Thank you for your feedback" not in text + html


def test_a_survey_answers_receipt_still_thanks_for_the_feedback(org, settings, tmp_path):
    use_email_url(settings, "file://", tmp_path)
    answer = give_feedback(org.helpdesk, customer=org.customer, score=4)
    assert deliver_due() == 1
    [message] = eml_received(tmp_path)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert message["Subject"].strip() == f"We received your feedback – reference {answer.reference}"
    assert f"Thank you for your feedback. Its reference is {answer.reference}." in text
    assert "complaint" not in text


RECEIPT_MIGRATION = "vocloop.notifications.migrations.0006_receipt_wording_by_kind"


def test_the_migration_rewords_a_receipt_still_as_shipped_and_keeps_an_edited_one(org):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(RECEIPT_MIGRATION)
    receipt = EmailTemplate.objects.get(kind="customer_receipt")
    # As shipped before, but with its subject edited by the quality manager.
    receipt.subject = "Your reference: {{ reference }}"
    receipt.body_text = migration.TEXT_BEFORE
    receipt.body_html = migration.HTML_BEFORE
    receipt.save()
    migration.reword(apps, None)
    receipt.refresh_from_db()
    assert receipt.subject == "Your reference: {{ reference }}"
    assert '{% if kind == "complaint" %}We have received your complaint.' in receipt.body_text
    assert '{% if kind == "complaint" %}We have received your complaint.' in receipt.body_html
    assert "{{ kind }}" in receipt.description

    receipt.subject = migration.SUBJECT_BEFORE
    receipt.body_text = "Thanks! {{ reference }}"
    receipt.save()
    migration.reword(apps, None)
    receipt.refresh_from_db()
    assert receipt.subject.startswith('We received your {% if kind == "complaint" %}complaint')
    assert receipt.body_text == "Thanks! {{ reference }}"


def test_a_customer_hears_of_replies_resolution_and_a_reopening(org):
    feedback = give_feedback(org.helpdesk, customer=org.customer, score=2)
    case = feedback.case
    staff = Actor.staff(org.support_agent)
    case_reply(case=case, body="We are on it.", actor=staff)
    case_resolve(
        case=case,
        resolution="We called you back.",
        root_cause=RootCause.objects.get(slug="process"),
        actor=staff,
    )
    case_reopen(case=case, reason="The callback never happened.", actor=staff)
    deliver_due()
    subjects = [m.subject for m in sent_to("ada@example.com")]
    assert subjects == [
        f"We received your feedback – reference {case.reference}",
        f"A reply about {case.reference} from our Support team",
        f"{case.reference} is resolved – are you satisfied?",
        f"{case.reference} is open again",
    ]
    resolved = sent_to("ada@example.com")[2]
    assert "We called you back." in resolved.body
    assert f"/t/{feedback.tracking_token}/" in resolved.body
    assert "satisfied" in resolved.alternatives[0][0]


def test_the_customer_is_not_emailed_about_what_they_did_themselves(org):
    case = give_feedback(org.helpdesk, customer=org.customer, score=2).case
    case_resolve(
        case=case,
        resolution="Fixed.",
        root_cause=RootCause.objects.get(slug="product"),
        actor=Actor.staff(org.support_agent),
    )
    case_customer_verdict(case=case, satisfied=False, reason="Still broken.")
    deliver_due()
    assert not [m for m in sent_to("ada@example.com") if "open again" in m.subject]


def test_a_claimed_address_gets_its_receipt_but_no_case_updates(org):
    feedback = give_feedback(org.helpdesk, customer=org.customer, score=1, customer_verified=False)
    case_reply(case=feedback.case, body="Who are you?", actor=Actor.staff(org.support_agent))
    deliver_due()
    [receipt] = sent_to("ada@example.com")
    assert feedback.reference in receipt.subject
    assert not OutboxMessage.objects.filter(kind="customer_reply").exists()


def test_edited_wording_is_used_and_html_is_escaped(org):
    EmailTemplate.objects.update_or_create(
        kind="customer_reply",
        defaults={
            "subject": "Re: {{ reference }}",
            "body_text": "{{ event.body }}",
            "body_html": "<p>{{ event.body }}</p>",
        },
    )
    case = give_feedback(org.helpdesk, customer=org.customer, score=2).case
    case_reply(case=case, body="Use <b>this</b> & that", actor=Actor.staff(org.support_agent))
    deliver_due()
    [reply] = [m for m in sent_to("ada@example.com") if m.subject == f"Re: {case.reference}"]
    assert reply.body.strip() == "Use <b>this</b> & that"
    assert reply.alternatives[0][0] == "<p>Use &lt;b&gt;this&lt;/b&gt; &amp; that</p>"


def test_a_broken_edited_template_falls_back_to_the_default(org):
    EmailTemplate.objects.filter(kind="customer_receipt").update(subject="{% if %}")
    give_feedback(org.helpdesk, customer=org.customer, score=2)
    deliver_due()
    [receipt] = sent_to("ada@example.com")
    assert receipt.subject.startswith("We received your feedback")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", {"EMAIL_HOST": "mail.example.com", "EMAIL_PORT": 25}),
        (
            "smtp://me%40x.org:p%3Ass@mail.example.com:587?tls=1",
            {
                "EMAIL_HOST_USER": "me@x.org",
                "EMAIL_HOST_PASSWORD": "p:ss",
                "EMAIL_PORT": 587,
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        ("smtp+ssl://mail.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("smtp://mail.example.com:2465?ssl=1", {"EMAIL_PORT": 2465, "EMAIL_USE_SSL": True}),
        ("file:///var/spool/vocloop", {"EMAIL_FILE_PATH": "/var/spool/vocloop"}),
    ],
)
def test_the_email_url_names_server_credentials_and_encryption(url, expected, tmp_path):
    parsed = django_email_settings(url, tmp_path)
    assert {k: parsed[k] for k in expected} == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://mail.example.com",
        "smtp://",
        "smtp://mail.example.com:port",
        "smtp://mail.example.com?tls=maybe",
        "smtp://mail.example.com?tls=1&ssl=1",
        "smtp://mail.example.com?starttls=1",
        "file://somehost/mail",
    ],
)
def test_a_bad_email_url_is_refused_naming_the_variable(url, tmp_path):
    with pytest.raises(ConfigError, match="VOCLOOP_EMAIL_URL"):
        django_email_settings(url, tmp_path)


def test_vocloop_refuses_to_start_with_a_bad_email_url(tmp_path):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_EMAIL_URL": "smtp://"}
    result = subprocess.run(
        [sys.executable, "-m", "vocloop", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "VOCLOOP_EMAIL_URL='smtp://' has no host" in result.stderr


def test_the_settings_area_refuses_wording_that_does_not_parse(org, client):
    client.login(username=org.manager.username, password=PASSWORD)
    template = EmailTemplate.objects.get(kind="customer_reply")
    url = f"/admin/notifications/emailtemplate/{template.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "kind": "customer_reply",
        "description": template.description,
        "subject": "Re: {{ reference }",
        "body_text": "{% if %}",
        "body_html": "<p>ok</p>",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "does not parse" in response.content.decode()
    form |= {"subject": "Re: {{ reference }}", "body_text": "{{ event.body }}"}
    assert client.post(url, form).status_code == 302
    template.refresh_from_db()
    assert template.subject == "Re: {{ reference }}"
