"""An IBAN is masked whole, never half read as a card number; one that fails its check
stays as written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocloop.text.masking import CARD, IBAN, mask
from vocloop.text.masking.numbers import IBAN_LENGTHS, iban_valid

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A valid IBAN of any country that issues them: its check digits computed."""
    country = draw(st.sampled_from(sorted(IBAN_LENGTHS)))
    size = IBAN_LENGTHS[country] - 4
    account = draw(st.text(ALPHANUMERIC, min_size=size, max_size=size))
    moved = account + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02}{account}"


def grouped(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


@pytest.mark.parametrize(
    "written",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "gb82 west 1234 5698 7654 32",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NO93 8601 1117 947",
        "BE68-5390-0754-7034",
    ],
)
def test_a_valid_iban_is_masked_whole(written: str) -> None:
    result = mask(f"Please refund to {written}, thanks.")
    assert result.text == f"Please refund to {IBAN}, thanks."
    assert result.found == {IBAN: 1}


@given(ibans(), st.booleans())
def test_every_valid_iban_is_masked_whole_grouped_in_fours_or_not(iban: str, group: bool) -> None:
    assert iban_valid(iban)
    written = grouped(iban) if group else iban
    assert mask(f"IBAN {written} please").text == f"IBAN {IBAN} please"


@given(ibans(), st.data())
def test_an_iban_with_a_mistyped_digit_is_left_whole_never_read_as_a_card(
    iban: str, data: st.DataObject
) -> None:
    at = data.draw(st.sampled_from([i for i, c in enumerate(iban) if i >= 2 and c.isdigit()]))
    typed = data.draw(st.sampled_from("0123456789".replace(iban[at], "")))
    mistyped = iban[:at] + typed + iban[at + 1 :]
    # mod 97 catches every mistyped digit.
    assert not iban_valid(mistyped)
    text = f"IBAN {grouped(mistyped)} please"
    assert mask(text).text == text


def test_the_digits_of_an_iban_are_not_a_card_number() -> None:
    # The 18 digits after "DE89" pass the Luhn check; they were once masked as a card.
    result = mask("DE89 3704 0044 0532 0130 00 and 4111 1111 1111 1111")
    assert result.text == f"{IBAN} and {CARD}"


@pytest.mark.parametrize(
    "text",
    [
        "Reference XX89 3704 0044 0532 0130 00",  # no such country
        "DE89 3704 0044 0532 0130 0012 too long",
        "Order DE8937040044053201300",  # a character short
        "ID DE89370400440532013000X",  # part of a longer code
        "Model AB12 and 34 units",
    ],
)
def test_codes_that_are_not_an_iban_stay(text: str) -> None:
    assert IBAN not in mask(text).text
