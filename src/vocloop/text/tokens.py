"""Words of a comment, lower-cased and lightly stemmed, shared by theme rules and similarity.

The stemmer only strips the commonest English endings and a final "e" or "y"
("invoices", "invoiced" → "invoic"; "charge", "charging" → "charg"; "deliveries",
"delivered" → "deliver"; "installation", "installed" → "install"): enough for "late
deliveries" to meet "delivery was late" without a dictionary, and cheap enough to
run on every comment. Both sides of any comparison go through the same function, so
an odd stem ("invoic") never matters.

Theme phrases are matched by `phrase_stem`, which leaves "-ly" alone: "friendly", "lately",
"timely" and "hardly" are words of their own, not forms of "friend", "late", "time"
and "hard", and a phrase must mean what its manager wrote. Similarity and discovery
keep `stem`, where "slowly" meeting "slow" helps and stored signatures depend on it.
"""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Words that say nothing about what a comment is about. Negations and "again" are
# kept on purpose: "not delivered" and "wrong again" are the point of a complaint.
_STOP_WORDS_TEXT = """
    a about above after all also am an and any are as at be been before being both by
    can could did do does doing for from further had has have having he her here hers
    him his how i i'm i've if in into is it it's its itself just me more most my myself
    of on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them then there these they this those through to
    too under until up very was we we're were what when where which while who whom why
    will with would you your yours yourself
    """
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def words(text: str) -> list[str]:
    """Lower-case word tokens; an apostrophe inside a word stays ("don't")."""
    return _WORD.findall(text.lower().replace("’", "'"))


# (ending, what replaces it, letters that must remain), tried in this order.
_Endings = tuple[tuple[str, str, int], ...]
_INFLECTIONS: _Endings = (
    ("ations", "", 4),
    ("ation", "", 4),
    ("ies", "y", 3),
    ("sses", "ss", 3),
    ("ing", "", 4),
    ("ed", "", 4),
    ("es", "e", 4),
    ("s", "", 3),
)
# "-edly" before "-ed" and "-ly" after it: "repeatedly" → "repeat", "quickly" → "quick".
_WITH_ADVERBS: _Endings = (
    *_INFLECTIONS[:5],
    ("edly", "", 4),
    ("ed", "", 4),
    ("ly", "", 4),
    *_INFLECTIONS[6:],
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Strip one common ending, "-ly" included; short words are left whole."""
    return _stem(word, _WITH_ADVERBS)


@functools.lru_cache(maxsize=65536)
def phrase_stem(word: str) -> str:
    """Like `stem`, but "friendly" stays apart from "friend" and "lately" from "late"."""
    return _stem(word, _INFLECTIONS)


def _stem(word: str, endings: _Endings) -> str:
    if len(word) <= 3 or word[-1].isdigit():
        return word
    if word.endswith("'s"):
        word = word[:-2]
    word = _strip_ending(word, endings)
    if word.endswith("e") and len(word) > 3:
        return word[:-1]
    # "delivery" meets "delivered", "policy" meets "policies".
    if word.endswith("y") and len(word) > 5 and word[-2] not in "aeiou":
        return word[:-1]
    return word


def _strip_ending(word: str, endings: _Endings) -> str:
    for ending, replacement, keep in endings:
        if word.endswith(ending) and len(word) - len(ending) >= keep:
            if ending == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(ending)] + replacement
    return word


def stems(text: str) -> list[str]:
    """Every word of the text, stemmed, in order (stop words included)."""
    return [stem(w) for w in words(text)]


def content_stems(text: str) -> list[str]:
    """The stems of the words that carry meaning, in order."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]
