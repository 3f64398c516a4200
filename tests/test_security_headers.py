"""The headers every answer carries: a strict Content-Security-Policy, no-store where
customers' data is shown to staff or integrations, and HSTS when served over https."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.api_client import ApiClient
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.public_pages import survey_url, track_url
from tests.staff_pages import logged_in

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy_of(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in header.split(";"))


def test_every_kind_of_page_carries_the_strict_policy(org: Org, api: ApiClient) -> None:
    feedback = give_feedback(org.helpdesk, score=2)
    staff = logged_in(org.support_agent)
    answers = [
        Client().get("/feedback/"),
        Client().get(survey_url(org.nps_survey)),
        Client().get(track_url(feedback)),
        Client().get("/no-such-page/"),
        Client().get("/login/"),
        staff.get("/staff/"),
        staff.get(f"/staff/cases/{feedback.case.reference}/"),  # type: ignore[union-attr]
        api.get("/cases"),
        Client().get("/api/v1/openapi.json"),
    ]
    for answer in answers:
        assert answer.status_code in (200, 404)
        assert policy_of(answer) == POLICY


def test_staff_pages_and_api_answers_are_not_stored(org: Org, api: ApiClient) -> None:
    staff = logged_in(org.manager)
    for answer in [
        staff.get("/staff/"),
        staff.get("/staff/dashboards/"),
        staff.get("/admin/"),
        Client().get("/login/"),
        api.get("/cases"),
        api.post("/feedback", {"touchpoint": "nowhere"}),  # an error answer too
        ApiClient(None).get("/cases"),
    ]:
        assert "no-store" in answer.headers["Cache-Control"], answer.wsgi_request.path


def test_public_static_assets_stay_cacheable(client: Client) -> None:
    answer = client.get("/static/vocloop/vocloop.css")
    assert answer.status_code == 200
    assert "no-store" not in answer.headers.get("Cache-Control", "")


def test_an_https_request_gets_hsts_when_it_is_set(client: Client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    answer = client.get("/feedback/", secure=True)
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/feedback/").headers


def settings_under(tmp_path, **env: str) -> dict[str, object]:
    """HSTS as vocloop's settings read it from the environment."""
    code = (
        "import json; from vocloop import settings as s; print(json.dumps("
        "[s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS]))"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "VOCLOOP_DATA_DIR": str(tmp_path),
        **{f"VOCLOOP_{k}": v for k, v in env.items()},
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    seconds, subdomains = json.loads(done.stdout)
    return {"seconds": seconds, "subdomains": subdomains}


def test_hsts_follows_an_https_base_url(tmp_path) -> None:
    assert settings_under(tmp_path, BASE_URL="http://feedback.example") == {
        "seconds": 0,
        "subdomains": False,
    }
    assert settings_under(tmp_path, BASE_URL="https://feedback.example") == {
        "seconds": 365 * 24 * 3600,
        "subdomains": False,
    }
    assert settings_under(
        tmp_path,
        BASE_URL="https://feedback.example",
        HSTS_SECONDS="300",
        HSTS_INCLUDE_SUBDOMAINS="true",
    ) == {"seconds": 300, "subdomains": True}
