"""Staff set up a second factor on their account page and log in with a code after the
password; a deployment can require it of everyone.

The codes are computed from the secret the page shows, as an authenticator app does.
"""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD
from vocloop.accounts import throttle

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.8"


class App:
    """An authenticator app, holding the secret it was shown."""

    def __init__(self, secret_text: str) -> None:
        secret = secret_text.replace(" ", "")
        self.key = base64.b32decode(secret + "=" * (-len(secret) % 8))

    def code(self, steps_ahead: int = 0) -> str:
        # A later step than the last code given (still within the tolerated drift):
        # a code is taken once, and tests give several within 30 seconds.
        totp = TOTP(self.key)
        totp.time = time.time() + 30 * steps_ahead
        return f"{totp.token():06d}"


def page(answer) -> str:
    return answer.content.decode()


def log_in_with_password(client: Client, username: str = "sam_agent", **extra):
    return client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=ADDRESS, **extra
    )


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def enrol(client: Client) -> App:
    """Set up two-step login on the account page, as a member does."""
    started = client.post(reverse("account"), {"action": "start"})
    assert started.status_code == 302
    shown = client.get(reverse("account"))
    assert "<svg" in page(shown)  # the QR code
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page(shown))
    assert secret is not None
    app = App(secret.group(1))
    confirmed = client.post(reverse("account"), {"action": "confirm", "code": app.code()})
    assert confirmed.status_code == 302
    return app


@pytest.fixture
def member(org) -> tuple[Client, App]:
    """Sam, logged in, who has just set up two-step login."""
    client = Client()
    assert log_in_with_password(client).status_code == 302
    return client, enrol(client)


@pytest.fixture
def enrolled(member) -> App:
    return member[1]


def test_a_member_sets_it_up_from_their_account_page(org):
    client = Client()
    log_in_with_password(client)
    assert "Off." in page(client.get(reverse("account")))
    enrol(client)
    assert "each login asks for a code" in page(client.get(reverse("account")))
    assert TOTPDevice.objects.filter(user=org.support_agent, confirmed=True).count() == 1


def test_a_wrong_code_sets_nothing_up(org):
    client = Client()
    log_in_with_password(client)
    client.post(reverse("account"), {"action": "start"})
    answer = client.post(reverse("account"), {"action": "confirm", "code": "000000"})
    assert answer.status_code == 400 and "not the code your app shows" in page(answer)
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_the_login_asks_for_the_code_after_the_password(enrolled):
    client = Client()
    answer = log_in_with_password(client)
    assert answer.status_code == 302 and answer["Location"] == reverse("login_code")
    assert not logged_in(client)
    # The password alone opens nothing.
    assert client.get(reverse("cases:inbox")).status_code == 302
    answer = client.post(reverse("login_code"), {"code": enrolled.code(steps_ahead=1)})
    assert answer.status_code == 302 and answer["Location"] == reverse("cases:inbox")
    assert logged_in(client)
    assert client.get(reverse("cases:inbox")).status_code == 200


def test_a_code_is_taken_once(enrolled):
    first, second = Client(), Client()
    code = enrolled.code(steps_ahead=1)
    log_in_with_password(first)
    assert first.post(reverse("login_code"), {"code": code}).status_code == 302
    log_in_with_password(second)
    answer = second.post(reverse("login_code"), {"code": code})
    assert answer.status_code == 400 and not logged_in(second)


def test_wrong_codes_count_as_failed_logins(enrolled, caplog):
    client = Client()
    log_in_with_password(client)
    for _ in range(throttle.PAIR_LIMIT - 1):  # the password step cleared the earlier count
        answer = client.post(reverse("login_code"), {"code": "123456"}, REMOTE_ADDR=ADDRESS)
        # Wrong, or refused while the app's throttle holds after the one before.
        assert answer.status_code in (400, 429)
    client.post(reverse("login_code"), {"code": "123457"}, REMOTE_ADDR=ADDRESS)
    answer = client.post(
        reverse("login_code"), {"code": enrolled.code(steps_ahead=1)}, REMOTE_ADDR=ADDRESS
    )
    assert answer.status_code == 429 and not logged_in(client)
    assert "Login failed for 'sam_agent' from 198.51.100.8" in caplog.text


def test_after_a_wrong_code_the_page_says_to_wait_not_that_the_right_one_is_wrong(enrolled):
    client = Client()
    log_in_with_password(client)
    assert client.post(reverse("login_code"), {"code": "123456"}).status_code == 400
    answer = client.post(reverse("login_code"), {"code": enrolled.code(steps_ahead=1)})
    assert answer.status_code == 429 and not logged_in(client)
    assert "Too many wrong codes in a row: wait 1 second," in page(answer)
    assert "That is not the code" not in page(answer)
    # Once the wait is over, the right code opens the account.
    TOTPDevice.objects.update(throttling_failure_timestamp=None)
    answer = client.post(reverse("login_code"), {"code": enrolled.code(steps_ahead=1)})
    assert answer.status_code == 302 and logged_in(client)


def test_the_code_step_needs_the_password_step_first(enrolled):
    client = Client()
    answer = client.post(reverse("login_code"), {"code": enrolled.code(steps_ahead=1)})
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    assert not logged_in(client)


def test_the_settings_area_sends_to_the_staff_login_and_checks_no_password_itself(org):
    client = Client()
    answer = client.post(
        reverse("admin:login"), {"username": "maria_manager", "password": PASSWORD}
    )
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    assert not logged_in(client)


def test_a_member_without_the_settings_area_is_told_why_the_login_shows(org):
    client = Client()
    log_in_with_password(client)  # sam_agent, who is no quality manager
    answer = client.get(reverse("admin:index"), follow=True)
    shown = page(answer)
    assert "You are logged in as sam_agent, who may not open /admin/." in shown


def test_turning_it_off_takes_a_current_code(member):
    client, app = member
    refused = client.post(reverse("account"), {"action": "remove", "code": "000000"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.exists()
    time.sleep(1.1)  # after a wrong code django-otp takes the next one a second later
    done = client.post(reverse("account"), {"action": "remove", "code": app.code(steps_ahead=1)})
    assert done.status_code == 302 and not TOTPDevice.objects.exists()
    # The password alone logs in again.
    assert log_in_with_password(Client())["Location"] == reverse("cases:inbox")


def test_when_required_staff_set_it_up_before_anything_else(org, settings):
    settings.REQUIRE_TOTP = True
    client = Client()
    log_in_with_password(client, "lee_lead")
    answer = client.get(reverse("cases:inbox"))
    assert answer.status_code == 302
    assert answer["Location"] == f"{reverse('account')}?next=%2Fstaff%2F"
    assert "requires two-step login" in page(client.get(answer["Location"]))
    started = client.post(reverse("account"), {"action": "start", "next": "/staff/"})
    shown = client.get(started["Location"])
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page(shown)).group(1)
    done = client.post(
        reverse("account"), {"action": "confirm", "code": App(secret).code(), "next": "/staff/"}
    )
    assert done["Location"] == "/staff/"
    assert client.get(reverse("cases:inbox")).status_code == 200
    # Required: it cannot be turned off.
    client.post(reverse("account"), {"action": "remove", "code": App(secret).code(1)})
    assert TOTPDevice.objects.filter(user=org.support_lead, confirmed=True).exists()


def test_a_quality_manager_removes_a_lost_app_without_seeing_its_secret(member, org):
    manager = Client()
    manager.force_login(org.manager)
    device = TOTPDevice.objects.get(user=org.support_agent)
    listing = manager.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200 and "sam_agent" in page(listing)
    shown = manager.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert shown.status_code == 200 and device.key not in page(shown)
    manager.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert not TOTPDevice.objects.exists()
    # Sam logs in with the password again, and may set up another.
    assert log_in_with_password(Client())["Location"] == reverse("cases:inbox")
