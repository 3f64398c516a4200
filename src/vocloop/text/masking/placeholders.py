"""What staff and analysis read instead of what masking hid: one placeholder per kind."""

from __future__ import annotations

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card number]"
IBAN = "[iban]"
NATIONAL_ID = "[national id]"  # a US Social Security or UK National Insurance number
PASSPORT = "[passport number]"
IP_ADDRESS = "[ip address]"
DATE_OF_BIRTH = "[date of birth]"

PLACEHOLDERS = (EMAIL, PHONE, CARD, IBAN, NATIONAL_ID, PASSPORT, IP_ADDRESS, DATE_OF_BIRTH)
