"""The 500 page: vocloop's look, the customer's or the staff layout, made without the database
(which may be why it is shown) and without the context processors (which read it)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path

from vocloop.server import errors

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "brand"),
    [("/feedback/", '<p class="brand">Acme Broadband</p>'), ("/staff/", ">vocloop</a>")],
)
def test_the_500_page_has_vocloops_look_without_asking_the_database(settings, path, brand):
    settings.ORGANISATION_NAME = "Acme Broadband"
    with CaptureQueriesContext(connection) as queries:
        response = errors.server_error(RequestFactory().get(path))
    html = response.content.decode()
    assert response.status_code == 500
    assert len(queries) == 0
    assert "/static/vocloop/vocloop.css" in html
    assert brand in html
    assert "<h1>Something went wrong on our side</h1>" in html
    assert "Log out" not in html  # nobody is asked who is logged in


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("staff/broken/", broken)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_bug_shows_the_500_page_and_logs_its_traceback(caplog):
    response = Client(raise_request_exception=False).get("/staff/broken/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "Traceback" in caplog.text and "RuntimeError: a bug" in caplog.text
