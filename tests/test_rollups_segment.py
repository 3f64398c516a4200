"""The segment feedback and cases count in: the customer's size when the feedback was given.

A quality manager may change a customer's size at any time; what was counted before
stays where it was counted, and every later reading, correction, undo or rebuild of it
finds it there.
"""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_client import ApiClient
from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.test_rollups import assert_rebuild_agrees, rollup_rows
from vocloop.accounts.scope import case_scope
from vocloop.cases import services as cases
from vocloop.cases.customer_actions import case_customer_verdict
from vocloop.cases.models import Case, RootCause
from vocloop.conductor.reading import read_arrived
from vocloop.customers.models import Customer
from vocloop.dashboards.selectors import feedback_behind, scoped
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.services import correction_record
from vocloop.listening.models import Feedback, FeedbackImport
from vocloop.metrics.models import CaseContribution, CaseRollup, FeedbackRollup
from vocloop.metrics.selectors import Scope

NEGATIVE = "Terrible, awful, furious."


def resize(customer: Customer, size: str) -> None:
    """As Settings → Customers does."""
    customer.size = size
    customer.save()


def by_segment() -> dict[str, tuple[int, int, int]]:
    """(responses, comments read, negative comments) per segment, over every row."""
    found: dict[str, tuple[int, int, int]] = {}
    for row in FeedbackRollup.objects.all():
        was = found.get(row.segment, (0, 0, 0))
        found[row.segment] = (
            was[0] + row.responses,
            was[1] + row.comments_read,
            was[2] + row.comments_negative,
        )
    return found


def assert_no_negative_count() -> None:
    for table, rows in rollup_rows().items():
        for key, fields in rows.items():
            counts = [
                v for name, v in fields.items() if isinstance(v, int) and name != "sentiment_sum"
            ]
            assert min(counts, default=0) >= 0, (table, key, fields)


def test_each_piece_of_feedback_counts_in_the_segment_it_was_given_in(
    org: Org, clock: Clock
) -> None:
    jo = Customer.objects.create(name="Jo", email="jo@example.com", size="small")
    first = give_feedback(org.helpdesk, customer=jo, score=None, comment=NEGATIVE)
    read_arrived(feedback=first)
    resize(jo, "large")
    clock.to(clock.now + dt.timedelta(minutes=5))
    second = give_feedback(org.helpdesk, customer=jo, score=None, comment=NEGATIVE)
    read_arrived(feedback=second)
    assert (first.segment, second.segment) == ("small", "large")
    assert by_segment() == {"small": (1, 1, 1), "large": (1, 1, 1)}

    # Corrected and read again after the change: each stays in its own row.
    first.refresh_from_db()
    correction_record(feedback=first, themes=[], sentiment="positive", by=org.manager)
    read_arrived(feedback=first)
    comments_read_bulk(again=True)
    assert by_segment() == {"small": (1, 1, 0), "large": (1, 1, 1)}
    assert_no_negative_count()
    assert_rebuild_agrees()


def test_a_deleted_customer_s_feedback_stays_in_its_segment(org: Org) -> None:
    jo = Customer.objects.create(name="Jo", email="jo@example.com", size="medium")
    feedback = give_feedback(org.helpdesk, customer=jo, score=None, comment=NEGATIVE)
    read_arrived(feedback=feedback)
    jo.delete()
    feedback.refresh_from_db()
    assert feedback.customer is None and feedback.segment == "medium"
    correction_record(feedback=feedback, themes=[], sentiment="neutral", by=org.manager)
    assert by_segment() == {"medium": (1, 1, 0)}
    assert_rebuild_agrees()


def test_a_case_counts_in_the_segment_of_the_feedback_it_was_opened_for(
    org: Org, clock: Clock
) -> None:
    clock.to(utc(2026, 3, 2, 9, 0))  # a Monday
    jo = Customer.objects.create(name="Jo", email="jo@example.com", size="small")
    case = give_feedback(org.helpdesk, customer=jo, score=2).case
    assert case is not None
    resize(jo, "enterprise")
    staff = cases.Actor.staff(org.manager)
    clock.to(utc(2026, 3, 2, 11, 0))
    attached = give_feedback(org.helpdesk, customer=jo, score=1, comment="Still nothing.")
    assert attached.case == case and attached.segment == "enterprise"
    cases.case_resolve(
        case=case, resolution="Refunded.", root_cause=RootCause.objects.first(), actor=staff
    )
    clock.to(utc(2026, 3, 3, 10, 0))
    case_customer_verdict(case=case, satisfied=False, reason="Not refunded at all.")

    assert set(CaseRollup.objects.values_list("segment", flat=True)) == {"small"}
    assert CaseContribution.objects.get(case=case).segment == "small"
    rows = assert_rebuild_agrees()
    assert {key[3] for key in rows["cases"]} == {"small"}
    # The case opened after the change counts in the new size.
    clock.to(utc(2026, 3, 3, 11, 0))
    later = give_feedback(org.invoicing, customer=jo, score_type="csat", score=1).case
    assert CaseContribution.objects.get(case=later).segment == "enterprise"
    assert_rebuild_agrees()


def test_the_segment_filter_means_the_segment_at_the_time(
    api: ApiClient, org: Org, clock: Clock
) -> None:
    clock.to(utc(2026, 3, 2, 9, 0))
    jo = Customer.objects.create(name="Jo", email="jo@example.com", size="small")
    was_small = [give_feedback(org.helpdesk, customer=jo, score=s) for s in (2, 9, 10)]
    resize(jo, "large")
    clock.to(utc(2026, 3, 4, 9, 0))
    now_large = [give_feedback(org.helpdesk, customer=jo, score=s) for s in (1, 3)]
    period = {"from": "2026-03-01", "to": "2026-03-05"}

    for segment, expected in (("small", 3), ("large", 2), ("unknown", 0)):
        answer = api.get("/metrics/nps", segment=segment, **period).json()
        assert answer["groups"][0]["n"] == expected, segment
    by = api.get("/metrics/nps", by="segment", **period).json()
    assert {g["key"]: g["n"] for g in by["groups"]} == {"small": 3, "large": 2}

    # The drill-downs read the same segment as the figures.
    reader = case_scope(org.manager)
    scope = Scope(dt.date(2026, 3, 1), dt.date(2026, 3, 5), segment="small")
    behind = feedback_behind("nps", scope, scope.date_from, scope.date_to, reader)
    assert set(behind) == set(was_small)
    large = Scope(scope.date_from, scope.date_to, segment="large")
    assert set(feedback_behind("nps", large, scope.date_from, scope.date_to, reader)) == set(
        now_large
    )
    small_cases = {f.case_id for f in was_small if f.case_id}
    assert {c.pk for c in scoped(Case.objects.all(), scope)} == small_cases
    unknown = Scope(scope.date_from, scope.date_to, segment="unknown")
    assert not scoped(Case.objects.all(), unknown).exists()
    anonymous = give_feedback(org.helpdesk, score=0)
    assert {c.pk for c in scoped(Case.objects.all(), unknown)} == {anonymous.case_id}


def test_an_import_undone_after_a_size_change_leaves_no_negative_count(
    org: Org, clock: Clock, tmp_path: Path
) -> None:
    clock.to(utc(2026, 3, 2, 9, 0))
    jo = Customer.objects.create(name="Jo", email="jo@example.com", size="small")
    give_feedback(org.helpdesk, customer=jo, score=None, comment=NEGATIVE)
    export = tmp_path / "reviews.csv"
    export.write_text(
        "when,comment,email\n2026-03-02,Awful and slow.,jo@example.com\n"
        "2026-03-01,Lovely people.,jo@example.com\n",
        encoding="utf-8",
    )
    call_command(
        "import", str(export), "--no-progress", "--touchpoint", "help-desk",
        "--date-column", "when", "--comment-column", "comment", "--email-column", "email",
        stdout=StringIO(),
    )  # fmt: skip
    assert set(Feedback.objects.values_list("segment", flat=True)) == {"small"}
    comments_read_bulk()
    resize(jo, "medium")
    for feedback in Feedback.objects.filter(imported_by__isnull=False):
        correction_record(feedback=feedback, themes=[], sentiment="neutral", by=org.manager)
    record = FeedbackImport.objects.get()
    call_command("imports", "undo", str(record.pk), "--no-input", stdout=StringIO())
    assert by_segment() == {"small": (1, 1, 1)}
    assert_no_negative_count()
    assert_rebuild_agrees()


def test_feedback_arriving_reads_no_customer_to_find_its_segment(org: Org) -> None:
    jo = Customer.objects.create(name="Jo", email="jo@example.com", size="large")
    with CaptureQueriesContext(connection) as queries:
        give_feedback(org.helpdesk, customer=jo, score=9, comment="Quick and kind.")
    table = Customer._meta.db_table
    assert not [q["sql"] for q in queries if table in q["sql"]]
    assert FeedbackRollup.objects.get().segment == "large"


def test_the_migrations_give_existing_feedback_its_customer_s_size_and_recount_it(
    org: Org, clock: Clock
) -> None:
    clock.to(utc(2026, 3, 2, 9, 0))
    people = [
        Customer.objects.create(email=f"c{i}@example.com", size=size)
        for i, size in enumerate(["small", "small", "large", ""])
    ]
    for i in range(24):
        clock.to(clock.now + dt.timedelta(hours=7))
        feedback = give_feedback(
            org.helpdesk if i % 3 else org.invoicing,
            customer=people[i % 5] if i % 5 < 4 else None,
            score=7 + i % 4,  # opens no case: the migrations recount feedback only
            comment=NEGATIVE if i % 2 else "Lovely.",
        )
        read_arrived(feedback=feedback)
    # Before the migrations: no segment on the feedback, counted under the sizes the
    # customers had then; two have another size now.
    Feedback.objects.update(segment="")
    Customer.objects.filter(pk=people[1].pk).update(size="medium")
    Customer.objects.filter(pk=people[3].pk).update(size="enterprise")
    expected_segments = {
        f.pk: f.customer.size if f.customer else "" for f in Feedback.objects.all()
    }

    fill = importlib.import_module("vocloop.listening.migrations.0009_feedback_segment")
    fill.segment_fill(apps, None)
    assert dict(Feedback.objects.values_list("pk", "segment")) == expected_segments
    recount = importlib.import_module("vocloop.metrics.migrations.0006_feedback_segment_recount")
    before = rollup_rows()["feedback_by_touchpoint"]
    recount.recount(apps, None)
    migrated = rollup_rows()
    assert migrated["feedback_by_touchpoint"] == before
    assert {key[4] for key in migrated["feedback"]} == {
        "small",
        "medium",
        "large",
        "enterprise",
        "",
    }
    assert_rebuild_agrees()


def test_a_customer_resized_again_and_again_counts_each_answer_where_it_was_given(
    org: Org, clock: Clock, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    jo = Customer.objects.create(name="Jo", email="jo@example.com", size="small")
    for size in ("medium", "large", "small", "enterprise", ""):
        give_feedback(org.helpdesk, customer=jo, score=5)
        resize(jo, size)
        clock.to(clock.now + dt.timedelta(hours=1))
    counted = dict(FeedbackRollup.objects.values_list("segment", "responses"))
    assert counted == {"small": 2, "medium": 1, "large": 1, "enterprise": 1}
    assert_rebuild_agrees()
