from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class Team(models.Model):
    """A group of staff accountable for touch points; parent is the next step of escalation."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text="The team above this one in the chain of responsibility.",
    )
    calendar = models.ForeignKey(
        "slas.BusinessCalendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
        help_text="Working hours its SLA clocks count; empty: the default calendar.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


TOKEN_PREFIX = "vl_"


class ApiScope(models.TextChoices):
    """What an API token may do, chosen when it is created; each API operation names the one
    it needs (api/auth.py)."""

    FEEDBACK_WRITE = "feedback:write", "Send feedback"
    DIRECTORY_READ = "directory:read", "List touch points and teams"
    CASES_READ = "cases:read", "List and read cases"
    CASES_WRITE = "cases:write", "Act on cases: replies, notes, status, assignment"
    METRICS_READ = "metrics:read", "Read metrics and control charts"
    IMPROVEMENT_READ = "improvement:read", "List and read objectives and actions"
    IMPROVEMENT_WRITE = "improvement:write", "Create and change objectives and actions"
    CUSTOMERS_READ = "customers:read", "Export a customer's data"
    CUSTOMERS_ERASE = "customers:erase", "Erase a customer"


def hash_token(token: str) -> str:
    # The token carries 256 random bits, so a plain SHA-256 is enough: there is
    # nothing to brute-force that a slow hash would protect.
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its hash is stored.

    It may do what its scopes allow, within a reach (accounts/scope.py): a token acting
    for a person reaches what that person reaches on the staff pages, one tied to a
    team what that team's members reach, one tied to neither is an integration's,
    which reaches every case.
    """

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    scopes = models.JSONField(
        default=list,
        blank=True,
        help_text="What the token may do; an operation needing another scope is refused (403).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # CASCADE, not SET_NULL: a token left acting for nobody would reach every case.
    acts_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text="The token sees and changes only the cases this person may. Empty: an "
        "integration's token, which reaches every case. Set when the token is created.",
    )
    # CASCADE for the same reason: a token whose team is gone must not reach every case.
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text="The token sees and changes only what this team's members may. A token "
        "acts for a person or is tied to a team, not both. Set when the token is created.",
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="From this moment the token is refused. Empty: never."
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(acts_for__isnull=True) | models.Q(team__isnull=True),
                name="api_token_acts_for_a_person_or_a_team",
                violation_error_message="A token acts for a person or is tied to a team, "
                "not both: choose one.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class SecuritySettings(models.Model):
    """The quality manager's security settings: one row (twofactor.security_settings())."""

    require_two_step_login = models.BooleanField(
        "Require two-step login for staff",
        default=False,
        help_text="Every member of staff must log in with a code from an authenticator app "
        "as well as the password. Those without one set it up at their next page, before "
        "anything else.",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "security settings"
        verbose_name_plural = "security settings"

    def __str__(self) -> str:
        return "Security settings"
