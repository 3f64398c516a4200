"""Addresses that reach someone: emails, written plainly or disguised, and IP addresses.

An email is masked as written ("jo.smith+bills@example.co.uk") and when disguised
against robots: "jo(at)example(dot)com", "jo [at] example [dot] com", "jo @ example
dot com", "jo{at}example{dot}co{dot}uk". The bare words, "jo at example dot com", are
read as an address only when it is clearly one, as plain sentences have the same
words ("look at this dot com bubble", "I ordered it at shop dot com"):
- the word before "at" has letters and what only an address has, a digit, ".", "_"
  or "+" ("jo.smith at example dot com"), or a word such as "email", "mail",
  "contact", "write" or "reply" comes shortly before it in the same sentence ("email
  me: jo at example dot com");
- and the domain does not start with "this", "the", "my" …, and ends in a usual
  top-level domain. "jo at example dot com" alone stays: nothing in it says more
  than "look at this dot com" does.
"at" with literal dots, "at example.com", is how a sentence names a website.

An IP address is masked in its usual forms: IPv4 as four numbers from 0 to 255 joined
by dots ("192.168.1.20"), none written with a leading zero, and IPv6 as the standard
library reads it ("2001:db8::1", "fe80::1ff:fe23:4567:890a", "::ffff:192.0.2.1"). A
version number is not one: it has three parts ("2.4.1"), or a "v" before it
("v10.0.0.1"), or follows a word such as "version", "build", "release" or "firmware"
("version 10.0.0.1"). A time, "12:30:45", and a hardware address,
"00:1a:2b:3c:4d:5e", are not IPv6 addresses and stay.
"""

from __future__ import annotations

import ipaddress
import re

from vocloop.text.masking.placeholders import EMAIL, IP_ADDRESS
from vocloop.text.masking.scan import DIGIT, Scan

# Apostrophes are allowed in the local part ("jane.o'neil@…"), but do not start it,
# so that a quoted 'jo@example.com' keeps its quotes.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-][\w.+'’-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")

_BRACKETED_AT = re.compile(r"[(\[{<] *(?:at|@) *[)\]}>]", re.IGNORECASE)
_AT = r"\s*[(\[{<]\s*(?:at|@)\s*[)\]}>]\s*|\s+at\s+|\s*@\s*"
_DOT = r"\s*[(\[{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+dot\s+|\."
_DISGUISED = re.compile(
    rf"(?<![\w.+-])(?P<local>\w[\w.+-]*?)(?P<at>{_AT})"
    rf"(?P<domain>[a-z0-9-]+(?:(?:{_DOT})[a-z0-9-]+)*)(?:{_DOT})(?P<tld>[a-z]{{2,24}})\b",
    re.IGNORECASE,
)
_DOT_WORD = re.compile(r"\sdot\s", re.IGNORECASE)
_ADDRESS_ONLY = re.compile(r"[\d._+]")
_LETTER = re.compile(r"[^\W\d_]")
_EMAIL_WORD = re.compile(
    r"\b(?:e-?mail|mail|address|contact|write|reply)\w*\b[^.!?\n]*$", re.IGNORECASE
)
_EMAIL_WORD_REACH = 40
_NOT_A_DOMAIN = frozenset(
    (  # noqa: SIM905 (a word list reads best as one string)
        "this that the a an my your our their his her its some any every one another"
    ).split()
)
# The top-level domains a bare "… dot com" may end in: no English word ("at", "in",
# "it", "me", "no", "us" …), so that "… dot in the morning" is not one.
_USUAL_TLDS = frozenset(
    (  # noqa: SIM905
        "com net org edu gov info biz io co uk eu de fr nl es ch se dk fi pl pt ie au ca nz "
        "jp cn br ru"
    ).split()
)

# Four numbers of one to three digits joined by dots, and nothing more joined to them
# (found by the first digit, the character before it looked at only then).
_IPV4 = re.compile(
    DIGIT + r"(?<![\w.].)[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?!\w|\.[0-9])"
)
_VERSION_WORD = re.compile(
    r"\b(?:version|ver|v|build|release|firmware|software|update|patch|app)\W*$",
    re.IGNORECASE,
)
_VERSION_WORD_REACH = 20
# What an IPv6 address may be: hex digits and colons (two at least), perhaps ending in
# an IPv4 address; the standard library says whether it is one.
_IPV6 = re.compile(
    r"(?<![\w:.])(?=[0-9a-f.]*:[0-9a-f.]*:)"
    r"(?:[0-9a-f:]{2,30}?\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]{2,39})(?![\w:]|\.\d)",
    re.IGNORECASE,
)


def claim_emails(scan: Scan) -> None:
    if "@" in scan.text:
        for match in _EMAIL.finditer(scan.text):
            scan.claim(match.start(), match.end(), EMAIL)
    lowered = scan.lowered
    if "dot" in lowered or "@" in scan.text or _BRACKETED_AT.search(lowered):
        for match in _DISGUISED.finditer(scan.text):
            if _disguised(match):
                scan.claim(match.start(), match.end(), EMAIL)


def _disguised(match: re.Match[str]) -> bool:
    """Whether a disguised address is clearly one (see the module docstring)."""
    written = match.group(0)
    at = match.group("at").strip().lower()
    if at != "at" or any(bracket in written for bracket in "([{<"):
        return True
    # "at" and literal dots are how a sentence names a website: "we met at example.com".
    if not _DOT_WORD.search(written):
        return False
    if match.group("domain").split()[0].lower() in _NOT_A_DOMAIN:
        return False
    if match.group("tld").lower() not in _USUAL_TLDS:
        return False
    local = match.group("local")
    if _ADDRESS_ONLY.search(local) and _LETTER.search(local):  # not "bought 2 at …"
        return True
    before = match.string[max(0, match.start() - _EMAIL_WORD_REACH) : match.start()]
    return _EMAIL_WORD.search(before) is not None


def claim_ip_addresses(scan: Scan) -> None:
    text = scan.text
    if "::" in text or text.count(":") >= 6:
        for match in _IPV6.finditer(text):
            try:
                ipaddress.IPv6Address(match.group(0))
            except ValueError:
                continue
            scan.claim(match.start(), match.end(), IP_ADDRESS)
        text = scan.text
    for match in _IPV4.finditer(text):
        if all(_octet(part) for part in match.group(0).split(".")):
            before = text[max(0, match.start() - _VERSION_WORD_REACH) : match.start()]
            # A version stays as written, and is not read as a phone number either.
            version = _VERSION_WORD.search(before) is not None
            scan.claim(match.start(), match.end(), None if version else IP_ADDRESS)


def _octet(part: str) -> bool:
    return int(part) <= 255 and (part == "0" or not part.startswith("0"))
