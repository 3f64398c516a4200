from __future__ import annotations

from typing import Any

from django import forms

from vocloop.audit.models import Read
from vocloop.audit.selectors import ReadSearch


class ReadSearchForm(forms.Form):
    who = forms.CharField(
        required=False, max_length=200, label="Who", help_text="Name or username."
    )
    what = forms.CharField(
        required=False,
        max_length=200,
        label="What",
        help_text="A case's reference, a metric, a theme, a file's name.",
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any read"), *Read.Kind.choices], label="Kind"
    )
    first = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput({"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    last = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput({"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", "The period ends before it starts.")
        return data

    def search(self) -> ReadSearch:
        data = self.cleaned_data
        return ReadSearch(
            who=data.get("who", "").strip(),
            what=data.get("what", "").strip(),
            kind=data.get("kind", ""),
            first=data.get("first"),
            last=data.get("last"),
        )
