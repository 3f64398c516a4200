"""`vocloop check --deploy` is clean in production, and the embedded set-up still logs in."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.busy_server import Browser, Served
from tests.conftest import PASSWORD


def deploy_check(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "VOCLOOP_DATA_DIR": str(tmp_path),
        **{f"VOCLOOP_{k}": v for k, v in env.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "vocloop", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_production_configuration_passes_the_deploy_check(tmp_path):
    done = deploy_check(
        tmp_path,
        BASE_URL="https://feedback.example.com",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert done.stderr == ""


def test_the_deploy_check_still_warns_of_what_production_must_not_do(tmp_path):
    # Silencing is for decisions made in the settings, not a blanket: DEBUG on or HSTS
    # turned off under https are still reported.
    done = deploy_check(
        tmp_path,
        BASE_URL="https://feedback.example.com",
        DEBUG="true",
        HSTS_SECONDS="0",
    )
    assert done.returncode == 1
    assert "security.W018" in done.stderr and "security.W004" in done.stderr


def test_an_http_base_url_keeps_the_login_cookie_working(served: Served):
    # The embedded set-up (`make demo`, a trial on 127.0.0.1) is served over plain http:
    # a cookie marked secure would never come back, and nobody could log in.
    browser = Browser(served.base)
    logged_in = browser.post("/login/", {"username": "sam_agent", "password": PASSWORD})
    assert logged_in.status == 302
    cookies = logged_in.headers.get_all("Set-Cookie")
    assert any(c.startswith("sessionid=") for c in cookies)
    assert not any("Secure" in c for c in cookies)
    assert browser.get("/staff/").status == 200
