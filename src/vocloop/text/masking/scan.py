"""A text being searched for personal data, and the masked text that comes of it.

Each kind of personal data is searched in turn (emails before the digits inside them,
an IBAN before a card number read in its digits). What one search finds is claimed:
blanked out in the text the next searches read, so that they neither find it again
nor read a number across it, and replaced by its placeholder in the result. The
positions never shift, so the result is put together once, from the text as written.

The searches read the text normalised by NFKC, character by character, and with the
digits of every script as ASCII digits, so that "ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ" or a
phone number in full-width or Arabic-Indic digits is found like its plain form; what
is replaced is the span the customer wrote, and everything around it stays as written.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter

# What a claimed span becomes in the searched text: no pattern matches it, nor is it
# a letter, digit, space or separator that a number or an address could run across.
_BLANK = "\x00"
# An ASCII digit, for a pattern that starts with one: written as a set of three runs
# of characters (two control characters no text has) so that the regex engine makes
# it a bitmap and skips through the text to the next digit several times faster.
DIGIT = "[0-9\x01\x03]"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class Scan:
    """The text searched (`text`, claimed spans blanked out) and what was found."""

    __slots__ = ("_segments", "_spans", "found", "lowered", "text", "written")

    def __init__(self, written: str) -> None:
        self.written = written
        self.text, self._segments = _normalised(written)
        # For cheap checks of whether a search is worth running at all.
        self.lowered = self.text.lower()
        self.found: Counter[str] = Counter()
        self._spans: list[tuple[int, int, str]] = []

    def claim(self, start: int, end: int, placeholder: str | None) -> None:
        """The span from start to end is personal data, shown as the placeholder; with
        None it is left as written, and only kept from the searches that follow."""
        if placeholder is not None:
            self._spans.append((start, end, placeholder))
            self.found[placeholder] += 1
        self.text = self.text[:start] + _BLANK * (end - start) + self.text[end:]

    def result(self) -> str:
        if not self._spans:
            return self.written
        pieces, at = [], 0
        for start, end, placeholder in sorted(self._spans):
            start, end = self._as_written(start), self._as_written(end - 1) + 1
            pieces += [self.written[at:start], placeholder]
            at = end
        pieces.append(self.written[at:])
        return "".join(pieces)

    def _as_written(self, at: int) -> int:
        """Where the character at `at` in the searched text was, as written."""
        if self._segments is None:
            return at
        starts, written, expanded = self._segments
        i = bisect.bisect_right(starts, at) - 1
        return written[i] if expanded[i] else written[i] + at - starts[i]


# Where the searched text and the written one part: the searched positions at which a
# segment starts, the written position of its first character, and whether it is one
# written character that normalised to several (all its positions are that one).
_Segments = tuple[list[int], list[int], list[bool]]


class _Plain(dict[int, str]):
    """Each character as searched: NFKC, and a digit of any script as an ASCII digit
    (for `str.translate`; filled as characters are met)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        plain = unicodedata.normalize("NFKC", char)
        if len(plain) == 1 and plain.isdecimal():
            plain = str(unicodedata.decimal(plain))
        self[code] = plain
        if len(plain) != 1:
            _EXPANDING.add(char)
        return plain


_PLAIN = _Plain()
_EXPANDING: set[str] = set()  # characters that are several (or none) once normalised


def _normalised(text: str) -> tuple[str, _Segments | None]:
    if text.isascii():  # most comments: nothing to normalise, nothing to map
        return text, None
    searched = text.translate(_PLAIN)
    if _EXPANDING.isdisjoint(text):  # every character stayed one: positions agree
        return searched, None
    starts, written, expanded = [0], [0], [False]
    shift = 0  # how far the searched text has moved from the written one so far
    for match in _NON_ASCII.finditer(text):
        at = match.start()
        plain = _PLAIN[ord(text[at])]
        if len(plain) != 1:
            starts += [at + shift, at + shift + len(plain)]
            written += [at, at + 1]
            expanded += [True, False]
            shift += len(plain) - 1
    return searched, (starts, written, expanded)
