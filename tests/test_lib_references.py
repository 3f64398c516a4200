"""A reference is written one way and every reference written is one the pages accept."""

from __future__ import annotations

import re

import pytest

from vocloop.lib.references import REFERENCE_PATTERN, reference_format


def test_a_reference_has_its_year_and_a_six_digit_number() -> None:
    assert reference_format(2026, 123) == "VL-2026-000123"
    assert reference_format(2031, 1) == "VL-2031-000001"


def test_a_number_past_six_digits_is_written_whole() -> None:
    assert reference_format(2026, 1_234_567) == "VL-2026-1234567"


@pytest.mark.parametrize("number", [1, 999_999, 1_000_000, 999_999_999])
def test_every_reference_written_is_one_the_pattern_accepts(number: int) -> None:
    assert re.fullmatch(REFERENCE_PATTERN, reference_format(2026, number))


@pytest.mark.parametrize("text", ["VL-2026-12", "VL-26-000001", "vl-2026-000001", "VL-2026-"])
def test_what_vocloop_never_writes_is_not_a_reference(text: str) -> None:
    assert re.fullmatch(REFERENCE_PATTERN, text) is None
