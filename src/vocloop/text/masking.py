"""Personal data in comments, masked: emails, phone numbers and card-like numbers.

Customers write "call me on +44 7700 900123" or paste a card number into a
complaint. What staff read and what is analysed gets placeholders instead; the
original is kept only where the retention setting says so (decided by the caller).

Ordinary numbers stay: "we ordered 250 units", "order 4471923", "£1,299.00",
"12/03/2026", "2026". A phone number is told from them by its shape — an
international "+" prefix with 8 to 15 digits, or a national number starting with 0
(or "(0") with 10 to 12 digits, or the North American "(555) 123-4567" — and a card
number by 13 to 19 digits that pass the Luhn check, or are written in four groups of
four (also when its security code follows). Dates, prices and order numbers have
none of these shapes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card number]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")
# A run of digits with the separators people type inside numbers.
_DIGITS = re.compile(r"(?<![\w+])(?:\+|\()?\d[\d ().-]{5,}\d(?![\w])")
# North American numbers: "(555) 123-4567", "555-123-4567", "1-800-555-0199".
_NANP = re.compile(r"^(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$")
# A card number followed by more digits (its security code, an expiry).
_CARD_FIRST = re.compile(r"^(\d{4}([ -])\d{4}\2\d{4}\2\d{4})(\D.*)$")
_FOUR_BY_FOUR = re.compile(r"^\d{4}([ -])\d{4}\1\d{4}\1\d{4}$")


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


def _kind(candidate: str) -> str | None:
    """PHONE, CARD or None (an ordinary number) for a run of digits and separators."""
    digits = re.sub(r"\D", "", candidate)
    stripped = candidate.strip()
    card_like = luhn_valid(digits) or _FOUR_BY_FOUR.match(stripped) is not None
    # A card before a phone: "+" never starts a card, and 16 Luhn-valid digits
    # starting with 0 are as likely a card as a number to ring.
    if 13 <= len(digits) <= 19 and card_like and not stripped.startswith("+"):
        return CARD
    if stripped.startswith("+") and 8 <= len(digits) <= 15:
        return PHONE
    if stripped.startswith(("0", "(0")) and 10 <= len(digits) <= 12:
        return PHONE
    if _NANP.match(stripped):
        return PHONE
    return None


def _number(candidate: str, found: Counter[str]) -> str:
    kind = _kind(candidate)
    if kind is not None:
        found[kind] += 1
        return kind
    card = _CARD_FIRST.match(candidate.strip())
    if card and luhn_valid(re.sub(r"\D", "", card.group(1))):
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
        return _number(match.group(0), found)

    masked = _EMAIL.sub(email, text)
    masked = _DIGITS.sub(number, masked)
    return Masked(masked, found)
