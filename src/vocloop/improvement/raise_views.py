"""Raise an action: by hand, or from where the problem is seen, with its evidence.

The pages that see a problem (a theme's, a metric's, a case's, an objective's) link
here with what they showed in the query string (`?source=theme&theme=billing&to=…`,
`?source=signal&metric=…&touchpoint=…`, `?source=cases&cases=VL-1`, `?objective=3`);
the form opens with the source, the metric and scope to move, and the problem
statement written from the evidence (improvement/evidence.py). The evidence travels
with the form, signed so that what is kept on the action is what vocloop counted when
it was raised, not what a browser sent back. A case or an
objective out of the user's reach is a 404, as on its own page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vocloop.accounts.scope import CaseScope, case_scope
from vocloop.cases.models import Case
from vocloop.cases.timeline import Actor
from vocloop.dashboards.forms import DashboardFilterForm
from vocloop.improvement import evidence, services
from vocloop.improvement.forms import ActionForm
from vocloop.improvement.models import Action
from vocloop.improvement.pages import attempt, teams_for, today
from vocloop.improvement.selectors import objectives_for
from vocloop.insights.forms import ThemeFilterForm
from vocloop.insights.models import Theme
from vocloop.metrics.catalogue import METRICS

NOT_SET = "Nothing was saved: see the form below."
MAX_CASES = 100
EVIDENCE_SALT = "vocloop.improvement.evidence"
EVIDENCE_CHANGED = (
    "The evidence did not come back as it was counted: raise the action again from where "
    "the problem is seen."
)


def evidence_signed(text: str) -> str:
    return signing.dumps(text, salt=EVIDENCE_SALT, compress=True) if text else ""


def evidence_read(value: str) -> str:
    """The evidence text of a signed value; BadSignature when it was changed."""
    if not value:
        return ""
    text = signing.loads(value, salt=EVIDENCE_SALT)
    if not isinstance(text, str):
        raise signing.BadSignature("not a text")
    return text


class RaisedActionForm(ActionForm):
    """The action's plan, with where it was raised from and the evidence it carries."""

    source = forms.ChoiceField(
        choices=Action.Source.choices, required=False, widget=forms.HiddenInput
    )
    evidence = forms.CharField(required=False, max_length=20_000, widget=forms.HiddenInput)
    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(),
        to_field_name="reference",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Cases to link to it",
        error_messages={"invalid_choice": "Choose cases of your teams: %(value)s is not one."},
    )

    def __init__(self, *args: Any, cases: QuerySet[Case] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cases is None:  # none asked for: raised by hand, from a theme, a signal …
            del self.fields["cases"]
        else:
            self.fields["cases"].queryset = cases  # type: ignore[attr-defined]

    def clean_evidence(self) -> str:
        try:
            return evidence_read(self.cleaned_data["evidence"])
        except signing.BadSignature:
            raise forms.ValidationError(EVIDENCE_CHANGED) from None

    def evidence_text(self) -> str:
        """The evidence as the page shows it: what was counted, or nothing if changed."""
        try:
            return evidence_read(self["evidence"].value() or "")
        except signing.BadSignature:
            return ""

    def values(self) -> dict[str, Any]:
        values = super().values()
        values.pop("cases", None)
        values["source"] = values.get("source") or Action.Source.HAND  # a form without it
        return values


def _form(
    scope: CaseScope, data: Any = None, *, asked: list[str], **kwargs: Any
) -> RaisedActionForm:
    # Only the cases asked for are offered: within reach, they are the ones to link.
    cases = (
        scope.cases().filter(reference__in=asked[:MAX_CASES]).order_by("opened_at", "pk")
        if asked
        else None
    )
    return RaisedActionForm(
        data, teams=teams_for(scope), objectives=objectives_for(scope), cases=cases, **kwargs
    )


def _refs(query: QueryDict) -> list[str]:
    return [ref for value in query.getlist("cases") for ref in value.split(",") if ref.strip()]


def raised_from(query: QueryDict, scope: CaseScope) -> evidence.Raised | str | None:
    """What the linking page showed, as the action's evidence; a sentence when the query
    cannot be read; None to raise by hand."""
    source = query.get("source", "")
    wanted = query.get("objective", "")
    if wanted:
        if not (wanted.isdecimal() and len(wanted) < 12):
            raise Http404("No such objective.")
        objective = get_object_or_404(objectives_for(scope), pk=int(wanted))
        return evidence.objective_raised(objective, today=today())
    if source == Action.Source.THEME:
        theme = get_object_or_404(Theme, slug=query.get("theme", ""), active=True)
        filters = ThemeFilterForm(query)
        if not filters.is_valid():
            return "The theme's dates or touch point cannot be read: the form is not prefilled."
        data = filters.cleaned_data
        as_of = min(data["date_to"] + dt.timedelta(days=1), today())
        return evidence.theme_raised(theme, as_of=as_of, touchpoint=data.get("touchpoint"))
    if source == Action.Source.SIGNAL:
        metric = query.get("metric", "")
        chart = DashboardFilterForm(query)
        if metric not in METRICS or METRICS[metric].chart is None or not chart.is_valid():
            return "The metric or its filters cannot be read: the form is not prefilled."
        if chart.cleaned_data.get("channel") and METRICS[metric].source == "case":
            return "Cases have no channel: the form is not prefilled."
        return evidence.signal_raised(metric, chart.scope(), period=chart.period())
    if source == Action.Source.CASES:
        refs = _refs(query)[:MAX_CASES]
        cases = scope.cases().filter(reference__in=refs)
        if not refs or cases.count() != len(set(refs)):
            raise Http404("No such case among your teams' cases.")
        return evidence.cases_raised(cases, scope=scope, today=today())
    return None


def _render(request: HttpRequest, form: RaisedActionForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "evidence": form.evidence_text(),
        "source": dict(Action.Source.choices).get(form["source"].value() or ""),
        "page": "actions",
    }
    return render(request, "improvement/action_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest) -> HttpResponse:
    """Raise an action by hand, or from where the problem is seen (see the module)."""
    scope = case_scope(request.user)
    if request.method == "GET":
        raised = raised_from(request.GET, scope)
        initial: dict[str, Any] = {"kind": Action.Kind.CORRECTIVE, "source": Action.Source.HAND}
        if isinstance(raised, str):
            messages.error(request, raised)
        elif raised is not None:
            initial = raised.initial()
            initial["evidence"] = evidence_signed(initial["evidence"])
            if raised.team_id not in set(teams_for(scope).values_list("pk", flat=True)):
                initial.pop("team")  # another team's touch point: the user chooses theirs
        form = _form(scope, initial=initial, asked=initial.get("cases", []))
        return _render(request, form, status=400 if isinstance(raised, str) else 200)
    form = _form(scope, request.POST, asked=request.POST.getlist("cases"))
    actor = Actor.staff(request.user)
    action = None
    if form.is_valid():
        values = form.values()
        cases = list(form.cleaned_data.get("cases") or [])
        action = attempt(form, lambda: services.action_create(actor=actor, cases=cases, **values))
    if action is None:
        messages.error(request, NOT_SET)
        return _render(request, form, status=400)
    messages.success(request, f"Action raised: {action.title}. It starts in Plan.")
    return redirect("improvement:action", pk=action.pk)
