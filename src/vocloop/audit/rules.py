"""Which answers are reads worth recording, and what each one read.

A read is recorded when it shows customers' data to a person or an API client: a
case page, an unmasked text, the comments behind a point of a chart or a theme, an
export, a customer's data. Pages of figures alone (a dashboard, a chart without its
drill-down) show no customer and are not recorded. The views are named by their URL
names, so that no part of vocloop imports the audit to be audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from vocloop.audit.models import Read

Naming = Callable[[HttpRequest, ResolverMatch], str | None]


def _kwarg(name: str) -> Naming:
    return lambda request, match: str(match.kwargs.get(name, ""))


def _drilled(request: HttpRequest, match: ResolverMatch) -> str | None:
    point = request.GET.get("point")
    return f"{match.kwargs.get('metric', '')} · {point}" if point else None


def _fixed(what: str) -> Naming:
    return lambda request, match: what


@dataclass(frozen=True)
class Rule:
    kind: str
    what: Naming


RULES: dict[str, Rule] = {
    "cases:detail": Rule(Read.Kind.CASE, _kwarg("reference")),
    "cases:reveal": Rule(Read.Kind.REVEAL, _kwarg("reference")),
    "dashboards:metric": Rule(Read.Kind.DRILL, _drilled),
    "insights:theme": Rule(Read.Kind.THEME, _kwarg("slug")),
    "insights:similar": Rule(Read.Kind.THEME, _kwarg("reference")),
    "customers:detail": Rule(Read.Kind.CUSTOMER, _kwarg("pk")),
    "customers:export": Rule(Read.Kind.CUSTOMER, _kwarg("pk")),
    "api:case_read": Rule(Read.Kind.API, _kwarg("reference")),
    "api:cases_list": Rule(Read.Kind.API, _fixed("cases")),
    "api:customer_export_read": Rule(Read.Kind.CUSTOMER, _kwarg("customer_id")),
}


def _attachment(response: HttpResponse) -> str | None:
    disposition = response.get("Content-Disposition", "")
    if not disposition.startswith("attachment"):
        return None
    _, _, name = disposition.partition("filename=")
    return name.strip('"') or "download"


def read_of(request: HttpRequest, response: HttpResponse) -> tuple[str, str] | None:
    """(kind, what) when this answer is a read to record; None otherwise."""
    if response.status_code != 200:
        return None
    if (name := _attachment(response)) is not None:
        return Read.Kind.EXPORT, name
    match = request.resolver_match
    rule = RULES.get(match.view_name) if match is not None else None
    if rule is None or match is None:
        return None
    what = rule.what(request, match)
    return (rule.kind, what) if what else None
