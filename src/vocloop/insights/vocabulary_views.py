"""The sentiment vocabulary page (quality managers): names with no sentiment, words that
mean something else here, and vocloop's own adjustments, each of which may be switched off."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vocloop.accounts.decorators import quality_managers_only
from vocloop.insights import vocabulary as words
from vocloop.insights.in_use import vocabulary_current
from vocloop.insights.models import SentimentTerm
from vocloop.insights.views import THEMES_REFUSED
from vocloop.insights.vocabulary_forms import NameForm, TryForm, WordForm
from vocloop.lib.ids import id_from
from vocloop.text.lexicon import (
    DEFAULT_VOCABULARY,
    DEFAULT_WORDS,
    PROBLEM_VALENCE,
    PROBLEMS,
    SUCCESS_VALENCE,
    SUCCESSES,
    vader_valence,
)
from vocloop.text.sentiment import sentiment

REREAD = "Every comment is being read again with it."


@quality_managers_only(THEMES_REFUSED)
@require_http_methods(["GET", "POST"])
def vocabulary(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    name_form = NameForm(request.POST if action == "name" else None)
    word_form = WordForm(
        request.POST if action == "word" else None,
        initial={"word": request.GET.get("word", "")[:60]},
    )
    by = cast(User, request.user)
    if action == "name" and name_form.is_valid():
        added = words.sentiment_name_add(name=name_form.cleaned_data["name"], by=by)
        messages.success(request, f"“{added.term}” now carries no sentiment. {REREAD}")
        return _back("names")
    if action == "word" and word_form.is_valid():
        added = words.sentiment_word_add(
            word=word_form.cleaned_data["word"], valence=word_form.cleaned_data["valence"], by=by
        )
        messages.success(request, f"“{added.term}” now reads {_valence(added.valence)}. {REREAD}")
        return _back("words")
    if action in ("remove", "switch"):
        return _change(request, action, by)
    if action not in (None, "name", "word"):
        messages.error(request, "Choose to add a name or a word, remove one, or switch one.")
        return _back("")
    return _page(request, name_form, word_form)


def _change(request: HttpRequest, action: str, by: User) -> HttpResponse:
    if action == "remove":
        pk = id_from(request.POST.get("term", ""))
        term = (
            SentimentTerm.objects.exclude(kind=SentimentTerm.Kind.OFF).filter(pk=pk).first()
            if pk is not None
            else None
        )
        if term is None:
            messages.error(request, "That entry is not in the list (removed already?).")
            return _back("")
        words.sentiment_term_remove(term=term)
        messages.success(request, f"Removed “{term.term}”. {REREAD}")
        return _back("names" if term.kind == SentimentTerm.Kind.NAME else "words")
    word, on = request.POST.get("word", ""), request.POST.get("on") == "1"
    try:
        words.sentiment_default_switch(word=word, on=on, by=by)
    except ValueError as reason:
        messages.error(request, str(reason))
        return _back("defaults")
    state = "applied again" if on else "switched off: VADER's own reading holds"
    messages.success(request, f"vocloop's adjustment of “{word}” {state}. {REREAD}")
    return _back("defaults")


def _back(anchor: str) -> HttpResponse:
    return redirect(reverse("insights:vocabulary") + (f"#{anchor}" if anchor else ""))


def _valence(valence: float | None) -> str:
    return "with no sentiment" if valence is None else f"{valence:+g}"


def _page(request: HttpRequest, name_form: NameForm, word_form: WordForm) -> HttpResponse:
    trying = TryForm(request.GET if "text" in request.GET else None)
    tried: dict[str, Any] | None = None
    if trying.is_valid():
        text = trying.cleaned_data["text"]
        tried = {
            "here": sentiment(text, vocabulary=vocabulary_current()),
            "defaults": sentiment(text, vocabulary=DEFAULT_VOCABULARY),
        }
    terms = list(SentimentTerm.objects.select_related("added_by"))
    context = {
        "names": [t for t in terms if t.kind == SentimentTerm.Kind.NAME],
        "words": [
            (t, vader_valence(t.term), DEFAULT_WORDS.get(t.term))
            for t in terms
            if t.kind == SentimentTerm.Kind.WORD
        ],
        "defaults": words.default_rows(),
        "problems": PROBLEMS,
        "successes": SUCCESSES,
        "problem_valence": PROBLEM_VALENCE,
        "success_valence": SUCCESS_VALENCE,
        "name_form": name_form,
        "word_form": word_form,
        "try_form": trying,
        "tried": tried,
    }
    failed = name_form.errors or word_form.errors or trying.errors
    return render(request, "insights/vocabulary.html", context, status=400 if failed else 200)
