"""Rollup rows shared by simultaneous changes stay exact (real threads, real PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from tests.helpers import give_feedback
from tests.test_rollups import assert_rebuild_agrees
from vocloop.cases import services as cases
from vocloop.cases.models import Case
from vocloop.metrics.models import CaseRollup, FeedbackRollup

THREADS = 8


def race(work: Callable[[int], Any]) -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_simultaneous_feedback_and_case_work_all_count_once(request: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL; SQLite serialises every writer")
    org = request.getfixturevalue("org")
    # Anonymous poor answers: each opens its own case, all in one rollup scope.
    race(lambda i: give_feedback(org.helpdesk, score=i % 4))
    assert FeedbackRollup.objects.get().responses == THREADS
    assert CaseRollup.objects.get().opened == THREADS

    staff = cases.Actor.staff(org.manager)
    ids = list(Case.objects.values_list("pk", flat=True))
    race(lambda i: cases.case_acknowledge(case=Case.objects.get(pk=ids[i]), actor=staff))
    # Today's row, and the row of the deadlines' day (met now, counted on the day they
    # fall: tomorrow when the cases opened late in the working day).
    rows = list(CaseRollup.objects.all())
    assert sum(r.acknowledged for r in rows) == THREADS
    # (A transactional test before this one may have flushed the default calendar.)
    timed = Case.objects.exclude(business_seconds_to_acknowledge=None).count()
    assert sum(sum(r.acknowledge_histogram) for r in rows) == timed
    assert_rebuild_agrees()
