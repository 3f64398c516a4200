"""Numbers to ring or pay with: phone numbers, card numbers, IBANs, and SSNs read in digits.

A phone number is told from an ordinary number by its shape — an international "+"
or "00" prefix with 8 to 15 digits after it, or a national number starting with 0
(or "(0") with 10 to 12 digits, or the North American "(555) 123-4567" — and a card
number by 13 to 19 digits that pass the Luhn check, or are written in four groups of
four (a mistyped card is still most of a card; also when its security code follows).
Four groups that are all years, "2018 2019 2020 2021", are not a card even when they
pass the check: no card scheme issues 16-digit numbers beginning 19 or 20.

A bare run of 10 or 11 digits ("5551234567") is a phone number only right after a
word that says so — "call", "phone", "tel", "mobile", "text" …, perhaps followed by
"me on", "number is" and the like. Without one it stays: ten and eleven digits are
just as often an order, invoice or account number, which staff need to find the
order, and nothing in the digits tells the two apart. A US Social Security number is
read here too (identities.py says when).

A number is only the digits and separators that belong to it: a bracket that opens
but does not close around a few digits, as in "1234567890123 (13 digits)", ends it.

An IBAN is a country code, two check digits and the account (11 to 30 letters and
digits), in groups of four or not: masked whole when its country is one that issues
IBANs, its length that country's, and it passes the mod-97 check, so that its digits
are never half read as a card number. One that fails the check is left as written,
whole — as likely a reference of the same shape as a mistyped IBAN.
"""

from __future__ import annotations

import re

from vocloop.text.masking.identities import ssn_in_digits
from vocloop.text.masking.placeholders import CARD, IBAN, NATIONAL_ID, PHONE
from vocloop.text.masking.scan import DIGIT, Scan

# A run of digits with the separators people type inside numbers. Brackets count
# only around a few digits, closed — "(030)", "+44 (0)20" — so an aside that
# follows a number, "(13 digits)", is not read as part of it. It starts with its
# first character, "+", "(" or a digit, and only then looks at the one before it:
# the regex engine skips fast to where a number may start (scan.py has the digits
# of every script in ASCII).
_DIGITS = re.compile(
    r"[+(0-9](?<![\w+].)(?:(?<=\+)[0-9]|(?<=\()[0-9]{1,5}\) ?[0-9]|(?<=[0-9]))"
    r"(?:[0-9 .-]|\([0-9]{1,5}\)){5,}[0-9](?!\w)"
)
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
_WORD_REACH = 40  # characters before a number searched for a word that says what it is
_TWO_NUMBERS_UP_TO = 64  # characters: two of the longest numbers, spaced

# An IBAN's check digits with its country code before them (looked at only once the
# digits are found: see _DIGITS), and the account after them with the single spaces
# or hyphens people group it with; cut to the country's length when checked.
_IBAN = re.compile(
    DIGIT + r"[0-9](?<=(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2})(?:[ -]?[A-Za-z0-9]){11,30}"
)
# The length of an IBAN in each country that issues them (ISO 13616 registry).
IBAN_LENGTHS = {
    "NO": 15,
    "BE": 16,
    **dict.fromkeys(("DK", "FI", "FK", "FO", "GL", "NL", "SD"), 18),
    **dict.fromkeys(("MK", "SI"), 19),
    **dict.fromkeys(("AT", "BA", "EE", "KZ", "LT", "LU", "MN", "XK"), 20),
    **dict.fromkeys(("CH", "HR", "LI", "LV"), 21),
    **dict.fromkeys(("BG", "BH", "CR", "DE", "GB", "GE", "IE", "ME", "RS", "VA"), 22),
    **dict.fromkeys(("AE", "GI", "IL", "IQ", "OM", "SO", "TL"), 23),
    **dict.fromkeys(("AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG"), 24),
    **dict.fromkeys(("LY", "PT", "ST"), 25),
    **dict.fromkeys(("IS", "TR"), 26),
    **dict.fromkeys(("BI", "DJ", "FR", "GR", "IT", "MC", "MR", "SM"), 27),
    **dict.fromkeys(("AL", "AZ", "BY", "CY", "DO", "GT", "HN", "HU", "LB", "NI", "PL", "SV"), 28),
    **dict.fromkeys(("BR", "EG", "PS", "QA", "UA"), 29),
    **dict.fromkeys(("JO", "KW", "MU", "YE"), 30),
    **dict.fromkeys(("MT", "SC"), 31),
    "LC": 32,
    "RU": 33,
}


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


def iban_valid(compact: str) -> bool:
    """The mod-97 check of an IBAN written without spaces."""
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def claim_ibans(scan: Scan) -> None:
    text = scan.text
    for match in _IBAN.finditer(text):
        begin = match.start() - 2
        candidate = text[begin : match.end()]
        length = IBAN_LENGTHS.get(candidate[:2].upper())
        if length is None:
            continue
        # Where the country's length ends in what was written: right before a
        # separator or the end, or the IBAN is only the start of a longer word.
        seen, end = 0, None
        for at, char in enumerate(candidate):
            if char.isalnum():
                seen += 1
                if seen == length:
                    end = at + 1
                    break
        if end is None or candidate[end : end + 1].isalnum():
            continue
        compact = re.sub(r"[ -]", "", candidate[:end]).upper()
        valid = iban_valid(compact)
        scan.claim(begin, begin + end, IBAN if valid else None)


def _card(number: str, digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or _YEARS.match(number):
        return False
    return luhn_valid(digits) or _FOUR_BY_FOUR.match(number) is not None


def _kind(candidate: str, before: str = "") -> str | None:
    """PHONE, CARD, NATIONAL_ID or None (an ordinary number) for a run of digits and
    separators, `before` being the text that comes before it."""
    candidate = candidate.strip()
    digits = re.sub(r"\D", "", candidate)
    # "+" and "00" dial abroad: a number to ring, never a card.
    if candidate.startswith("+"):
        return PHONE if 8 <= len(digits) <= 15 else None
    if candidate.startswith("00") and 8 <= len(digits) - 2 <= 15:
        return PHONE
    if len(digits) == 9 and ssn_in_digits(candidate, before):
        return NATIONAL_ID
    # A card before a national phone number: 16 Luhn-valid digits starting with 0
    # are as likely a card as a number to ring.
    if _card(candidate, digits):
        return CARD
    if candidate.startswith(("0", "(0")) and 10 <= len(digits) <= 12:
        return PHONE
    if _NANP.match(candidate):
        return PHONE
    if 10 <= len(digits) <= 11 and _PHONE_WORD.search(before):
        return PHONE
    return None


def _number(candidate: str, before: str) -> list[tuple[int, int, str]]:
    """The spans of a run of digits that are personal data, and what each is."""
    kind = _kind(candidate, before)
    if kind is not None:
        return [(0, len(candidate), kind)]
    card = _CARD_FIRST.match(candidate)
    if card and _card(card.group(1), re.sub(r"\D", "", card.group(1))):
        return [(0, card.end(1), CARD)]
    # Two numbers written one after the other ("020 7946 0958 020 7946 0959"): split
    # where both halves have a shape of their own. No two are longer than this, and a
    # longer run ("1 2 3 …" of thousands) would be tried at every space.
    if len(candidate) > _TWO_NUMBERS_UP_TO:
        return []
    for at in (i for i, char in enumerate(candidate) if char == " "):
        left, right = _kind(candidate[:at]), _kind(candidate[at + 1 :])
        if left is not None and right is not None:
            return [(0, at, left), (at + 1, len(candidate), right)]
    return []


def claim_numbers(scan: Scan) -> None:
    text = scan.text
    for match in _DIGITS.finditer(text):
        before = text[max(0, match.start() - _WORD_REACH) : match.start()]
        for start, end, kind in _number(match.group(0), before):
            scan.claim(match.start() + start, match.start() + end, kind)
