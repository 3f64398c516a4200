"""The insights pages' forms: a theme, a decision on a proposal, a correction, the settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from vocloop.insights.models import Dimension, Sentiment, TextSettings, Theme, Want

GROUPINGS = (
    ("theme", "Theme"),
    ("dimension", "Quality dimension"),
    ("want", "What customers want"),
)
DEFAULT_DAYS = 90


class ThemeFilterForm(forms.Form):
    date_from = forms.DateField(label="From", required=False)
    date_to = forms.DateField(label="To", required=False)
    by = forms.ChoiceField(label="Group by", choices=GROUPINGS, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        for given in (data.get("date_from"), data.get("date_to")):
            if given is not None and not 1970 <= given.year <= 2999:
                raise forms.ValidationError("Choose dates between 1970 and 2999.")
        last = data.get("date_to") or today
        first = data.get("date_from") or last - dt.timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise forms.ValidationError("The start date is after the end date.")
        data["date_from"], data["date_to"] = first, last
        data["by"] = data.get("by") or "theme"
        return data


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = [
            "name",
            "parent",
            "dimension",
            "want",
            "description",
            "phrases",
            "examples",
            "active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "phrases": forms.Textarea(attrs={"rows": 6}),
            "examples": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        parents = Theme.objects.filter(active=True)
        if self.instance.pk:
            parents = parents.exclude(pk__in=_self_and_descendants(self.instance))
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["parent"].required = False

    def clean_phrases(self) -> str:
        return phrases_cleaned(self.cleaned_data["phrases"])


def phrases_cleaned(text: str) -> str:
    """One phrase per line, spaces and case evened out, each once."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    too_long = [line for line in lines if len(line) > 80]
    if too_long:
        raise forms.ValidationError(
            f"A phrase is a few words, not a sentence: “{too_long[0][:40]}…”."
        )
    return "\n".join(dict.fromkeys(line.lower() for line in lines if line))


def _self_and_descendants(theme: Theme) -> set[int]:
    found = {theme.pk}
    frontier = {theme.pk}
    while frontier:
        frontier = (
            set(Theme.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


class AcceptProposalForm(forms.Form):
    name = forms.CharField(max_length=80)
    dimension = forms.ChoiceField(choices=Dimension.choices)
    want = forms.ChoiceField(choices=Want.choices)
    parent = forms.ModelChoiceField(queryset=Theme.objects.filter(active=True), required=False)
    phrases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="One per line; edit them before accepting. A phrase of one common word "
        "(“credit”, “report”) catches comments about other things too: prefer two words.",
    )

    def clean_phrases(self) -> str:
        return phrases_cleaned(self.cleaned_data["phrases"])

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if Theme.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(
                f"A theme called “{name}” exists already: merge into it instead."
            )
        return name


class DiscoverForm(forms.Form):
    days = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (30, "the last 30 days"),
            (90, "the last 90 days"),
            (365, "the last year"),
            (0, "all comments, imported history too"),
        ],
        initial=90,
        label="From",
    )


class MergeProposalForm(forms.Form):
    theme = forms.ModelChoiceField(queryset=Theme.objects.filter(active=True), label="Merge into")


class CorrectionForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.filter(active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every theme this comment is about; none if it is about nothing named yet.",
    )
    sentiment = forms.ChoiceField(
        choices=[("", "Leave as read"), *list(Sentiment.choices)], required=False
    )
    # The themes shown ticked when the page was drawn (ids, comma-separated).
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_shown(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["shown"].split(",") if p.strip()]
        if not all(p.isdigit() and len(p) <= 18 for p in parts):
            raise forms.ValidationError("The form was changed: reload the page.")
        return [int(p) for p in parts]


class TextSettingsForm(forms.ModelForm):
    class Meta:
        model = TextSettings
        fields = ["keep_original_days"]
        labels = {"keep_original_days": "Keep unmasked originals for (days)"}

    def clean_keep_original_days(self) -> int:
        days = self.cleaned_data["keep_original_days"]
        if days > 3650:
            raise forms.ValidationError("At most 3,650 days (ten years).")
        return int(days)
