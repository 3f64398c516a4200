"""The forms of the sentiment vocabulary page: a name, a word and its sentiment, a try-out."""

from __future__ import annotations

import math
from typing import Any

from django import forms

from vocloop.insights.models import SentimentTerm
from vocloop.insights.vocabulary import term_taken
from vocloop.text.lexicon import DEFAULT_WORDS, MAX_TERM_LENGTH, MAX_VALENCE, vader_valence

MAX_WORDS = 6  # a name or phrase of a few words, not a sentence
TRY_CHARACTERS = 5_000  # as long as a comment may be


def _term_cleaned(text: str, kind: str) -> str:
    what = "name" if kind == SentimentTerm.Kind.NAME else "word"
    term = " ".join(text.split())
    if not any(c.isalnum() for c in term):
        raise forms.ValidationError(f"A {what} needs at least one letter or digit.")
    if len(term.split()) > MAX_WORDS:
        raise forms.ValidationError(
            f"A {what} is at most {MAX_WORDS} words; “{term[:40]}…” reads like a sentence."
        )
    taken = term_taken(term, kind)
    if taken is not None:
        raise forms.ValidationError(f"“{taken.term}” is already among the {what}s.")
    return term


class NameForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_TERM_LENGTH,
        help_text="A brand, product, place or person customers name: “Superb Broadband”, "
        "“Joy Airlines”, “Fine” (a router). A one-word name counts only with the capitals "
        "you give it, so “Fine” is the product and “fine” still the word.",
    )

    def clean_name(self) -> str:
        name = _term_cleaned(self.cleaned_data["name"], SentimentTerm.Kind.NAME)
        if name.startswith("@") and " " not in name:
            raise forms.ValidationError(
                "Every @handle is read as a name already: there is nothing to add."
            )
        if len(name.split()) == 1 and name.isalpha() and name.islower():
            raise forms.ValidationError(
                f"A one-word name counts only as capitalised, and “{name}” has no capital: "
                "write it as customers do (“Fine”), or add it below as a word with no "
                "sentiment if the word itself should carry none."
            )
        return name


class WordForm(forms.Form):
    word = forms.CharField(
        max_length=MAX_TERM_LENGTH,
        help_text="A word, or a few, that means something else in your trade: “sick” (great), "
        "“free” (a plan's name, not a gift).",
    )
    valence = forms.FloatField(
        required=False,
        label="Sentiment here",
        help_text=f"From −{MAX_VALENCE:g} (most negative) to {MAX_VALENCE:g} (most positive), "
        "VADER's scale: “good” is 1.9, “great” 3.1, “bad” −2.5. Empty: no sentiment at all.",
        widget=forms.NumberInput(attrs={"step": "0.1", "min": -MAX_VALENCE, "max": MAX_VALENCE}),
    )

    def clean_word(self) -> str:
        return _term_cleaned(self.cleaned_data["word"], SentimentTerm.Kind.WORD).lower()

    def clean_valence(self) -> float | None:
        valence: float | None = self.cleaned_data["valence"]
        if valence is None:
            return None
        if not math.isfinite(valence) or not -MAX_VALENCE <= valence <= MAX_VALENCE:
            raise forms.ValidationError(
                f"A sentiment lies between −{MAX_VALENCE:g} and {MAX_VALENCE:g} "
                f"(VADER's strongest words are about ±3.5), not {valence:g}."
            )
        return round(valence, 2)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        word, valence = data.get("word"), data.get("valence")
        if word and "valence" in data and word not in DEFAULT_WORDS:
            if valence == vader_valence(word):
                self.add_error(
                    "valence",
                    f"VADER gives “{word}” {valence:g} already: there is nothing to change.",
                )
            elif valence is None and vader_valence(word) is None and " " not in word:
                self.add_error(
                    "valence",
                    f"“{word}” carries no sentiment already (VADER's lexicon does not know it).",
                )
        return data


class TryForm(forms.Form):
    text = forms.CharField(
        max_length=TRY_CHARACTERS,
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
