"""Reading comments in bulk: after an import or the demo load, or again after the themes changed.

Comments are read in the order they were given, so that similar comments group as
they would have on arrival (a group lives 30 days past its last member). Each batch
is written in its own transaction: an interrupted pass keeps what it wrote, and the
next one starts where it stopped. Memory stays bounded: the ids still to read (8
bytes each), one batch, and the similar groups alive in the last 30 days.

Reading in bulk never opens cases: an import brings history, whose cases were
handled (or not) where it came from.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import cast

from django.db import connection, transaction
from django.utils import timezone

from vocloop.cases.models import OPEN_STATUSES
from vocloop.insights.models import (
    SIMILAR_WINDOW,
    CommentText,
    CommentTheme,
    Correction,
    OriginalComment,
    SimilarGroup,
    SimilarGroupBand,
    Theme,
)
from vocloop.insights.originals import text_settings
from vocloop.insights.taxonomy import reader_build, with_ancestors
from vocloop.insights.texts import comment_texts_write
from vocloop.lib.days import day_of
from vocloop.lib.progress import Progress, stage
from vocloop.lib.rows import RowWriter
from vocloop.listening.models import Feedback
from vocloop.text import similarity
from vocloop.text.reading import Reader, Reading, process_read, process_start

BATCH = 2000
SQLITE_CACHE_KB = 65536
PARALLEL_FROM = 20000  # below this, starting a helper process costs more than it saves
TEXT_COLUMNS = (
    "feedback_id",
    "occurred_at",
    "day",
    "sentiment_score",
    "sentiment",
    "signature",
    "similar_group_id",
    "masked",
    "model_version",
    "sentiment_model_version",
    "enriched_at",
)
THEME_COLUMNS = (
    "feedback_id",
    "theme_id",
    "occurred_at",
    "day",
    "negative",
    "confidence",
    "source",
)

Row = tuple[int, str, dt.datetime]  # feedback id, comment, when it was given


@dataclass(frozen=True)
class BulkResult:
    comments: int
    themes: int
    groups: int
    seconds: float


class _Group:
    """A similar group known in this pass; its id arrives when it is written."""

    __slots__ = ("last_seen", "pk", "signature", "start")

    def __init__(self, signature: similarity.Signature, at: dt.datetime, pk: int | None = None):
        self.signature = signature
        self.start = at
        self.last_seen = at
        self.pk = pk


def _pending_ids(again: bool) -> array:
    """Ids of the comments to read, oldest first, streamed into a compact array."""
    # An erased comment keeps what was read of it: its figures stay as they were.
    feedback = Feedback.objects.exclude(comment="").filter(erased_at__isnull=True)
    if not again:
        feedback = feedback.filter(text__isnull=True)
    ids = array("q")
    for chunk in _chunks(feedback.order_by("occurred_at", "pk").values_list("pk", flat=True)):
        ids.extend(chunk)
    return ids


def _chunks(query: object) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in query.iterator(chunk_size=20000):  # type: ignore[attr-defined]
        chunk.append(pk)
        if len(chunk) == 20000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def comments_read_bulk(
    *,
    again: bool = False,
    progress: Progress | None = None,
    reader: Reader | None = None,
    parallel: bool | None = None,
) -> BulkResult:
    """Read every comment not yet read (with `again`, every comment: themes and sentiment only).

    With more than one core and many comments (or `parallel=True`), helper processes
    read the next batches while this one writes the batch before them.
    """
    began = time.perf_counter()
    reader = reader or reader_build()
    themes = {t.slug: t.pk for t in Theme.objects.filter(active=True)}
    ids = _pending_ids(again)
    grouper = similarity.Grouper(window=SIMILAR_WINDOW)
    if not again and ids:
        _grouper_seed(grouper, ids[0])
    if parallel is None:
        parallel = len(ids) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    if connection.vendor == "sqlite":
        # Each batch adds to four indexes all over their trees: with SQLite's default
        # 2 MB page cache, a large pass ends up waiting on the disk. A bounded 64 MB.
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    writer = _Writer(grouper, themes, reader, again)
    with (
        _Readers(reader, parallel) as readers,
        stage(progress, "reading", len(ids)) as advance,
    ):
        # Batches submitted ahead, one per helper process, written in order as they return.
        waiting: deque[tuple[list[Row], Callable[[], list[Reading]]]] = deque()
        for start in range(0, len(ids), BATCH):
            rows = list(
                Feedback.objects.filter(pk__in=list(ids[start : start + BATCH]))
                .order_by("occurred_at", "pk")
                .values_list("pk", "comment", "occurred_at")
            )
            waiting.append((rows, readers.submit([comment for _, comment, _ in rows])))
            if len(waiting) > readers.ahead:
                advance(writer.write(*waiting.popleft()))
        while waiting:
            advance(writer.write(*waiting.popleft()))
    return BulkResult(
        comments=len(ids),
        themes=writer.themes_given,
        groups=writer.groups_started,
        seconds=time.perf_counter() - began,
    )


class _Readers:
    """Readings of batches: computed here when asked for, or by a helper process meanwhile."""

    def __init__(self, reader: Reader, parallel: bool):
        self.reader = reader
        self.pool = None
        self.ahead = 0
        if parallel:
            # Reading costs about as much as writing: a helper per core reads while this
            # process writes, the system sharing the cores between them. "spawn": the
            # helpers start clean, without this process's database connections. A helper
            # that dies (or cannot start) fails the pass with BrokenProcessPool rather
            # than leaving it waiting for a reading that never comes.
            self.ahead = os.cpu_count() or 1
            self.pool = ProcessPoolExecutor(
                self.ahead,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=process_start,
                initargs=(reader,),
            )

    def submit(self, texts: list[str]) -> Callable[[], list[Reading]]:
        if self.pool is None:
            return lambda: self.reader.read_many(texts)
        pending = self.pool.submit(process_read, texts)
        return lambda: cast(list[Reading], pending.result())

    def __enter__(self) -> _Readers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class _Writer:
    """Writes each batch's readings in one transaction: an interrupted pass keeps its batches."""

    def __init__(
        self, grouper: similarity.Grouper, themes: dict[str, int], reader: Reader, again: bool
    ):
        self.grouper = grouper
        self.themes = themes
        self.reader = reader
        self.again = again
        # The worker may read a comment of the batch meanwhile: its reading stands.
        self.texts = RowWriter(CommentText, TEXT_COLUMNS, skip_existing=True)
        self.links = RowWriter(CommentTheme, THEME_COLUMNS, skip_existing=True)
        self.themes_given = 0
        self.groups_started = 0

    def write(self, rows: list[Row], readings_of: Callable[[], list[Reading]]) -> int:
        readings = readings_of()
        ids = [pk for pk, _, _ in rows]
        with transaction.atomic():
            _mask_stored(rows, readings)
            if self.again:
                self.themes_given += comment_texts_write(
                    feedback_ids=ids,
                    write=lambda: _reread(rows, readings, self.themes, self.reader),
                )
            else:
                groups, started = _groups_assign(self.grouper, rows, readings)
                self.groups_started += started

                def first_reading() -> int:
                    self.texts.write(_text_rows(rows, readings, groups, self.reader))
                    return self.links.write(_theme_rows(rows, readings, self.themes))

                self.themes_given += comment_texts_write(feedback_ids=ids, write=first_reading)
        if rows and not self.again:
            self.grouper.evict(rows[-1][2] - SIMILAR_WINDOW)
        return len(rows)


def _corrected_rewrite(fixed: list[int], rows: list[Row], standing: dict[int, str]) -> None:
    """Themes as staff set them, with the parents the taxonomy gives them now (a theme may
    have moved under another since), and whether the comment is negative as it stands."""
    chosen: dict[int, list[Theme]] = {}
    for correction in (
        Correction.objects.filter(feedback_id__in=fixed, themes_changed=True)
        .order_by("corrected_at", "pk")
        .prefetch_related("themes__parent")
    ):
        chosen[correction.feedback_id] = list(correction.themes.all())
    at = {pk: when for pk, _, when in rows}
    CommentTheme.objects.filter(feedback_id__in=chosen).delete()
    CommentTheme.objects.bulk_create(
        CommentTheme(
            feedback_id=pk,
            theme=theme,
            occurred_at=at[pk],
            day=day_of(at[pk]),
            negative=standing[pk] == "negative",
            confidence=1.0,
            source=CommentTheme.Source.STAFF,
        )
        for pk, themes in chosen.items()
        for theme in with_ancestors(themes)
    )


def _mask_stored(rows: list[Row], readings: list[Reading]) -> None:
    """Feedback stored unmasked (before masking on arrival, or loaded in bulk) is masked now,
    its original kept only as the quality manager's setting says."""
    masked = {
        pk: (comment, reading.text)
        for (pk, comment, _), reading in zip(rows, readings, strict=True)
        if reading.masked and reading.text != comment
    }
    if not masked:
        return
    days = text_settings().keep_original_days
    stored = {
        pk: (received_at, status)
        for pk, received_at, status in Feedback.objects.filter(pk__in=masked).values_list(
            "pk", "received_at", "case__status"
        )
    }
    # As on arrival: an open case keeps its comments' originals whatever the setting.
    OriginalComment.objects.bulk_create(
        [
            OriginalComment(
                feedback_id=pk,
                text=original,
                keep_until=stored[pk][0] + dt.timedelta(days=days),
            )
            for pk, (original, _) in masked.items()
            if days or stored[pk][1] in OPEN_STATUSES
        ],
        ignore_conflicts=True,
    )
    for pk, (_, text) in masked.items():
        Feedback.objects.filter(pk=pk).update(comment=text)


def _grouper_seed(grouper: similarity.Grouper, first_id: int) -> None:
    """Groups still alive when the first comment to read was given, from earlier reading."""
    first_at = Feedback.objects.values_list("occurred_at", flat=True).get(pk=first_id)
    for pk, signature, first_seen, last_seen in SimilarGroup.objects.filter(
        last_seen__gte=first_at - SIMILAR_WINDOW
    ).values_list("pk", "signature", "first_seen", "last_seen"):
        group = _Group(similarity.decode(signature), first_seen, pk)
        group.last_seen = last_seen
        grouper.add(group, group.signature, last_seen)


def _groups_assign(
    grouper: similarity.Grouper, rows: list[Row], readings: list[Reading]
) -> tuple[list[_Group | None], int]:
    """Each comment's group, with new groups and moved last-seen times written at once."""
    assigned: list[_Group | None] = []
    new: list[_Group] = []
    touched: dict[int, _Group] = {}
    for (_, _, at), reading in zip(rows, readings, strict=True):
        if reading.signature is None:
            assigned.append(None)
            continue
        group = cast("_Group | None", grouper.find(reading.signature, at))
        if group is None:
            group = _Group(reading.signature, at)
            grouper.add(group, reading.signature, at)
            new.append(group)
        else:
            grouper.touch(group, at)
            group.last_seen = max(group.last_seen, at)
            if group.pk is not None:
                touched[group.pk] = group
        assigned.append(group)
    if new:
        made = SimilarGroup.objects.bulk_create(
            SimilarGroup(
                signature=similarity.encode(g.signature), first_seen=g.start, last_seen=g.last_seen
            )
            for g in new
        )
        for group, row in zip(new, made, strict=True):
            group.pk = row.pk
        RowWriter(SimilarGroupBand, ["group_id", "key"]).write(
            {"group_id": g.pk, "key": key} for g in new for key in similarity.band_keys(g.signature)
        )
    if touched:
        quote = connection.ops.quote_name
        table, last_seen = quote(SimilarGroup._meta.db_table), quote("last_seen")
        field = SimilarGroup._meta.get_field("last_seen")
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {last_seen} = %s WHERE {quote('id')} = %s "
                f"AND {last_seen} < %s",
                [
                    (at, pk, at)
                    for pk, group in touched.items()
                    for at in [field.get_db_prep_save(group.last_seen, connection)]
                ],
            )
    return assigned, len(new)


def _text_rows(
    rows: list[Row], readings: list[Reading], groups: list[_Group | None], reader: Reader
) -> Iterator[dict[str, object]]:
    now = timezone.now()
    for (pk, _, at), reading, group in zip(rows, readings, groups, strict=True):
        yield {
            "feedback_id": pk,
            "occurred_at": at,
            "day": day_of(at),
            "sentiment_score": reading.sentiment.score,
            "sentiment": reading.sentiment.label,
            "signature": similarity.encode(reading.signature) if reading.signature else "",
            "similar_group_id": group.pk if group is not None else None,
            "masked": reading.masked,
            "model_version": reader.model_version,
            "sentiment_model_version": reader.sentiment_version,
            "enriched_at": now,
        }


def _theme_rows(
    rows: list[Row],
    readings: list[Reading],
    themes: dict[str, int],
    labels: list[str] | None = None,
) -> Iterator[dict[str, object]]:
    """Each comment's themes; `labels` are the sentiments that stand, where not as read."""
    for i, ((pk, _, at), reading) in enumerate(zip(rows, readings, strict=True)):
        negative = (labels[i] if labels else reading.sentiment.label) == "negative"
        day = day_of(at)
        for slug, found in reading.themes.items():
            if slug in themes:
                yield {
                    "feedback_id": pk,
                    "theme_id": themes[slug],
                    "occurred_at": at,
                    "day": day,
                    "negative": negative,
                    "confidence": found.confidence,
                    "source": found.source,
                }


def _reread(
    rows: list[Row], readings: list[Reading], themes: dict[str, int], reader: Reader
) -> int:
    """Themes and sentiment read again; what staff corrected stays as they left it."""
    pks = [pk for pk, _, _ in rows]
    state = {
        pk: (themes_done, sentiment_done, sentiment)
        for pk, themes_done, sentiment_done, sentiment in CommentText.objects.filter(
            feedback_id__in=pks
        ).values_list("feedback_id", "themes_corrected", "sentiment_corrected", "sentiment")
    }
    quote = connection.ops.quote_name
    # One prepared UPDATE for the batch: a corrected sentiment stays as staff set it.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(CommentText._meta.db_table)} SET {quote('sentiment_score')} = %s, "
            f"{quote('sentiment')} = CASE WHEN {quote('sentiment_corrected')} "
            f"THEN {quote('sentiment')} ELSE %s END, {quote('model_version')} = %s, "
            f"{quote('sentiment_model_version')} = %s WHERE {quote('feedback_id')} = %s",
            [
                (
                    r.sentiment.score,
                    r.sentiment.label,
                    reader.model_version,
                    reader.sentiment_version,
                    pk,
                )
                for (pk, _, _), r in zip(rows, readings, strict=True)
                if pk in state
            ],
        )
    standing = {
        pk: old if sentiment_done else r.sentiment.label
        for (pk, _, _), r in zip(rows, readings, strict=True)
        if pk in state
        for _, sentiment_done, old in [state[pk]]
    }
    fixed = [pk for pk, (themes_done, _, _) in state.items() if themes_done]
    if fixed:
        _corrected_rewrite(fixed, rows, standing)
    keep = {pk for pk, (themes_done, _, _) in state.items() if not themes_done}
    CommentTheme.objects.filter(feedback_id__in=keep).delete()
    chosen = [(row, reading) for row, reading in zip(rows, readings, strict=True) if row[0] in keep]
    return RowWriter(CommentTheme, THEME_COLUMNS, skip_existing=True).write(
        _theme_rows(
            [r for r, _ in chosen],
            [x for _, x in chosen],
            themes,
            [standing[r[0]] for r, _ in chosen],
        )
    )
