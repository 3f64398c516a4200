"""A database busy or away for a moment, as a web request meets it: a clear 503, never a 500.

SQLite has one writer at a time: while a large `vocloop import` or `imports undo`
holds the lock (a minute for a million rows), every other writer gives up after
VOCLOOP_SQLITE_TIMEOUT with "database is locked". PostgreSQL drops its
connections when it restarts. Both pass, so the request that meets them is
answered 503 with Retry-After, in words that say nothing was stored, and its
form comes back with what was typed. The worker's classification tells these
apart from faults (outage.database_waiting): a real bug stays a 500 with its
traceback in the log; a busy request is one line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from vocloop.lib.outage import connection_lost, connections_close, database_waiting, in_brief

logger = logging.getLogger(__name__)

BUSY_MESSAGE = (
    "We could not save this just now because the system is busy: nothing was stored. "
    "Please send it again in a moment."
)
# Seconds a client is asked to wait: a large import or undo holds SQLite's lock for
# about a minute, a PostgreSQL restart takes seconds.
RETRY_AFTER = 30
# What a write made on the side of a read (a session's messages shown, an API
# token's last use) waits for SQLite's lock, instead of the whole busy timeout.
BRIEF_WAIT_MS = 1000
# POST fields never written back into a page: a password, a token, the honeypot.
NOT_ECHOED = ("password", "token", "website", "secret", "key")
# Pages under these paths are staff pages: the busy page keeps the staff layout.
STAFF_PATHS = ("/staff/", "/login/", "/logout/", "/admin/")


class DatabaseBusy(Exception):
    """The database was busy or away for a moment; the transaction that met it was undone."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(in_brief(error))
        self.error = error


def database_busy(error: BaseException) -> bool:
    """Whether `error` is the database busy or away for a moment, not the request's fault."""
    if isinstance(error, DatabaseBusy):
        return True
    return isinstance(error, DatabaseError) and database_waiting(error)


@contextmanager
def refused_when_busy() -> Iterator[None]:
    """Raise DatabaseBusy for a busy database's error; any other error goes on as it was.

    A connection that broke (a restarted PostgreSQL) is closed, so that what the
    request does next, such as showing its form again, starts on a fresh one.
    """
    try:
        yield
    except DatabaseError as error:
        if not database_waiting(error):
            raise
        if connection_lost():
            connections_close()
        raise DatabaseBusy(error) from error


def busy_met(request: HttpRequest) -> None:
    """Mark the request as having met a database too busy to write: its other writes on
    the side (a session, an audit record) then do not wait for the lock again."""
    request._vocloop_busy = True  # type: ignore[attr-defined]


def met_busy(request: HttpRequest | None) -> bool:
    return bool(getattr(request, "_vocloop_busy", False))


@contextmanager
def waiting_briefly(
    alias: str = DEFAULT_DB_ALIAS, *, request: HttpRequest | None = None
) -> Iterator[None]:
    """Writes in here wait at most BRIEF_WAIT_MS for SQLite's lock, not its busy timeout;
    not at all for a request that met the lock once already (and is marked so then).

    Only SQLite makes every writer wait for one: other databases are left as they are.
    """
    connection = connections[alias]
    if connection.vendor != "sqlite":
        yield
        return
    wait = 0 if met_busy(request) else BRIEF_WAIT_MS
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {wait:d}")
    try:
        yield
    except DatabaseError as error:
        if request is not None and database_busy(error):
            busy_met(request)
        raise
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(before):d}")


def busy_said(request: HttpRequest, what: str, error: BaseException) -> None:
    """The one line a busy request leaves in the log."""
    reason = error.args[0] if isinstance(error, DatabaseBusy) else in_brief(error)
    logger.warning(
        "%s %s: %s, the database is busy or away (%s)", request.method, request.path, what, reason
    )


def busy_answer(request: HttpRequest, response: HttpResponse, error: BaseException) -> HttpResponse:
    """`response` as the answer to a request the database was busy for: 503, Retry-After, logged.

    Django logs every 5xx answer again ("Service Unavailable: …"); this one is said
    once already.
    """
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER)
    busy_said(request, "answered 503", error)
    setattr(response, "_has_been_logged", True)  # noqa: B010 (Django's own flag, set by log_response)
    return response


def unsent_texts(request: HttpRequest) -> list[str]:
    """What a POST carried that someone wrote (a message, a reason), for a page that cannot
    show its form again: passwords, tokens and the robots' field are left out."""
    texts = []
    for name, values in request.POST.lists():
        if any(part in name.lower() for part in NOT_ECHOED):
            continue
        texts += [v.strip() for v in values if " " in v.strip() or len(v.strip()) > 30]
    return texts


def is_staff_page(request: HttpRequest) -> bool:
    return request.path.startswith(STAFF_PATHS)


def busy_page(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The answer to any request the database was busy for, made without the database.

    The API answers in its JSON shape; a staff page in the staff layout, any other in
    the customer's. The page is rendered without the request's context processors,
    which read the database (who is logged in, whether a worker runs).
    """
    if connection_lost():
        connections_close()  # the next request starts on a fresh connection
    sent = request.method not in ("GET", "HEAD", "OPTIONS")
    if request.path.startswith("/api/"):
        detail = "vocloop is busy for a moment (its database is busy or restarting)"
        if sent:
            detail += (
                ": nothing was stored. Send the request again in a moment; a POST /feedback "
                "with the same Idempotency-Key is safe to repeat."
            )
        else:
            detail += ". Send the request again in a moment."
        return busy_answer(request, JsonResponse({"detail": detail}), error)
    context = {
        "organisation_name": settings.ORGANISATION_NAME,
        "staff": is_staff_page(request),
        "sent": sent,
        "unsent": unsent_texts(request) if sent else [],
    }
    return busy_answer(request, HttpResponse(loader.render_to_string("busy.html", context)), error)
