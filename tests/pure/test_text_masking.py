"""Personal data in comments is masked; ordinary numbers are left as they are."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocloop.text.masking import CARD, EMAIL, PHONE, luhn_valid, mask


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
