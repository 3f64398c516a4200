"""The dashboards' filters: a date range, touch point, lifecycle stage, channel and segment."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from vocloop.customers.models import Customer
from vocloop.listening.models import LifecycleStage, Touchpoint
from vocloop.metrics.models import FeedbackRollup
from vocloop.metrics.queries import UNKNOWN_SEGMENT, Period, Scope
from vocloop.metrics.rollups import day_of

# The default range: 26 whole weeks, this one included, so that a weekly control
# chart has enough points to judge and the first week is not a partial one.
DEFAULT_WEEKS = 26
# A range longer than this is refused: daily points over decades help no one.
MAX_DAYS = 3 * 366
# Dates outside these are typing mistakes, not ranges anyone has data for.
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(2999, 12, 31)


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    this_monday = today - dt.timedelta(days=today.weekday())
    return this_monday - dt.timedelta(weeks=DEFAULT_WEEKS - 1), today


class DashboardFilterForm(forms.Form):
    """Read from the query string; every field is optional and defaults to "all"."""

    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput({"type": "date"})
    )
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    touchpoint = forms.ModelChoiceField(
        required=False,
        queryset=Touchpoint.objects.order_by("name"),
        to_field_name="slug",
        empty_label="All touch points",
        label="Touch point",
    )
    stage = forms.ChoiceField(
        required=False,
        choices=[("", "All stages"), *LifecycleStage.choices],
        label="Lifecycle stage",
    )
    channel = forms.ChoiceField(required=False, label="Channel")
    segment = forms.ChoiceField(
        required=False,
        choices=[
            ("", "All segments"),
            *Customer.Size.choices,
            (UNKNOWN_SEGMENT, "Unknown"),
        ],
        label="Customer segment",
    )
    by = forms.ChoiceField(
        required=False,
        choices=[("week", "Week"), ("month", "Month"), ("day", "Day")],
        label="One point per",
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        channels = (
            FeedbackRollup.objects.order_by("channel").values_list("channel", flat=True).distinct()
        )
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ChoiceField)
        channel_field.choices = [("", "All channels"), *((c, c) for c in channels)]

    def add_prefix(self, field_name: str) -> str:
        # The query string says from= and to=, as the API does.
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date_to = data.get("date_to") or day_of(timezone.now())
        # Counting back from a day near year 1 would overflow: keep such a day as it is
        # and let the check below refuse it.
        date_from = data.get("date_from") or (
            default_range(date_to)[0] if date_to >= EARLIEST else date_to
        )
        if not (EARLIEST <= date_from <= LATEST and EARLIEST <= date_to <= LATEST):
            self.add_error(
                None, f"Choose dates between {EARLIEST:%-d %B %Y} and {LATEST:%-d %B %Y}."
            )
        elif date_from > date_to:
            self.add_error("date_from", "The first day comes after the last day.")
        elif (date_to - date_from).days >= MAX_DAYS:
            self.add_error("date_from", "Choose a range of at most three years.")
        data["date_from"], data["date_to"] = date_from, date_to
        if not self.errors:
            # Show the dates the figures cover, also when they were the defaults.
            shown = dict(self.data.items())  # one value per key, as the fields read them
            self.data = {**shown, "from": date_from.isoformat(), "to": date_to.isoformat()}
        return data

    def scope(self) -> Scope:
        """The validated scope; call only when is_valid()."""
        data = self.cleaned_data
        touchpoint = data.get("touchpoint")
        return Scope(
            date_from=data["date_from"],
            date_to=data["date_to"],
            touchpoint_id=touchpoint.pk if touchpoint else None,
            stage=data.get("stage") or None,
            channel=data.get("channel") or None,
            segment=data.get("segment") or None,
        )

    def period(self) -> Period:
        return cast(Period, self.cleaned_data.get("by") or "week")

    def query(self, **changes: str) -> str:
        """This form's filters as a query string, with some values changed (for links)."""
        names = [self.add_prefix(name) for name in self.fields]
        values = {name: (self.data or {}).get(name, "") for name in names}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})
