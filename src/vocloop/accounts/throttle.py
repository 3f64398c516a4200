"""How often a password may be guessed: limits on failed logins that stop guessing without
letting anyone lock the staff out (OWASP ASVS 2.2.1).

Three counts of failed logins, each in a 15-minute window, shared by every server
process (limits/counters.py), for the staff login and the settings area's alike:

- **A client and an account**: 5 failures, then that client may not try that account
  again until the window ends. One attacker guessing one account gets 20 guesses an
  hour, below ASVS's 100.
- **A client**: 20 failures on any accounts, then that client may not log in at all
  until the window ends. One attacker trying a common password on every account meets
  this one.
- **An account**, from anywhere: 10 failures, and the account is guarded, not locked.
  While it is, only a client with no failure of its own in the window may try it, so
  each further address an attacker brings gets one guess, not five. The colleague at
  their own desk, whose client has failed nothing, still logs in with their password.

An account count that locked out its owner would hand the attack to anyone who knows
a username (they are on every case's timeline): ten wrong passwords, and a colleague
cannot work. So the hard limits hold the one who fails, the client, and the account's
own limit only narrows who may still try. Beyond that, guessing is met by passwords
of at least 12 characters and the optional second factor.

A refusal is answered before the password is checked, and reads the same whether or
not the account exists. Every failure, lockout and refusal is logged to
`vocloop.accounts.throttle` with the username and the client's address, never the
password.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from vocloop.lib.words import counted
from vocloop.limits.counters import shared_counts

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
PAIR_LIMIT = 5
CLIENT_LIMIT = 20
ACCOUNT_GUARDED_AFTER = 10


@dataclass(frozen=True)
class LoginRefusal:
    retry_after: int
    """Seconds until the client may try again."""

    @property
    def message(self) -> str:
        minutes = counted(max(1, math.ceil(self.retry_after / 60)), "minute")
        return (
            f"Too many failed log-ins: logging in is paused for you. Please try again in {minutes}."
        )


@dataclass(frozen=True)
class _Keys:
    pair: str
    client: str
    account: str


def _keys(client: str, username: str) -> _Keys:
    # Hashed: a username may be long and hold anything; case folded, so that "Maria"
    # and "maria" count as one.
    account = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return _Keys(
        pair=f"login:pair:{client}:{account}",
        client=f"login:client:{client}",
        account=f"login:account:{account}",
    )


def _shown(username: str) -> str:
    return repr(username[:150])  # repr: a username cannot start a line of its own in the log


def login_refusal(*, client: str, username: str) -> LoginRefusal | None:
    """Whether `client` may try to log in as `username` now; the refusal if not."""
    counts = shared_counts()
    keys = _keys(client, username)
    of_client = counts.read(keys.client)
    refusal: LoginRefusal | None = None
    reason = ""
    if of_client.count >= CLIENT_LIMIT:
        refusal, reason = LoginRefusal(of_client.retry_after), "too many failures from the client"
    else:
        of_pair = counts.read(keys.pair)
        if of_pair.count >= PAIR_LIMIT:
            refusal, reason = LoginRefusal(of_pair.retry_after), "too many failures on the account"
        elif of_client.count:
            of_account = counts.read(keys.account)
            if of_account.count >= ACCOUNT_GUARDED_AFTER:
                # Free again when either count ends: the client's or the account's.
                wait = min(of_client.retry_after, of_account.retry_after)
                refusal, reason = LoginRefusal(wait), "the account is guarded"
    if refusal is not None:
        logger.warning(
            "Login refused for %s from %s: %s, for %s more",
            _shown(username),
            client,
            reason,
            counted(refusal.retry_after, "second"),
        )
    return refusal


def login_failure_record(*, client: str, username: str) -> None:
    """A wrong password (or an unknown or inactive account): count it and log it."""
    counts = shared_counts()
    keys = _keys(client, username)
    of_pair = counts.add(keys.pair, window=WINDOW_SECONDS)
    of_client = counts.add(keys.client, window=WINDOW_SECONDS)
    of_account = counts.add(keys.account, window=WINDOW_SECONDS)
    logger.warning(
        "Login failed for %s from %s (%s of this client in its window)",
        _shown(username),
        client,
        counted(of_client.count, "failure"),
    )
    minutes = counted(WINDOW_SECONDS // 60, "minute")
    if of_pair.count == PAIR_LIMIT:
        logger.warning(
            "Login locked for %s from %s: %s, for up to %s",
            _shown(username),
            client,
            counted(PAIR_LIMIT, "failure"),
            minutes,
        )
    if of_client.count == CLIENT_LIMIT:
        logger.warning(
            "Login locked for every account from %s: %s, for up to %s",
            client,
            counted(CLIENT_LIMIT, "failure"),
            minutes,
        )
    if of_account.count == ACCOUNT_GUARDED_AFTER:
        logger.warning(
            "Login guarded for %s: %s from any client; for up to %s only clients "
            "with no failure may try it",
            _shown(username),
            counted(ACCOUNT_GUARDED_AFTER, "failure"),
            minutes,
        )


def login_success_record(*, client: str, username: str) -> None:
    """The right password: this client's failures on this account no longer count.

    Only the pair's: a client's own count stays, or an attacker with one account of
    their own could log into it between guesses at the others.
    """
    shared_counts().forget(_keys(client, username).pair)
