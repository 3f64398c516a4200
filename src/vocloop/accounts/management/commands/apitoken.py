"""`vocloop apitoken create|list|revoke`: manage the tokens integrations use for the JSON API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vocloop.accounts.models import ApiToken
from vocloop.accounts.services import ApiTokenRefused, api_token_create, api_token_revoke


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _user(username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user “{username}”.")
    return user


class Command(BaseCommand):
    help = "Create, list and revoke API tokens for the JSON API at /api/v1/."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create", help="Create a token and print it (it is shown only this once)."
        )
        create.add_argument("--name", required=True, help="Who uses the token, e.g. 'crm'.")
        create.add_argument(
            "--created-by", metavar="USERNAME", help="The administrator creating it, on record."
        )
        create.add_argument(
            "--acts-for",
            metavar="USERNAME",
            help="The token reaches only the cases this person may see and change "
            "(without it: every case, for an integration).",
        )
        actions.add_parser("list", help="List tokens: name, hint, created, last used, revoked.")
        revoke = actions.add_parser("revoke", help="Stop a token from working.")
        revoke.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options["name"], options.get("created_by"), options.get("acts_for"))
            elif action == "revoke":
                self._revoke(options["name"])
            else:
                self._list()
        except ApiTokenRefused as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, name: str, created_by: str | None, acts_for: str | None) -> None:
        token, secret = api_token_create(
            name=name, created_by=_user(created_by), acts_for=_user(acts_for)
        )
        # The secret alone goes to stdout so that a script can capture it;
        # the explanation goes to stderr.
        self.stderr.write(
            f"Created API token “{token.name}”. Copy it now: it cannot be shown again.\n"
            "Send it as the header  Authorization: Bearer <token>"
        )
        self.stdout.write(secret)

    def _revoke(self, name: str) -> None:
        token = api_token_revoke(name=name)
        self.stdout.write(f"Revoked API token “{token.name}” ({_when(token.revoked_at)}).")

    def _list(self) -> None:
        tokens = list(ApiToken.objects.order_by("name"))
        if not tokens:
            self.stdout.write("No API tokens. Create one with: vocloop apitoken create --name NAME")
            return
        rows = [("NAME", "HINT", "CREATED", "LAST USED", "REVOKED")]
        rows += [
            (
                t.name,
                t.hint + "…",
                _when(t.created_at),
                _when(t.last_used_at),
                _when(t.revoked_at),
            )
            for t in tokens
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
