"""Learning themes from staff corrections: train, prove on held-out corrections, use or reject.

A model learns from three sources: the comments staff corrected (the truth), the
themes' own example comments, and a sample of comments the phrase rules labelled
(so it learns the taxonomy's ordinary cases and is not only shaped by the odd
comments people bothered to correct). A fixed part of the corrections is held out
and never learned from: on it, the phrase rules with the new model are compared
with what is in use now (the rules alone, or with the current model). The new
version is used only when it does better than the rules alone, or at least as well
as the version in use; otherwise it is kept, marked as rejected, with both figures.
A version in use can be rolled back to the one before it (`versions` keeps them, for
the sentiment model too).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vocloop.insights.models import Correction, Theme, ThemeModel
from vocloop.insights.taxonomy import active_model, matcher_build
from vocloop.insights.versions import (
    NotEnoughCorrections,
    NothingNew,
    held_out,
    last_trained_at,
    last_version,
    version_keep,
    version_rollback,
)
from vocloop.lib.words import counted
from vocloop.listening.models import Feedback
from vocloop.text.reading import Reader
from vocloop.text.themes import ThemeMatcher

__all__ = ["NotEnoughCorrections", "NothingNew", "held_out"]  # as before they were shared

MIN_CORRECTIONS = 20  # below this, a held-out part says nothing
RULE_SAMPLE = 20000


def _nothing_new() -> str | None:
    last = last_version(ThemeModel)
    if last is None or (
        Correction.objects.filter(themes_changed=True, corrected_at__gt=last.trained_at).exists()
        or Theme.objects.filter(updated_at__gt=last.trained_at).exists()
    ):
        return None
    return (
        f"Nothing has changed since version {last.version} was trained: no new "
        "corrections and no theme changed, so a new version would learn the same."
    )


def training_refusal() -> str | None:
    """Why training now would be refused, as far as a quick look tells; None if it may run.

    For the page's "Train now", before it queues the work: the training itself checks
    again, exactly (only corrections of themes still in use count there).
    """
    corrected = Correction.objects.filter(themes_changed=True).values("feedback").distinct().count()
    if corrected < MIN_CORRECTIONS:
        return _too_few(corrected)
    return _nothing_new()


def _too_few(corrected: int) -> str:
    return (
        f"{counted(corrected, 'comment has', 'comments have')} been corrected; training "
        f"needs at least {MIN_CORRECTIONS}, so that some can be held out to test the model."
    )


@dataclass(frozen=True)
class Example:
    feedback_id: int
    text: str
    themes: frozenset[str]


def corrected_examples(themes: dict[int, Theme]) -> list[Example]:
    """Each corrected comment once, as its latest correction reads it (parents included)."""
    latest: dict[int, Correction] = {}
    for correction in (
        Correction.objects.filter(themes_changed=True)
        .select_related("feedback")
        .prefetch_related("themes")
        .order_by("corrected_at", "pk")
    ):
        latest[correction.feedback_id] = correction
    return [
        Example(
            c.feedback_id,
            c.feedback.comment,
            frozenset(_with_parents((t.pk for t in c.themes.all()), themes)),
        )
        for c in latest.values()
        if c.feedback.comment and c.feedback.erased_at is None
    ]


def _with_parents(ids: Iterable[int], themes: dict[int, Theme]) -> set[str]:
    slugs: set[str] = set()
    for pk in ids:
        node = themes.get(pk)
        while node is not None and node.slug not in slugs:
            slugs.add(node.slug)
            node = themes.get(node.parent_id) if node.parent_id else None
    return slugs


def rule_labelled(
    exclude: set[int], matcher: ThemeMatcher, *, limit: int = RULE_SAMPLE, seed: int = 0
) -> list[Example]:
    """A sample of recent comments the phrase rules alone give a theme.

    Read afresh by the rules rather than taken from what is stored: a stored theme may
    have come from the model in use, and a model must not learn from its own guesses.
    Comments the rules give no theme are left out: "no phrase matched" is weak evidence
    of "about nothing named", and such comments are what the model should learn to
    name from the corrections (which do say "none" where it is so).
    """
    recent = list(
        Feedback.objects.exclude(comment="")
        .filter(erased_at__isnull=True)
        .order_by("-pk")
        .values_list("pk", "comment")[: limit * 2]
    )
    random.Random(seed).shuffle(recent)
    found = []
    for pk, text in recent:
        themes = frozenset(matcher.match(text)) if pk not in exclude else frozenset()
        if themes:
            found.append(Example(pk, text, themes))
            if len(found) == limit:
                break
    return found


def micro_f1(truth: Sequence[frozenset[str]], found: Sequence[frozenset[str]]) -> float:
    hits = sum(len(t & f) for t, f in zip(truth, found, strict=True))
    said = sum(len(f) for f in found)
    true = sum(len(t) for t in truth)
    if said + true == 0:
        return 1.0
    return 2 * hits / (said + true)


def score(reader: Reader, examples: Sequence[Example]) -> float:
    readings = reader.read_many([e.text for e in examples])
    return micro_f1([e.themes for e in examples], [frozenset(r.themes) for r in readings])


def model_train(*, seed: int = 0) -> ThemeModel:
    """Train a new version, test it on the held-out corrections, and use it if it does better.

    Against the phrase rules alone it must do strictly better: a model that adds nothing
    would only move the figures. Against an earlier version, no worse is enough: it has
    learned from more corrections than the few held out can tell apart. With nothing new
    since the last version (no correction, no theme changed) there is nothing to learn,
    and a version the manager rolled back would simply return: NothingNew.
    """
    from vocloop.text.classifier import TextModel

    if (refusal := _nothing_new()) is not None:
        raise NothingNew(refusal)
    themes = {t.pk: t for t in Theme.objects.filter(active=True)}
    corrected = corrected_examples(themes)
    if len(corrected) < MIN_CORRECTIONS:
        raise NotEnoughCorrections(_too_few(len(corrected)))
    test = [e for e in corrected if held_out(e.feedback_id)]
    learn = [e for e in corrected if not held_out(e.feedback_id)]
    if not test or not learn:
        raise NotEnoughCorrections(
            "The corrections do not yet split into a part to learn from and a part to test on."
        )
    by_slug = {t.slug: t for t in themes.values()}
    examples = [
        Example(0, text, frozenset(_with_parents([t.pk], themes)))
        for t in themes.values()
        for text in t.example_list
    ]
    matcher: ThemeMatcher = matcher_build(list(themes.values()))
    rules = rule_labelled({e.feedback_id for e in corrected}, matcher, seed=seed)
    training = learn + examples + rules
    model = TextModel.fit(
        [e.text for e in training], [e.themes for e in training], multilabel=True, seed=seed
    )
    current = active_model()
    if current is not None:
        in_use = Reader(
            matcher, TextModel.loads(bytes(current.data)), model_version=current.version
        )
    else:
        in_use = Reader(matcher)
    f1_before = score(in_use, test)
    f1 = score(Reader(matcher, model), test)
    better = f1 >= f1_before if current is not None else f1 > f1_before
    return version_keep(
        ThemeModel,
        better=better,
        current=current,
        trained_on=len(training),
        corrections_held_out=len(test),
        f1=f1,
        f1_before=f1_before,
        themes=sorted(s for s in model.labels if s in by_slug),
        data=model.dumps(),
        note=(
            f"Learned from {len(learn)} corrected comments, {len(examples)} theme "
            f"examples and {len(rules)} comments labelled by the phrase rules."
        ),
    )


def model_rollback() -> ThemeModel | None:
    """Stop using the active version and go back to the one before (or the rules alone)."""
    return version_rollback(
        ThemeModel,
        nothing_in_use="No learned model is in use: themes come from the phrase rules alone.",
    )


def corrections_since_last_training() -> int:
    """Theme corrections since the theme model was last trained (all of them if never)."""
    corrections = Correction.objects.filter(themes_changed=True)
    last = last_trained_at(ThemeModel)
    if last is not None:
        corrections = corrections.filter(corrected_at__gt=last)
    return corrections.count()
