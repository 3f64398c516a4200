"""Disguised email addresses and IP addresses are masked; sentences with the same words
and version numbers stay."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocloop.text.masking import EMAIL, IP_ADDRESS, mask


@pytest.mark.parametrize(
    "address",
    [
        "jo(at)example(dot)com",
        "jo (at) example (dot) com",
        "jo [at] example [dot] com",
        "JO [AT] EXAMPLE [DOT] COM",
        "jo{at}example{dot}co{dot}uk",
        "jo<at>example<dot>org",
        "jo(at)example.com",
        "jo [@] example [.] com",
        "jo @ example.com",
        "jo@example(dot)com",
        "jo @ example dot com",
        "jo at example (dot) com",
        "jo.smith at example dot com",
        "jsmith99 at mail dot example dot co dot uk",
    ],
)
def test_a_disguised_email_address_is_masked(address: str) -> None:
    assert mask(f"Reply to {address}, thanks.").text == f"Reply to {EMAIL}, thanks."
    assert mask(address).text == EMAIL


@pytest.mark.parametrize(
    "text",
    [
        "email me: jo at example dot com",
        "My e-mail address is jo at example dot com",
        "contact jo at example dot com",
        "Write to jo at example dot co dot uk",
    ],
)
def test_bare_at_and_dot_words_are_an_address_after_a_word_that_says_so(text: str) -> None:
    result = mask(text)
    assert result.found == {EMAIL: 1} and result.text.endswith(EMAIL)


@pytest.mark.parametrize(
    "text",
    [
        "jo at example dot com",  # no word says it is an address
        "Look at this dot com bubble.",
        "I ordered it at shop dot com and it never came.",
        "email me at home dot or work",  # "or" is no top-level domain
        "email me, I will look at the dot com page",
        "We met at example.com's office, as I wrote.",  # "at" and a literal dot: a website
        "The anecdote at the desk: dot the i's.",
        "Mail it to me at home, not at work.",
    ],
)
def test_sentences_with_at_and_dot_stay(text: str) -> None:
    assert mask(text).text == text


NAMES = st.from_regex(r"[a-z][a-z0-9]{1,12}", fullmatch=True)


@given(NAMES, NAMES, st.sampled_from(["com", "org", "net", "de"]), st.sampled_from("()[]{}"))
def test_any_address_with_bracketed_at_and_dot_is_masked(
    local: str, domain: str, tld: str, bracket: str
) -> None:
    opening, closing = {"(": "()", ")": "()", "[": "[]", "]": "[]", "{": "{}", "}": "{}"}[bracket]
    text = f"to {local}{opening}at{closing}{domain}{opening}dot{closing}{tld} please"
    assert mask(text).text == f"to {EMAIL} please"


@pytest.mark.parametrize(
    "address",
    [
        "192.168.1.20",
        "10.0.0.1",
        "8.8.8.8",
        "255.255.255.255",
        "0.0.0.0",
        "2001:db8::1",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "fe80::1ff:fe23:4567:890a",
        "::1",
        "::ffff:192.0.2.1",
        "2001:DB8::8A2E:370:7334",
    ],
)
def test_an_ip_address_is_masked(address: str) -> None:
    assert mask(f"Blocked from {address}.").text == f"Blocked from {IP_ADDRESS}."
    assert mask(f"(ip {address}, twice)").text == f"(ip {IP_ADDRESS}, twice)"


@given(st.integers(0, 2**32 - 1))
def test_every_ipv4_address_is_masked(number: int) -> None:
    assert mask(f"from {ipaddress.IPv4Address(number)} today").text == f"from {IP_ADDRESS} today"


@given(st.integers(0, 2**128 - 1), st.booleans())
def test_every_ipv6_address_is_masked_compressed_or_in_full(number: int, full: bool) -> None:
    address = ipaddress.IPv6Address(number)
    written = address.exploded if full else str(address)
    assert mask(f"from {written} today").text == f"from {IP_ADDRESS} today"


@pytest.mark.parametrize(
    "text",
    [
        "Updated to 2.4.1 and then 10.0.1.",  # versions of three parts
        "The app v10.0.0.1 crashed.",
        "version 10.0.0.1, build 1.2.3.4, firmware: 4.3.2.1, release 5.6.7.8",
        "Section 1.2.3.4.5 of the terms.",
        "Part 256.1.1.1 and 1.2.3.999.",  # a part over 255
        "It cost €1.200.000.000.",  # leading zeros: thousands, not an address
        "Between 12:30:45 and 13:00.",
        "Router 00:1a:2b:3c:4d:5e.",  # a hardware address
        "See std::vector and a::b::c.",
    ],
)
def test_version_numbers_times_and_amounts_are_not_ip_addresses(text: str) -> None:
    assert mask(text).text == text


@given(st.tuples(*[st.integers(0, 255)] * 4))
def test_four_numbers_after_the_word_version_stay(parts: tuple[int, ...]) -> None:
    text = "version {}.{}.{}.{}".format(*parts)
    assert mask(text).text == text
