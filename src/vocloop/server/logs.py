"""How vocloop's log reads: a client's mistake in one line, a server's fault in full."""

from __future__ import annotations

import logging
import re


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


# A path whose second part is a capability: the customer's tracking link, and the
# signed links of emails (unsubscribe, confirming an address for updates). Only at
# the start of a path — after a space, a quote or a URL's host — so that the
# `/updates/` within /t/<token>/updates/ is left as it is.
SECRET_PATH = re.compile(
    r"""(?P<before>^|[\s"'(=,]|://[^/\s"']+)(?P<prefix>/(?:t|unsubscribe|updates)/)[^/?#\s"']+"""
)
REDACTED = "[token]"


def redacted(text: str) -> str:
    """`text` with the secret part of every tracking or email link in it replaced."""
    return SECRET_PATH.sub(rf"\g<before>\g<prefix>{REDACTED}", text)


class SecretPathsRedacted(logging.Filter):
    """No working tracking or email link in the log, wherever a line names it.

    A refused request (400, 403, 404, 429) is logged with its path, a CSRF refusal
    with the Referer it checked, a busy database with the path: whoever reads the log
    could otherwise follow a customer's case or stop their mail. The line becomes
    `/t/[token]/message/`.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redacted(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True
