"""Retention's settings in the settings area, and how the purge runs: every night from the
worker, on demand from the command line, in chunks, taken up again when cut short."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.clock import Clock, utc
from tests.conftest import PASSWORD, Org
from tests.helpers import give_feedback
from vocloop.audit.models import Read
from vocloop.listening.models import Feedback
from vocloop.retention import purge as purging
from vocloop.retention.models import Purge, RetentionSettings
from vocloop.retention.nightly import last_night, purge_if_due
from vocloop.retention.purge import retention_purge
from vocloop.retention.selectors import EXPIRED_TEXT
from vocloop.server.heartbeat import Heartbeat
from vocloop.server.management.commands.worker import periodic_jobs

DAY = dt.timedelta(days=1)
URL = "/admin/retention/retentionsettings/"
VALID = {
    "feedback_text_days": "730",
    "case_text_days": "",
    "sent_notifications_days": "365",
    "api_answers_days": "30",
    "task_results_days": "30",
    "audit_reads_days": "730",
}


def logged_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def old_comments(org: Org, clock: Clock, n: int) -> list[Feedback]:
    arrived = clock.now
    given = [give_feedback(org.helpdesk, score=9, comment=f"Nice, {i}.") for i in range(n)]
    clock.to(arrived + 100 * DAY)
    RetentionSettings.objects.update_or_create(pk=1, defaults={"feedback_text_days": 30})
    return given


# --- The settings area ---------------------------------------------------------------------


def test_the_settings_list_leads_to_the_one_row_and_there_is_no_second(org: Org) -> None:
    client = logged_in(org.manager)
    listed = client.get(URL)
    settings = RetentionSettings.objects.get()
    assert listed.status_code == 302 and listed["Location"].endswith(f"{settings.pk}/change/")
    page = client.get(listed["Location"]).content.decode()
    assert "Tonight, with the settings as saved" in page and "nothing is past" in page.lower()
    assert client.get(f"{URL}add/").status_code == 403
    assert client.post(f"{URL}{settings.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RetentionSettings.objects.count() == 1


def test_only_quality_managers_set_the_retention(org: Org) -> None:
    for user in (org.support_agent, org.support_lead):
        assert logged_in(user).get(URL).status_code == 302
    assert logged_in(org.manager).get(URL).status_code == 302  # to the row's own page


def test_a_quality_manager_sets_the_days_and_empty_keeps_for_good(org: Org) -> None:
    client = logged_in(org.manager)
    pk = RetentionSettings.objects.create().pk
    saved = client.post(f"{URL}{pk}/change/", VALID, follow=True)
    assert saved.status_code == 200
    assert "The next nightly purge applies it" in saved.content.decode()
    settings = RetentionSettings.objects.get()
    assert (settings.feedback_text_days, settings.case_text_days) == (730, None)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("feedback_text_days", "0", "At least 1 day; leave it empty to keep them for good."),
        ("case_text_days", "-5", "At least 1 day; leave it empty to keep them for good."),
        ("task_results_days", "1.5", "Enter a whole number."),
        ("audit_reads_days", "5000", "At most 3,650 days (ten years)"),
        ("api_answers_days", "7", "At least 30 days: integrations may retry with their key"),
    ],
)
def test_days_that_make_no_sense_are_refused_with_a_reason(
    org: Org, field: str, value: str, said: str
) -> None:
    client = logged_in(org.manager)
    pk = RetentionSettings.objects.create().pk
    refused = client.post(f"{URL}{pk}/change/", {**VALID, field: value})
    assert refused.status_code == 200
    assert said in refused.content.decode()
    assert RetentionSettings.objects.get().feedback_text_days is None  # nothing saved


def test_the_settings_page_shows_the_last_purge(org: Org, clock: Clock) -> None:
    old_comments(org, clock, 2)
    retention_purge(now=clock.now)
    client = logged_in(org.manager)
    page = client.get(f"{URL}1/change/").content.decode()
    assert "by the command line: 2 comments" in page
    listed = client.get("/admin/retention/purge/").content.decode()
    assert "2 comments" in listed and "command line" in listed


# --- The command ---------------------------------------------------------------------------


def test_the_command_tells_what_a_dry_run_would_remove_then_removes_it(
    org: Org, clock: Clock
) -> None:
    given = old_comments(org, clock, 3)
    printed = StringIO()
    call_command("retention", "purge", "--dry-run", stdout=printed)
    assert "a dry run: nothing was changed" in printed.getvalue()
    assert any(line.split() == ["comments", "3"] for line in printed.getvalue().splitlines()), (
        printed.getvalue()
    )
    assert Feedback.objects.get(pk=given[0].pk).comment == "Nice, 0."
    printed = StringIO()
    call_command("retention", "purge", stdout=printed)
    assert "Emptied or deleted" in printed.getvalue()
    assert Feedback.objects.get(pk=given[0].pk).comment == EXPIRED_TEXT
    assert Purge.objects.get().by == "command line"


# --- Every night, from the worker ----------------------------------------------------------


def test_the_worker_purges_once_a_night_from_two_oclock(org: Org, clock: Clock) -> None:
    old_comments(org, clock, 1)
    options = {"tasks_only": False, "sweep_interval": 60, "deliver_interval": 5}
    job = {j.name: j for j in periodic_jobs(Heartbeat(worker_id="w"), options)}["retention purge"]
    assert job.every == 3600  # looks every hour whether the night's purge is due
    night = dt.datetime.combine(clock.now.date() + DAY, dt.time(1, 30), tzinfo=dt.UTC)
    clock.to(night)
    assert job.run() == "removed 1 comment"  # the last night's purge had not run
    clock.to(night + dt.timedelta(hours=1))  # 02:30: a new night
    assert job.run() == ""  # nothing is past its retention: nothing said
    assert Purge.objects.count() == 2
    clock.to(night + dt.timedelta(hours=2))
    assert job.run() == "" and Purge.objects.count() == 2  # the night's is done
    assert {p.by for p in Purge.objects.all()} == {"nightly purge"}


def test_the_night_starts_at_two_in_the_organisations_time_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    # 01:30 UTC is 02:30 in Amsterdam in winter: tonight's purge is due.
    assert last_night(utc(2031, 1, 7, 1, 30)) == utc(2031, 1, 7, 1, 0)
    assert last_night(utc(2031, 1, 7, 0, 30)) == utc(2031, 1, 6, 1, 0)
    assert last_night(utc(2031, 7, 7, 0, 30)) == utc(2031, 7, 7, 0, 0)  # summer time


def test_a_purge_cut_short_is_taken_up_by_the_next_turn(
    org: Org, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = old_comments(org, clock, 5)
    monkeypatch.setattr(purging, "CHUNK", 2)
    emptied = purging.feedback_texts_erase
    calls: list[int] = []

    def failing_on_the_second_chunk(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        return emptied(*args, **kwargs)

    monkeypatch.setattr(purging, "feedback_texts_erase", failing_on_the_second_chunk)
    with pytest.raises(ConnectionError):
        purge_if_due(now=clock.now)
    cut_short = Purge.objects.get()
    assert cut_short.finished_at is None and cut_short.counts["comments"] == 2
    comments = [Feedback.objects.get(pk=f.pk).comment for f in given]
    assert comments.count(EXPIRED_TEXT) == 2  # the first chunk's stay done

    assert purge_if_due(now=clock.now + dt.timedelta(hours=1)) == "removed 3 comments"
    assert all(Feedback.objects.get(pk=f.pk).comment == EXPIRED_TEXT for f in given)
    assert purge_if_due(now=clock.now + dt.timedelta(hours=2)) == ""


def test_deleting_goes_chunk_by_chunk_to_the_end(
    org: Org, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purging, "CHUNK", 2)
    for n in range(5):
        Read.objects.create(at=clock.now, kind=Read.Kind.CASE, who="Sam", what=f"VL-{n}", path="/")
    RetentionSettings.objects.create(audit_reads_days=1)
    assert retention_purge(now=clock.now + 2 * DAY).counts["audit_reads"] == 5
    assert not Read.objects.exists()
