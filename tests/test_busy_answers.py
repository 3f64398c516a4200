"""Every other answer a busy database gets: the API's 503 and a safe retry, pages read as
usual, vocloop's busy page where a form cannot come back, one line in the log; a real bug is
still a 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse

from tests.api_client import poor_score
from tests.busy_database import postgres_connect, write_lock
from tests.conftest import PASSWORD
from tests.public_pages import text_of, track_url
from tests.staff_pages import action_url, detail_url, logged_in, messages_of
from vocloop.accounts.models import ApiToken
from vocloop.customers.models import Customer
from vocloop.insights.models import Theme
from vocloop.lib.busy import RETRY_AFTER
from vocloop.listening.models import Feedback, IdempotencyRecord
from vocloop.notifications.unsubscribe import unsubscribe_token
from vocloop.server import errors

pytestmark = pytest.mark.django_db(transaction=True)  # the data is there for the other connection

FEEDBACK = {"touchpoint": "help-desk", "kind": "complaint", "comment": "Nobody calls me back."}


# --- The API --------------------------------------------------------------------------------


def test_feedback_sent_to_the_api_during_the_lock_is_a_503_and_its_retry_stores_one(api, org):
    key = {"Idempotency-Key": "crm-981"}
    with write_lock():
        refused = api.post("/feedback", poor_score(org), headers=key)
    assert refused.status_code == 503
    assert refused["Retry-After"] == str(RETRY_AFTER)
    assert refused.json()["detail"].startswith("vocloop is busy for a moment")
    assert "nothing was stored" in refused.json()["detail"]
    assert not Feedback.objects.exists()
    assert not IdempotencyRecord.objects.exists()  # the key is free for the retry

    stored = api.post("/feedback", poor_score(org), headers=key)
    again = api.post("/feedback", poor_score(org), headers=key)
    assert stored.status_code == 201
    assert (again.status_code, again.json()) == (201, stored.json())
    assert again["Idempotent-Replayed"] == "true"
    assert Feedback.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_an_api_read_during_the_lock_answers_without_stamping_the_token(api, org):
    with write_lock():
        response = api.get("/cases")
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is None  # stamped by the next request instead
    assert api.get("/cases").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


# --- Reading during the lock ----------------------------------------------------------------


def test_the_customer_reads_the_tracking_page_during_the_lock(client, complaint):
    with write_lock():
        response = client.get(track_url(complaint))
    assert response.status_code == 200
    assert "The app crashes." in text_of(response)


def test_staff_read_a_page_whose_message_the_lock_keeps_from_being_cleared(org, complaint):
    agent = logged_in(org.support_agent)
    case = complaint.case
    posted = agent.post(action_url("note", case), {"note-body": "Called the customer."})
    assert posted.status_code == 302  # the message "Internal note added" waits in the session
    with write_lock():
        page = agent.get(detail_url(case))
        inbox = agent.get(reverse("cases:inbox"))
    assert page.status_code == 200
    assert "Internal note added" in " ".join(messages_of(page))
    assert inbox.status_code == 200 and case.reference in text_of(inbox)
    # The session could not be saved without the message: it is shown once more.
    assert "Internal note added" in " ".join(messages_of(agent.get(detail_url(case))))
    assert "Internal note added" not in " ".join(messages_of(agent.get(detail_url(case))))


# --- Pages that cannot show their form again ------------------------------------------------


def test_a_staff_form_without_a_way_back_gets_the_busy_page_with_the_text_written(org):
    manager = logged_in(org.manager)
    theme = {
        "name": "Engineers late",
        "dimension": "timeliness",
        "want": "on_time",
        "phrases": "engineer late\nmissed appointment",
        "description": "Visits that started after the slot the customer was given.",
        "active": "on",
    }
    with write_lock():
        response = manager.post(reverse("insights:theme_new"), theme)
    html = text_of(response)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "<h1>vocloop is busy for a moment</h1>" in html
    assert "Nothing was changed: what you sent has not been saved." in html
    assert f">{theme['description']}</textarea>" in html
    assert 'class="brand"><a href="/staff/">vocloop</a>' in html
    assert not Theme.objects.filter(name="Engineers late").exists()


def test_logging_out_during_the_lock_gets_the_staff_busy_page(org):
    agent = logged_in(org.support_agent)
    with write_lock():
        response = agent.post(reverse("logout"))
    assert response.status_code == 503
    assert "vocloop is busy for a moment" in text_of(response)


def test_a_public_button_during_the_lock_gets_the_customers_busy_page(client, org, settings):
    settings.ORGANISATION_NAME = "Acme Broadband"
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token("jo@example.com")])
    with write_lock():
        response = client.post(url)
    html = text_of(response)
    assert response.status_code == 503
    assert "<h1>We are busy for a moment</h1>" in html
    assert "What you sent has not been saved: nothing was stored." in html
    assert '<p class="brand">Acme Broadband</p>' in html


def test_a_busy_database_met_outside_a_view_is_still_the_busy_page(org):
    # As Django's handler500 is called, in the except block of the error that escaped.
    sent = {"message-body": "Please call after five.", "password": "open sesame please"}
    with write_lock():
        try:
            with transaction.atomic():
                Customer.objects.create(name="Never stored")
        except OperationalError:
            response = errors.server_error(RequestFactory().post("/t/token/message/", sent))
    html = text_of(response)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "Please call after five.</textarea>" in html
    assert "open sesame" not in html


# --- The log --------------------------------------------------------------------------------


def test_a_busy_request_is_one_line_in_the_log_without_a_traceback(client, org, caplog):
    with write_lock():
        client.post(reverse("public:feedback"), FEEDBACK)
        client.post(reverse("login"), {"username": "sam_agent", "password": PASSWORD})
    lines = [r for r in caplog.records if r.levelname != "DEBUG"]
    assert [r.getMessage().split(":", 1)[0] for r in lines] == ["POST /feedback/", "POST /login/"]
    assert all("answered 503, the database is busy or away" in r.getMessage() for r in lines)
    assert all(r.exc_info is None for r in lines)
    assert "Traceback" not in caplog.text


def fault(request):
    """A view with a real bug: it queries a table that does not exist."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    raise AssertionError("unreachable")


urlpatterns = [path("fault/", fault)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_real_database_bug_is_still_a_500_with_its_traceback(org, caplog):
    response = Client(raise_request_exception=False).post("/fault/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in text_of(response)
    assert "Retry-After" not in response
    assert "Traceback" in caplog.text and "no_such_table" in caplog.text


# --- PostgreSQL dropping the connection -----------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL backend is ended")
def test_a_complaint_sent_as_postgresql_drops_the_connection_is_kept_and_sent_again(client, org):
    connection.ensure_connection()
    with postgres_connect(autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    response = client.post(reverse("public:feedback"), FEEDBACK)
    html = text_of(response)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert f">{FEEDBACK['comment']}</textarea>" in html  # to copy, if Back loses it
    assert not Feedback.objects.exists()

    assert client.post(reverse("public:feedback"), FEEDBACK).status_code == 302
    assert Feedback.objects.count() == 1
