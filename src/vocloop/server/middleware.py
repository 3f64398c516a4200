"""Requests that meet a busy database: a clear 503 page, and a session left unsaved; and
sessions that end when left idle."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from vocloop.lib.busy import busy_page, busy_said, database_busy, waiting_briefly

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# A session's expiry is pushed back at most this often (seconds), and the key in it
# that says when it last was.
RENEW_EVERY = 60
RENEWED_AT = "vocloop_renewed_at"


class DatabaseBusyMiddleware:
    """A view that meets a busy database answers 503 with vocloop's busy page.

    The forms that know how to come back with what was typed do so themselves
    (refused_when_busy); this answers for every other page. Other exceptions are
    left to Django: a bug is still a 500 with its traceback in the log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_busy(exception):
            return None
        return busy_page(request, exception)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, with an idle timeout, and a session the database is too busy to save
    left unsaved.

    A logged-in session ends SESSION_COOKIE_AGE (VOCLOOP_SESSION_IDLE_MINUTES) after its
    last request: each request saves it again, and so pushes its end further, but at
    most once a minute (RENEW_EVERY), rather than a write for every page as
    SESSION_SAVE_EVERY_REQUEST would make.

    A page read while a large import holds SQLite's lock still writes its session
    when it shows the messages kept there; it waits a second for the lock, not the
    whole busy timeout, and is shown all the same (the messages come again next
    time). After a change that was stored, the answer (its redirect) goes out too,
    only without the message it leaves for the next page.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None:
            _renew_when_due(session)
        brief = request.method in SAFE_METHODS and session is not None and session.modified
        try:
            with waiting_briefly(request=request) if brief else nullcontext():
                return super().process_response(request, response)
        except (DatabaseError, SessionInterrupted) as error:
            # Django reports a session it could not update as deleted meanwhile (a 400),
            # whatever the database said: what it said is the exception's context.
            cause = _database_error(error)
            if cause is None or not database_busy(cause):
                raise
            busy_said(request, "its session was not saved", cause)
            patch_vary_headers(response, ("Cookie",))
            return response


def _renew_when_due(session: SessionBase) -> None:
    """Mark a logged-in session for saving, and so a new expiry, if its last is a minute old.

    Only a logged-in one: an anonymous visitor's is not created for this.
    """
    if not session.get(SESSION_KEY):
        return
    now = int(time.time())
    if now - int(session.get(RENEWED_AT, 0)) >= RENEW_EVERY:
        session[RENEWED_AT] = now


def session_renewed_at_login(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """A login saves its session: the first page after it need not save it again."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED_AT] = int(time.time())


def _database_error(error: BaseException | None) -> DatabaseError | None:
    """The database's own error among `error` and the exceptions it was raised from."""
    while error is not None:
        if isinstance(error, DatabaseError):
            return error
        error = error.__cause__ or error.__context__
    return None
