"""The organisation's vocabulary for sentiment: what the quality manager keeps, and the
`Vocabulary` every reading applies. A change re-reads every comment, as a theme edit does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from vocloop.insights.models import SentimentTerm, TextSettings
from vocloop.insights.rereading import reread_after_commit
from vocloop.text.lexicon import DEFAULTS, GROUPS, Adjustment, vader_valence

Kind = SentimentTerm.Kind


def _changed() -> None:
    """Every change of the vocabulary: stamped, and every comment read again with it."""
    now = timezone.now()
    if not TextSettings.objects.update(vocabulary_changed_at=now):
        TextSettings.objects.create(vocabulary_changed_at=now)
    reread_after_commit()


@dataclass(frozen=True)
class DefaultRow:
    """One of vocloop's shipped adjustments, as the page shows it."""

    adjustment: Adjustment
    reason: str
    vader: float | None  # VADER's own valence
    off: bool
    overridden: SentimentTerm | None  # the organisation's word that takes its place


def default_rows() -> list[DefaultRow]:
    off = set(SentimentTerm.objects.filter(kind=Kind.OFF).values_list("term", flat=True))
    words = {w.term.lower(): w for w in SentimentTerm.objects.filter(kind=Kind.WORD)}
    return [
        DefaultRow(a, GROUPS[a.group], vader_valence(a.word), a.word in off, words.get(a.word))
        for a in DEFAULTS
    ]


def term_taken(term: str, kind: str) -> SentimentTerm | None:
    """The name (or word) already listed under this term, whatever its case."""
    return (
        SentimentTerm.objects.filter(kind=kind)
        .annotate(lowered=Lower("term"))
        .filter(lowered=term.lower())
        .first()
    )


@transaction.atomic
def sentiment_name_add(*, name: str, by: User) -> SentimentTerm:
    """A brand, product or place that carries no sentiment in comments."""
    added = SentimentTerm.objects.create(kind=Kind.NAME, term=name, added_by=by)
    _changed()
    return added


@transaction.atomic
def sentiment_word_add(*, word: str, valence: float | None, by: User) -> SentimentTerm:
    """A word with the sentiment it carries here (None: none); over vocloop's own if it has one."""
    added = SentimentTerm.objects.create(
        kind=Kind.WORD, term=word.lower(), valence=valence, added_by=by
    )
    _changed()
    return added


@transaction.atomic
def sentiment_term_remove(*, term: SentimentTerm) -> None:
    term.delete()
    _changed()


@transaction.atomic
def sentiment_default_switch(*, word: str, on: bool, by: User) -> None:
    """Apply one of vocloop's adjustments again, or not (VADER's own valence then holds)."""
    if word not in {a.word for a in DEFAULTS}:
        raise ValueError(f"“{word}” is not one of vocloop's adjustments.")
    found = SentimentTerm.objects.filter(kind=Kind.OFF, term=word)
    if on and found.exists():
        found.delete()
    elif not on and not found.exists():
        SentimentTerm.objects.create(kind=Kind.OFF, term=word, added_by=by)
    else:
        return
    _changed()
