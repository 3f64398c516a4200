"""Record ids as forms and query strings send them: text that may be anything."""

from __future__ import annotations

# The most digits a 64-bit primary key can take without overflowing the column.
MAX_DIGITS = 18


def id_from(text: str) -> int | None:
    """The id `text` names, or None when it names none.

    Only ASCII digits: str.isdigit() also accepts "²", which int() refuses, and "٣",
    which it reads as 3. At most MAX_DIGITS of them, so that the database never sees
    a number its id column cannot hold.
    """
    if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return None
