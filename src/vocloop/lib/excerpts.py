"""How the start of a long text is shown where there is no room for all of it."""

from __future__ import annotations

import re

ELLIPSIS = "…"
_LAST_WORD = re.compile(r"\s+\S*$")
# Left at the cut, these would read as if the text went on in a way it does not.
_DANGLING = " \t\r\n,;:-–—(\"'“‘"


def excerpt(text: str, limit: int) -> str:
    """At most `limit` characters of the text, the "…" included, cut between two words.

    "I expect a refund or a credit note" at 20 reads "I expect a refund…", never "I
    expect a refund o". A first word longer than half the room is cut where the room
    ends: a long address or URL would otherwise leave nearly nothing.
    """
    # Not stripped first: a start read from the database one character longer than the
    # room may end in the space before the word that was left out.
    if len(text) <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 0)
    cut = text[:room]
    if not text[room].isspace():
        last = _LAST_WORD.search(cut)
        if last is not None and last.start() > room // 2:
            cut = cut[: last.start()]
    return cut.rstrip(_DANGLING) + ELLIPSIS
