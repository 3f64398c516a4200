"""A person's name as vocloop may write it to an address nobody has confirmed."""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 40
MAX_WORDS = 4
JOINERS = "-'’"  # Anne-Marie, O'Brien, D’Arcy


def plain_name(text: str) -> str:
    """The name when it is a plain short name, else "": for the greeting of an email to an
    address that is not confirmed (a receipt to an address typed into a public form).

    Anyone can type anyone's address into a public form, and the name with it: the
    greeting ("Dear …") is then theirs to write to a stranger, in the organisation's
    voice ("Dear Your account will be closed, verify at http://…"). Reduced rather
    than left out, because nearly every real name passes and a customer is greeted
    as they introduced themselves: a name passes whole or not at all, and passes
    when it is at most four words and 40 characters of letters (any script, with
    their accents), each word possibly joined by a hyphen or an apostrophe. So no
    link, address, number, punctuation of a sentence or line break reaches the
    stranger; what could still pass is a few plain words, which carry nothing to
    click, call or reply to. Initials with a full stop ("J. Smith") do not pass: the
    greeting is then "Hello,", as for a customer who gave no name.
    """
    name = unicodedata.normalize("NFC", text).strip()
    if not name or len(name) > MAX_LENGTH:
        return ""
    words = name.split(" ")
    if len(words) > MAX_WORDS or not all(_plain_word(word) for word in words):
        return ""
    return name


def _plain_word(word: str) -> bool:
    """Letters (with their combining marks), joined at most by single hyphens or apostrophes."""
    if not word or not _letter(word[0]) or not _letter(word[-1]):
        return False
    previous = ""
    for char in word:
        if char in JOINERS:
            if previous in JOINERS:
                return False
        elif not (_letter(char) or unicodedata.category(char).startswith("M")):
            return False
        previous = char
    return True


def _letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")
