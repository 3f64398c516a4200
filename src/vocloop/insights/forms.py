"""The insights pages' forms: a theme, a decision on a proposal, a correction, the settings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils import timezone

from vocloop.insights.models import Dimension, Sentiment, TextSettings, Theme, Want
from vocloop.lib.days import day_of
from vocloop.lib.ids import id_from
from vocloop.metrics.filters import channel_choices, channel_field, touchpoint_field

GROUPINGS = (
    ("theme", "Theme"),
    ("dimension", "Quality dimension"),
    ("want", "What customers want"),
)
DEFAULT_DAYS = 90


# The query string names the dates as the dashboards and the API do; the names the
# themes pages used before are read too, so that links kept from then still work.
DATE_NAMES = {"date_from": "from", "date_to": "to"}


class ThemeFilterForm(forms.Form):
    """The themes pages' filters, with the dashboards' names and meaning."""

    date_from = forms.DateField(label="From", required=False)
    date_to = forms.DateField(label="To", required=False)
    touchpoint = touchpoint_field()
    channel = channel_field()
    by = forms.ChoiceField(label="Group by", choices=GROUPINGS, required=False)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            for old, new in DATE_NAMES.items():
                if old in data and new not in data:
                    data[new] = data[old]
        super().__init__(data, **kwargs)
        asked = (data or {}).get("channel") or ""
        self.fields["channel"].widget = forms.Select(choices=channel_choices(asked))

    def add_prefix(self, field_name: str) -> str:
        return DATE_NAMES.get(field_name, field_name)

    def query(self, **changes: str) -> str:
        """The filters as a query string, dates as the figures read them (for links)."""
        data = self.cleaned_data
        touchpoint = data.get("touchpoint")
        values = {
            "from": data["date_from"].isoformat(),
            "to": data["date_to"].isoformat(),
            "touchpoint": touchpoint.slug if touchpoint else "",
            "channel": data.get("channel") or "",
        } | changes
        return urlencode({k: v for k, v in values.items() if v})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = day_of(timezone.now())
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


# How deep themes may nest, the top themes being the first level: deeper than this a
# taxonomy is hard to read and the themes page cannot indent it any further.
THEME_MAX_DEPTH = 6
MAX_PHRASES = 500
MAX_EXAMPLES_CHARACTERS = 100_000
MAX_DESCRIPTION_CHARACTERS = 2_000
PHRASES_HELP = (
    "One per line. A phrase of one common word (“credit”, “report”, “question”) catches "
    "comments about other things too: prefer two words."
)


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name) if obj.active else f"{obj.name} (inactive)"


class ThemeForm(forms.ModelForm):
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=MAX_DESCRIPTION_CHARACTERS,
    )

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
        field_classes = {"parent": ParentChoiceField}
        widgets = {
            "phrases": forms.Textarea(attrs={"rows": 6}),
            "examples": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        offered = Q(active=True)
        if self.instance.parent_id is not None:
            # Its parent stays selectable even when no longer in use: saving the form
            # unchanged must not silently take the theme out from under it.
            offered |= Q(pk=self.instance.parent_id)
        parents = Theme.objects.filter(offered)
        if self.instance.pk:
            parents = parents.exclude(pk__in=_self_and_descendants(self.instance))
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["parent"].required = False

    def clean_name(self) -> str:
        name = theme_name_cleaned(self.cleaned_data["name"])
        taken = _name_taken(name, exclude=self.instance.pk)
        if taken is not None:
            raise forms.ValidationError(f"A theme called “{taken}” exists already.")
        return name

    def clean_phrases(self) -> str:
        return phrases_cleaned(self.cleaned_data["phrases"])

    def clean_examples(self) -> str:
        examples: str = self.cleaned_data["examples"]
        if len(examples) > MAX_EXAMPLES_CHARACTERS:
            raise forms.ValidationError(
                f"At most {MAX_EXAMPLES_CHARACTERS:,} characters of examples "
                f"(these are {len(examples):,}): keep the most typical comments."
            )
        return examples

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent = data.get("parent")
        if parent is not None:
            parents: dict[int, int | None] = dict(Theme.objects.values_list("pk", "parent_id"))
            spans = _levels_from(self.instance.pk, parents)
            level = _level(parent.pk, parents) + spans
            if level > THEME_MAX_DEPTH:
                below = " with its sub-themes" if spans > 1 else ""
                self.add_error(
                    "parent",
                    f"Themes nest at most {THEME_MAX_DEPTH} levels deep; under “{parent.name}” "
                    f"this theme{below} would reach level {level}. Choose a parent higher up.",
                )
        return data


def theme_name_cleaned(text: str) -> str:
    """Spaces evened out; a name must say something (a slug is made of its letters and digits)."""
    name = " ".join(text.split())
    if not any(c.isalnum() for c in name):
        raise forms.ValidationError("A theme's name needs at least one letter or digit.")
    return name


def _name_taken(name: str, *, exclude: int | None = None) -> str | None:
    """Another theme's name equal to this one but for case, if any (compared in Python:
    SQLite ignores the case of ASCII letters only)."""
    others = Theme.objects.exclude(pk=exclude) if exclude is not None else Theme.objects.all()
    wanted = name.casefold()
    return next((n for n in others.values_list("name", flat=True) if n.casefold() == wanted), None)


def phrases_cleaned(text: str) -> str:
    """One phrase per line, spaces and case evened out, each once."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    too_long = [line for line in lines if len(line) > 80]
    if too_long:
        raise forms.ValidationError(
            f"A phrase is a few words, not a sentence: “{too_long[0][:40]}…”."
        )
    phrases = list(dict.fromkeys(line.lower() for line in lines if line))
    if len(phrases) > MAX_PHRASES:
        raise forms.ValidationError(
            f"At most {MAX_PHRASES} phrases (these are {len(phrases):,}): keep those that "
            "say the theme best."
        )
    return "\n".join(phrases)


def _self_and_descendants(theme: Theme) -> set[int]:
    found = {theme.pk}
    frontier = {theme.pk}
    while frontier:
        frontier = (
            set(Theme.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


def _level(pk: int, parents: dict[int, int | None]) -> int:
    """1 for a top theme, 2 for its sub-themes, and so on."""
    seen: set[int] = set()
    node: int | None = pk
    while node is not None and node not in seen:
        seen.add(node)
        node = parents.get(node)
    return len(seen)


def _levels_from(pk: int | None, parents: dict[int, int | None]) -> int:
    """How many levels a theme spans with its sub-themes: 1 without any (or a new theme)."""
    children: dict[int, set[int]] = defaultdict(set)
    for child, parent in parents.items():
        if parent is not None:
            children[parent].add(child)
    levels, frontier, seen = 1, set(children.get(pk, ())) if pk else set(), {pk}
    while frontier - seen:
        frontier -= seen
        seen |= frontier
        levels += 1
        frontier = {c for p in frontier for c in children.get(p, ())}
    return levels


class AcceptProposalForm(forms.Form):
    name = forms.CharField(max_length=80)
    dimension = forms.ChoiceField(choices=Dimension.choices)
    want = forms.ChoiceField(choices=Want.choices)
    parent = forms.ModelChoiceField(queryset=Theme.objects.filter(active=True), required=False)
    phrases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Edit them before accepting. " + PHRASES_HELP,
    )

    def clean_phrases(self) -> str:
        return phrases_cleaned(self.cleaned_data["phrases"])

    def clean_name(self) -> str:
        name = theme_name_cleaned(self.cleaned_data["name"])
        taken = _name_taken(name)
        if taken is not None:
            raise forms.ValidationError(
                f"A theme called “{taken}” exists already: merge into it instead."
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
    phrases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Phrases to add",
        help_text="Only these join the theme's phrases; remove any that would catch other "
        "comments. " + PHRASES_HELP,
    )

    def clean_phrases(self) -> str:
        return phrases_cleaned(self.cleaned_data["phrases"])


class ThemeChoicesField(forms.ModelMultipleChoiceField):
    """Refuses an id no database column can hold before looking it up (SQLite raises an
    OverflowError on one, which the field does not expect)."""

    def clean(self, value: Any) -> Any:
        for given in value if isinstance(value, list | tuple) else ():
            try:
                number = int(str(given))
            except ValueError:
                continue  # the field itself says it is not a theme
            if not -(2**63) <= number < 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(given)[:20]},
                )
        return super().clean(value)


class CorrectionForm(forms.Form):
    themes = ThemeChoicesField(
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
        ids = [id_from(p.strip()) for p in self.cleaned_data["shown"].split(",") if p.strip()]
        if None in ids:
            raise forms.ValidationError("The form was changed: reload the page.")
        return [pk for pk in ids if pk is not None]


class TextSettingsForm(forms.ModelForm):
    class Meta:
        model = TextSettings
        fields = ["keep_original_days"]
        labels = {"keep_original_days": "Keep unmasked originals for (days)"}
        help_texts = {
            "keep_original_days": "Days to keep a comment's unmasked original when personal "
            "data was masked in it; 0 keeps it only until the first hourly purge after the "
            "comment is read. In a case: days after its resolution."
        }

    def clean_keep_original_days(self) -> int:
        days = self.cleaned_data["keep_original_days"]
        if days > 3650:
            raise forms.ValidationError("At most 3,650 days (ten years).")
        return int(days)
