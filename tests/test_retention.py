"""Retention: what is older than its setting is emptied or deleted by the purge, what is
newer stays, every figure stays as it was, and a purge run twice finds nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.api_client import ApiClient, token_secret
from tests.clock import Clock, utc
from tests.conftest import PASSWORD, Org
from tests.customer_data import figures
from tests.helpers import give_feedback
from vocloop.audit.models import Read
from vocloop.audit.services import read_record
from vocloop.cases.customer_actions import case_customer_message, case_customer_verdict
from vocloop.cases.models import Case, RootCause, Status
from vocloop.cases.services import case_note, case_reply, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.conductor.reading import read_arrived
from vocloop.customers.erasure import ERASED_TEXT, customer_erase
from vocloop.customers.export import customer_export
from vocloop.customers.models import Customer
from vocloop.insights.originals import text_settings
from vocloop.listening.links import tracking_path
from vocloop.listening.models import Feedback, IdempotencyRecord
from vocloop.metrics.rebuild import rollups_rebuild
from vocloop.metrics.rollups import rollup_deadlines_passed
from vocloop.notifications.delivery import deliver_batch
from vocloop.notifications.models import OutboxMessage
from vocloop.retention.models import Purge, RetentionSettings
from vocloop.retention.purge import retention_purge
from vocloop.retention.selectors import EXPIRED_TEXT

DAY = dt.timedelta(days=1)
SENT = OutboxMessage.Status.SENT

pytestmark = pytest.mark.timeout(300)


def keep(**days: int | None) -> None:
    RetentionSettings.objects.update_or_create(pk=1, defaults=days)
    text_settings()  # the originals' setting, made where it is first read


@dataclass
class Aged:
    """Rows of every kind, some from the start of the clock, some from near its end."""

    caseless: Feedback  # a comment that opened no case
    closed: Case  # resolved the next day, with a reply, a note and a customer's message
    open: Case  # never resolved
    api_feedback: Feedback  # sent with an Idempotency-Key
    recent: Feedback  # arrived shortly before the purge
    now: dt.datetime  # when the purge runs


def task_result(*, status: str = TaskResultStatus.SUCCESSFUL) -> DBTaskResult:
    moment = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="vocloop.insights.tasks.train_theme_model",
        backend_name="default",
        run_after=moment,
        started_at=moment,
        finished_at=moment if status != TaskResultStatus.RUNNING else None,
        exception_class_path="",
        traceback="",
    )


def log_in(user: Any) -> None:
    assert Client().login(username=user.username, password=PASSWORD)


def some_of_everything(org: Org, clock: Clock) -> None:
    """What happens on a day: feedback with receipts sent, an API call, a read in the
    audit, a task's result, a login."""
    give_feedback(org.helpdesk, customer=org.customer, score=9, comment="Lovely people.")
    deliver_batch(batch=50)
    read_record(kind=Read.Kind.CASE, what="VL-1", path="/staff/", user=org.manager)
    task_result()
    log_in(org.support_agent)


def age(org: Org, clock: Clock) -> Aged:
    # After the real time, which the models' defaults read (created_at, next_attempt_at):
    # a row stamped by one is older than all the test's.
    start = utc(2031, 1, 6, 10)
    clock.to(start)
    agent = Actor.staff(org.support_agent)
    caseless = give_feedback(org.helpdesk, score=9, comment="Fast and friendly, thanks.")
    read_arrived(feedback=caseless)
    closed = give_feedback(
        org.helpdesk, customer=org.customer, score=2, comment="Broken on arrival."
    ).case
    open_ = give_feedback(org.helpdesk, score=1, comment="Billed twice.").case
    assert closed is not None and open_ is not None
    case_reply(case=closed, body="Sorry, Ada: a new one is on its way.", actor=agent)
    case_note(case=closed, body="Ada phoned twice.", actor=agent)
    case_customer_message(case=closed, body="Please send it to my office.")
    case_note(case=open_, body="Asked finance.", actor=agent)
    secret = token_secret("crm")
    sent = ApiClient(secret).post(
        "/feedback",
        {"touchpoint": org.helpdesk.slug, "score_type": "nps", "score": 8, "comment": "Fine."},
        headers={"Idempotency-Key": "crm-1"},
    )
    assert sent.status_code == 201, sent.content
    some_of_everything(org, clock)
    clock.to(start + DAY)
    case_resolve(
        case=closed,
        resolution="Replaced the kettle.",
        root_cause=RootCause.objects.get(slug="product"),
        actor=agent,
    )
    case_customer_verdict(case=Case.objects.get(pk=closed.pk), satisfied=True)
    deliver_batch(batch=50)
    clock.to(start + 200 * DAY)
    recent = give_feedback(org.helpdesk, score=10, comment="Better than ever.")
    some_of_everything(org, clock)
    again = ApiClient(secret).post(
        "/feedback",
        {"touchpoint": org.helpdesk.slug, "score_type": "nps", "score": 9, "comment": "Good."},
        headers={"Idempotency-Key": "crm-2"},
    )
    assert again.status_code == 201, again.content
    IdempotencyRecord.objects.filter(key="crm-2").update(created_at=clock.now)
    clock.to(start + 210 * DAY)
    log_in(org.manager)  # a session that is still good
    rollup_deadlines_passed()  # as the worker's sweep does, every minute
    return Aged(
        caseless=caseless,
        closed=Case.objects.get(pk=closed.pk),
        open=open_,
        api_feedback=Feedback.objects.get(reference=sent.json()["reference"]),
        recent=recent,
        now=clock.now,
    )


KEPT = dict(
    feedback_text_days=90,
    case_text_days=30,
    sent_notifications_days=60,
    api_answers_days=30,
    task_results_days=30,
    audit_reads_days=100,
)


def snapshot() -> dict[str, list[Any]]:
    """Every row of every table the purge may change."""
    models = [m for m in apps.get_models() if m._meta.app_label not in {"metrics"}]
    return {m._meta.label: sorted(map(repr, m._default_manager.values())) for m in models}


def comment(feedback: Feedback) -> str:
    return Feedback.objects.get(pk=feedback.pk).comment


def test_the_purge_empties_and_deletes_what_is_past_its_retention_and_keeps_the_rest(
    org: Org, clock: Clock
) -> None:
    aged = age(org, clock)
    keep(**KEPT)
    summary = retention_purge(now=aged.now)

    for old in (aged.caseless, aged.api_feedback, *aged.closed.feedback.all()):
        assert comment(old) == EXPIRED_TEXT
        assert Feedback.objects.get(pk=old.pk).erased_at == aged.now
    assert comment(aged.recent) == "Better than ever."
    assert comment(aged.open.feedback.get()) == "Billed twice."  # an open case keeps it
    closed = Case.objects.get(pk=aged.closed.pk)
    assert closed.resolution == EXPIRED_TEXT
    bodies = set(closed.events.values_list("body", flat=True))
    assert bodies == {"", EXPIRED_TEXT}
    assert set(aged.open.events.exclude(body="").values_list("body", flat=True)) == {
        "Asked finance."
    }
    recent = aged.now - 10 * DAY
    assert not OutboxMessage.objects.filter(status=SENT, sent_at__lt=recent).exists()
    assert OutboxMessage.objects.filter(status=SENT, sent_at__gte=recent).exists()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["crm-2"]
    assert not DBTaskResult.objects.filter(finished_at__lt=recent).exists()
    assert DBTaskResult.objects.filter(finished_at__gte=recent).exists()
    assert not Read.objects.filter(at__lt=recent).exists()
    assert Read.objects.filter(at__gte=recent).exists()
    assert not Session.objects.filter(expire_date__lt=aged.now).exists()
    assert Session.objects.filter(expire_date__gte=aged.now).exists()
    assert summary.counts == {
        "sent_notifications": summary.counts["sent_notifications"],
        "api_answers": 1,
        "task_results": 1,
        "sessions": 2,
        "audit_reads": 1,
        "unmasked_originals": 0,
        "comments": 4,  # two that opened no case, the API's, and the closed case's
        "customer_messages": 1,
        "case_texts": 1,
    }
    assert summary.counts["sent_notifications"] >= 2
    purge = Purge.objects.get()
    assert purge.finished_at is not None and purge.counts == summary.counts


def test_every_figure_stays_as_it_was_and_after_a_rebuild(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    keep(**KEPT)
    before = figures(org)
    assert retention_purge(now=aged.now).total > 0
    assert figures(org) == before
    rollups_rebuild()
    assert figures(org) == before


def test_a_dry_run_counts_the_same_and_changes_nothing(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    keep(**KEPT)
    before = snapshot()
    dry = retention_purge(now=aged.now, dry_run=True)
    assert snapshot() == before
    assert dry.said().startswith("would remove ")
    assert retention_purge(now=aged.now).counts == dry.counts


def test_a_second_purge_finds_nothing_more(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    keep(**KEPT)
    assert retention_purge(now=aged.now).total > 0
    after = snapshot()
    again = retention_purge(now=aged.now)
    assert again.total == 0 and again.said() == "nothing is past its retention"
    assert retention_purge(now=aged.now, dry_run=True).total == 0
    after.pop("retention.Purge")
    now = snapshot()
    now.pop("retention.Purge")
    assert now == after


def test_with_nothing_set_texts_are_kept_for_good(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    keep(feedback_text_days=None, case_text_days=None)
    retention_purge(now=aged.now + 3650 * DAY)
    assert comment(aged.caseless) == "Fast and friendly, thanks."
    assert Case.objects.get(pk=aged.closed.pk).resolution == "Replaced the kettle."


def test_the_customer_still_follows_a_case_whose_texts_were_removed(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    keep(**KEPT)
    retention_purge(now=aged.now)
    feedback = aged.closed.feedback.get(kind=Feedback.Kind.SURVEY)
    page = Client().get(tracking_path(feedback.tracking_token))
    assert page.status_code == 200
    text = page.content.decode()
    assert EXPIRED_TEXT in text and "Broken on arrival." not in text
    assert "Please send it to my office." not in text
    exported = customer_export(Customer.objects.get(pk=org.customer.pk))
    theirs = next(f for f in exported["feedback"] if f["reference"] == feedback.reference)
    assert theirs["comment"] == EXPIRED_TEXT and theirs["tracking_url"] is not None


def test_texts_go_counted_from_the_case_closing_not_its_opening(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    keep(feedback_text_days=90, case_text_days=300)
    # The case closed a day after it opened: its comment goes 90 days after the closing,
    # those that opened no case 90 days after they arrived.
    closed_at = aged.closed.closed_at
    assert closed_at is not None
    assert retention_purge(now=closed_at + 89.5 * DAY).counts["comments"] == 3
    closed_feedback = aged.closed.feedback.get(kind=Feedback.Kind.SURVEY)
    assert comment(closed_feedback) == "Broken on arrival."
    assert retention_purge(now=closed_at + 91 * DAY).counts["comments"] == 1
    assert comment(closed_feedback) == EXPIRED_TEXT
    # The case's own texts (replies, notes, resolution) follow case_text_days.
    assert Case.objects.get(pk=aged.closed.pk).resolution == "Replaced the kettle."


def test_a_reopened_case_keeps_its_texts(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    Case.objects.filter(pk=aged.closed.pk).update(status=Status.ACKNOWLEDGED, closed_at=None)
    keep(**KEPT)
    retention_purge(now=aged.now)
    assert Case.objects.get(pk=aged.closed.pk).resolution == "Replaced the kettle."
    assert comment(aged.closed.feedback.get(kind=Feedback.Kind.SURVEY)) == "Broken on arrival."


def test_emails_about_a_removed_comment_are_emptied_though_sent_ones_are_kept(
    org: Org, clock: Clock
) -> None:
    aged = age(org, clock)
    keep(feedback_text_days=90, sent_notifications_days=None)
    survey = aged.closed.feedback.get(kind=Feedback.Kind.SURVEY)
    receipt = OutboxMessage.objects.get(dedup_key=f"feedback:{survey.pk}:email:ada@example.com")
    assert receipt.status == SENT and receipt.recipient == "ada@example.com"
    summary = retention_purge(now=aged.now)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.recipient, receipt.body_text) == (SENT, "", "")
    assert summary.related["notifications_emptied"] >= 3  # the receipts, the reply, …
    recent = OutboxMessage.objects.filter(sent_at__gte=aged.now - 10 * DAY)
    assert recent.exists() and "" not in set(recent.values_list("recipient", flat=True))


def test_an_erased_customers_texts_stay_erased_and_their_link_gone(org: Org, clock: Clock) -> None:
    aged = age(org, clock)
    customer_erase(customer=Customer.objects.get(pk=org.customer.pk), actor=org.manager)
    keep(**KEPT)
    retention_purge(now=aged.now)
    closed = Case.objects.get(pk=aged.closed.pk)
    assert closed.resolution == ERASED_TEXT
    feedback = closed.feedback.get(kind=Feedback.Kind.SURVEY)
    assert feedback.comment == ERASED_TEXT
    assert Client().get(tracking_path(feedback.tracking_token)).status_code == 410


def test_a_task_still_running_is_never_deleted(org: Org, clock: Clock) -> None:
    running = task_result(status=TaskResultStatus.RUNNING)
    keep(task_results_days=1)
    retention_purge(now=clock.now + 100 * DAY)
    assert DBTaskResult.objects.filter(pk=running.pk).exists()
