from django.apps import AppConfig


class LimitsConfig(AppConfig):
    """Counts that every server process shares: how often a client or an account did
    something within a window (the public forms' limits, failed logins)."""

    name = "vocloop.limits"
