"""The insights pages: themes and what customers say about them, for every staff member;
the taxonomy, discovery and the settings, for quality managers (the learned models and
the sentiment words are in learning_views and vocabulary_views)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vocloop.accounts.decorators import quality_managers_only
from vocloop.accounts.scope import case_scope, feedback_visible
from vocloop.cases.models import CaseEventOriginal
from vocloop.insights import originals, selectors, services
from vocloop.insights.forms import (
    THEME_MAX_DEPTH,
    AcceptProposalForm,
    CorrectionForm,
    DiscoverForm,
    MergeProposalForm,
    TextSettingsForm,
    ThemeFilterForm,
    ThemeForm,
)
from vocloop.insights.models import OriginalComment, Theme, ThemeProposal
from vocloop.listening.models import Feedback

THEMES_REFUSED = "Only quality managers may change the themes."


def _filters(request: HttpRequest, *, grouped: bool = True) -> ThemeFilterForm:
    data = request.GET.copy()
    if not grouped:  # a theme's page has no grouping to choose; a stray one is no error
        data.pop("by", None)
    form = ThemeFilterForm(data)
    form.is_valid()
    return form


@login_required
@require_GET
def themes(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    # What does not depend on the filters is shown even when they cannot be used.
    context: dict[str, Any] = {
        "form": form,
        "proposals": ThemeProposal.objects.filter(status=ThemeProposal.Status.OPEN),
        "discover_form": DiscoverForm(),
    }
    if form.errors:
        return render(request, "insights/themes.html", context | {"figures": None}, status=400)
    span = _span(form)
    by = form.cleaned_data["by"]
    rising, period = selectors.emerging_in(span)
    emerging = {e.theme.pk: e for e in rising}
    figures: list[Any] = selectors.theme_figures(span, by=by)
    if by == "theme":
        figures = _tree(figures)
    context |= {
        "by": by,
        "figures": figures,
        "emerging": emerging,
        "rise_period": period,
        "comments": selectors.comments_in(span),
        "all_days": selectors.comment_days(),
        "span": span,
        "first": form.cleaned_data["date_from"],
        "last": form.cleaned_data["date_to"],
        "unread": selectors.latest_unread(),
        "min_n": settings.MIN_RESPONSES,
        "query": request.GET.urlencode(),
        "filters": form.query(),
        "everything": form.query(**_all_days(selectors.comment_days()), by=by),
    }
    return render(request, "insights/themes.html", context)


def _span(form: ThemeFilterForm) -> selectors.Span:
    data = form.cleaned_data
    touchpoint = data.get("touchpoint")
    return selectors.span_of(
        data["date_from"],
        data["date_to"],
        touchpoint_id=touchpoint.pk if touchpoint else None,
        channel=data.get("channel") or None,
    )


def _all_days(days: tuple[dt.date, dt.date] | None) -> dict[str, str]:
    return {"from": days[0].isoformat(), "to": days[1].isoformat()} if days else {}


def _tree(figures: list[selectors.ThemeFigure]) -> list[tuple[int, selectors.ThemeFigure]]:
    """Themes under their parents, parents first and by name, each with its indentation.

    Every theme is there: one nested deeper than the form allows (made before the limit,
    or by other means) is indented as far as the deepest level, and themes whose parents
    form a loop are shown from the top.
    """
    children: dict[int | None, list[selectors.ThemeFigure]] = {}
    known = {f.theme.pk for f in figures if f.theme is not None}
    for f in figures:
        assert f.theme is not None
        parent = f.theme.parent_id if f.theme.parent_id in known else None
        children.setdefault(parent, []).append(f)

    def by_name(found: list[selectors.ThemeFigure]) -> list[selectors.ThemeFigure]:
        return sorted(found, key=lambda f: f.label.lower())

    ordered: list[tuple[int, selectors.ThemeFigure]] = []
    placed: set[int] = set()
    for top in by_name(children.get(None, [])) + by_name(figures):
        stack = [(top, 0)]
        while stack:
            f, depth = stack.pop()
            assert f.theme is not None
            if f.theme.pk in placed:
                continue
            placed.add(f.theme.pk)
            ordered.append((min(depth, THEME_MAX_DEPTH - 1), f))
            below = by_name(children.get(f.theme.pk, []))
            stack.extend((child, depth + 1) for child in reversed(below))
    return ordered


@login_required
@require_GET
def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(Theme.objects.select_related("parent"), slug=slug)
    form = _filters(request, grouped=False)
    # What does not depend on the dates is shown even when they cannot be used.
    context: dict[str, Any] = {
        "theme": theme,
        "form": form,
        "children": theme.children.filter(active=True),
    }
    if form.errors:
        return render(request, "insights/theme.html", context, status=400)
    span = _span(form)
    rising, period = selectors.emerging_in(span)
    figure = (
        next(f for f in selectors.theme_figures(span) if f.key == theme.slug)
        if theme.active
        else None
    )
    scope = case_scope(request.user)
    recent = selectors.theme_comments(theme, span, scope=scope)
    context |= {
        "emerging": next((e for e in rising if e.theme.pk == theme.pk), None),
        "rise_period": period,
        "figure": figure,
        "clusters": selectors.theme_clusters(theme, span, scope=scope),
        "recent": recent,
        # Comments without a case (imported history, unscored feedback) are corrected here.
        "readings": selectors.comment_readings(recent, scope=scope, similar=False),
        "correction_themes": Theme.objects.filter(active=True).order_by("name"),
        "first": form.cleaned_data["date_from"],
        "last": form.cleaned_data["date_to"],
        "min_n": settings.MIN_RESPONSES,
        "query": request.GET.urlencode(),
    }
    return render(request, "insights/theme.html", context)


@quality_managers_only(THEMES_REFUSED)
@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    theme = get_object_or_404(Theme, slug=slug) if slug else Theme()
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        saved = services.theme_save(theme=form.save(commit=False))
        messages.success(
            request, f"Saved “{saved.name}”. Every comment is being read again with it."
        )
        return redirect("insights:theme", slug=saved.slug)
    status = 400 if form.errors else 200
    return render(
        request, "insights/theme_form.html", {"form": form, "theme": theme}, status=status
    )


@quality_managers_only(THEMES_REFUSED)
@require_POST
def discover(request: HttpRequest) -> HttpResponse:
    form = DiscoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose which comments to discover themes in.")
        return redirect(reverse("insights:themes") + "#proposals")
    found = services.themes_discover(days=form.cleaned_data["days"])
    if found:
        messages.success(
            request,
            f"{len(found)} possible new theme{'s' if len(found) != 1 else ''} found in "
            "comments no theme covers.",
        )
    else:
        messages.info(
            request,
            "No group of uncovered comments is large and coherent enough to propose as a theme.",
        )
    return redirect(reverse("insights:themes") + "#proposals")


@quality_managers_only(THEMES_REFUSED)
@require_http_methods(["GET", "POST"])
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(ThemeProposal, pk=pk)
    action = request.POST.get("action")
    accept = AcceptProposalForm(
        request.POST if action == "accept" else None,
        initial={"phrases": "\n".join(found.phrases)},
    )
    merge = MergeProposalForm(
        request.POST if action == "merge" else None,
        initial={"phrases": "\n".join(found.phrases)},
        auto_id="merge_%s",  # beside the accept form's fields of the same names
    )
    if request.method == "POST" and found.status != ThemeProposal.Status.OPEN:
        messages.error(request, "This proposal has already been decided.")
        return redirect("insights:themes")
    try:
        return _decide(request, found, action, accept, merge)
    except ValueError as reason:  # decided meanwhile by someone else
        messages.error(request, str(reason))
        return redirect("insights:themes")


def _decide(
    request: HttpRequest,
    found: ThemeProposal,
    action: str | None,
    accept: AcceptProposalForm,
    merge: MergeProposalForm,
) -> HttpResponse:
    if action == "accept" and accept.is_valid():
        chosen = dict(accept.cleaned_data)
        if "phrases" not in request.POST:  # not shown the phrases: the proposal's stand
            chosen["phrases"] = None
        theme = services.proposal_accept(proposal=found, by=request.user, **chosen)
        messages.success(request, f"“{theme.name}” is now a theme; comments are being read again.")
        if not theme.phrase_list:
            messages.warning(
                request,
                f"“{theme.name}” has no phrases, so no comment is given it until staff "
                "correct some to it and a learned model picks it up. Add phrases with Edit.",
            )
        return redirect("insights:theme", slug=theme.slug)
    if action == "merge" and merge.is_valid():
        theme = services.proposal_merge(
            proposal=found,
            theme=merge.cleaned_data["theme"],
            by=request.user,
            # Not shown the phrases (an older page, a script): the proposal's stand.
            phrases=merge.cleaned_data["phrases"] if "phrases" in request.POST else None,
        )
        messages.success(request, f"Merged into “{theme.name}”.")
        return redirect("insights:theme", slug=theme.slug)
    if action == "dismiss":
        services.proposal_dismiss(proposal=found, by=request.user)
        messages.success(request, "Proposal dismissed.")
        return redirect("insights:themes")
    if request.method == "POST" and action not in ("accept", "merge"):
        messages.error(request, "Choose to accept, merge or dismiss the proposal.")
    examples = {f.pk: f for f in Feedback.objects.filter(pk__in=found.examples)}
    context = {
        "proposal": found,
        "examples": [examples[pk] for pk in found.examples if pk in examples],
        "accept": accept,
        "merge": merge,
    }
    status = 400 if accept.errors or merge.errors else 200
    return render(request, "insights/proposal.html", context, status=status)


SIMILAR_LISTED = 500


@login_required
@require_GET
def similar(request: HttpRequest, reference: str) -> HttpResponse:
    """Every comment like this one in the 30 days around it that the user may read."""
    scope = case_scope(request.user)
    feedback = selectors.visible_feedback(scope, reference)
    if feedback is None:
        raise Http404("No such feedback.")
    found = selectors.similar_to(feedback, scope=scope, limit=SIMILAR_LISTED)
    context = {"feedback": feedback, "similar": found, "limit": SIMILAR_LISTED}
    return render(request, "insights/similar.html", context)


@login_required
@require_POST
def correct(request: HttpRequest, reference: str) -> HttpResponse:
    """A staff member who can see the feedback corrects how its comment was read."""
    feedback = get_object_or_404(Feedback, reference=reference)
    scope = case_scope(request.user)
    if not Feedback.objects.filter(feedback_visible(scope), pk=feedback.pk).exists():
        raise Http404("No such feedback.")
    back = request.POST.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = (
            reverse("cases:detail", args=[feedback.case.reference]) + f"#feedback-{reference}"
            if feedback.case is not None
            else reverse("insights:themes")
        )
    form = CorrectionForm(request.POST)
    refusal = (
        "the feedback has no comment."
        if not feedback.comment
        else "its comment is no longer kept (erased, or past its retention)."
        if feedback.erased_at is not None
        else None
    )
    if refusal is not None or not form.is_valid():
        messages.error(
            request, "That correction could not be saved: " + (refusal or form.errors.as_text())
        )
        return redirect(back)
    services.correction_record(
        feedback=feedback,
        themes=form.cleaned_data["themes"],
        sentiment=form.cleaned_data["sentiment"],
        by=cast(User, request.user),
        themes_shown=form.cleaned_data["shown"] if "shown" in request.POST else None,
    )
    messages.success(
        request,
        f"Thank you: {reference} now reads as you said, and the theme model will learn from it.",
    )
    return redirect(back)


@quality_managers_only(THEMES_REFUSED)
@require_http_methods(["GET", "POST"])
def text_settings(request: HttpRequest) -> HttpResponse:
    current = originals.text_settings()
    form = TextSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        originals.text_settings_save(keep_original_days=form.cleaned_data["keep_original_days"])
        messages.success(request, "Saved; the originals already kept follow the new setting.")
        return redirect("insights:settings")
    kept = OriginalComment.objects.count() + CaseEventOriginal.objects.count()
    context = {"form": form, "kept": kept}
    return render(request, "insights/settings.html", context, status=400 if form.errors else 200)
