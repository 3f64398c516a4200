"""Reading comments, staff corrections, and the themes the quality manager keeps.

How long unmasked originals stay is insights/originals.py."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from vocloop.insights.models import (
    SIMILAR_WINDOW,
    CommentText,
    CommentTheme,
    Correction,
    SimilarGroup,
    SimilarGroupBand,
    Theme,
    ThemeProposal,
)
from vocloop.insights.rereading import reread_after_commit
from vocloop.insights.taxonomy import reader_current, with_ancestors
from vocloop.insights.texts import comment_texts_write
from vocloop.lib.days import day_of
from vocloop.listening.models import Feedback
from vocloop.text import similarity
from vocloop.text.reading import Reading

logger = logging.getLogger(__name__)


def themes_by_slug() -> dict[str, Theme]:
    return {t.slug: t for t in Theme.objects.filter(active=True)}


def similar_group_find_or_start(
    *, signature: similarity.Signature, at: dt.datetime
) -> SimilarGroup:
    """The live group whose leader says the same as this comment, or a new group it leads."""
    keys = similarity.band_keys(signature)
    # Comments are usually read in the order given, but not always (a retried task, an
    # import of older feedback): a group is live for any moment within its window.
    candidates = SimilarGroup.objects.filter(
        bands__key__in=keys,
        last_seen__gte=at - SIMILAR_WINDOW,
        first_seen__lte=at + SIMILAR_WINDOW,
    ).distinct()
    best, best_score = None, similarity.SIMILAR_FROM
    for group in candidates:
        score = similarity.resemblance(signature, similarity.decode(group.signature))
        if score >= best_score:
            best, best_score = group, score
    if best is not None:
        # Conditional updates: a concurrent reader never moves them back.
        SimilarGroup.objects.filter(pk=best.pk, last_seen__lt=at).update(last_seen=at)
        SimilarGroup.objects.filter(pk=best.pk, first_seen__gt=at).update(first_seen=at)
        return best
    group = SimilarGroup.objects.create(
        signature=similarity.encode(signature), first_seen=at, last_seen=at
    )
    SimilarGroupBand.objects.bulk_create(SimilarGroupBand(group=group, key=k) for k in keys)
    return group


def _themes_write(
    feedback: Feedback, reading: Reading, themes: dict[str, Theme], *, negative: bool
) -> list[CommentTheme]:
    rows = [
        CommentTheme(
            feedback=feedback,
            theme=themes[slug],
            occurred_at=feedback.occurred_at,
            day=day_of(feedback.occurred_at),
            negative=negative,
            confidence=found.confidence,
            source=found.source,
        )
        for slug, found in reading.themes.items()
        if slug in themes
    ]
    return CommentTheme.objects.bulk_create(rows)


@transaction.atomic
def comment_read(*, feedback: Feedback) -> CommentText | None:
    """Read one comment: sentiment, themes, similar comments (conductor.reading applies the
    case rule after it, in the same transaction).

    Reading again replaces what was read before, except what staff have corrected.
    """
    feedback = Feedback.objects.select_for_update().select_related("touchpoint").get(pk=feedback.pk)
    if not feedback.comment.strip() or feedback.erased_at is not None:
        return None  # nothing to read; an erased comment keeps what was read of it
    reader = reader_current()
    reading = reader.read(feedback.comment)
    previous = CommentText.objects.filter(feedback=feedback).first()
    group = None
    if reading.signature is not None:
        if previous is not None and previous.signature == similarity.encode(reading.signature):
            group = previous.similar_group
        else:
            group = similar_group_find_or_start(
                signature=reading.signature, at=feedback.occurred_at
            )
    text = CommentText(
        feedback=feedback,
        occurred_at=feedback.occurred_at,
        day=day_of(feedback.occurred_at),
        sentiment_score=reading.sentiment.score,
        sentiment=reading.sentiment.label,
        signature=similarity.encode(reading.signature) if reading.signature else "",
        similar_group=group,
        masked=reading.masked,
        model_version=reader.model_version,
        sentiment_model_version=reader.sentiment_version,
        enriched_at=timezone.now(),
    )
    if previous is not None:
        text.sentiment_corrected = previous.sentiment_corrected
        text.themes_corrected = previous.themes_corrected
        if previous.sentiment_corrected:
            text.sentiment = previous.sentiment

    def write() -> None:
        text.save()
        negative = text.sentiment == "negative"
        if not text.themes_corrected:
            CommentTheme.objects.filter(feedback=feedback).delete()
            _themes_write(feedback, reading, themes_by_slug(), negative=negative)
        else:
            CommentTheme.objects.filter(feedback=feedback).update(negative=negative)

    comment_texts_write(feedback_ids=[feedback.pk], write=write)
    return text


@transaction.atomic
def correction_record(
    *,
    feedback: Feedback,
    themes: Iterable[Theme],
    sentiment: str,
    by: User,
    themes_shown: Iterable[int] | None = None,
) -> Correction:
    """A staff member's reading of a comment, which then stands over vocloop's own.

    `themes_shown` are the themes the person saw ticked: when they send those back
    unchanged they corrected the sentiment only, and the themes stay vocloop's.
    """
    # The feedback row first, as comment_read does: a correction and a reading of the
    # same comment take turns.
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.erased_at is not None:
        raise ValueError("This comment was erased: there is nothing to correct.")
    chosen = list(themes)
    changed = themes_shown is None or {t.pk for t in chosen} != set(themes_shown)
    correction = Correction.objects.create(
        feedback=feedback, sentiment=sentiment, corrected_by=by, themes_changed=changed
    )
    correction.themes.set(chosen)
    text = CommentText.objects.filter(feedback=feedback).first() or comment_read(feedback=feedback)
    if text is None:
        raise ValueError("This feedback has no comment to correct.")
    if sentiment:
        text.sentiment = sentiment
        text.sentiment_corrected = True
    if changed:
        text.themes_corrected = True

    def write() -> None:
        text.save(update_fields=["themes_corrected", "sentiment", "sentiment_corrected"])
        negative = text.sentiment == "negative"
        if not changed:
            CommentTheme.objects.filter(feedback=feedback).update(negative=negative)
            return
        CommentTheme.objects.filter(feedback=feedback).delete()
        CommentTheme.objects.bulk_create(
            CommentTheme(
                feedback=feedback,
                theme=theme,
                occurred_at=feedback.occurred_at,
                day=day_of(feedback.occurred_at),
                negative=negative,
                confidence=1.0,
                source=CommentTheme.Source.STAFF,
            )
            for theme in with_ancestors(chosen)
        )

    comment_texts_write(feedback_ids=[feedback.pk], write=write)
    return correction


# The literal words of the themes' addresses (insights/urls.py, under themes/): a theme
# with one of them as its slug could not be reached.
RESERVED_SLUGS = frozenset({"new", "edit"})


def _unique_slug(name: str, *, exclude: int | None = None) -> str:
    base = slugify(name)[:70].strip("-") or "theme"
    slug, n = base, 1
    others = Theme.objects.exclude(pk=exclude) if exclude is not None else Theme.objects.all()
    while slug in RESERVED_SLUGS or others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def theme_save(*, theme: Theme) -> Theme:
    """Create or change a theme; every comment is then read again against the new taxonomy."""
    if not theme.slug:
        theme.slug = _unique_slug(theme.name, exclude=theme.pk)
    theme.updated_at = timezone.now()
    theme.save()
    reread_after_commit()
    return theme


DISCOVER_DAYS = 90
DISCOVER_LIMIT = 5000


@transaction.atomic
def themes_discover(
    *,
    days: int | None = DISCOVER_DAYS,
    limit: int = DISCOVER_LIMIT,
    now: dt.datetime | None = None,
) -> list[ThemeProposal]:
    """Propose themes from recent comments that no theme covers; replaces the open proposals.

    `days` None (or 0): every comment, imported history included (the latest `limit`).
    """
    from vocloop.text.discovery import discover

    read = Feedback.objects.filter(text__isnull=False, erased_at__isnull=True).exclude(comment="")
    if days:
        since = (now or timezone.now()) - dt.timedelta(days=days)
        read = read.filter(text__occurred_at__gte=since)
    uncovered = list(
        read.filter(themes__isnull=True)
        .order_by("-occurred_at")
        .values_list("pk", "comment")[:limit]
    )
    # The comments themes cover already, in the same span: a phrase they use as much as
    # a proposal's members do would tag them too once it is a theme's rule.
    covered_rows = read.filter(pk__in=CommentTheme.objects.values("feedback"))
    covered = list(covered_rows.order_by("-occurred_at").values_list("comment", flat=True)[:limit])
    covered_all = covered_rows.count() if len(covered) == limit else len(covered)
    ThemeProposal.objects.filter(status=ThemeProposal.Status.OPEN).delete()
    proposals = [
        ThemeProposal(
            terms=list(p.terms),
            phrases=list(p.phrases),
            examples=[int(k) for k in p.examples],  # type: ignore[call-overload]
            size=p.size,
        )
        for p in discover(
            uncovered, covered=covered, covered_weight=covered_all / max(len(covered), 1)
        )
    ]
    return ThemeProposal.objects.bulk_create(proposals)


def _examples_text(proposal: ThemeProposal) -> list[str]:
    texts = dict(Feedback.objects.filter(pk__in=proposal.examples).values_list("pk", "comment"))
    return [texts[pk] for pk in proposal.examples if pk in texts]


def _still_open(proposal: ThemeProposal) -> None:
    """Lock the proposal; two managers deciding it at once take turns, the second is told."""
    status = ThemeProposal.objects.select_for_update().values_list("status", flat=True)
    if status.get(pk=proposal.pk) != ThemeProposal.Status.OPEN:
        raise ValueError("This proposal has already been decided.")


def _decided(proposal: ThemeProposal, status: str, by: object, theme: Theme | None) -> None:
    proposal.status = status
    proposal.theme = theme
    proposal.decided_by = by  # type: ignore[assignment]
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "theme", "decided_by", "decided_at"])


@transaction.atomic
def proposal_accept(
    *,
    proposal: ThemeProposal,
    name: str,
    dimension: str,
    want: str,
    parent: Theme | None,
    by: object,
    phrases: str | None = None,
) -> Theme:
    """A proposal becomes a theme of its own, with its example comments and its phrases
    (or those the manager edited them into, one per line)."""
    _still_open(proposal)
    theme = theme_save(
        theme=Theme(
            name=name,
            dimension=dimension,
            want=want,
            parent=parent,
            phrases="\n".join(proposal.phrases) if phrases is None else phrases,
            examples="\n".join(_examples_text(proposal)),
            description="Proposed by discovery from " + ", ".join(proposal.terms[:5]) + ".",
        )
    )
    _decided(proposal, ThemeProposal.Status.ACCEPTED, by, theme)
    return theme


@transaction.atomic
def proposal_merge(
    *, proposal: ThemeProposal, theme: Theme, by: object, phrases: str | None = None
) -> Theme:
    """A proposal's examples join an existing theme, with its phrases (or those the manager
    kept of them, one per line: a generic word would tag far more than the proposal)."""
    _still_open(proposal)
    chosen = proposal.phrases if phrases is None else phrases.splitlines()
    added = [p for p in dict.fromkeys(chosen) if p and p not in theme.phrase_list]
    examples = theme.example_list + [
        e for e in _examples_text(proposal) if e not in theme.example_list
    ]
    theme.phrases = "\n".join(theme.phrase_list + added)
    theme.examples = "\n".join(examples)
    theme_save(theme=theme)
    _decided(proposal, ThemeProposal.Status.MERGED, by, theme)
    return theme


@transaction.atomic
def proposal_dismiss(*, proposal: ThemeProposal, by: object) -> None:
    _still_open(proposal)
    _decided(proposal, ThemeProposal.Status.DISMISSED, by, None)
