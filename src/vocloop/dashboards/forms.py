"""The dashboards' filters: a date range, touch point, lifecycle stage, channel and segment."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from vocloop.accounts.models import Team
from vocloop.customers.models import Customer
from vocloop.lib.days import day_of
from vocloop.listening.models import LifecycleStage
from vocloop.metrics.filters import channel_choices, channel_field, touchpoint_field
from vocloop.metrics.selectors import UNKNOWN_SEGMENT, Period, Scope

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
    touchpoint = touchpoint_field()
    stage = forms.ChoiceField(
        required=False,
        choices=[("", "All stages"), *LifecycleStage.choices],
        label="Lifecycle stage",
    )
    channel = channel_field()
    segment = forms.ChoiceField(
        required=False,
        choices=[
            ("", "All segments"),
            *Customer.Size.choices,
            (UNKNOWN_SEGMENT, "Unknown"),
        ],
        # The customer's size when the feedback was given, not now (see dashboards.selectors).
        label="Segment at the time",
    )
    by = forms.ChoiceField(
        required=False,
        choices=[("week", "Week"), ("month", "Month"), ("day", "Day")],
        label="One point per",
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        if "channel" not in self.fields:  # a form of case figures: cases have no channel
            return
        asked = (data or {}).get("channel") or ""
        self.fields["channel"].widget = forms.Select(choices=channel_choices(asked))

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


class RootCauseFilterForm(DashboardFilterForm):
    """The dashboards' filters for case figures: a team instead of a channel (cases have
    none), and one point per week or month (a day holds too few resolved cases)."""

    channel = None  # type: ignore[assignment]
    team = forms.ModelChoiceField(
        required=False,
        queryset=Team.objects.none(),
        to_field_name="slug",
        empty_label="All teams",
        label="Team",
        error_messages={"invalid_choice": "Choose one of the teams whose cases you see."},
    )
    by = forms.ChoiceField(
        required=False,
        choices=[("week", "Week"), ("month", "Month")],
        label="One point per",
        error_messages={"invalid_choice": "Root causes are counted per week or per month."},
    )
    field_order = ["date_from", "date_to", "team", "touchpoint", "stage", "segment", "by"]

    def __init__(self, data: Any = None, *, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def chosen_team(self) -> Team | None:
        """The chosen team; call only when is_valid()."""
        return cast(Team | None, self.cleaned_data.get("team"))


def _choices(field: forms.Field) -> list[tuple[str, str]]:
    # A ModelChoiceField's widget iterates its queryset; the others hold a list.
    choices: Any = getattr(field.widget, "choices", None) or []
    return [(str(value), str(label)) for value, label in choices]


def filter_fields_html(form: DashboardFilterForm) -> SafeString:
    """The filter fields as HTML, built here rather than by Django's widget templates.

    This form is on every dashboard; rendering its fifty-odd options through one
    template each cost more than reading the figures did.
    """
    parts = []
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = str(form.data.get(key) or "")
        errors: list[str] = [str(e) for e in form.errors.get(name) or []]
        html_id = f"id_{key}"
        if isinstance(field.widget, forms.Select):
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (choice, mark_safe(" selected") if choice == value else "", label)
                    for choice, label in _choices(field)
                ),
            )
            control = format_html('<select name="{}" id="{}">{}</select>', key, html_id, options)
        else:
            control = format_html(
                '<input type="date" name="{}" id="{}" value="{}">', key, html_id, value
            )
        message = (
            format_html('<span class="errorlist" role="alert">{}</span>', " ".join(errors))
            if errors
            else ""
        )
        parts.append(
            format_html(
                '<p{}><label for="{}">{}:</label>{}{}</p>',
                mark_safe(' class="field-error"') if errors else "",
                html_id,
                field.label,
                control,
                message,
            )
        )
    # Safe: every part was built by format_html, which escapes what goes in.
    return mark_safe("\n".join(parts))
