"""A second factor for staff logins: a time-based code (TOTP, RFC 6238) from an app on the
staff member's phone, kept by django-otp.

A staff member turns it on from their account page: vocloop makes a secret, shows it
as a QR code and as text, and keeps it unconfirmed until the member types a code
their app computed from it, so that nobody ends up asked for codes an app of theirs
cannot give. From then on a login asks for a code after the password. When it is
required (two_step_login_required) every member must have one before anything else
(middleware.py).
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from vocloop.accounts.models import SecuritySettings

logger = logging.getLogger(__name__)

DEVICE_NAME = "Authenticator app"
# The one row of SecuritySettings.
SETTINGS_PK = 1


def security_settings() -> SecuritySettings:
    """The quality manager's security settings, made with their defaults on first use."""
    return SecuritySettings.objects.get_or_create(pk=SETTINGS_PK)[0]


def security_settings_save(*, changed: SecuritySettings, by: Any) -> None:
    """Keep the settings as a quality manager changed them, with who and when, and log it:
    requiring a second factor, or no longer, changes how everyone logs in."""
    changed.updated_at = timezone.now()
    changed.updated_by = by
    changed.save()
    logger.warning(
        "Two-step login for staff %s by %s",
        "required" if changed.require_two_step_login else "not required",
        by.get_username(),
    )


def two_step_login_required() -> bool:
    """Whether every member of staff must log in with a second factor: when the server
    says so (VOCLOOP_REQUIRE_TOTP, a floor the settings area cannot lower) or a quality
    manager does (SecuritySettings)."""
    if settings.REQUIRE_TOTP:
        return True
    return SecuritySettings.objects.filter(require_two_step_login=True).exists()


def totp_device_of(user: AbstractBaseUser) -> TOTPDevice | None:
    """The member's confirmed device: the one a login asks a code of."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def totp_enrolment_of(user: AbstractBaseUser) -> TOTPDevice | None:
    """A device being set up: its secret shown, no code typed from it yet."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as an app takes it when typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address of the device as an inline SVG QR code for an app to scan."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2))


@transaction.atomic
def totp_enrolment_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """A new secret for the member, replacing one set up and never confirmed."""
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _verified(user: AbstractBaseUser, device: TOTPDevice, code: str) -> bool:
    # django-otp's verify_token locks the device's row: a code is taken once, even by two
    # requests at the same moment, and its own throttle slows a run of wrong codes.
    return verify_token(user, device.persistent_id, code) is not None


@transaction.atomic
def totp_enrolment_confirm(*, user: AbstractBaseUser, code: str) -> TOTPDevice | None:
    """The device being set up, confirmed by a right code; None for a wrong one."""
    device = totp_enrolment_of(user)
    if device is None or not _verified(user, device, code):
        return None
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def totp_remove(*, user: AbstractBaseUser, code: str) -> bool:
    """Turn the second factor off, proven by a right code from the device; False if wrong."""
    device = totp_device_of(user)
    if device is None or not _verified(user, device, code):
        return False
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    return True


def totp_login_check(*, user: AbstractBaseUser, code: str) -> TOTPDevice | None:
    """The member's device if `code` is a right one from it now."""
    device = totp_device_of(user)
    if device is None or not _verified(user, device, code):
        return None
    return device
