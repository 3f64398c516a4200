"""A quality manager requires two-step login of all staff in the settings area: from their next
page on, members without it set it up before anything else; the server's
VOCLOOP_REQUIRE_TOTP stays a floor the setting cannot lower."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_two_factor import App, enrol, log_in_with_password, logged_in, page
from vocloop.accounts.models import SecuritySettings

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = "/admin/accounts/securitysettings/"


def manager_with_app(org) -> tuple[Client, App]:
    """Maria, a quality manager, logged in with her own second factor already set up."""
    client = Client()
    log_in_with_password(client, "maria_manager")
    return client, enrol(client)


def require_it(manager: Client, on: bool = True) -> None:
    """The quality manager ticks (or clears) the box in the settings area and saves."""
    form = manager.get(SETTINGS_PAGE, follow=True)
    assert form.status_code == 200
    assert "Require two-step login for staff" in page(form)
    saved = manager.post(
        form.wsgi_request.path, {"require_two_step_login": "on"} if on else {}, follow=True
    )
    assert saved.status_code == 200, page(saved)[:2000]


def test_once_required_a_member_sets_it_up_at_the_next_page_before_any_other(org, caplog):
    member = Client()
    log_in_with_password(member)  # Sam, without a second factor
    assert member.get(reverse("cases:inbox")).status_code == 200
    manager, _ = manager_with_app(org)
    with caplog.at_level(logging.WARNING, logger="vocloop.accounts.twofactor"):
        require_it(manager)
    assert "Two-step login for staff required by maria_manager" in caplog.text
    settings = SecuritySettings.objects.get()
    assert settings.require_two_step_login and settings.updated_by == org.manager

    # Sam's next page, already logged in: the account page first, whatever was asked for.
    for path in (reverse("cases:inbox"), "/staff/dashboards/", "/admin/"):
        detour = member.get(path)
        assert detour.status_code == 302
        assert detour["Location"].startswith(f"{reverse('account')}?next=")
    shown = member.get(f"{reverse('account')}?next=/staff/")
    assert "requires two-step login" in page(shown)
    # Required: there is no way round it but setting it up.
    started = member.post(reverse("account"), {"action": "start", "next": "/staff/"})
    secret = re.search(
        r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page(member.get(started["Location"]))
    )
    assert secret is not None
    app = App(secret.group(1))
    done = member.post(
        reverse("account"), {"action": "confirm", "code": app.code(), "next": "/staff/"}
    )
    assert done["Location"] == "/staff/"
    assert member.get(reverse("cases:inbox")).status_code == 200
    # And, required, it cannot be turned off.
    member.post(reverse("account"), {"action": "remove", "code": app.code(1)})
    assert TOTPDevice.objects.filter(user=org.support_agent, confirmed=True).exists()


def test_a_new_login_without_a_second_factor_goes_to_set_one_up(org):
    manager, _ = manager_with_app(org)
    require_it(manager)
    lead = Client()
    answer = log_in_with_password(lead, "lee_lead", follow=True)
    assert answer.redirect_chain[-1][0] == f"{reverse('account')}?next=%2Fstaff%2F"
    assert "requires two-step login" in page(answer)


def test_turned_off_again_staff_go_on_with_the_password_alone(org):
    manager, _ = manager_with_app(org)
    require_it(manager)
    require_it(manager, on=False)
    assert not SecuritySettings.objects.get().require_two_step_login
    member = Client()
    log_in_with_password(member)
    assert member.get(reverse("cases:inbox")).status_code == 200


def test_the_servers_setting_is_a_floor_the_settings_area_cannot_lower(org, settings):
    settings.REQUIRE_TOTP = True
    manager, _ = manager_with_app(org)
    shown = page(manager.get(SETTINGS_PAGE, follow=True))
    assert "VOCLOOP_REQUIRE_TOTP is on, so two-step login is required" in shown
    require_it(manager, on=False)
    member = Client()
    log_in_with_password(member)
    assert member.get(reverse("cases:inbox"))["Location"].startswith(reverse("account"))


def test_the_settings_are_one_form_only_a_quality_manager_opens(org):
    manager, _ = manager_with_app(org)
    opened = manager.get(SETTINGS_PAGE)
    assert opened.status_code == 302 and "/change/" in opened["Location"]
    assert manager.get(f"{SETTINGS_PAGE}add/").status_code == 403
    pk = SecuritySettings.objects.get().pk
    assert manager.post(f"{SETTINGS_PAGE}{pk}/delete/", {"post": "yes"}).status_code == 403
    assert SecuritySettings.objects.count() == 1
    lead = Client()
    log_in_with_password(lead, "lee_lead")
    refused = lead.get(SETTINGS_PAGE)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("admin:login"))
    assert (
        lead.post(f"{SETTINGS_PAGE}{pk}/change/", {"require_two_step_login": "on"}).status_code
        == 302
    )
    assert not SecuritySettings.objects.get().require_two_step_login


def test_whoever_gave_a_code_this_session_pays_no_query_for_the_setting(org):
    manager, _ = manager_with_app(org)
    with CaptureQueriesContext(connection) as queries:
        assert manager.get(reverse("cases:inbox")).status_code == 200
    assert not [q for q in queries if "accounts_securitysettings" in q["sql"]]
    assert logged_in(manager)
