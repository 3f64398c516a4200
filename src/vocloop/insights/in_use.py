"""What reads comments now: the learned versions in use and the organisation's vocabulary.

Reads only. The changes that make a new reading necessary (a version used or rolled
back, a word kept) live in versions.py and vocabulary.py and queue the re-reading.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.db.models import Max

from vocloop.insights.models import LearnedModel, SentimentTerm, TextSettings
from vocloop.text.lexicon import Vocabulary

Kind = SentimentTerm.Kind
Model = TypeVar("Model", bound=LearnedModel)


def active_version(kind: type[Model], *, with_model: bool = True) -> Model | None:
    """The version in use; `with_model=False` leaves its model unread, for showing figures."""
    versions = kind.objects.filter(status=LearnedModel.Status.ACTIVE)  # type: ignore[attr-defined]
    if not with_model:
        versions = versions.defer("data")
    found: Model | None = versions.order_by("-version").first()
    return found


def active_number(kind: type[LearnedModel]) -> int | None:
    """The version in use, without loading it."""
    found: int | None = (
        kind.objects.filter(status=LearnedModel.Status.ACTIVE)  # type: ignore[attr-defined]
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return found


def vocabulary_current() -> Vocabulary:
    """The vocabulary as the quality manager keeps it, for the reader."""
    names, words, off = [], [], set()
    for kind, term, valence in SentimentTerm.objects.order_by("pk").values_list(
        "kind", "term", "valence"
    ):
        if kind == Kind.NAME:
            names.append(term)
        elif kind == Kind.WORD:
            words.append((term, valence))
        else:
            off.add(term)
    return Vocabulary(names=tuple(names), words=tuple(words), switched_off=frozenset(off))


def vocabulary_changed_at() -> dt.datetime | None:
    """When an entry was last added or removed (None: never)."""
    found: dt.datetime | None = TextSettings.objects.aggregate(at=Max("vocabulary_changed_at"))[
        "at"
    ]
    return found
