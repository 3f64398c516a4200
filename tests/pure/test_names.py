"""A name written to an unconfirmed address: plain short names pass whole, anything else
not at all."""

from __future__ import annotations

import pytest

from vocloop.lib.names import plain_name

INJECTION = "Your account will be closed, verify at http://evil.example/login"


@pytest.mark.parametrize(
    "name",
    [
        "Ada",
        "O'Brien",
        "Anne-Marie",
        "José",
        "Jose\u0301",  # the same, with a combining accent
        "李雷",
        "D’Arcy Smith",
        "Jan van der Berg",
        "Zoë Ångström",
        "Ольга Петрова",
        "अनिल",  # vowel signs are combining marks
    ],
)
def test_an_ordinary_name_passes_whole(name):
    assert plain_name(f"  {name} ") in {name, "José"}


@pytest.mark.parametrize(
    "name",
    [
        INJECTION,
        "Your account will be closed",  # five words
        "Visit evil.example",
        "http://evil.example",
        "Call 0800 123 456",
        "Ada2",
        "Ada\nVerify your account",
        "Ada\r\nBcc: x@example.com",
        "Ada\tLovelace",
        "Ada  Lovelace",  # a run of spaces
        "ada@example.com",
        "J. Smith",
        "Anne--Marie",
        "-Ada",
        "Ada'",
        "Ada\u202eevil",  # a right-to-left override
        "A" * 41,
        "",
        "   ",
    ],
)
def test_anything_else_gives_no_name(name):
    assert plain_name(name) == ""
