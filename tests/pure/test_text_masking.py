"""Personal data in comments is masked; ordinary numbers are left as they are.

Phone and card numbers here, with the table of what every kind must mask and must
leave, and what holds for all kinds (counting, masking twice, full-width characters);
each kind in detail in test_text_masking_identities.py (SSN, NI, passport, date of
birth), test_text_masking_addresses.py (disguised emails, IP addresses) and
test_text_masking_iban.py.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocloop.text.masking import (
    CARD,
    DATE_OF_BIRTH,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    NATIONAL_ID,
    PASSPORT,
    PHONE,
    PLACEHOLDERS,
    luhn_valid,
    mask,
)

# What each new kind must mask, in a sentence as customers write it.
MUST_MASK = [
    ("My SSN is 123-45-6789, please check.", f"My SSN is {NATIONAL_ID}, please check."),
    ("SSN: 123456789", f"SSN: {NATIONAL_ID}"),
    ("social security number 123 45 6789", f"social security number {NATIONAL_ID}"),
    ("My NI number is AB 12 34 56 C.", f"My NI number is {NATIONAL_ID}."),
    ("NINO AB123456C", f"NINO {NATIONAL_ID}"),
    ("Refund to DE89 3704 0044 0532 0130 00 please", f"Refund to {IBAN} please"),
    ("IBAN: GB82WEST12345698765432.", f"IBAN: {IBAN}."),
    ("passport no. 123456789 was kept", f"passport no. {PASSPORT} was kept"),
    ("Passport: X1234567", f"Passport: {PASSPORT}"),
    ("blocked from 192.168.1.20 at login", f"blocked from {IP_ADDRESS} at login"),
    ("my IP is 2001:db8::8a2e:370:7334", f"my IP is {IP_ADDRESS}"),
    ("I was born on 12/03/1985.", f"I was born on {DATE_OF_BIRTH}."),
    ("DOB: 1985-03-12", f"DOB: {DATE_OF_BIRTH}"),
    ("date of birth 12th of March 1985", f"date of birth {DATE_OF_BIRTH}"),
    ("my birthday is March 12, 1985", f"my birthday is {DATE_OF_BIRTH}"),
    ("Write to jo(at)example(dot)com", f"Write to {EMAIL}"),
    ("jo [at] example [dot] com", EMAIL),
    ("email me: jo at example dot com", f"email me: {EMAIL}"),
    ("ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", EMAIL),
    ("call ０７７００ ９００１２３", f"call {PHONE}"),
]

# What must stay as written: ordinary numbers, amounts, dates and versions, and
# sentences that have the words but not the data.
MUST_STAY = [
    "Order 4471923 of 12/03/2026 cost £1,299.00; refund of €129.90 on 2026-03-14.",
    "Invoice 123-45-678 and part 12-345-6789 are wrong.",
    "Order 123456789 arrived on 01.02.2026.",
    "Not an SSN: 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000.",
    "Reference AB123456 and flight BA 2490 on 12 March.",
    "Code GB123456A is not a National Insurance number, nor QQ123456C.",
    "Reference DE89 3704 0044 0532 0130 01 fails the check.",
    "Passport control took 45 minutes; my passport expires in 2031.",
    "The app, version 10.0.0.1, then v10.0.0.1 and 2.4.1; build 1.2.3.4.",
    "Section 1.2.3.4.5; €1.200.000.000; times 12:30:45; 00:1a:2b:3c:4d:5e.",
    "Delivered on 12/03/2026, March 14, 2026 and 15th of March 2026.",
    "I was born in 1985; a birthday cake arrived on 12/03/2026.",
    "Look at this dot com bubble; I ordered it at shop dot com.",
    "jo at example dot com",
    "We met at example.com's office.",
]


@pytest.mark.parametrize(("text", "expected"), MUST_MASK)
def test_each_kind_of_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask(text).text == expected


@pytest.mark.parametrize("text", MUST_STAY)
def test_ordinary_numbers_dates_and_words_stay(text: str) -> None:
    result = mask(text)
    assert result.text == text and not result.changed


@pytest.mark.parametrize(("text", "expected"), MUST_MASK)
def test_masking_twice_changes_nothing_more(text: str, expected: str) -> None:
    again = mask(mask(text).text)
    assert again.text == expected and not again.changed


def full_width(text: str) -> str:
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


@pytest.mark.parametrize(("text", "expected"), MUST_MASK)
def test_full_width_text_is_masked_like_its_plain_form(text: str, expected: str) -> None:
    result = mask(full_width(text))
    assert result.found == mask(text).found
    # What is not masked stays as written, in full width.
    shown = full_width(expected)
    for placeholder in PLACEHOLDERS:
        shown = shown.replace(full_width(placeholder), placeholder)
    assert result.text == shown


def test_what_is_masked_is_the_span_as_written_around_characters_that_normalise_longer() -> None:
    # "…" is three characters once normalised and "½" three: the spans after them move.
    text = "Oh… ½ price? Call +44 7700 900123 or ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ … thanks"
    assert mask(text).text == f"Oh… ½ price? Call {PHONE} or {EMAIL} … thanks"


def test_digits_of_other_scripts_are_read_as_digits() -> None:
    assert mask("call ٠٧٧٠٠ ٩٠٠١٢٣ today").text == f"call {PHONE} today"
    assert mask("order ٤٤٧١٩٢٣").text == "order ٤٤٧١٩٢٣"


ORDINARY = st.one_of(
    st.integers(1, 99_999_999).map(lambda n: f"order {n}"),
    st.integers(1, 9_999).map(lambda n: f"{n} units"),
    st.decimals(0, 99_999, places=2).map(lambda a: f"£{a:,}"),
    st.dates().map(lambda d: f"{d:%d/%m/%Y}"),
    st.dates().map(lambda d: f"{d:%Y-%m-%d}"),
    st.dates().map(lambda d: f"delivered on {d:%d %B %Y}"),
    st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)).map(
        lambda v: "version {}.{}.{}".format(*v)
    ),
)


@given(st.lists(ORDINARY, min_size=1, max_size=6))
def test_no_sentence_of_orders_amounts_dates_and_versions_is_masked(parts: list[str]) -> None:
    text = "; ".join(parts) + "."
    assert mask(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to jo.smith+bills@example.co.uk please", f"Write to {EMAIL} please"),
        ("Mail: ANNA_K@mail-host.com.", f"Mail: {EMAIL}."),
        ("Call me on +44 7700 900123 after six", f"Call me on {PHONE} after six"),
        ("ring +1 (415) 555-0134", f"ring {PHONE}"),
        ("my mobile is 07700 900123", f"my mobile is {PHONE}"),
        ("office (030) 1234 5678, thanks", f"office {PHONE}, thanks"),
        ("landline 01 23 45 67 89", f"landline {PHONE}"),
        ("card 4111 1111 1111 1111 was charged twice", f"card {CARD} was charged twice"),
        ("card 4111-1111-1111-1111", f"card {CARD}"),
        ("number 5500005555555559 again", f"number {CARD} again"),
        ("amex 378282246310005", f"amex {CARD}"),
        ("mistyped 1234 5678 9012 3456", f"mistyped {CARD}"),
        ("Reply to jane.o'neil@example.com today", f"Reply to {EMAIL} today"),
        ("quoted 'jo@example.com' here", f"quoted '{EMAIL}' here"),
        ("tel: 0044 20 7946 0958", f"tel: {PHONE}"),
        ("ring 001 415 555 0134 anytime", f"ring {PHONE} anytime"),
        ("mastercard 5500 0000 0000 0004", f"mastercard {CARD}"),
        ("amex 3782 822463 10005 expired", f"amex {CARD} expired"),
        ("(07700 900123)", f"({PHONE})"),
        ("office +44 (0)20 7946 0958", f"office {PHONE}"),
    ],
)
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert mask(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "We ordered 250 units and 1200 arrived.",
        "Order 4471923 is still missing.",
        "Invoice INV-2026-004512 charged £1,299.00 instead of £129.90.",
        "Delivered on 12/03/2026, not 01.02.2026 as promised.",
        "Reference VL-2026-000123, version 3.11.7, 2026.",
        "Tracking number 1Z999AA10123456784.",
        "Customer since 2014; 15 years of loyalty; 99.5% uptime promised.",
        "Account 12345678 at branch 40-20-10.",
        "Order number 1234567890123 (13 digits) was lost.",
        "We were customers in the years 2018 2019 2020 2021.",
        "Invoices for 2018-2019-2020-2021 and 1999 2000 2001 2002 2003.",
        "Order 5551234567 never arrived; invoice 15551234567 is wrong.",
        "Please call me about order 5551234567.",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    result = mask(text)
    assert result.text == text and not result.changed


def test_what_was_found_is_counted() -> None:
    result = mask("a@b.io, c@d.io, +33 6 12 34 56 78 and 4111111111111111")
    assert result.found == {EMAIL: 2, PHONE: 1, CARD: 1}
    assert result.text == f"{EMAIL}, {EMAIL}, {PHONE} and {CARD}"


def test_what_was_found_is_counted_for_every_kind() -> None:
    text = (
        "jo(at)example(dot)com, SSN 123-45-6789, NI AB 12 34 56 C, from 10.1.2.3, "
        "born 1/2/1990, passport 123456789, DE89 3704 0044 0532 0130 00, 2001:db8::1"
    )
    assert mask(text).found == {
        EMAIL: 1,
        NATIONAL_ID: 2,
        IP_ADDRESS: 2,
        DATE_OF_BIRTH: 1,
        PASSPORT: 1,
        IBAN: 1,
    }


def test_the_luhn_check() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=200))
def test_text_without_digits_or_at_signs_is_unchanged(text: str) -> None:
    if "@" not in text:
        assert mask(text).text == text


@given(st.integers(min_value=0, max_value=99_999_999))
def test_no_plain_count_of_up_to_eight_digits_is_masked(number: int) -> None:
    text = f"We received {number} items."
    assert mask(text).text == text


def test_north_american_numbers_a_card_with_its_code_and_two_numbers_in_a_row_are_masked() -> None:
    assert mask("Call (555) 123-4567 or 555-123-4567").text == "Call [phone] or [phone]"
    assert mask("card 4111 1111 1111 1111 123 exp").text == "card [card number] 123 exp"
    assert mask("ring 020 7946 0958 020 7946 0959").text == "ring [phone] [phone]"
    assert mask("we counted 1 2 3 4 5 6 7 8 9 10").text == "we counted 1 2 3 4 5 6 7 8 9 10"


def test_an_aside_after_a_number_is_not_read_as_part_of_it() -> None:
    # 4111111111111111 (13) would be a card swallowing the "(13"; only the card goes.
    text = "card 4111111111111111 (13 charges) and order 1234567890123 (13 digits)"
    assert mask(text).text == f"card {CARD} (13 charges) and order 1234567890123 (13 digits)"


def test_years_in_four_groups_are_not_a_card_even_when_they_pass_the_luhn_check() -> None:
    assert luhn_valid("2017201820192020") and not luhn_valid("2018201920202021")
    for text in ("2017 2018 2019 2020", "2018 2019 2020 2021", "2017-2018-2019-2020"):
        assert mask(f"years {text}").text == f"years {text}"
    # Groups that are not all years are still a (perhaps mistyped) card.
    assert mask("2017 2018 2019 3020").text == CARD


def test_a_bare_run_of_ten_or_eleven_digits_is_a_phone_only_after_a_phone_word() -> None:
    assert mask("call 5551234567").text == f"call {PHONE}"
    assert mask("Call me back on 5551234567.").text == f"Call me back on {PHONE}."
    assert mask("my mobile number is 15551234567").text == f"my mobile number is {PHONE}"
    assert mask("Tel.: 5551234567").text == f"Tel.: {PHONE}"
    # Without one it is as likely an order or account number, which staff need.
    assert mask("5551234567").text == "5551234567"
    assert mask("Order 5551234567, call me").text == "Order 5551234567, call me"
    # A phone word does not make a shorter or longer number a phone.
    assert mask("call 555123456").text == "call 555123456"
    assert mask("call 555123456789").text == "call 555123456789"


@pytest.mark.serial
def test_a_longest_comment_of_spaced_digits_is_masked_at_once() -> None:
    # 5,000 characters (the longest comment) of "1 1 1 …": once tried at every space.
    began = time.perf_counter()
    assert not mask("1 " * 2500).changed
    assert time.perf_counter() - began < 0.2
