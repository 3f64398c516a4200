"""Erasing what the customer wrote and what was written to or about them.

The rows stay, their text goes: a comment, a case's resolution and every timeline
entry's text become ERASED_TEXT (or the text vocloop.retention puts where a text's
retention ended); the unmasked originals are deleted. What vocloop read
from a comment (its sentiment, its themes, the corrections of them) stays, since the
figures count it, but its similarity signature goes, the comment leaves its group of
similar comments, and it is taken out of the themes' example comments and of the
open theme proposals.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from vocloop.cases.models import CaseEventOriginal
from vocloop.customers.erasure.reach import ERASED_TEXT, Reach
from vocloop.insights.models import (
    CommentText,
    OriginalComment,
    SimilarGroup,
    SimilarGroupBand,
    Theme,
    ThemeProposal,
)
from vocloop.text import similarity


def feedback_texts_erase(
    reach: Reach, *, now: dt.datetime, text: str = ERASED_TEXT
) -> Counter[str]:
    """The comments become `text`; `now` marks the feedback as emptied (Feedback.erased_at)."""
    counts: Counter[str] = Counter()
    feedback = reach.feedback
    written = [c for c in feedback.exclude(comment="").values_list("comment", flat=True)]
    counts["feedback"] = feedback.update(erased_at=now)
    counts["comments"] = feedback.exclude(comment="").update(comment=text)
    counts["originals"] = _deleted(OriginalComment.objects.filter(feedback__in=feedback))
    counts |= _similarity_forget(reach)
    counts["theme_examples"] = _theme_examples_forget(written)
    counts["theme_proposals"] = _proposals_forget(set(feedback.values_list("pk", flat=True)))
    return +counts


def case_texts_erase(reach: Reach, *, text: str = ERASED_TEXT) -> Counter[str]:
    """The cases' resolutions and the timeline entries' texts become `text`."""
    counts: Counter[str] = Counter()
    counts["cases"] = reach.cases.count()
    counts["resolutions"] = reach.cases.exclude(resolution="").update(resolution=text)
    counts["timeline_entries"] = reach.events.exclude(body="").update(body=text)
    counts["originals"] = _deleted(CaseEventOriginal.objects.filter(event__in=reach.events))
    return +counts


def _deleted(rows: object) -> int:
    return int(rows.delete()[0])  # type: ignore[attr-defined]


def _similarity_forget(reach: Reach) -> Counter[str]:
    """The comments leave their similar groups; a group left empty is forgotten, and one
    an erased comment led is led by its earliest remaining member (its signature and
    bands are that member's)."""
    texts = CommentText.objects.filter(feedback__in=reach.feedback)
    signatures = set(texts.exclude(signature="").values_list("signature", flat=True))
    groups = set(texts.exclude(similar_group=None).values_list("similar_group_id", flat=True))
    counts: Counter[str] = Counter()
    counts["signatures"] = texts.exclude(signature="", similar_group=None).update(
        signature="", similar_group=None
    )
    counts["similar_groups_forgotten"] = (
        SimilarGroup.objects.filter(pk__in=groups, comments=None)
        .delete()[1]
        .get("insights.SimilarGroup", 0)
    )
    for group in SimilarGroup.objects.filter(pk__in=groups, signature__in=signatures):
        heir = (
            CommentText.objects.filter(similar_group=group)
            .exclude(signature="")
            .order_by("occurred_at", "pk")
            .first()
        )
        if heir is None:  # members without a signature of their own: nothing to lead by
            group.delete()
            counts["similar_groups_forgotten"] += 1
            continue
        group.signature = heir.signature
        group.save(update_fields=["signature"])
        group.bands.all().delete()
        keys = similarity.band_keys(similarity.decode(heir.signature))
        SimilarGroupBand.objects.bulk_create(SimilarGroupBand(group=group, key=k) for k in keys)
    return counts


def _theme_examples_forget(written: list[str]) -> int:
    """Take the comments out of the themes' examples (a proposal accepted or merged copies
    its example comments there, one line each)."""
    lines = {line.strip() for comment in written for line in comment.splitlines() if line.strip()}
    if not lines:
        return 0
    changed = 0
    for theme in Theme.objects.exclude(examples=""):
        kept = [line for line in theme.examples.splitlines() if line.strip() not in lines]
        if len(kept) != len(theme.examples.splitlines()):
            # Not theme_save: the examples only teach the next model, and saving through
            # it would read every comment again.
            Theme.objects.filter(pk=theme.pk).update(examples="\n".join(kept))
            changed += 1
    return changed


def _proposals_forget(feedback_ids: set[int]) -> int:
    """Take the comments out of the examples of theme proposals not yet decided."""
    changed = 0
    for proposal in ThemeProposal.objects.filter(status=ThemeProposal.Status.OPEN):
        kept = [pk for pk in proposal.examples if pk not in feedback_ids]
        if len(kept) != len(proposal.examples):
            ThemeProposal.objects.filter(pk=proposal.pk).update(examples=kept)
            changed += 1
    return changed
