"""The start of a long text where there is no room for all of it: cut between words."""

from __future__ import annotations

import pytest

from vocloop.lib.excerpts import excerpt


def test_a_text_that_fits_is_left_whole():
    assert excerpt("I expect a refund", 17) == "I expect a refund"


def test_a_start_read_one_character_past_the_room_and_ending_in_a_space_is_cut():
    # Read from the database with one character more than the inbox shows.
    start = "Please escalate this "
    assert excerpt(start, len(start) - 1) == "Please escalate…"


def test_a_long_text_is_cut_after_the_last_whole_word_with_an_ellipsis():
    assert excerpt("I expect a refund or a credit note", 20) == "I expect a refund…"


def test_a_cut_that_falls_between_words_keeps_the_last_word():
    assert excerpt("I expect a refund or a credit note", 18) == "I expect a refund…"


def test_punctuation_left_dangling_at_the_cut_goes():
    assert excerpt("Late again, and nobody called back", 14) == "Late again…"


def test_a_first_word_longer_than_half_the_room_is_cut_where_the_room_ends():
    assert excerpt("https://example.com/a/very/long/path and more", 12) == "https://exa…"


@pytest.mark.parametrize("limit", range(1, 60))
def test_an_excerpt_never_exceeds_its_room_and_is_the_start_of_the_text(limit):
    text = "Took three calls, two weeks and a complaint to get the router replaced."
    shown = excerpt(text, limit)
    assert len(shown) <= limit
    assert text.startswith(shown.removesuffix("…"))
    assert shown.endswith("…") == (len(text) > limit)
