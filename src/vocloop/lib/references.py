"""The reference a customer and staff quote for a piece of feedback: VL-<year>-<number>.

The number counts from 1 each year, written with at least six digits (VL-2026-000123);
REFERENCE_PATTERN matches every reference vocloop writes, up to a billion a year.
"""

from __future__ import annotations

REFERENCE_PATTERN = r"VL-[0-9]{4}-[0-9]{6,9}"


def reference_format(year: int, number: int) -> str:
    """ "VL-2026-000123": the reference numbered `number` in `year`."""
    return f"VL-{year}-{number:06d}"


class ReferenceConverter:
    """A reference in a URL path (`<reference:...>`, registered by vocloop.urls): anything
    else is a 404 before any query."""

    regex = REFERENCE_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
