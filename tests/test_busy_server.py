"""A real `vocloop serve` on a SQLite file whose write lock another connection holds past the
busy timeout, as `vocloop imports undo` of a large import holds it: what customers, staff and
integrations sending then get, what they read meanwhile, and what the server's log says."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from tests.busy_database import postgres_connect, postgres_url
from tests.busy_server import (
    SQLITE_TIMEOUT,
    Browser,
    busy_lines,
    feedback_saying,
    serving,
    stored,
)
from tests.conftest import PASSWORD
from tests.test_worker_outages import environment, write_lock
from vocloop.lib.busy import BUSY_MESSAGE, RETRY_AFTER

# Real processes: a minute or more on a busy machine, longer than the suite's timeout.
pytestmark = pytest.mark.timeout(600)


def test_a_complaint_sent_during_an_undo_comes_back_as_typed_then_goes_through(served):
    customer = Browser(served.base)
    comment = "Third outage this week, and the chat just says try again later."
    form = {"touchpoint": "desk", "kind": "complaint", "comment": comment, "name": "Jo Bloggs"}
    before = stored(served.database, "SELECT count(*) FROM listening_feedback")
    with write_lock(served.database):
        refused = customer.post("/feedback/", form)
    assert refused.status == 503
    assert refused.headers["Retry-After"] == str(RETRY_AFTER)
    assert refused.seconds >= SQLITE_TIMEOUT  # it waited its busy timeout, then said so
    assert BUSY_MESSAGE in refused.body
    assert f">\n{comment}</textarea>" in refused.body and 'value="Jo Bloggs"' in refused.body
    assert stored(served.database, "SELECT count(*) FROM listening_feedback") == before

    sent = customer.post("/feedback/", form)
    assert sent.status == 302 and "/t/" in sent.headers["Location"]
    assert feedback_saying(served, comment) == 1

    [line] = busy_lines(served, "/feedback/")
    assert "POST /feedback/: answered 503, the database is busy or away" in line
    assert "(OperationalError: database is locked)" in line


def test_staff_logging_in_during_an_undo_get_a_503_with_their_username(served):
    agent = Browser(served.base)
    with write_lock(served.database):
        refused = agent.post("/login/", {"username": "sam_agent", "password": PASSWORD})
    assert refused.status == 503
    assert "You could not be logged in just now because the system is busy" in refused.body
    assert 'value="sam_agent"' in refused.body and PASSWORD not in refused.body
    assert agent.get("/staff/").status == 302  # not logged in

    assert agent.post("/login/", {"username": "sam_agent", "password": PASSWORD}).status == 302
    assert agent.get("/staff/").status == 200
    [line] = busy_lines(served, "/login/")
    assert "POST /login/: answered 503" in line


def test_the_api_answers_503_and_the_same_key_then_stores_one_feedback(served):
    client = Browser(served.base)
    body = {"touchpoint": "desk", "score_type": "nps", "score": 2, "comment": "Sent by the CRM."}
    key = {"Idempotency-Key": "crm-order-981"}
    with write_lock(served.database):
        refused = client.api("/feedback", served.api_secret, body, **key)
    assert refused.status == 503
    assert refused.headers["Retry-After"] == str(RETRY_AFTER)
    assert "nothing was stored" in json.loads(refused.body)["detail"]

    first = client.api("/feedback", served.api_secret, body, **key)
    again = client.api("/feedback", served.api_secret, body, **key)
    assert first.status == again.status == 201
    assert json.loads(again.body) == json.loads(first.body)
    assert feedback_saying(served, body["comment"]) == 1
    assert stored(served.database, "SELECT count(*) FROM listening_idempotencyrecord") == 1
    assert len(busy_lines(served, "/api/v1/feedback")) == 1


@pytest.mark.serial  # times the answers: alone, so that nothing else slows them
def test_pages_are_read_during_an_undo_without_waiting_for_it(served):
    agent = Browser(served.base)
    assert agent.post("/login/", {"username": "sam_agent", "password": PASSWORD}).status == 302
    case = f"/staff/cases/{served.case_reference}/"
    noted = agent.post(f"{case}note/", {"note-body": "Called back."}, token_from=case)
    assert noted.status == 302  # "Internal note added" waits in the session for the next page
    customer = Browser(served.base)
    with write_lock(served.database):
        tracking = customer.get(f"/t/{served.tracking_token}/")
        staff_page = agent.get(case)
        inbox = agent.get("/staff/")
        api_read = agent.api("/cases", served.reader_secret)
    assert tracking.status == 200 and "The app crashes." in tracking.body
    assert staff_page.status == 200 and "Internal note added" in staff_page.body
    assert inbox.status == 200 and served.case_reference in inbox.body
    assert api_read.status == 200 and served.case_reference in api_read.body
    # Reads wait a second at most for the writes they make on the side.
    for answer in (tracking, staff_page, inbox, api_read):
        assert answer.seconds < SQLITE_TIMEOUT - 1
    [line] = busy_lines(served, case)
    assert f"GET {case}: its session was not saved" in line
    # The reads the lock kept out of the audit are in the log instead, each once.
    missed = [x for x in served.log.read_text().splitlines() if "read not recorded" in x]
    assert len(missed) == 2
    assert any(f"sam_agent read case {served.case_reference}" in x for x in missed)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backends are ended")
@pytest.mark.django_db(transaction=True)  # the server reads what the test wrote
def test_postgresql_dropping_the_servers_connections_costs_no_request(complaint, tmp_path):
    env = environment(tmp_path, database_url=postgres_url())
    page = f"/t/{complaint.tracking_token}/"
    with serving(env, tmp_path / "serve.log", threads=1) as base:
        reader = Browser(base)
        assert reader.get(page).status == 200  # the server's one thread keeps its connection
        connection.ensure_connection()
        ours = connection.connection.info.backend_pid  # the test's, needed to clean up
        with postgres_connect(autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
                [ours],
            ).fetchone()
        assert ended is not None and ended[0] >= 1
        answer = reader.get(page)
    assert answer.status == 200 and "The app crashes." in answer.body
