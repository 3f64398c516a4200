"""The learned models' page (quality managers): the theme model and the sentiment model,
their versions and figures, Train now and Roll back."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from vocloop.accounts.decorators import quality_managers_only
from vocloop.insights import learning, sentiment_learning
from vocloop.insights.in_use import active_version
from vocloop.insights.models import LearnedModel, SentimentModel, ThemeModel
from vocloop.insights.tasks import train_sentiment_model, train_theme_model
from vocloop.insights.versions import REJECTED_MODELS_KEPT
from vocloop.insights.views import THEMES_REFUSED

# What Train now trains: each model with its quick check and its task.
TRAINED: tuple[tuple[str, Callable[[], str | None], Callable[[], object]], ...] = (
    ("Themes", learning.training_refusal, lambda: train_theme_model.enqueue()),
    (
        "Sentiment",
        sentiment_learning.sentiment_training_refusal,
        lambda: train_sentiment_model.enqueue(),
    ),
)


@quality_managers_only(THEMES_REFUSED)
@require_http_methods(["GET", "POST"])
def models(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _act(request, request.POST.get("action"))
        return redirect("insights:models")
    corrected, scored = sentiment_learning.sentiment_sources()
    context = {
        "versions": ThemeModel.objects.defer("data"),
        "active": active_version(ThemeModel, with_model=False),
        "corrections": learning.corrections_since_last_training(),
        "min_corrections": learning.MIN_CORRECTIONS,
        "sentiment_versions": SentimentModel.objects.defer("data"),
        "sentiment_active": active_version(SentimentModel, with_model=False),
        "sentiment_new": sentiment_learning.new_labels(),
        "sentiment_corrected": corrected,
        "sentiment_scored": scored,
        "sentiment": sentiment_learning,
        "rejected_kept": REJECTED_MODELS_KEPT,
    }
    return render(request, "insights/models.html", context)


# What Roll back rolls back, by the button's action: the model and what reads without it.
ROLLBACKS: dict[str, tuple[str, Callable[[], LearnedModel | None], str]] = {
    "rollback": ("Themes", learning.model_rollback, "the phrase rules alone"),
    "rollback_sentiment": (
        "Sentiment",
        sentiment_learning.sentiment_model_rollback,
        "the lexicon alone",
    ),
}


def _act(request: HttpRequest, action: str | None) -> None:
    try:
        if action == "train":
            _train(request)
        elif action in ROLLBACKS:
            name, rollback, alone = ROLLBACKS[action]
            previous = rollback()
            now = f"version {previous.version}" if previous is not None else alone
            messages.success(request, f"{name} rolled back: now using {now}.")
        else:
            messages.error(request, "Choose to train or to roll back.")
    except ValueError as reason:
        messages.error(request, str(reason))


def _train(request: HttpRequest) -> None:
    """Queue the training of each model that may train; say at once why another may not."""
    checked = [(name, refusal_of(), enqueue) for name, refusal_of, enqueue in TRAINED]
    started = [name.lower() for name, refusal, _ in checked if refusal is None]
    for name, refusal, enqueue in checked:
        if refusal is None:
            transaction.on_commit(enqueue)
        else:
            (messages.info if started else messages.error)(request, f"{name}: {refusal}")
    if started:
        messages.success(
            request,
            f"Training of the {' and '.join(started)} model{'s' if len(started) > 1 else ''} "
            "has started in the background; its result appears below in a minute or two.",
        )
