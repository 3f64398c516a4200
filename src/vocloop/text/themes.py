"""Which themes a comment is about, by the phrases the quality manager gave each theme.

A phrase matches when all its meaningful words occur close together, in any order
and any inflection: "late delivery" matches "the delivery was two days late" and
"deliveries are always late". Words match whole words only, and a word derived with
"-ly" is another word: "friend" does not match "friendly", nor "late" "lately" or
"latest" (see `tokens.phrase_stem`). A phrase's little words (the, to, it, very) may
be missing from the comment, but not those that carry its meaning: "too" ("too
often" is a complaint, "often" is not) and a particle that ends the phrase or is
hyphenated to it ("logs out" is not "log", "set-up" is not "set").

One-word keywords are weaker evidence than phrases,
and several different phrases of a theme are stronger than one. A phrase preceded
by a negation ("the delivery was not late") does not count. A theme that matches
also counts for its parent themes, so a parent's figures include its children's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from vocloop.text.tokens import STOP_WORDS, phrase_stem, words

KEYWORD_CONFIDENCE = 0.7
PHRASE_CONFIDENCE = 0.9
# Words of a phrase may sit this many words further apart than the phrase is long:
# "delivery … was two days … late".
SLACK = 4
# Only a negated statement ("was not late", "isn't friendly"): "no", "never" and
# "without" usually name the problem itself ("no parking", "never arrived").
NEGATIONS = frozenset(
    {"not", "isn't", "wasn't", "aren't", "weren't", "don't", "doesn't", "didn't", "hardly"}
)
# "not late", "not very friendly"; further away a negation is usually about something
# else ("could not find the datasheet" is still about documentation).
NEGATION_REACH = 2


@dataclass(frozen=True)
class ThemeRule:
    key: str
    phrases: tuple[str, ...]
    parent: str | None = None


@dataclass(frozen=True)
class ThemeMatch:
    confidence: float
    phrases: tuple[str, ...]  # the phrases that matched; empty for an inherited parent


# Stop words that change what a phrase means when they end it or are hyphenated to
# the word before: "logs out", "price went up", "set-up", "single sign-on". Before a
# noun they only link ("slow on mobile" is the mobile app being slow).
PARTICLES = frozenset({"up", "out", "on", "in", "over"})
_HYPHENATED = re.compile(r"(?<=[a-z0-9])-([a-z]+)")


def phrase_stems(phrase: str) -> tuple[str, ...]:
    """The words of a phrase that must occur; stop words only when they carry its meaning
    (or nothing else is left)."""
    tokens = words(phrase)
    hyphenated = set(_HYPHENATED.findall(phrase.lower()))
    last = len(tokens) - 1

    def carries_meaning(k: int, word: str) -> bool:
        if word not in STOP_WORDS or word == "too":
            return True
        return word in PARTICLES and k > 0 and (k == last or word in hyphenated)

    meaningful = [phrase_stem(w) for k, w in enumerate(tokens) if carries_meaning(k, w)]
    return tuple(meaningful or [phrase_stem(w) for w in tokens])


@dataclass(frozen=True)
class _Phrase:
    theme: str
    text: str
    stems: tuple[str, ...]


class ThemeMatcher:
    def __init__(self, rules: Iterable[ThemeRule]):
        self.parents: dict[str, str | None] = {}
        self._by_stem: dict[str, list[_Phrase]] = defaultdict(list)
        for rule in rules:
            self.parents[rule.key] = rule.parent
            for text in rule.phrases:
                stems = phrase_stems(text)
                if stems:
                    # Indexed by its first word: each phrase is tried only where that occurs.
                    self._by_stem[stems[0]].append(_Phrase(rule.key, text, stems))

    def __bool__(self) -> bool:
        return bool(self._by_stem)

    def match(self, text: str) -> dict[str, ThemeMatch]:
        tokens = words(text)
        stems = [phrase_stem(w) for w in tokens]
        found: dict[str, list[_Phrase]] = defaultdict(list)
        for i, s in enumerate(stems):
            for phrase in self._by_stem.get(s, ()):
                if phrase in found[phrase.theme] or not self._near(phrase, stems, i):
                    continue
                if any(t in NEGATIONS for t in tokens[max(0, i - NEGATION_REACH) : i]):
                    continue
                found[phrase.theme].append(phrase)
        matches: dict[str, ThemeMatch] = {}
        for theme, phrases in found.items():
            if not phrases:
                continue
            doubt = 1.0
            for phrase in phrases:
                doubt *= 1 - (PHRASE_CONFIDENCE if len(phrase.stems) > 1 else KEYWORD_CONFIDENCE)
            matches[theme] = ThemeMatch(round(1 - doubt, 4), tuple(p.text for p in phrases))
        return self.with_parents(matches)

    def with_parents(self, matches: dict[str, ThemeMatch]) -> dict[str, ThemeMatch]:
        """Each matched theme's ancestors, as sure as their surest child."""
        result = dict(matches)
        for theme, match in matches.items():
            parent, seen = self.parents.get(theme), {theme}
            while parent is not None and parent not in seen:
                seen.add(parent)
                held = result.get(parent)
                if held is None or held.confidence < match.confidence:
                    result[parent] = ThemeMatch(match.confidence, held.phrases if held else ())
                parent = self.parents.get(parent)
        return result

    @staticmethod
    def _near(phrase: _Phrase, stems: list[str], start: int) -> bool:
        rest = phrase.stems[1:]
        if not rest:
            return True
        reach = len(phrase.stems) + SLACK
        window = stems[max(0, start - reach) : start + reach + 1]
        return all(s in window for s in rest)
