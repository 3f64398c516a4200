"""Records every read of customers' data (audit/rules.py) after its answer is made."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from vocloop.audit.rules import read_of
from vocloop.audit.services import read_record
from vocloop.lib.busy import waiting_briefly
from vocloop.limits.clients import client_address

log = logging.getLogger("vocloop.audit")


class ReadAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        read = read_of(request, response)
        if read is None:
            return response
        user = getattr(request, "user", None)
        token = getattr(request, "auth", None)
        if not getattr(user, "is_authenticated", False) and token is None:
            return response
        kind, what = read
        client, address = getattr(token, "name", ""), client_address(request)
        try:
            # A read does not wait for a long write (an import, its undo) to record itself.
            with waiting_briefly(request=request):
                read_record(
                    kind=kind,
                    what=what,
                    path=request.get_full_path(),
                    user=user,
                    client=client,
                    address=address,
                )
        except DatabaseError:
            # The page was made; the reader should not lose it because the record could
            # not be written (the database busy). The log keeps what the table could not.
            who = user.get_username() if user is not None and user.is_authenticated else client
            log.warning(
                "read not recorded, the database busy: %s read %s %s at %s from %s",
                who,
                kind,
                what,
                request.get_full_path(),
                address,
            )
        return response
