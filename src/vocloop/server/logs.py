"""How vocloop's log reads: a client's mistake in one line, a server's fault in full."""

from __future__ import annotations

import logging


class ClientErrorsBrief(logging.Filter):
    """A 4xx answer (a refused permission, a page not found) without its traceback.

    Django logs a 403 with the PermissionDenied that caused it; in a server's log that
    reads like a fault when it is a request refused as designed. 5xx keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
