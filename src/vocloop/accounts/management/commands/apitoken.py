"""`vocloop apitoken create|list|revoke`: manage the tokens integrations use for the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vocloop.accounts.models import ApiScope, ApiToken, Team
from vocloop.accounts.selectors import team_by_slug
from vocloop.accounts.services import ApiTokenRefused, api_token_create, api_token_revoke

SCOPES_HELP = "; ".join(f"{scope.value}: {scope.label.lower()}" for scope in ApiScope)


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _user(username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user “{username}”.")
    return user


def _team(slug: str | None) -> Team | None:
    if not slug:
        return None
    team = team_by_slug(slug)
    if team is None:
        known = ", ".join(Team.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"There is no team “{slug}”; the teams are {known or 'none yet'}.")
    return team


def _expiry(days: int | None, day: str | None) -> dt.datetime | None:
    """The moment the token stops working: N days from now, or the end of a day (the
    server's time zone, VOCLOOP_TIME_ZONE), so that a token "until 2027-03-31" works
    all of that day."""
    if days is not None:
        if days < 1:
            raise CommandError("--expires-in-days needs a whole number of days, at least 1.")
        return timezone.now() + dt.timedelta(days=days)
    if day is None:
        return None
    try:
        last = dt.date.fromisoformat(day)
    except ValueError:
        raise CommandError(f"--expires {day!r} is not a day written as YYYY-MM-DD.") from None
    if last == dt.date.max:
        raise CommandError(f"--expires {day} is too far away; leave it out to never expire.")
    start_of_next = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    return timezone.make_aware(start_of_next)


def _reach(token: ApiToken) -> str:
    if token.acts_for is not None:
        return f"person {token.acts_for.get_username()}"
    if token.team is not None:
        return f"team {token.team.slug}"
    return "every case"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens for the JSON API at /api/v1/."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create", help="Create a token and print it (it is shown only this once)."
        )
        create.add_argument("--name", required=True, help="Who uses the token, e.g. 'crm'.")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            metavar="SCOPE",
            help=f"What the token may do; repeat for several. {SCOPES_HELP}.",
        )
        create.add_argument(
            "--created-by", metavar="USERNAME", help="The administrator creating it, on record."
        )
        # Not an argparse group: the service says why both cannot be given.
        create.add_argument(
            "--acts-for",
            metavar="USERNAME",
            help="The token reaches only the cases this person may see and change "
            "(without it or --team: every case, for an integration).",
        )
        create.add_argument(
            "--team",
            metavar="SLUG",
            help="The token reaches only what this team's members may see and change.",
        )
        expiry = create.add_mutually_exclusive_group()
        expiry.add_argument(
            "--expires-in-days", type=int, metavar="N", help="The token stops working in N days."
        )
        expiry.add_argument(
            "--expires",
            metavar="YYYY-MM-DD",
            help="The last day the token works (until midnight, the server's time zone).",
        )
        actions.add_parser(
            "list",
            help="List tokens: name, hint, scopes, reach, expiry, created, last used, revoked.",
        )
        revoke = actions.add_parser("revoke", help="Stop a token from working.")
        revoke.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options)
            elif action == "revoke":
                self._revoke(options["name"])
            else:
                self._list()
        except ApiTokenRefused as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        if not options["scope"]:
            known = ", ".join(ApiScope.values)
            raise CommandError(f"Say what the token may do with --scope (repeatable): {known}.")
        token, secret = api_token_create(
            name=options["name"],
            scopes=options["scope"],
            created_by=_user(options.get("created_by")),
            acts_for=_user(options.get("acts_for")),
            team=_team(options.get("team")),
            expires_at=_expiry(options.get("expires_in_days"), options.get("expires")),
        )
        # The secret alone goes to stdout so that a script can capture it;
        # the explanation goes to stderr.
        until = f", until {_when(token.expires_at)}" if token.expires_at else ""
        self.stderr.write(
            f"Created API token “{token.name}” ({', '.join(token.scopes)}; "
            f"reaches {_reach(token)}{until}). Copy it now: it cannot be shown again.\n"
            "Send it as the header  Authorization: Bearer <token>"
        )
        self.stdout.write(secret)

    def _revoke(self, name: str) -> None:
        token = api_token_revoke(name=name)
        self.stdout.write(f"Revoked API token “{token.name}” ({_when(token.revoked_at)}).")

    def _list(self) -> None:
        tokens = list(ApiToken.objects.select_related("acts_for", "team").order_by("name"))
        if not tokens:
            self.stdout.write(
                "No API tokens. Create one with: vocloop apitoken create --name NAME --scope SCOPE"
            )
            return
        rows = [("NAME", "HINT", "SCOPES", "REACHES", "EXPIRES", "CREATED", "LAST USED", "REVOKED")]
        rows += [
            (
                t.name,
                t.hint + "…",
                ",".join(t.scopes) or "—",
                _reach(t),
                _when(t.expires_at),
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
