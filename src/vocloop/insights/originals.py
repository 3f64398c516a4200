"""How long the unmasked original of a comment stays, and keeping it.

Masking hides contact details and card numbers in every comment from its arrival;
where it hid something, the comment as written is kept for the case's team to act on
(cases/originals.py reveals it), for as long as the rule below says.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from vocloop.cases.models import OPEN_STATUSES, Case, CaseEventOriginal
from vocloop.insights.models import OriginalComment, TextSettings
from vocloop.listening.models import Feedback
from vocloop.listening.rules import CASE_RULE_WITHIN
from vocloop.text.masking import Masked


def text_settings() -> TextSettings:
    return TextSettings.objects.order_by("pk").first() or TextSettings.objects.create()


# How long an unmasked original stays: the one rule, which originals_purge applies.
#
# A comment in which masking hid something is kept as written from its arrival,
# whatever the setting: a case may open for it later (the sentiment rule once it is
# read, the customer writing back), and "call me on …" was written for that case's
# team to act on (cases/originals.py). The purge, hourly in the worker, deletes an
# original once no open case holds it and its retention is over:
# - in a case: keep_original_days after the case was resolved (or closed); a
#   reopened case holds it again. The customer's messages on the case go with it;
# - in no case: at keep_until (arrival + keep_original_days), once reading it can no
#   longer open a case: it has been read, or arrived longer ago than CASE_RULE_WITHIN.
# Nothing else reads an original: staff, exports, webhooks and analysis see the
# masked comment only. The customer's own copy of their data has it (customers.export,
# in full), and erasing their data deletes it (customers.erasure).


def original_keep(*, feedback: Feedback, masked: Masked, original: str) -> None:
    """Keep the unmasked comment as it arrives when masking hid something in it."""
    if not masked.found:
        return
    days = text_settings().keep_original_days
    OriginalComment.objects.create(
        feedback=feedback,
        text=original,
        keep_until=feedback.received_at + dt.timedelta(days=days),
    )


def originals_keep_imported(*, originals: dict[str, str], at: dt.datetime) -> None:
    """Keep imported comments as written (by their feedback's reference) where masking hid
    something, when the setting keeps originals at all: history opens no case, so they
    stay for the retention only."""
    days = text_settings().keep_original_days
    if not days or not originals:
        return
    keep_until = at + dt.timedelta(days=days)
    OriginalComment.objects.bulk_create(
        OriginalComment(feedback_id=pk, text=originals[reference], keep_until=keep_until)
        for reference, pk in Feedback.objects.filter(reference__in=list(originals)).values_list(
            "reference", "pk"
        )
    )


@transaction.atomic
def text_settings_save(*, keep_original_days: int) -> TextSettings:
    """A new retention applies to the originals already kept too: shorter purges them now."""
    current = text_settings()
    current.keep_original_days = keep_original_days
    current.updated_at = timezone.now()
    current.save()
    kept = OriginalComment.objects.select_related("feedback").only("pk", "feedback__received_at")
    for original in kept:
        until = original.feedback.received_at + dt.timedelta(days=keep_original_days)
        OriginalComment.objects.filter(pk=original.pk).update(keep_until=until)
    originals_purge()
    return current


def cases_past_retention(*, now: dt.datetime) -> QuerySet[Case]:
    """Cases resolved (or closed) longer ago than the retention: their originals go.

    Retention counts from the resolution, so that the team can reach the customer as
    long as it works on the case; an open case, a reopened one too, keeps them.
    """
    cutoff = now - dt.timedelta(days=text_settings().keep_original_days)
    return (
        Case.objects.exclude(status__in=OPEN_STATUSES)
        .annotate(ended_at=Coalesce("resolved_at", "closed_at", "updated_at"))
        .filter(ended_at__lt=cutoff)
    )


def originals_expired(
    *, now: dt.datetime
) -> tuple[QuerySet[OriginalComment], QuerySet[CaseEventOriginal]]:
    """The unmasked originals of comments and of customers' messages whose time is over, by
    the rule above original_keep."""
    ended = cases_past_retention(now=now).values("pk")
    # Reading can open no case for it any more.
    read_or_too_old = Q(feedback__text__isnull=False) | Q(
        feedback__received_at__lt=now - CASE_RULE_WITHIN
    )
    caseless_over = Q(feedback__case__isnull=True, keep_until__lt=now) & read_or_too_old
    return (
        OriginalComment.objects.filter(caseless_over | Q(feedback__case__in=ended)),
        CaseEventOriginal.objects.filter(event__case__in=ended),
    )


def originals_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the unmasked originals whose time is over; how many."""
    comments, messages = originals_expired(now=now or timezone.now())
    return int(comments.delete()[0] + messages.delete()[0])
