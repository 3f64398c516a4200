from django.apps import AppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpConfig


class AccountsConfig(AppConfig):
    name = "vocloop.accounts"
    default = True


class TwoStepLoginConfig(TotpConfig):
    """django-otp's TOTP devices, under a name the settings area can show."""

    verbose_name = "Two-step login"
