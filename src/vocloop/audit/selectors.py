"""Reads found by who, what, kind and day, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from vocloop.audit.models import Read
from vocloop.lib.days import day_start


@dataclass(frozen=True)
class ReadSearch:
    who: str = ""
    what: str = ""
    kind: str = ""
    first: dt.date | None = None
    last: dt.date | None = None


def reads_matching(search: ReadSearch) -> QuerySet[Read]:
    found = Read.objects.all()
    if search.who:
        found = found.filter(who__icontains=search.who)
    if search.what:
        found = found.filter(what__icontains=search.what)
    if search.kind:
        found = found.filter(kind=search.kind)
    if search.first:
        found = found.filter(at__gte=day_start(search.first))
    if search.last:
        found = found.filter(at__lt=day_start(search.last + dt.timedelta(days=1)))
    return found.order_by("-at", "-pk")
