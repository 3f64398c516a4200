"""The words sentiment is read from: VADER's lexicon, vocloop's adjustments, and the
organisation's own vocabulary.

VADER's lexicon (shipped with its package) gives about 7,500 words a valence from −4
to 4. vocloop adjusts it for feedback (`DEFAULTS`, each with its reason), and reads a
few phrases VADER has no word for: what went wrong in service (`PROBLEMS`: nobody
called back, never arrived, still waiting, had to call three times) and what went
right (`SUCCESSES`: called back within the hour, fixed first time, as promised). An
organisation adds its own `Vocabulary`: names (brands, products, places, @handles)
that carry no sentiment, so that "Superb Broadband" or "Joy Airlines" is not praise,
and words that mean something else in its trade ("sick" meaning great), with the
valence they carry there or none; it may switch off or override any default.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

MAX_VALENCE = 4.0  # VADER's scale: −4 (most negative) … 4 (most positive)
MAX_TERM_LENGTH = 60

GROUPS = {
    "politeness": "The formulae of a request are politeness, not praise",
    "business": "What a business sells and does, named, is the subject, not a feeling",
    "expectation": "What was promised is an expectation, not praise",
    "service": "Words for service that VADER's lexicon lacks",
    "numbers": "A number is an amount or a count, not texting slang",
}


@dataclass(frozen=True)
class Adjustment:
    """One word vocloop reads otherwise than VADER does, and why."""

    word: str
    valence: float | None  # None: carries no sentiment
    group: str  # a key of GROUPS


def _none(group: str, words: str) -> tuple[Adjustment, ...]:
    return tuple(Adjustment(w, None, group) for w in words.split())


DEFAULTS: tuple[Adjustment, ...] = (
    *_none("politeness", "please kindly thanks thank hope appreciate appreciated agreed"),
    # "customer support", "credit report", "interest rate", "rewards card".
    *_none(
        "business",
        "support supported supporting credit credits care interest share security secure "
        "reward rewards benefit benefits save",
    ),
    # "I was promised a call back": what the customer expected, kept or not.
    *_none("expectation", "promised promise assured"),
    # VADER reads 187 as "murder" and 143 as "I love you": "charged £187" is neither.
    *_none("numbers", "86 143 182 187 1337 1432"),
    *(
        Adjustment(word, valence, "service")
        for word, valence in {
            "unhelpful": -1.8, "slow": -1.0, "stranded": -1.8, "pointless": -1.5,
            "polite": 1.8, "professional": 1.5, "knowledgeable": 1.5,
            "prompt": 1.2, "promptly": 1.2, "quick": 1.0, "smooth": 1.5, "seamless": 1.5,
        }.items()
    ),
)  # fmt: skip
DEFAULT_WORDS = {a.word: a for a in DEFAULTS}


def vader_valence(word: str) -> float | None:
    """The valence VADER's own lexicon gives a word, None if it has none."""
    return _vader_lexicon().get(word.lower())


@functools.cache
def _vader_lexicon() -> dict[str, float]:
    return dict(SentimentIntensityAnalyzer().lexicon)


@dataclass(frozen=True)
class Vocabulary:
    """An organisation's words: names with no sentiment, words with the one they carry here.

    `words` maps a word or short phrase (lower case) to its valence on VADER's scale,
    or None for none; one of DEFAULTS given here overrides vocloop's adjustment.
    `switched_off` names defaults not applied: VADER's own valence holds for them.
    """

    names: tuple[str, ...] = ()
    words: tuple[tuple[str, float | None], ...] = ()
    switched_off: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for term, valence in self.words:
            if valence is not None and not -MAX_VALENCE <= valence <= MAX_VALENCE:
                raise ValueError(
                    f"“{term}”: a valence lies between −{MAX_VALENCE:g} and {MAX_VALENCE:g}, "
                    f"not {valence:g}."
                )
        for term in (*self.names, *(t for t, _ in self.words)):
            if not term.strip() or len(term) > MAX_TERM_LENGTH:
                raise ValueError(f"A name or word has 1 to {MAX_TERM_LENGTH} characters: {term!r}.")

    def valences(self) -> dict[str, float | None]:
        """Every term read otherwise than VADER reads it: defaults in force, then the words."""
        found: dict[str, float | None] = {
            a.word: a.valence for a in DEFAULTS if a.word not in self.switched_off
        }
        found.update((term.lower(), valence) for term, valence in self.words)
        return found


DEFAULT_VOCABULARY = Vocabulary()


@dataclass(frozen=True)
class PhraseRule:
    """Words VADER has no valence for that say what went wrong (or right) in service.

    `anchors`: words or phrases one of which every match contains (words as `_WORDS`
    splits a lower-cased text; phrases with single spaces, "had to"). A clause without
    any is not searched: these patterns cost about as much as VADER itself, and most
    clauses have none of their words.
    """

    name: str
    example: str
    pattern: str
    anchors: str  # comma-separated


_N = r"(?:two|three|four|five|six|seven|eight|nine|ten|several|multiple|numerous|many|\d+)"
_RECEIVED = (
    r"(?:arrived?|received?|heard|hear|called?|rang|ring|phoned?|replied|reply|responded|"
    r"respond|answered|answer|delivered|deliver|refunded|refund|fixed|fix|resolved|resolve|"
    r"returned|return|turned up|turn up|showed up|show up|got back|get back|gotten back|"
    r"credited|processed|honou?red|sent|send)"
)
# Every phrase of _NOT holds one of these words.
_NOT_WORDS = (
    "not, didn, didnt, haven, havent, hasn, hasnt, hadn, hadnt, wasn, wasnt, weren, werent, "
    "isn, isnt, aren, arent, yet, failed"
)
_NOT = (
    r"(?:didn[’']?t|did not|haven[’']?t|have not|hasn[’']?t|has not|hadn[’']?t|had not|"
    r"wasn[’']?t|was not|weren[’']?t|were not|isn[’']?t|is not|aren[’']?t|are not|"
    r"still not|not yet|yet to|failed to)"
)
_CONTACT = r"(?:call|ring|phone|chase|contact|email|write|explain|complain|escalate|repeat)"

PROBLEMS: tuple[PhraseRule, ...] = (
    PhraseRule(
        "nobody did what they should",
        "nobody called back; no one replied",
        r"\b(?:nobody|no[- ]one)\s+(?:(?:has|had|have|ever|even|actually|bothered to)\s+){0,2}"
        r"(?:called|call|rang|ring|phoned|phone|got back|get back|came|come|turned up|"
        r"showed up|answered|answer|replied|reply|responded|respond|wrote|emailed|"
        r"contacted|explained|returned|followed up|seemed to care|cared)\b",
        "nobody, noone, no one, no-one",
    ),
    PhraseRule(
        "never arrived, never heard",
        "the refund never arrived; never got a reply",
        rf"\bnever\s+(?:(?:been|actually|even|once|ever)\s+){{0,2}}{_RECEIVED}\b|"
        r"\bnever\s+(?:got|received|had)\s+(?:a\s+|an\s+|any\s+|my\s+|our\s+|the\s+)?"
        r"(?:reply|response|call|call ?back|refund|answer|update|email|confirmation|apology|"
        r"explanation|money|parcel|package|order|delivery|letter)\b",
        "never",
    ),
    PhraseRule(
        "not done, not yet",
        "it hasn't arrived; I didn't hear back; yet to receive",
        rf"\b{_NOT}\s+(?:(?:been|be|even|yet|ever|actually|once)\s+){{0,2}}{_RECEIVED}\b",
        _NOT_WORDS,
    ),
    PhraseRule(
        "still waiting",
        "still waiting; still no refund; waited three weeks",
        r"\bstill\s+(?:(?:been|am|are|is|was|were)\s+)?(?:waiting|no|nothing|unresolved|"
        r"outstanding|pending|broken|chasing|without|unpaid|missing)\b|"
        r"\b(?:waiting|waited)\s+(?:for\s+)?(?:over\s+|more than\s+|nearly\s+|almost\s+)?"
        rf"(?:{_N}\s+)?(?:hours|days|weeks|months|an hour|ages|forever)\b",
        "still, waiting, waited",
    ),
    PhraseRule(
        "having to chase",
        "had to call three times; took me three calls; called them five times",
        rf"\b(?:had|have|has|having|needed|need)\s+to\s+(?:keep\s+)?{_CONTACT}\w*\b|"
        r"\btook\s+(?:me\s+|us\s+)?(?:\w+\s+)?(?:phone\s+)?(?:calls|emails|attempts|visits|"
        r"letters|tries|chasers)\b|"
        rf"\b{_N}\s+(?:more\s+)?(?:phone\s+)?(?:calls|chasers|attempts|emails)\b|"
        r"\b(?:called|rang|phoned|emailed|chased|contacted|written|wrote|complained)\s+"
        rf"(?:them\s+|you\s+|again\s+|back\s+|in\s+)?{_N}\s+(?:times|occasions)\b|"
        # Not "chase" alone: Chase is a bank.
        r"\bchas(?:ed|ing)\b|\bchase\s+(?:them|him|her|it|this|up|after)\b|"
        r"\bagain\s+and\s+again\b|\bover\s+and\s+over\b",
        (
            "had to, have to, has to, having to, needed to, need to, took, calls, chasers, "
            "attempts, emails, called, rang, phoned, emailed, chased, contacted, written, wrote, "
            "complained, chasing, chase, again and again, over and over"
        ),
    ),
    PhraseRule(
        "kept waiting, passed around",
        "on hold for an hour; transferred three times; hung up on me",
        r"\bon\s+hold\s+for\s+(?:over\s+|more than\s+|nearly\s+|almost\s+|about\s+|around\s+)?"
        r"(?:an?\s+hour|hours|ages|forever|\d+\s*(?:hours?|minutes|mins)|\w+\s+(?:hours|minutes))\b|"
        r"\b(?:kept|left)\s+(?:me\s+|us\s+)?(?:on\s+hold|waiting|hanging)\b|"
        r"\b(?:transferred|passed|bounced)\s+(?:\w+\s+){0,2}?(?:around|back and forth|"
        rf"from pillar to post|between departments|{_N}\s+times)\b|"
        r"\bfobbed\s+off\b|\bhung\s+up\b|\bcut\s+(?:me\s+|us\s+)?off\b|"
        r"\b(?:went|go|goes|gone)\s+unanswered\b|\b(?:was|were)\s+supposed\s+to\b",
        ("hold, kept, left, transferred, passed, bounced, fobbed, hung, cut, unanswered, supposed"),
    ),
    PhraseRule(
        "no answer",
        "no response; no refund; no explanation",
        r"\bno\s+(?:response|reply|replies|answer|call\s?back|callback|update|updates|"
        r"explanation|apology|refund|compensation|follow[- ]?up|acknowledge?ment|contact|"
        r"communication)\b",
        (
            "response, reply, replies, answer, call, callback, update, updates, explanation, "
            "apology, refund, compensation, follow, followup, acknowledgement, acknowledgment, "
            "contact, communication"
        ),
    ),
)
SUCCESSES: tuple[PhraseRule, ...] = (
    PhraseRule(
        "a promise kept",
        "called back exactly as promised",
        r"\b(?:exactly\s+|just\s+)?as\s+(?:they\s+|he\s+|she\s+|you\s+|we\s+)?(?:had\s+)?"
        r"(?:promised|agreed|arranged|planned)\b",
        "promised, agreed, arranged, planned",
    ),
    PhraseRule(
        "done quickly, done right",
        "called me back within the hour; fixed first time; arrived a day early",
        r"\b(?:arrived|delivered|fixed|sorted|resolved|replaced|refunded|repaired|answered|"
        r"returned|called\s+(?:me\s+|us\s+)?back|rang\s+(?:me\s+|us\s+)?back|got\s+back\s+to\s+"
        r"(?:me|us)|dealt\s+with|processed|credited|installed|connected)\s+(?:\w+\s+){0,3}?"
        r"(?:within\s+(?:the\s+|an?\s+|a\s+few\s+|\w+\s+)?(?:hour|hours|minutes|mins|day|days)|"
        r"in\s+(?:under\s+|less than\s+)?\w+\s+(?:minutes|mins|hour|hours)|the\s+(?:same|next)\s+"
        r"day|same\s+day|next\s+day|first\s+time|straight\s+away|right\s+away|immediately)\b|"
        # Early or on time: right after the verb ("arrived a day early", not "arrived in
        # the early hours").
        r"\b(?:arrived|delivered|departed|landed|took\s+off|turned\s+up|came)\s+"
        r"(?:(?:a|one|two|three|\d+|half\s+an|an)\s+(?:days?|hours?|minutes|mins)\s+)?"
        r"(?:early|ahead\s+of\s+(?:time|schedule)|(?:right\s+|bang\s+|exactly\s+)?on\s+"
        r"(?:time|schedule))\b",
        (
            "arrived, delivered, fixed, sorted, resolved, replaced, refunded, repaired, answered, "
            "returned, called, rang, got, dealt, processed, credited, installed, connected, "
            "departed, landed, took, turned, came"
        ),
    ),
    PhraseRule(
        "kept informed, no hassle",
        "kept me informed; no hassle at all",
        r"\bkept\s+(?:me|us)\s+(?:fully\s+|well\s+)?(?:informed|updated|posted|in\s+the\s+loop)\b|"
        r"\b(?:no|without\s+(?:any\s+)?)\s*(?:hassle|fuss|quibble|quibbles)\b",
        "kept, hassle, fuss, quibble, quibbles",
    ),
)
# How strongly such a phrase speaks, on VADER's scale: about as much as "problem"
# (−1.7) or "failed" (−2.3); "good" is 1.9.
PROBLEM_VALENCE = -2.0
SUCCESS_VALENCE = 1.8
# What a phrase becomes for VADER: made-up words only the adjusted lexicon knows.
_PROBLEM = "vlproblem"
_SUCCESS = "vlsuccess"
_NAME = "vlname"
_TERM = "vlterm"
_CANNOT = r"(?:couldn[’']?t|could not|can[’']?t|cannot|can not)"
# Praise said by negation ("could not be happier") is praise, not a negated "happy".
_PRAISE_BY_NEGATION = re.compile(
    rf"\b{_CANNOT} (?:have )?(?:be|been|ask for|wish for) (?:a |any )?"
    r"(?:happier|better|more (?:pleased|satisfied|helpful))\b",
    re.I,
)
_BLAME_BY_NEGATION = re.compile(
    rf"\b{_CANNOT} (?:have )?(?:be|been|get|gotten) (?:any )?worse\b",
    re.I,
)
# An @handle is a name, whatever words it is made of ("@SuperbHelp").
_HANDLE = r"(?<![\w@])@\w+"


_WORDS = re.compile(r"[a-z0-9]+")


class _Rule:
    """A phrase rule ready to apply: its pattern, and the anchors that say when to try it."""

    def __init__(self, rule: PhraseRule, token: str):
        self.pattern = re.compile(rule.pattern, re.I)
        self.token = token
        anchors = [a.strip() for a in rule.anchors.split(",")]
        self.phrases = tuple(a for a in anchors if " " in a or "-" in a)
        self.words = frozenset(a for a in anchors if a not in self.phrases)
        self.firsts = frozenset(_WORDS.findall(p)[0] for p in self.phrases)

    def applied(self, clause: str, words: set[str], lowered: str) -> str:
        if self.words.isdisjoint(words):
            if self.firsts.isdisjoint(words):
                return clause
            spaced = " ".join(lowered.split())
            if not any(phrase in spaced for phrase in self.phrases):
                return clause
        return self.pattern.sub(self.token, clause)


# Problems first: "never arrived on time" is a delivery that never came.
_RULES = [_Rule(r, _PROBLEM) for r in PROBLEMS] + [_Rule(r, _SUCCESS) for r in SUCCESSES]


def _words_pattern(term: str) -> str:
    """The term's words, whole, with any spacing between them."""
    body = r"\s+".join(re.escape(w) for w in term.split())
    return rf"(?<![\w@]){body}(?!\w)"


def _name_pattern(name: str) -> str:
    """A name as a pattern: one ordinary word only as capitalised as it was written (the
    product "Fine", not the word "fine"); longer names and @handles in any case."""
    words = name.split()
    if len(words) == 1 and words[0].isalpha():
        return _words_pattern(name)
    return f"(?i:{_words_pattern(name)})"


class Lexicon:
    """VADER with a vocabulary applied; make one with `lexicon_for` (they are cached)."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.analyzer = SentimentIntensityAnalyzer()
        lexicon = self.analyzer.lexicon
        phrases: list[tuple[str, str]] = []
        for term, valence in vocabulary.valences().items():
            if " " in term.strip():
                token = f"{_TERM}{len(phrases)}"
                phrases.append((term, token))
                term = token
            if valence is None:
                lexicon.pop(term, None)
            else:
                lexicon[term] = valence
        lexicon[_PROBLEM] = PROBLEM_VALENCE
        lexicon[_SUCCESS] = SUCCESS_VALENCE
        # Longest first, so that a name inside a longer one does not take its place.
        names = sorted(vocabulary.names, key=len, reverse=True)
        self._any_names = bool(names)
        self._names = re.compile("|".join([*map(_name_pattern, names), _HANDLE]))
        self._phrases = [(re.compile(_words_pattern(t), re.I), token) for t, token in phrases]

    def prepared(self, clause: str) -> str:
        """The clause as VADER should read it: names, phrases and rules made single words."""
        lowered = clause.lower()
        if "could" in lowered or "can" in lowered:
            clause = _PRAISE_BY_NEGATION.sub("extremely happy", clause)
            clause = _BLAME_BY_NEGATION.sub("extremely bad", clause)
        if self._any_names or "@" in clause:
            clause = self._names.sub(_NAME, clause)
        for pattern, token in self._phrases:
            clause = pattern.sub(token, clause)
        words = set(_WORDS.findall(lowered))
        for rule in _RULES:
            clause = rule.applied(clause, words, lowered)
        return clause

    def score(self, clause: str, *, broken_promise: bool = False) -> float:
        """VADER's compound score of the clause; a broken promise counts as a problem in it."""
        prepared = self.prepared(clause)
        if broken_promise and _SUCCESS not in prepared:
            prepared = f"{_PROBLEM} {prepared}"
        return float(self.analyzer.polarity_scores(prepared)["compound"])


@functools.lru_cache(maxsize=8)
def lexicon_for(vocabulary: Vocabulary) -> Lexicon:
    return Lexicon(vocabulary)
