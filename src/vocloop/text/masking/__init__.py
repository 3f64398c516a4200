"""Personal data in what customers write, masked: contact details, payment and identity
numbers, IP addresses and dates of birth.

Customers write "call me on +44 7700 900123", paste a card number or their IBAN into a
complaint, or give their date of birth to be found. What staff read and what is
analysed gets placeholders instead; the original is kept only where the retention
setting says so (decided by the caller). Masked, each with its placeholder:

- emails, also disguised as "jo(at)example(dot)com" (addresses.py);
- phone numbers and card numbers, IBANs (numbers.py);
- US Social Security and UK National Insurance numbers, passport numbers, dates of
  birth (identities.py);
- IP addresses, IPv4 and IPv6 (addresses.py).

Ordinary numbers stay: "we ordered 250 units", "order 4471923", "£1,299.00",
"12/03/2026", "2026", "order 5551234567", "version 2.4.1". Each kind of personal data
is told from them by its shape (a "+" that dials abroad, four groups of four, a
country code and check digits), by a check that the digits pass (Luhn for a card,
mod 97 for an IBAN, the ranges of an SSN, 0–255 for the parts of an IPv4 address), or,
where the digits alone cannot tell, by a word right before it that says what it is: a
phone word before ten bare digits, "SSN" before nine, "passport" before a passport
number, "born" or "DOB" before a date. A number with none of these stays as written,
so that staff can still find the order, the invoice or the day it went wrong.

The text is read as NFKC-normalised, so that full-width "ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"
or full-width digits are found like their plain forms; what is replaced is what the
customer wrote (scan.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from vocloop.text.masking.addresses import claim_emails, claim_ip_addresses
from vocloop.text.masking.identities import claim_identities
from vocloop.text.masking.numbers import claim_ibans, claim_numbers, luhn_valid
from vocloop.text.masking.placeholders import (
    CARD,
    DATE_OF_BIRTH,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    NATIONAL_ID,
    PASSPORT,
    PHONE,
    PLACEHOLDERS,
)
from vocloop.text.masking.scan import Scan

__all__ = [
    "CARD",
    "DATE_OF_BIRTH",
    "EMAIL",
    "IBAN",
    "IP_ADDRESS",
    "NATIONAL_ID",
    "PASSPORT",
    "PHONE",
    "PLACEHOLDERS",
    "Masked",
    "luhn_valid",
    "mask",
]


@dataclass(frozen=True)
class Masked:
    text: str
    found: Counter[str] = field(default_factory=Counter)  # placeholder → how many

    @property
    def changed(self) -> bool:
        return bool(self.found)


def mask(text: str) -> Masked:
    """The text with personal data replaced, and what was found."""
    scan = Scan(text)
    # The most particular first: an email before the digits in it, an IBAN before a
    # card read in its digits, a passport number before a phone number read in it.
    claim_emails(scan)
    claim_ibans(scan)
    claim_ip_addresses(scan)
    claim_identities(scan)
    claim_numbers(scan)
    return Masked(scan.result(), scan.found)
