"""Comments that say the same thing, found by MinHash signatures of their canonical terms.

A case page says "N other customers said something similar in the last 30 days", so
paraphrases of one problem must meet while different problems stay apart:

- `terms` keeps what identifies a comment's problem: customer-service synonyms meet
  on one canonical word ("invoice is incorrect" → bill, wrong), generic sentiment
  and filler go ("terrible service, invoice wrong" is the invoice problem of
  "invoice wrong, great agent"), and a negation joins the word it negates ("never
  arrived" → not+arrive), so it differs from "arrived".
- `signature` hashes the terms into NUM_HASHES MinHash values (blake2b-derived,
  never Python's salted `hash()`: stored signatures stay comparable across
  processes); `band_keys` cuts it into bands for locality-sensitive lookup, so a new
  comment is compared only with the groups sharing a band. `Grouper` does that in
  memory for bulk passes in time order; the database does it with the keys.

Known limits: comments with more than 8 distinct terms are compared by 16 positions,
a standard error of about 0.125 at 0.5, so such a pair near the threshold may fall
either side; the synonym table is hand-written for customer-service vocabulary and
knows nothing of a domain's jargon.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import re
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache

from vocloop.text.masking import PLACEHOLDERS
from vocloop.text.tokens import STOP_WORDS, stem, words
from vocloop.text.vocabulary import (
    BREAKS,
    EXPECTED,
    FILLER,
    NEGATED_MEANS,
    NEGATING_PHRASES,
    NEGATORS,
    SYNONYMS,
    VERDICTS,
    is_redaction,
)

# 8 bands of 2 rows: comments of resemblance s share a band with probability
# 1 − (1 − s²)⁸: 0.28 at s = 0.2, 0.53 at 0.3, 0.90 at 0.5, 0.97 at 0.6, 0.995 at 0.7.
# (One row per band would make all comments sharing one common word candidates.) 16
# values, not 12: a 4-term comment shows all its terms 96 % of the time, not 87 % (see
# `resemblance`), recall at 0.5 is 0.90, not 0.82, and 128 characters fit the column.
NUM_HASHES = 16
BANDS = 8
ROWS = NUM_HASHES // BANDS

# At 0.5 half the canonical terms of the two comments are shared: "invoice wrong
# again" meets "the invoice is incorrect" (2 of 3), while "the invoice amount is
# wrong" stays apart from "I never received the invoice" (1 of 4).
SIMILAR_FROM = 0.5

Signature = tuple[int, ...]

NEGATED = "not+"

# The words `tokens.words` finds, and the punctuation that ends a clause: a negation
# does not reach past it ("Not great. The invoice is wrong" is not "not invoice").
# One pass over the text, as `terms` runs on every comment.
_TOKENS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.!?;:,()\n]")

# What a word does: its kind, the terms it adds, the terms it adds when negated, its
# stem, and the phrases that start with it. Decided once per word, then looked up.
_BREAK, _STOP, _FILL, _NEGATE, _TERM = range(5)
_Terms = tuple[str, ...]
_Action = tuple[int, _Terms, _Terms, str, "list[_Phrase] | None"]
_Phrase = tuple[tuple[str, ...], _Action]  # the stems of its words, what it does


def _stems_of(phrase: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(phrase))


def _adds(term: str) -> _Terms:
    # That an expected thing did not come is said as "not+arrive", however worded.
    if term.startswith(NEGATED) and term[len(NEGATED) :] in EXPECTED:
        return term[len(NEGATED) :], NEGATED + "arrive"
    return (term,)


def _negated(term: str, meaning: str | None = None) -> _Terms:
    meaning = meaning or NEGATED_MEANS.get(term)
    if meaning:
        return _adds(meaning)
    return _adds(term if term.startswith(NEGATED) else NEGATED + term)


def _build_tables() -> tuple[dict[str, str], dict[str, str], dict[str, list[_Phrase]]]:
    exact: dict[str, str] = {}
    by_stem: dict[str, str] = {}
    ambiguous: set[str] = set()
    phrases: dict[str, list[_Phrase]] = {}
    for canonical, entries in SYNONYMS.items():
        for entry in entries.split(","):
            stems = _stems_of(entry)
            if len(stems) > 1:
                action = (_TERM, _adds(canonical), _negated(canonical), "", None)
                phrases.setdefault(stems[0], []).append((stems, action))
                continue
            exact[entry.strip()] = canonical
            if by_stem.setdefault(stems[0], canonical) != canonical:
                ambiguous.add(stems[0])  # "delivery" and "delivered": only as listed
    for entry in NEGATING_PHRASES.split(","):
        stems = _stems_of(entry)
        phrases.setdefault(stems[0], []).append((stems, (_NEGATE, (), (), "", None)))
    for found in phrases.values():
        found.sort(key=lambda p: -len(p[0]))  # the longest phrase wins
    return exact, {s: c for s, c in by_stem.items() if s not in ambiguous}, phrases


_NEGATED_BY_STEM = {stem(w): m for w, m in NEGATED_MEANS.items()}
_EXACT, _BY_STEM, _PHRASES = _build_tables()
_ACTIONS: dict[str, _Action] = {}
_ACTIONS_KEPT = 200_000  # words remembered; reference numbers must not grow it forever


def _action(word: str) -> _Action:
    if len(_ACTIONS) >= _ACTIONS_KEPT:
        _ACTIONS.clear()
    s = stem(word)
    phrases = _PHRASES.get(s)
    if word in BREAKS or not word[0].isalnum():
        action: _Action = (_BREAK, (), (), s, None)
    elif word in STOP_WORDS:
        action = (_STOP, (), (), s, phrases)
    elif word.replace("'", "") in NEGATORS or word.endswith("n't"):
        action = (_NEGATE, (), (), s, phrases)
    elif word in FILLER or len(word) < 2 or any(c.isdigit() for c in word) or is_redaction(word):
        action = (_FILL, (), (), s, phrases)
    elif word not in _EXACT and (word in VERDICTS or s in VERDICTS):
        # A verdict says nothing, negated or not ("not happy"), unless it is listed
        # as meaning something when negated ("not friendly" is rude).
        meaning = _NEGATED_BY_STEM.get(s)
        action = (_TERM, (), _adds(meaning) if meaning else (), s, phrases)
    else:
        term = _EXACT.get(word) or _BY_STEM.get(s, s)
        action = (_TERM, _adds(term), _negated(term, _NEGATED_BY_STEM.get(s)), s, phrases)
    _ACTIONS[word] = action
    return action


# A negation reaches over at most this many filler words to the word it negates.
_NEGATION_REACH = 3


def terms(text: str) -> frozenset[str]:
    """The canonical content terms of a comment: what identifies its problem."""
    if "[" in text:
        for placeholder in PLACEHOLDERS:
            text = text.replace(placeholder, " ")
    tokens = _TOKENS.findall(text.lower().replace("’", "'"))
    found: set[str] = set()
    negated, reach = False, 0
    i, n = 0, len(tokens)
    while i < n:
        action = _ACTIONS.get(tokens[i]) or _action(tokens[i])
        i += 1
        if action[4] is not None:
            phrase = _phrase_at(tokens, i, action[4])
            if phrase is not None:
                size, action = phrase
                i += size - 1
        kind = action[0]
        if kind == _TERM:
            found.update(action[2] if negated else action[1])
            negated = False
        elif kind == _STOP:
            continue
        elif kind == _FILL:
            reach += 1
            negated = negated and reach <= _NEGATION_REACH
        elif kind == _NEGATE:
            negated, reach = True, 0
        else:
            negated = False
    return frozenset(found)


def _phrase_at(tokens: list[str], after: int, phrases: list[_Phrase]) -> tuple[int, _Action] | None:
    """The longest phrase whose first word is just before `after` and the rest follow."""
    for stems, action in phrases:
        end = after + len(stems) - 1
        if end <= len(tokens) and all(
            (_ACTIONS.get(tokens[k]) or _action(tokens[k]))[3] == stems[k - after + 1]
            for k in range(after, end)
        ):
            return len(stems), action
    return None


# --- Hashing ------------------------------------------------------------------------
# Each position holds the identity (a 32-bit hash) of the term that comes first under
# that position's permutation, not the permuted value: two comments agree at a
# position as often as with classic MinHash (the resemblance), and for a short
# comment the distinct values are its terms themselves, which `resemblance` uses.

_PRIME = (1 << 61) - 1  # a Mersenne prime: a·x + b mod p permutes 0 … p − 1
_MASK32 = 0xFFFFFFFF


def _stable_int(data: bytes, person: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, person=person).digest(), "big")


def _coefficients(person: bytes, count: int) -> tuple[tuple[int, int], ...]:
    """Fixed a, b of universal hashes a·x + b mod p, the same in every process."""
    return tuple(
        (
            _stable_int(b"a%d" % i, person) % (_PRIME - 1) + 1,
            _stable_int(b"b%d" % i, person) % _PRIME,
        )
        for i in range(count)
    )


_COEFFICIENTS = _coefficients(b"vocloop-minhash", NUM_HASHES)


@lru_cache(maxsize=1 << 17)
def _term_ranks(term: str) -> tuple[int, ...]:
    """Per position, the term's permuted value with its identity in the low 32 bits."""
    x = _stable_int(term.encode(), b"vocloop-term")
    identity, x = x & _MASK32, x % _PRIME
    return tuple((((a * x + b) % _PRIME) << 32) | identity for a, b in _COEFFICIENTS)


def signature(text: str) -> Signature | None:
    """NUM_HASHES MinHash values of the comment's terms; None when it has none."""
    found = terms(text)
    if not found:
        return None
    ranks = [_term_ranks(t) for t in found]
    return tuple([m & _MASK32 for m in map(min, zip(*ranks, strict=True))])


# Per band, a universal hash of its values; a band's own coefficients keep equal
# values at different positions apart.
_BAND_COEFFICIENTS = _coefficients(b"vocloop-band", BANDS)


def band_keys(sig: Signature) -> tuple[int, ...]:
    """One key per band, each a non-negative int below 2⁶¹ (fits a BIGINT column)."""
    _check(sig)
    keys = []
    for band, (a, b) in enumerate(_BAND_COEFFICIENTS):
        x = 0
        for value in sig[band * ROWS : (band + 1) * ROWS]:
            x = (x << 32) | value
        keys.append((a * x + b) % _PRIME)
    return tuple(keys)


# A signature with at most this many distinct values most likely shows every term of
# its comment, so two short comments are compared by their term sets exactly; longer
# ones by agreeing positions (unbiased). Simulated on pairs of 2–5 terms: true
# resemblance ≤ 1/3 never reaches 0.5 (3.5 % by positions alone), ≥ 0.6 falls below in
# 1.6 % (4.3 %); on 4–9 terms: 0.1 % and 2.6 % (3.0 % and 3.1 %).
EXACT_UP_TO = NUM_HASHES // 2


def resemblance(a: Signature, b: Signature) -> float:
    """The estimated Jaccard resemblance of the two comments' terms, 0 … 1."""
    _check(a)
    _check(b)
    terms_a, terms_b = set(a), set(b)
    if len(terms_a) <= EXACT_UP_TO and len(terms_b) <= EXACT_UP_TO:
        return len(terms_a & terms_b) / len(terms_a | terms_b)
    return sum(x == y for x, y in zip(a, b, strict=True)) / NUM_HASHES


def _check(sig: Signature) -> None:
    if len(sig) != NUM_HASHES:
        raise ValueError(f"a signature has {NUM_HASHES} values, not {len(sig)}")


_ENCODED = re.compile(rf"[0-9a-f]{{{8 * NUM_HASHES}}}")


def encode(sig: Signature) -> str:
    """8 lower-case hex digits per value: 128 characters."""
    _check(sig)
    return "".join(f"{v:08x}" for v in sig)


def decode(s: str) -> Signature:
    if not _ENCODED.fullmatch(s):
        raise ValueError(f"not an encoded signature: {s[:40]!r}")
    return tuple(int(s[i : i + 8], 16) for i in range(0, len(s), 8))


# --- Grouping in memory ---------------------------------------------------------------


@dataclass
class _Group:
    sig: Signature
    keys: tuple[int, ...]
    last_seen: dt.datetime


class Grouper:
    """In-memory leader clustering within a time window, for bulk passes in time order.

    A comment joins the live group whose leader (first comment) it most resembles, or
    leads a new one. Groups are found through their band keys, so `find` compares a
    comment with a handful of candidates, not with every group.
    """

    def __init__(
        self, *, window: dt.timedelta = dt.timedelta(days=30), threshold: float = SIMILAR_FROM
    ):
        self.window = window
        self.threshold = threshold
        self._groups: dict[Hashable, _Group] = {}
        self._by_key: dict[int, set[Hashable]] = {}
        # One (time, tie-breaker, group id) per group, the time at most its last_seen:
        # a touch does not reorder it, eviction re-files a group touched since.
        self._expiry: list[tuple[dt.datetime, int, Hashable]] = []
        self._pushed = 0

    def __len__(self) -> int:
        return len(self._groups)

    def find(self, sig: Signature, at: dt.datetime) -> Hashable | None:
        """The live group this signature belongs to, or None."""
        since = at - self.window
        best: Hashable | None = None
        best_score, best_seen = self.threshold, None
        candidates: set[Hashable] = set()
        for key in band_keys(sig):
            candidates.update(self._by_key.get(key, ()))
        for group_id in candidates:
            group = self._groups[group_id]
            if group.last_seen < since:
                continue
            score = resemblance(sig, group.sig)
            if score > best_score or (
                score == best_score and (best_seen is None or group.last_seen > best_seen)
            ):
                best, best_score, best_seen = group_id, score, group.last_seen
        return best

    def add(self, group_id: Hashable, sig: Signature, at: dt.datetime) -> None:
        """A new group, led by this signature."""
        if group_id in self._groups:
            raise ValueError(f"group {group_id!r} already exists")
        keys = band_keys(sig)
        self._groups[group_id] = _Group(sig, keys, at)
        for key in keys:
            self._by_key.setdefault(key, set()).add(group_id)
        self._push(at, group_id)

    def touch(self, group_id: Hashable, at: dt.datetime) -> None:
        """A member joined the group at this time: it stays live a window longer."""
        group = self._groups[group_id]
        group.last_seen = max(group.last_seen, at)

    def evict(self, before: dt.datetime) -> int:
        """Forget the groups last seen before this time; how many were forgotten."""
        evicted = 0
        while self._expiry and self._expiry[0][0] < before:
            _, _, group_id = heapq.heappop(self._expiry)
            group = self._groups[group_id]
            if group.last_seen >= before:
                self._push(group.last_seen, group_id)  # touched since it was filed
                continue
            del self._groups[group_id]
            for key in group.keys:
                ids = self._by_key[key]
                ids.discard(group_id)
                if not ids:
                    del self._by_key[key]
            evicted += 1
        return evicted

    def _push(self, at: dt.datetime, group_id: Hashable) -> None:
        self._pushed += 1
        heapq.heappush(self._expiry, (at, self._pushed, group_id))
