"""National identity and passport numbers and dates of birth are masked; numbers and
dates of the same shape without what makes them one stay."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocloop.text.masking import DATE_OF_BIRTH, NATIONAL_ID, PASSPORT, mask

VALID_AREA = st.integers(1, 899).filter(lambda a: a != 666)
VALID_GROUP = st.integers(1, 99)
VALID_SERIAL = st.integers(1, 9999)


def ssn(area: int, group: int, serial: int, sep: str = "-") -> str:
    return f"{area:03}{sep}{group:02}{sep}{serial:04}"


@given(VALID_AREA, VALID_GROUP, VALID_SERIAL)
def test_a_social_security_number_with_dashes_is_masked_wherever_it_stands(
    area: int, group: int, serial: int
) -> None:
    assert mask(f"Mine is {ssn(area, group, serial)}.").text == f"Mine is {NATIONAL_ID}."


@given(
    st.one_of(
        st.tuples(st.sampled_from([0, 666, *range(900, 1000)]), VALID_GROUP, VALID_SERIAL),
        st.tuples(VALID_AREA, st.just(0), VALID_SERIAL),
        st.tuples(VALID_AREA, VALID_GROUP, st.just(0)),
    )
)
def test_numbers_no_one_is_given_are_not_social_security_numbers(parts: tuple[int, ...]) -> None:
    text = f"SSN {ssn(*parts)}"
    assert mask(text).text == text


@given(VALID_AREA, VALID_GROUP, VALID_SERIAL, st.sampled_from(["", " "]))
def test_nine_bare_digits_are_a_social_security_number_only_after_a_word_that_says_so(
    area: int, group: int, serial: int, sep: str
) -> None:
    number = ssn(area, group, serial, sep)
    for word in ("SSN", "SSN #:", "my social security number is", "Soc Sec", "SS#", "social"):
        assert mask(f"{word} {number}").text == f"{word} {NATIONAL_ID}"
    for text in (f"Order {number}", f"parcel {number} arrived", number):
        assert mask(text).text == text


@pytest.mark.parametrize(
    "number", ["AB 12 34 56 C", "AB123456C", "ab123456c", "JG 10 37 56 D", "AB 123456 A"]
)
def test_a_national_insurance_number_is_masked_spaced_or_not(number: str) -> None:
    assert mask(f"NI: {number}.").text == f"NI: {NATIONAL_ID}."


ALLOWED_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
ALLOWED_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NOT_ISSUED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


@given(
    st.sampled_from(ALLOWED_FIRST),
    st.sampled_from(ALLOWED_SECOND),
    st.integers(0, 999_999),
    st.sampled_from("ABCD"),
)
def test_every_national_insurance_number_of_the_rules_is_masked(
    first: str, second: str, digits: int, suffix: str
) -> None:
    number = f"{first}{second}{digits:06}{suffix}"
    expected = number if first + second in NOT_ISSUED else NATIONAL_ID
    assert mask(number).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "DA123456A",  # D never first
        "AO123456A",  # O never second
        "QQ123456C",
        "GB123456A",  # never issued
        "AB123456E",  # the last letter is A to D
        "AB123456",  # without it, a reference
        "XAB123456C",  # part of a longer code
        "AB1234567C",
    ],
)
def test_codes_outside_the_national_insurance_rules_stay(text: str) -> None:
    assert mask(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("passport no. 123456789", f"passport no. {PASSPORT}"),
        ("Passport Number: C01X00T47.", f"Passport Number: {PASSPORT}."),
        ("my passport number is X1234567", f"my passport number is {PASSPORT}"),
        ("PASSPORT # 12AB34567", f"PASSPORT # {PASSPORT}"),
        # A passport number starting with 0 is not read as a phone number.
        ("passport 0123456789", f"passport {PASSPORT}"),
    ],
)
def test_a_passport_number_after_the_word_passport_is_masked(text: str, expected: str) -> None:
    assert mask(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Passport control took 45 minutes.",
        "My passport expired in 2026.",
        "passport photos: 4, for £12.50",
        "passport office ABCDEFGH",  # no digits
        "X1234567 without the word",
    ],
)
def test_without_a_passport_number_right_after_the_word_nothing_is_masked(text: str) -> None:
    assert mask(text).text == text


DATE_FORMATS = [
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%y",
    "%Y-%m-%d",
    "%d %B %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%B %Y",
]
BIRTH_WORDS = ["born", "born on", "DOB:", "D.O.B.", "date of birth", "Birth date:", "birthday is"]


@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)),
    st.sampled_from(DATE_FORMATS),
    st.sampled_from(BIRTH_WORDS),
)
def test_a_date_after_a_word_of_birth_is_masked_and_every_other_date_stays(
    day: dt.date, form: str, word: str
) -> None:
    date = day.strftime(form)
    assert mask(f"I was {word} {date}.").text == f"I was {word} {DATE_OF_BIRTH}."
    for other in (f"delivered on {date}", f"ordered {date}, born in {day.year}"):
        assert mask(other).text == other


def test_a_date_far_from_the_word_of_birth_stays() -> None:
    for text in (
        "Happy Birthday from every staff member on 12 March 2026.",
        "The birthday cake arrived on 12/03/2026.",
        "born and raised here; delivered 12/03/2026",
    ):
        assert mask(text).text == text


def test_a_date_of_birth_is_masked_as_one_not_read_with_the_number_after_it() -> None:
    # "01.02.1985 12" would be ten digits starting with 0: a phone number's shape.
    assert mask("born 01.02.1985 12 years ago").text == f"born {DATE_OF_BIRTH} 12 years ago"
