"""Erasing a customer's data: nothing of theirs is left anywhere in the database, on SQLite
not even in the file's free pages or its write-ahead log, and every figure stays."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

from tests.conftest import Org, build_org
from tests.customer_data import EMAIL, NEEDLES, PHRASE, figures, plant
from tests.run_files import DATABASE, copy_migrated
from vocloop.conductor.reading import read_comment
from vocloop.customers.erasure import (
    ERASED_TEXT,
    ErasureRefused,
    customer_erase,
)
from vocloop.customers.erasure.records import READ_COMMENT_TASK
from vocloop.customers.models import Customer, Erasure
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import CommentText
from vocloop.listening.links import tracking_path
from vocloop.listening.models import Feedback
from vocloop.metrics.rebuild import rollups_rebuild

pytestmark = pytest.mark.timeout(300)


@contextmanager
def on_a_sqlite_file(directory: Path) -> Iterator[Path]:
    """The run's connection moved onto a migrated SQLite file of the test's own, whose bytes
    the test can read (the run's SQLite database lives in memory), and back afterwards."""
    copy_migrated(directory)
    database = connections[DEFAULT_DB_ALIAS]
    in_memory, saved = database.connection, dict(database.settings_dict)
    database.connection = None
    database.settings_dict["NAME"] = str(directory / DATABASE)
    ContentType.objects.clear_cache()  # ids read from the other database
    try:
        yield directory / DATABASE
    finally:
        database.close()
        database.settings_dict.clear()
        database.settings_dict.update(saved)
        database.connection = in_memory
        ContentType.objects.clear_cache()


@pytest.fixture
def database_file(transactional_db: Any, tmp_path: Path) -> Iterator[Path | None]:
    """On SQLite the file the test's data is written to; None on PostgreSQL."""
    if connection.vendor != "sqlite":
        yield None
        return
    with on_a_sqlite_file(tmp_path) as path:
        yield path


def found_in_the_files(database: Path) -> dict[str, list[str]]:
    """Each needle's places among the database file and its write-ahead log, as raw bytes:
    live rows, free pages and the log's frames alike."""
    found: dict[str, list[str]] = {}
    for part in (database, Path(f"{database}-wal")):
        if not part.exists():
            continue
        raw = part.read_bytes().lower()
        for needle in NEEDLES:
            if needle.lower().encode() in raw:
                found.setdefault(needle, []).append(part.name)
    return found


def found_in_postgresql() -> dict[str, list[str]]:
    """Each needle's places among every column of every table, cast to text (bytes decoded)."""
    patterns = [f"%{needle}%" for needle in NEEDLES]
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        columns = cursor.fetchall()
        assert len(columns) > 300  # every table of every app
        for table, column, kind in columns:
            value = f"encode(\"{column}\", 'escape')" if kind == "bytea" else f'"{column}"::text'
            cursor.execute(
                f'SELECT DISTINCT {value} FROM "{table}" WHERE {value} ILIKE ANY(%s)', [patterns]
            )
            for (text,) in cursor.fetchall():
                for needle in NEEDLES:
                    if needle.lower() in text.lower():
                        found.setdefault(needle, []).append(f"{table}.{column}")
    return found


def found_anywhere(database: Path | None) -> dict[str, list[str]]:
    return found_in_the_files(database) if database is not None else found_in_postgresql()


def test_erasing_a_customer_leaves_nothing_of_theirs_anywhere_and_every_figure_as_it_was(
    database_file: Path | None,
) -> None:
    org = build_org()
    planted = plant(org)
    before = figures(org)
    assert set(found_anywhere(database_file)) == set(NEEDLES)  # the search finds them at first

    summary = customer_erase(customer=planted.customer, actor=org.manager)

    assert found_anywhere(database_file) == {}
    if database_file is not None:  # and after the connection closed, in the file it leaves
        connection.close()
        assert found_in_the_files(database_file) == {}
    assert figures(org) == before
    rollups_rebuild()
    assert figures(org) == before  # counted afresh from the rows, the same
    client = Client()
    for feedback in (planted.feedback, planted.api_feedback):
        page = client.get(tracking_path(feedback.tracking_token))
        assert page.status_code == 410 and b"erased" in page.content
    other = Feedback.objects.get(pk=planted.other.pk)
    assert (
        other.comment == "Quick and kind."
        and client.get(tracking_path(other.tracking_token)).status_code == 200
    )
    erasure = Erasure.objects.get()
    assert (erasure.customer_number, erasure.erased_by) == (planted.customer.pk, org.manager)
    assert erasure == summary.erasure and summary.counts["feedback"] == 2


def test_an_erased_comment_keeps_what_was_read_of_it_and_is_never_read_again(org: Org) -> None:
    planted = plant(org)
    read = CommentText.objects.get(feedback=planted.feedback)
    customer_erase(customer=planted.customer, actor=org.manager)
    feedback = Feedback.objects.get(pk=planted.feedback.pk)
    assert feedback.comment == ERASED_TEXT and feedback.erased_at is not None
    comments_read_bulk(again=True)
    assert read_comment.call(feedback.pk) is False
    kept = CommentText.objects.get(feedback=feedback)
    assert (kept.sentiment, kept.sentiment_score) == (read.sentiment, read.sentiment_score)
    assert (kept.signature, kept.similar_group) == ("", None)


def test_a_retry_with_the_same_idempotency_key_does_not_send_the_feedback_in_again(
    org: Org,
) -> None:
    planted = plant(org)
    customer_erase(customer=planted.customer, actor=org.manager)
    count = Feedback.objects.count()
    again = planted.api.post(
        "/feedback",
        {
            "touchpoint": org.invoicing.slug,
            "customer": {"email": EMAIL},
            "score_type": "csat",
            "score": 1,
            "comment": f"The invoice for the {PHRASE} is wrong.",
        },
        headers={"Idempotency-Key": "crm-7f3a"},
    )
    assert again.status_code == 422 and Feedback.objects.count() == count


def test_a_customer_is_erased_once(org: Org) -> None:
    customer_erase(customer=org.customer, actor_label="command line")
    with pytest.raises(ErasureRefused, match="was erased on"):
        customer_erase(customer=org.customer, actor_label="command line")
    customer = Customer.objects.get(pk=org.customer.pk)
    assert (customer.name, customer.email, customer.external_id) == ("", "", None)
    assert str(customer) == f"Erased customer {customer.pk}"


def test_the_same_address_comes_back_as_a_new_customer(org: Org, client: Client) -> None:
    planted = plant(org)
    customer_erase(customer=planted.customer, actor=org.manager)
    answered = planted.api.post(
        "/feedback",
        {"touchpoint": org.helpdesk.slug, "customer": {"email": EMAIL}, "comment": "Hello again."},
    )
    assert answered.status_code == 201
    again = Feedback.objects.get(reference=answered.json()["reference"])
    assert again.customer != planted.customer and again.customer.email == EMAIL


def test_the_task_results_read_name_the_reading_task() -> None:
    assert read_comment.module_path == READ_COMMENT_TASK


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a PRAGMA of SQLite")
def test_sqlite_connections_overwrite_what_they_delete(db: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone() == (1,)
