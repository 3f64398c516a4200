"""Versions of a learned model (themes, sentiment): which one is in use, keeping a new one
with its figures, and rolling back. The same for every kind of model.

A fixed part of the comments is held out from learning for good (`held_out`), so that a
comment never moves from being tested on to being learned from. A version is kept
whether it is used or not, with its figures; one in use can be rolled back to the
version before it. A rejected version is never used again, so only the latest
REJECTED_MODELS_KEPT of them keep their model (to look into); older ones keep only
their figures.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from vocloop.insights.in_use import active_version
from vocloop.insights.models import LearnedModel
from vocloop.insights.rereading import reread_after_commit

HELD_OUT_PERCENT = 30
REJECTED_MODELS_KEPT = 3

Model = TypeVar("Model", bound=LearnedModel)


class NotEnoughCorrections(ValueError):
    pass


class NothingNew(NotEnoughCorrections):
    """Too little a model learns from has changed since the last version was trained."""


def held_out(feedback_id: int) -> bool:
    """Whether a comment belongs to the held-out part: fixed per comment, so that it
    never moves from being tested on to being learned from."""
    return zlib.crc32(str(feedback_id).encode()) % 100 < HELD_OUT_PERCENT


def last_version(kind: type[Model]) -> Model | None:
    """The version trained last, used or not."""
    found: Model | None = (
        kind.objects.defer("data")  # type: ignore[attr-defined]
        .order_by("-trained_at", "-version")
        .first()
    )
    return found


def last_trained_at(kind: type[LearnedModel]) -> dt.datetime | None:
    found: dt.datetime | None = kind.objects.aggregate(  # type: ignore[attr-defined]
        at=Max("trained_at")
    )["at"]
    return found


def version_keep(kind: type[Model], *, better: bool, current: Model | None, **fields: Any) -> Model:
    """Keep a newly trained version with its figures: in use if `better` (retiring the one in
    use, and reading every comment again), else rejected."""
    version = (kind.objects.aggregate(top=Max("version"))["top"] or 0) + 1  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            if better and current is not None:
                kind.objects.filter(pk=current.pk).update(  # type: ignore[attr-defined]
                    status=LearnedModel.Status.RETIRED
                )
            record: Model = kind.objects.create(  # type: ignore[attr-defined]
                version=version,
                status=LearnedModel.Status.ACTIVE if better else LearnedModel.Status.REJECTED,
                trained_at=timezone.now(),
                **fields,
            )
            if not better:
                _rejected_models_drop(kind)
    except IntegrityError:  # the same version number, taken by a training run alongside
        raise ValueError("Another training finished first; train again if needed.") from None
    if better:
        reread_after_commit()
    return record


def _rejected_models_drop(kind: type[LearnedModel]) -> None:
    """Empty the model of rejected versions older than the latest REJECTED_MODELS_KEPT."""
    rejected = kind.objects.filter(status=LearnedModel.Status.REJECTED)  # type: ignore[attr-defined]
    latest = list(rejected.order_by("-version").values_list("pk", flat=True)[:REJECTED_MODELS_KEPT])
    rejected.exclude(pk__in=latest).exclude(data=b"").update(data=b"")


@transaction.atomic
def version_rollback(kind: type[Model], *, nothing_in_use: str) -> Model | None:
    """Stop using the version in use and go back to the one before (or to none)."""
    current = active_version(kind)
    if current is None:
        raise ValueError(nothing_in_use)
    objects = kind.objects  # type: ignore[attr-defined]
    objects.filter(pk=current.pk).update(status=LearnedModel.Status.ROLLED_BACK)
    previous: Model | None = (
        objects.filter(status=LearnedModel.Status.RETIRED, version__lt=current.version)
        .order_by("-version")
        .first()
    )
    if previous is not None:
        objects.filter(pk=previous.pk).update(status=LearnedModel.Status.ACTIVE)
    reread_after_commit()
    return previous


def due(kind: type[LearnedModel], *, now: dt.datetime | None = None) -> bool:
    """Whether the nightly training may run: none trained in the last 23 hours."""
    last = last_trained_at(kind)
    return last is None or (now or timezone.now()) - last >= dt.timedelta(hours=23)
