"""Counts on the staff pages read alike: 1,515 cases, n = 2,294, never "1515" beside "1,500"."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

import vocloop
from vocloop.dashboards.templatetags.vocloop_figures import number
from vocloop.lib.words import counted

PACKAGE = Path(vocloop.__file__).parent
STAFF_TEMPLATES = sorted(
    path
    for folder in ("cases", "dashboards", "insights", "templates/staff")
    for path in (PACKAGE / folder).rglob("*.html")
)
PRINTED = re.compile(r"{{\s*(?P<expr>[^}|\s]+)(?P<filters>(?:\|[^}\s]+)*)\s*}}")
# How vocloop names a count where nothing else in the template says it is one.
COUNT_NAMES = re.compile(
    r"(^|\.)(n|min_n|count|\w+_count|size|comments|customers|resolved|left_out|hidden|"
    r"visible|unread|opened|complaints|breached|waiting|open|kept|corrections|corrected|"
    r"scored|\w+_held_out|trained_on|masked|MIN_\w+|min_\w+|sentiment_\w+ed)$"
)


def counts_printed_plain(path: Path, root: Path = PACKAGE) -> list[str]:
    """Counts a template prints without |number: a name used with |pluralize in the same
    template ("{{ n }} case{{ n|pluralize }}") or one of vocloop's names for a count."""
    text = path.read_text()
    pluralized = set(re.findall(r"{{\s*([^}|\s]+)(?:\|add:[^}|\s]+)?\|pluralize", text))
    plain = []
    for m in PRINTED.finditer(text):
        expr, filters = m["expr"], m["filters"]
        if "pluralize" in filters or "number" in filters:
            continue
        if filters and not filters.startswith("|add:"):
            continue  # a figure, a date, a share: written by its own filter
        if expr in pluralized or COUNT_NAMES.search(expr):
            plain.append(f"{path.relative_to(root)}: {m.group(0)}")
    return plain


def test_every_count_on_a_staff_page_has_its_thousands_separated():
    assert len(STAFF_TEMPLATES) > 40  # the scan found the templates
    assert [plain for path in STAFF_TEMPLATES for plain in counts_printed_plain(path)] == []


def test_the_scan_finds_a_count_printed_plain(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "{{ cases }} case{{ cases|pluralize }}; n = {{ e.n }}; {{ f.comments|number }} "
        "comments; {{ e.value|figure:metric }}; {{ seen|add:hidden }} seen{{ seen|pluralize }}"
    )
    assert counts_printed_plain(page, tmp_path) == [
        "page.html: {{ cases }}",
        "page.html: {{ e.n }}",
        "page.html: {{ seen|add:hidden }}",
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [(2294, "2,294"), (1_000_000, "1,000,000"), (999, "999"), (0, "0"), (None, ""), ("x", "x")],
)
def test_a_count_is_written_with_its_thousands_separated(value, written):
    assert number(value) == written


def test_words_and_pages_write_a_count_alike():
    assert counted(3197, "comment") == "3,197 comments"
    assert counted(1, "comment") == "1 comment"


def test_an_estimate_on_a_dashboard_gives_its_n_with_a_separator():
    estimate = SimpleNamespace(value=0.761, ci_low=0.745, ci_high=0.776, n=3060)
    html = render_to_string(
        "dashboards/_estimate.html", {"e": estimate, "enough": True, "metric": "csat"}
    )
    assert "n = 3,060" in html
    html = render_to_string(
        "dashboards/_estimate.html", {"e": estimate, "enough": False, "min_n": 1000}
    )
    assert "n = 3,060, needs 1,000" in html


def test_a_workload_count_reads_with_a_separator():
    html = render_to_string(
        "cases/_workload_cells.html", {"cells": [(1515, "/staff/?due=breached", "breached")]}
    )
    assert ">1,515</a>" in html
