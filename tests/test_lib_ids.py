"""Ids as forms and query strings send them: a number or nothing, never an exception."""

import pytest

from vocloop.lib.ids import MAX_DIGITS, id_from


@pytest.mark.parametrize(("text", "expected"), [("7", 7), ("0042", 42), ("9" * 18, 10**18 - 1)])
def test_it_reads_ascii_digits_as_the_id_they_name(text: str, expected: int) -> None:
    assert id_from(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "²",  # a digit to str.isdigit(), not to int()
        "1²",
        "٣",  # an Arabic-Indic three, which int() would read as 3
        "３",  # a full-width three
        "9" * (MAX_DIGITS + 1),  # past a 64-bit id column
        "",
        " 7",
        "-1",
        "+1",
        "1.0",
        "abc",
    ],
)
def test_anything_else_names_no_id(text: str) -> None:
    assert id_from(text) is None
