"""Numbers and dates that say who someone is: national identity and passport numbers,
and dates of birth.

- A US Social Security number written as "123-45-6789" is one wherever it stands; nine
  bare or spaced digits ("123456789", "123 45 6789") only right after a word that says
  so — "SSN", "social security (number)", "soc sec", "SS #" — as nine digits are just
  as often an order or a parcel. Numbers no one is given are not one: an area of 000,
  666 or 900–999, a group of 00, a serial of 0000.
- A UK National Insurance number is two letters, six digits and a letter A–D, spaced
  or not ("AB 12 34 56 C", "AB123456C"); the first letter is not D, F, I, Q, U or V,
  the second not D, F, I, O, Q, U or V, and BG, GB, KN, NK, NT, TN and ZZ are never
  issued. Without its final letter it is six digits after two letters, like a
  reference, and stays.
- A passport number is 6 to 10 letters and digits, with at least four digits, right
  after the word "passport" ("passport no. 123456789", "passport: X1234567"); with no
  such word nothing tells it from a reference.
- A date of birth is a date right after "born", "DOB", "date of birth", "birth date"
  or "birthday" (with "on", "is", "the", a colon … between): "12/03/1985",
  "1985-03-12", "12th of March 1985", "March 12, 1985", "March 1985". Every other date
  stays, and so does a year alone, "born in 1985": it tells an age, which staff may
  need, and identifies no one.
"""

from __future__ import annotations

import re

from vocloop.text.masking.placeholders import DATE_OF_BIRTH, NATIONAL_ID, PASSPORT
from vocloop.text.masking.scan import DIGIT, Scan

_SSN_DASHED = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$")
_SSN_LOOSE = re.compile(r"^(\d{3})[ -]?(\d{2})[ -]?(\d{4})$")
_SSN_WORD = re.compile(
    r"\b(?:ssn|ss|soc\.? ?sec\.?|social security|social)"
    r"(?:\W+(?:number|num|nr|no|is|was|my))*\W*$",
    re.IGNORECASE,
)

# Found by its digits, the letters before them looked at only then (see numbers.py).
_NATIONAL_INSURANCE = re.compile(
    DIGIT + r"[0-9]"
    r"(?:(?<=(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2})|(?<=(?<![A-Za-z0-9])[A-Za-z]{2} [0-9]{2}))"
    r" ?[0-9]{2} ?[0-9]{2} ?[A-Da-d](?![A-Za-z0-9])"
)
_NOT_FIRST, _NOT_SECOND = set("DFIQUV"), set("DFIOQUV")
_NOT_ISSUED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

_PASSPORT = re.compile(
    r"\bpassport(?:\s*(?:number|num|nr|no|id|is|was|[:#.-]))*\s*"
    r"(?P<number>(?=(?:[A-Za-z]*\d){4})[A-Za-z0-9]{6,10})(?![A-Za-z0-9])",
    re.IGNORECASE,
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?(?!\d)"
_DATE = (
    rf"\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d\d)"  # 12/03/1985, 12.03.85
    rf"|\d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}"  # 1985-03-12
    rf"|{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+\d{{4}})?"  # 12th of March 1985, 12 March
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?"  # March 12, 1985
    rf"|{_MONTH},?\s+\d{{4}}"  # March 1985
)
_DATE_OF_BIRTH = re.compile(
    r"\b(?:born|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|b-?day)"
    r"(?:\s*(?:is|was|on|in|of|the|my|[:=#,(-]))*\s*"
    rf"(?P<date>(?:{_DATE}))(?![\w/])",
    re.IGNORECASE,
)
_BIRTH_WORDS = ("born", "birth", "dob", "d.o.b", "bday", "b-day")


def ssn_valid(area: str, group: str, serial: str) -> bool:
    issued_area = area not in ("000", "666") and not area.startswith("9")
    return issued_area and group != "00" and serial != "0000"


def ssn_in_digits(candidate: str, before: str) -> bool:
    """Whether a run of nine digits is a Social Security number, `before` being the
    text that comes before it."""
    match = _SSN_DASHED.match(candidate)
    if match is None and _SSN_WORD.search(before):
        match = _SSN_LOOSE.match(candidate)
    return match is not None and ssn_valid(*match.groups())


def claim_identities(scan: Scan) -> None:
    """Dates of birth, National Insurance and passport numbers; the numbers read in
    digits (SSNs) are numbers.py's."""
    if any(word in scan.lowered for word in _BIRTH_WORDS):
        for match in _DATE_OF_BIRTH.finditer(scan.text):
            scan.claim(match.start("date"), match.end("date"), DATE_OF_BIRTH)
    text = scan.text
    for match in _NATIONAL_INSURANCE.finditer(text):
        begin = match.start() - (3 if text[match.start() - 1] == " " else 2)
        letters = text[begin : begin + 2].upper()
        if letters[0] in _NOT_FIRST or letters[1] in _NOT_SECOND or letters in _NOT_ISSUED:
            continue
        scan.claim(begin, match.end(), NATIONAL_ID)
    if "passport" in scan.lowered:
        for match in _PASSPORT.finditer(scan.text):
            scan.claim(match.start("number"), match.end("number"), PASSPORT)
