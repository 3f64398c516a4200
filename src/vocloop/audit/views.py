"""The audit of reads, for quality managers: search it, page through it, export it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from vocloop.accounts import roles
from vocloop.audit.forms import ReadSearchForm
from vocloop.audit.selectors import reads_matching
from vocloop.lib.days import day_of
from vocloop.lib.downloads import csv_response

PAGE_SIZE = 50
CSV_HEADER = ("at", "who", "kind", "what", "path", "address")


@login_required
@require_GET
def reads(request: HttpRequest) -> HttpResponse:
    if not roles.is_quality_manager(request.user):
        raise PermissionDenied("The audit of reads is kept for quality managers.")
    form = ReadSearchForm(request.GET)
    if not form.is_valid():
        context: dict[str, Any] = {"form": form, "page": None, "query": ""}
        return render(request, "audit/reads.html", context, status=400)
    found = reads_matching(form.search())
    if request.GET.get("format") == "csv":
        rows = (
            (
                timezone.localtime(r.at).isoformat(timespec="seconds"),
                r.who,
                r.kind,
                r.what,
                r.path,
                r.address,
            )
            for r in found.iterator()
        )
        return csv_response(f"vocloop-reads-{day_of(timezone.now())}.csv", CSV_HEADER, rows)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/reads.html", context)
