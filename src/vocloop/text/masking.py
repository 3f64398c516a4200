"""Personal data in what customers write, masked: emails, phone numbers and card-like numbers.

Customers write "call me on +44 7700 900123" or paste a card number into a
complaint or a follow-up. What staff read and what is analysed gets placeholders
instead; the original is kept only where the retention setting says so (decided by
the caller).

Ordinary numbers stay: "we ordered 250 units", "order 4471923", "£1,299.00",
"12/03/2026", "2026", "order 5551234567". A phone number is told from them by its
shape — an international "+" or "00" prefix with 8 to 15 digits after it, or a
national number starting with 0 (or "(0") with 10 to 12 digits, or the North
American "(555) 123-4567" — and a card number by 13 to 19 digits that pass the Luhn
check, or are written in four groups of four (a mistyped card is still most of a
card; also when its security code follows). Four groups that are all years, "2018
2019 2020 2021", are not a card even when they pass the check: no card scheme issues
16-digit numbers beginning 19 or 20. Dates, prices and order numbers have none of
these shapes.

A bare run of 10 or 11 digits ("5551234567") is a phone number only right after a
word that says so — "call", "phone", "tel", "mobile", "text" …, perhaps followed by
"me on", "number is" and the like. Without one it stays: ten and eleven digits are
just as often an order, invoice or account number, which staff need to find the
order, and nothing in the digits tells the two apart.

A number is only the digits and separators that belong to it: a bracket that opens
but does not close around a few digits, as in "1234567890123 (13 digits)", ends it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card number]"

# Apostrophes are allowed in the local part ("jane.o'neil@…"), but do not start it,
# so that a quoted 'jo@example.com' keeps its quotes.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-][\w.+'’-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")
# A run of digits with the separators people type inside numbers. Brackets count
# only around a few digits, closed — "(030)", "+44 (0)20" — so an aside that
# follows a number, "(13 digits)", is not read as part of it.
_DIGITS = re.compile(r"(?<![\w+])(?:\+|\(\d{1,5}\) ?)?\d(?:[\d .-]|\(\d{1,5}\)){5,}\d(?!\w)")
# North American numbers: "(555) 123-4567", "555-123-4567", "1-800-555-0199".
_NANP = re.compile(r"^(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$")
# A card number followed by more digits (its security code, an expiry).
_CARD_FIRST = re.compile(r"^(\d{4}([ -])\d{4}\2\d{4}\2\d{4})(\D.*)$")
_FOUR_BY_FOUR = re.compile(r"^\d{4}([ -])\d{4}\1\d{4}\1\d{4}$")
_YEARS = re.compile(r"^(?:19|20)\d\d(?:[ -](?:19|20)\d\d){3}$")
# The words that make a bare run of digits a phone number (see the module docstring).
_PHONE_WORD = re.compile(
    r"\b(?:call|ring|phone|tel|telephone|mobile|mob|cell|text|sms|whatsapp|fax)\b"
    r"(?:\W+(?:me|us|back|on|at|is|my|number|no|nr))*\W*$",
    re.IGNORECASE,
)
_PHONE_WORD_REACH = 40  # characters before a number searched for one of those words


@dataclass(frozen=True)
class Masked:
    text: str
    found: Counter[str] = field(default_factory=Counter)  # placeholder → how many

    @property
    def changed(self) -> bool:
        return bool(self.found)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(number: str, digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or _YEARS.match(number):
        return False
    return luhn_valid(digits) or _FOUR_BY_FOUR.match(number) is not None


def _kind(candidate: str, *, phone_word: bool = False) -> str | None:
    """PHONE, CARD or None (an ordinary number) for a run of digits and separators."""
    digits = re.sub(r"\D", "", candidate)
    stripped = candidate.strip()
    # "+" and "00" dial abroad: a number to ring, never a card.
    if stripped.startswith("+"):
        return PHONE if 8 <= len(digits) <= 15 else None
    if stripped.startswith("00") and 8 <= len(digits) - 2 <= 15:
        return PHONE
    # A card before a national phone number: 16 Luhn-valid digits starting with 0
    # are as likely a card as a number to ring.
    if _card(stripped, digits):
        return CARD
    if stripped.startswith(("0", "(0")) and 10 <= len(digits) <= 12:
        return PHONE
    if _NANP.match(stripped):
        return PHONE
    if phone_word and 10 <= len(digits) <= 11:
        return PHONE
    return None


def _number(candidate: str, found: Counter[str], *, phone_word: bool) -> str:
    kind = _kind(candidate, phone_word=phone_word)
    if kind is not None:
        found[kind] += 1
        return kind
    card = _CARD_FIRST.match(candidate.strip())
    if card and _card(card.group(1), re.sub(r"\D", "", card.group(1))):
        found[CARD] += 1
        return candidate.replace(card.group(1), CARD, 1)
    # Two numbers written one after the other ("020 7946 0958 020 7946 0959"): split
    # where both halves have a shape of their own.
    for at in (i for i, char in enumerate(candidate) if char == " "):
        left, right = _kind(candidate[:at]), _kind(candidate[at + 1 :])
        if left is not None and right is not None:
            found[left] += 1
            found[right] += 1
            return f"{left} {right}"
    return candidate


def mask(text: str) -> Masked:
    """The text with personal data replaced, and what was found."""
    found: Counter[str] = Counter()

    def email(match: re.Match[str]) -> str:
        found[EMAIL] += 1
        return EMAIL

    def number(match: re.Match[str]) -> str:
        before = match.string[max(0, match.start() - _PHONE_WORD_REACH) : match.start()]
        return _number(match.group(0), found, phone_word=_PHONE_WORD.search(before) is not None)

    masked = _EMAIL.sub(email, text)
    masked = _DIGITS.sub(number, masked)
    return Masked(masked, found)
