"""The reader that applies the current taxonomy, theme model and sentiment vocabulary,
kept while none of them changes."""

from __future__ import annotations

import datetime as dt
import threading

from django.db.models import Count, Max

from vocloop.insights.models import Theme, ThemeModel
from vocloop.insights.vocabulary import vocabulary_changed_at, vocabulary_current
from vocloop.text.reading import Reader
from vocloop.text.themes import ThemeMatcher, ThemeRule

_lock = threading.Lock()
_cached: tuple[tuple[object, ...], Reader] | None = None


def matcher_build(themes: list[Theme]) -> ThemeMatcher:
    by_id = {t.pk: t for t in themes}
    return ThemeMatcher(
        ThemeRule(
            key=t.slug,
            phrases=tuple(t.phrase_list),
            parent=by_id[t.parent_id].slug if t.parent_id in by_id else None,
        )
        for t in themes
    )


def active_model() -> ThemeModel | None:
    return ThemeModel.objects.filter(status=ThemeModel.Status.ACTIVE).order_by("-version").first()


def _state() -> tuple[object, ...]:
    themes = Theme.objects.aggregate(changed=Max("updated_at"), n=Count("id"))
    model = (
        ThemeModel.objects.filter(status=ThemeModel.Status.ACTIVE)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (themes["changed"], themes["n"], model, vocabulary_changed_at())


def reading_state() -> str:
    """The taxonomy, models and vocabulary in use, as a string: equal strings read alike."""
    return " ".join(
        part.isoformat() if isinstance(part, dt.datetime) else str(part or "-") for part in _state()
    )


def reader_current() -> Reader:
    """A reader for the active themes and model; rebuilt only when either has changed.

    One small query tells whether anything changed, so a worker reading comments one
    at a time does not reload the taxonomy (or unpickle a model) for each.
    """
    global _cached
    state = _state()
    with _lock:
        if _cached is not None and _cached[0] == state:
            return _cached[1]
    reader = reader_build()
    with _lock:
        _cached = (state, reader)
    return reader


def reader_build() -> Reader:
    themes = list(Theme.objects.filter(active=True))
    matcher = matcher_build(themes)
    vocabulary = vocabulary_current()
    record = active_model()
    if record is None:
        return Reader(matcher, vocabulary=vocabulary)
    from vocloop.text.classifier import TextModel

    model = TextModel.loads(bytes(record.data))
    return Reader(matcher, model, model_version=record.version, vocabulary=vocabulary)
