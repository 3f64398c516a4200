"""Writing the checked rows of a CSV import: feedback masked as on arrival, in batches.

Called inside the import's transaction (vocloop.conductor.imports). Each batch is
handed to the caller's `ImportArrival` as it is stored, for what follows feedback in
the same transaction (its figures, the originals kept); nothing here opens a case or
notifies anyone: imported feedback is history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower

from vocloop.customers.models import Customer
from vocloop.lib.progress import Progress, stage
from vocloop.lib.references import reference_format
from vocloop.lib.rows import RowWriter
from vocloop.listening.csvimport.check import CheckResult
from vocloop.listening.csvimport.problems import ImportRefused, RowProblem
from vocloop.listening.csvimport.rows import ImportSpec, Known, Row, RowParser, rows_classified
from vocloop.listening.models import Feedback, ReferenceCounter
from vocloop.listening.services import tracking_token_new
from vocloop.text.masking import mask

BATCH = 2000
FEEDBACK_COLUMNS = [
    "reference",
    "tracking_token",
    "touchpoint_id",
    "customer_id",
    "segment",
    "kind",
    "channel",
    "score_type",
    "score",
    "comment",
    "occurred_at",
    "received_at",
    "imported_by_id",
    "source_id",
]


@dataclass(frozen=True)
class StoredBatch:
    """A batch of imported feedback as stored: its columns (FEEDBACK_COLUMNS, the comment
    masked), and the comments as written where masking hid something, by reference, when
    the caller keeps originals."""

    rows: list[dict[str, Any]]
    originals: dict[str, str] = field(default_factory=dict)


class ImportArrival(Protocol):
    """What follows imported feedback, in the import's transaction."""

    @property
    def keeps_originals(self) -> bool:
        """Whether comments as written are kept where masking hid something."""

    def batch_stored(self, batch: StoredBatch) -> None:
        """A batch was written."""

    def all_stored(self) -> None:
        """Every row was written: the last moment to act before the import commits."""


def references_reserve(year: int, count: int) -> int:
    """The first of `count` consecutive reference numbers of the year, now taken."""
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + count)
        last = ReferenceCounter.objects.get(year=year).last
    return last - count + 1


def rows_write(
    path: Path,
    parser: RowParser,
    spec: ImportSpec,
    now: dt.datetime,
    first: int,
    checked: CheckResult,
    imported_by: int,
    skip_invalid: bool,
    progress: Progress | None,
    arrival: ImportArrival,
) -> int:
    """Store every checked row, numbered from `first`; the number of customers created.

    ImportRefused when the file changed since it was checked.
    """
    keeps_originals = arrival.keeps_originals
    writer = RowWriter(Feedback, FEEDBACK_COLUMNS, batch=BATCH)
    customers = _Customers()
    number = first
    batch: list[Row] = []

    def flush() -> None:
        nonlocal number
        people = customers.resolve(batch)
        rows: list[dict[str, Any]] = []
        originals: dict[str, str] = {}
        for row, person in zip(batch, people, strict=True):
            masked = mask(row.comment)
            reference = reference_format(now.year, number)
            number += 1
            if masked.found and keeps_originals:
                originals[reference] = row.comment
            occurred_at = row.occurred_at or now
            segment = person[1] if person else ""  # history: the customer's size at import
            rows.append(
                {
                    "reference": reference,
                    "tracking_token": tracking_token_new(),
                    "touchpoint_id": row.touchpoint.pk,
                    "customer_id": person[0] if person else None,
                    "segment": segment,
                    "kind": row.kind,
                    "channel": row.channel,
                    "score_type": row.score_type,
                    "score": row.score,
                    "comment": masked.text,
                    "occurred_at": occurred_at,
                    "received_at": now,
                    "imported_by_id": imported_by,
                    "source_id": row.source_id,
                }
            )
        writer.write(rows)
        arrival.batch_stored(StoredBatch(rows=rows, originals=originals))
        batch.clear()

    with stage(progress, "importing", checked.rows) as advance:
        for parsed in rows_classified(path, parser, spec):
            if isinstance(parsed, Known):
                continue
            if isinstance(parsed, RowProblem):
                if skip_invalid:
                    continue
                # It was checked: the file changed since.
                raise ImportRefused(
                    f"{path} changed while it was imported (line {parsed.line}: "
                    f"{parsed.message}); nothing was imported."
                )
            batch.append(parsed)
            if len(batch) >= BATCH:
                advance(len(batch))
                flush()
        advance(len(batch))
        flush()
    if number - first != checked.rows:
        raise ImportRefused(f"{path} changed while it was imported; nothing was imported.")
    arrival.all_stored()
    return customers.created


class _Customers:
    """Customers named by the rows, by their id in the other system or else their email.

    Found or created a batch at a time, and remembered: a file names the same customers
    again and again.
    """

    def __init__(self) -> None:
        self.by_id: dict[str, tuple[int, str]] = {}  # external id → (pk, size)
        self.by_email: dict[str, tuple[int, str]] = {}  # lower-case email → (pk, size)
        self.created = 0

    def resolve(self, rows: Sequence[Row]) -> list[tuple[int, str] | None]:
        # The first row naming a new customer gives its details.
        ids: dict[str, Row] = {}
        emails: dict[str, Row] = {}
        for r in rows:
            if r.external_id:
                if r.external_id not in self.by_id:
                    ids.setdefault(r.external_id, r)
            elif r.email and r.email.lower() not in self.by_email:
                emails.setdefault(r.email.lower(), r)
        if ids:
            for external_id, pk, size in Customer.objects.filter(
                external_id__in=list(ids)
            ).values_list("external_id", "pk", "size"):
                self.by_id[str(external_id)] = (pk, size)
            self._create(
                [
                    Customer(external_id=key, email=r.email, name=r.name)
                    for key, r in ids.items()
                    if key not in self.by_id
                ],
                lambda c: self.by_id.__setitem__(c.external_id or "", (c.pk, c.size)),
            )
        if emails:
            for email, pk, size in (
                Customer.objects.annotate(lower=Lower("email"))
                .filter(lower__in=list(emails), external_id__isnull=True)
                .values_list("lower", "pk", "size")
            ):
                self.by_email[email] = (pk, size)
            self._create(
                [
                    Customer(email=r.email, name=r.name)
                    for key, r in emails.items()
                    if key not in self.by_email
                ],
                lambda c: self.by_email.__setitem__(c.email.lower(), (c.pk, c.size)),
            )
        return [
            self.by_id[r.external_id]
            if r.external_id
            else self.by_email[r.email.lower()]
            if r.email
            else None
            for r in rows
        ]

    def _create(self, new: list[Customer], remember: Any) -> None:
        if not new:
            return
        for customer in Customer.objects.bulk_create(new):
            remember(customer)
        self.created += len(new)
