"""Staff pages: the inbox, the workload and the case page.

Reads go through cases/selectors.py (which applies who may see what), every change
through cases/services.py. A case outside the user's visibility is a 404, read or
write, so that its reference does not even confirm it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from vocloop.accounts import roles
from vocloop.accounts.models import Team
from vocloop.accounts.people import display_name
from vocloop.accounts.scope import CaseScope, case_scope
from vocloop.cases import originals, selectors, services
from vocloop.cases.forms import (
    AssignForm,
    CaseActionForm,
    ConfirmForm,
    InboxFilterForm,
    NoteForm,
    ReopenForm,
    ReplyForm,
    ResolveForm,
    SeverityForm,
    fill_reply_template,
)
from vocloop.cases.models import Case, CaseEvent, Severity
from vocloop.cases.services import CaseActionRefused
from vocloop.cases.timeline import Actor
from vocloop.cases.workload import Load, team_workload, workload_teams
from vocloop.insights.models import Theme
from vocloop.insights.selectors import comment_readings
from vocloop.lib.busy import (
    BUSY_MESSAGE,
    DatabaseBusy,
    busy_answer,
    busy_said,
    refused_when_busy,
)
from vocloop.lib.ids import id_from
from vocloop.listening.models import Feedback

INBOX_PAGE_SIZE = 50


def _is_htmx(request: HttpRequest) -> bool:
    # A history restore asks for the whole page, although it is an HTMX request.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    scope = case_scope(request.user)
    people = list(selectors.inbox_people(scope))
    form = InboxFilterForm(
        request.GET,
        touchpoints=selectors.inbox_touchpoints(scope),
        people=people,
        teams=Team.objects.all() if scope.sees_all else None,
        former=selectors.former_assignee(scope, request.GET.get("assignee", ""), people),
    )
    filters = form.filters()
    cases = selectors.inbox_cases(scope=scope, filters=filters)
    page = Paginator(cases, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filter_form": form,
        "sees_all": scope.sees_all,
        "order": selectors.inbox_order(filters),
        "escalated": filters.escalated,
        # A team column is noise for someone who works in one team only.
        "show_team": scope.sees_all or len(scope.team_ids) > 1,
    }
    if _is_htmx(request):
        response = render(request, "cases/_inbox_results.html", context)
    else:
        context["my_teams"] = Team.objects.filter(pk__in=scope.team_ids)
        response = render(request, "cases/inbox.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# The workload's columns: (inbox filters, heading), after the person and their open cases.
WORKLOAD_COLUMNS: tuple[tuple[dict[str, str], str], ...] = (
    ({"due": "acknowledge-breached"}, "Breached"),
    ({"due": "acknowledge-soon"}, "Due soon"),
    ({"due": "acknowledge-ok"}, "Within"),
    ({"due": "resolve-breached"}, "Breached"),
    ({"due": "resolve-soon"}, "Due soon"),
    ({"due": "resolve-ok"}, "Within"),
    ({"due": "paused"}, "Clock paused"),
    ({"due": "none"}, "No SLA"),
    ({"escalated": selectors.ESCALATED_OPEN}, "Escalated, still breached"),
)


def _workload_cells(load: Load, **chosen: str) -> list[tuple[int, str, str]]:
    """(count, inbox link, state) for each column of a workload row, its open cases first."""
    inbox_url = reverse("cases:inbox")
    cells = [(load.open, f"{inbox_url}?{urlencode(chosen)}", "open")]
    for extra, _ in WORKLOAD_COLUMNS:
        count = load.escalated if "escalated" in extra else load.due[extra["due"]]
        state = extra.get("due", "escalated").rsplit("-", 1)[-1]
        cells.append((count, f"{inbox_url}?{urlencode(chosen | extra)}", state))
    return cells


@login_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    """Open cases per team and person against their deadlines, for team leads and quality
    managers; a member of staff sees their own cases in the inbox instead."""
    if not (roles.is_quality_manager(request.user) or roles.is_team_lead(request.user)):
        raise PermissionDenied(
            "The workload page is for team leads and quality managers: it shows how each "
            "team's open cases are spread over its people. Your own cases are in your inbox "
            "(Assignee: Me)."
        )
    now = timezone.now()
    teams = []
    for item in team_workload(workload_teams(request.user), now=now):
        slug = item.team.slug
        rows = [
            (p, _workload_cells(p.load, team=slug, assignee=str(p.person.pk))) for p in item.people
        ]
        teams.append(
            {
                "team": item.team,
                "total": _workload_cells(item.total, team=slug),
                "people": rows,
                "unassigned": _workload_cells(item.unassigned, team=slug, assignee="unassigned"),
            }
        )
    context = {
        "teams": teams,
        "columns": [heading for _, heading in WORKLOAD_COLUMNS],
        "now": now,
    }
    return render(request, "cases/workload.html", context)


def _visible_case(request: HttpRequest, reference: str) -> tuple[Case, CaseScope]:
    scope = case_scope(request.user)
    return get_object_or_404(selectors.case_for_staff(scope), reference=reference), scope


def _render_case(
    request: HttpRequest,
    case: Case,
    scope: CaseScope,
    bound: dict[str, CaseActionForm] | None = None,
    *,
    status: int = 200,
    chosen_template: int | None = None,
    revealed: Revealed | None = None,
) -> HttpResponse:
    forms: dict[str, CaseActionForm] = {
        "assign": AssignForm(case=case),
        "reply": ReplyForm(case=case),
        "note": NoteForm(case=case),
        "severity": SeverityForm(case=case),
        "resolve": ResolveForm(case=case),
        "reopen": ReopenForm(case=case),
    } | (bound or {})
    feedback = list(selectors.case_feedback(case))
    context = {
        "case": case,
        "feedback": feedback,
        "readings": comment_readings(feedback, scope=scope),
        "correction_themes": Theme.objects.filter(active=True).order_by("name"),
        "other_feedback": selectors.customer_other_feedback(scope=scope, case=case),
        "timeline": selectors.case_timeline(case),
        "reply_templates": selectors.reply_templates_for(case),
        "chosen_template": chosen_template,
        "actions": selectors.case_actions(case),
        **_reveal_context(request, case, revealed),
        **{f"{name}_form": form for name, form in forms.items()},
    }
    return render(request, "cases/case_detail.html", context, status=status)


@dataclass(frozen=True)
class Revealed:
    """One unmasked text, shown to the person who revealed it in the answer to their POST."""

    feedback_id: int | None
    event_id: int | None
    text: str


def _reveal_context(request: HttpRequest, case: Case, revealed: Revealed | None) -> dict[str, Any]:
    can_reveal = originals.may_reveal(request.user, case)
    kept = originals.case_originals_kept(case) if can_reveal else None
    return {
        "revealable_feedback": kept.feedback if kept else frozenset(),
        "revealable_events": kept.events if kept else frozenset(),
        "revealed_feedback": {revealed.feedback_id: revealed.text}
        if revealed and revealed.feedback_id
        else {},
        "revealed_events": {revealed.event_id: revealed.text}
        if revealed and revealed.event_id
        else {},
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case, scope = _visible_case(request, reference)
    if "template" not in request.GET:
        return _render_case(request, case, scope)
    response = _reply_from_template(request, case, scope, request.GET["template"])
    patch_vary_headers(response, ["HX-Request"])
    return response


def _reply_from_template(
    request: HttpRequest, case: Case, scope: CaseScope, chosen: str
) -> HttpResponse:
    """The case page (or, for HTMX, only the reply field) with a template's text filled in."""
    if not chosen:
        if _is_htmx(request):
            return HttpResponse(status=204)  # "Choose a template" again: leave the text alone.
        return _render_case(request, case, scope)

    pk = id_from(chosen)
    found = selectors.reply_templates_for(case).filter(pk=pk).first() if pk is not None else None
    if found is None:
        if _is_htmx(request):
            return HttpResponse(status=204)
        messages.error(request, "That reply template is not available for this case.")
        return _render_case(request, case, scope)
    text = fill_reply_template(
        found.body,
        customer_name=case.customer.name if case.customer else "",
        reference=case.reference,
        team=case.team.name,
    )
    reply = ReplyForm(case=case, initial={"body": text})
    if _is_htmx(request):
        return render(request, "cases/_reply_body.html", {"reply_form": reply})
    return _render_case(request, case, scope, {"reply": reply}, chosen_template=found.pk)


# One case action: validate the form, call the service as the logged-in staff user,
# then redirect back with a message (POST/redirect/GET). A refusal re-renders the
# page with the form as filled in, so that no typed text is lost; so does a database
# too busy to store it (a 503).
ActionRun = Callable[[Case, dict[str, Any], Actor], str]


def _act(
    request: HttpRequest,
    reference: str,
    name: str,
    form_class: type[CaseActionForm],
    run: ActionRun,
) -> HttpResponse:
    case, scope = _visible_case(request, reference)
    form = form_class(request.POST, case=case)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, "Nothing was changed: " + " ".join(problems))
        return _render_case(request, case, scope, {name: form}, status=400)
    try:
        with refused_when_busy():
            done = run(case, form.cleaned_data, Actor.staff(request.user))
    except CaseActionRefused as refusal:
        # PermissionDenied is not caught: Django answers it with a 403.
        messages.error(request, f"Nothing was changed: {refusal}")
        case.refresh_from_db()
        return _render_case(request, case, scope, {name: form}, status=409)
    except DatabaseBusy as busy:
        messages.error(request, f"{BUSY_MESSAGE} What you typed is still in the form below.")
        case.refresh_from_db()
        return busy_answer(request, _render_case(request, case, scope, {name: form}), busy)
    messages.success(request, done)
    return redirect("cases:detail", reference=case.reference)


@login_required
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        assignee = data["assignee"]
        services.case_assign(case=case, assignee=assignee, actor=actor)
        if assignee is None:
            return f"{case.reference} is now unassigned."
        return f"{case.reference} is now assigned to {display_name(assignee)}."

    return _act(request, reference, "assign", AssignForm, run)


@login_required
@require_POST
def acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        services.case_acknowledge(case=case, actor=actor)
        return f"{case.reference} is acknowledged; the customer can see that you are on it."

    return _act(request, reference, "acknowledge", ConfirmForm, run)


@login_required
@require_POST
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        services.case_reply(case=case, body=data["body"], actor=actor)
        return "Your reply was sent: the customer sees it on their tracking page."

    return _act(request, reference, "reply", ReplyForm, run)


@login_required
@require_POST
def note(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        services.case_note(case=case, body=data["body"], actor=actor)
        return "Internal note added. The customer does not see it."

    return _act(request, reference, "note", NoteForm, run)


@login_required
@require_POST
def set_severity(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        services.case_set_severity(case=case, severity=data["severity"], actor=actor)
        return f"Severity is now {Severity(data['severity']).label.lower()}."

    return _act(request, reference, "severity", SeverityForm, run)


@login_required
@require_POST
def wait_on_customer(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        services.case_wait_on_customer(case=case, actor=actor)
        return f"{case.reference} is waiting on the customer."

    return _act(request, reference, "wait_on_customer", ConfirmForm, run)


@login_required
@require_POST
def resolve(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        services.case_resolve(
            case=case, resolution=data["resolution"], root_cause=data["root_cause"], actor=actor
        )
        return f"{case.reference} is resolved. The customer sees your summary."

    return _act(request, reference, "resolve", ResolveForm, run)


@login_required
@require_POST
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, data: dict[str, Any], actor: Actor) -> str:
        services.case_reopen(case=case, reason=data["reason"], actor=actor)
        return f"{case.reference} is open again."

    return _act(request, reference, "reopen", ReopenForm, run)


@dataclass(frozen=True)
class _RevealTarget:
    feedback: Feedback | None
    event: CaseEvent | None

    def context(self, **extra: Any) -> dict[str, Any]:
        """What cases/_customer_text.html needs to show this text."""
        if self.feedback is not None:
            case = self.feedback.case
            named = {"text": self.feedback.comment, "name": "feedback", "quote": True}
            named["value"] = self.feedback.reference
        else:
            assert self.event is not None
            case = self.event.case
            named = {"text": self.event.body, "name": "event", "value": self.event.pk}
        return {"case": case, "revealable": True, **named, **extra}


def _reveal_target(case: Case, data: Any) -> tuple[Feedback | None, CaseEvent | None]:
    """The feedback (by reference) or timeline entry (by id) of this case a reveal names."""
    reference, event_id = data.get("feedback", ""), data.get("event", "")
    if reference:
        return case.feedback.filter(reference=reference[:20]).first(), None
    if (pk := id_from(event_id)) is not None:
        return None, case.events.filter(pk=pk).first()
    return None, None


@login_required
@require_POST
def reveal(request: HttpRequest, reference: str) -> HttpResponse:
    """The unmasked text of a comment or customer message, for the case's assignee and lead.

    Answered in place, not by a redirect: the text is shown once, to whoever asked,
    and each reveal is recorded. HTMX swaps the text (and the new timeline entry) in.
    """
    case, scope = _visible_case(request, reference)
    if not originals.may_reveal(request.user, case):
        raise PermissionDenied(
            "Only the case's assignee, its team's lead and quality managers may reveal what "
            "the customer wrote."
        )
    feedback, event = _reveal_target(case, request.POST)
    if feedback is None and event is None:
        messages.error(request, "Nothing was revealed: that is not a text of this case.")
        return _render_case(request, case, scope, status=400)
    target = _RevealTarget(feedback, event)
    try:
        with refused_when_busy():
            text = originals.case_original_reveal(
                case=case, actor=Actor.staff(request.user), feedback=feedback, event=event
            )
    except DatabaseBusy as busy:
        # Each reveal is recorded, so none is shown that could not be.
        refusal = CaseActionRefused(
            "the system is busy for a moment and could not record the reveal. "
            "Please try again in a moment."
        )
        if _is_htmx(request):
            # As the refusals below: in place, which HTMX does only for a 2xx answer.
            busy_said(request, "answered in place", busy)
            return render(request, "cases/_customer_text.html", target.context(refusal=refusal))
        messages.error(request, f"Nothing was revealed: {refusal}")
        return busy_answer(request, _render_case(request, case, scope), busy)
    except CaseActionRefused as refusal:
        if _is_htmx(request):
            # In place, and as a 200: HTMX swaps no 4xx answer, and the reader must see why.
            return render(request, "cases/_customer_text.html", target.context(refusal=refusal))
        messages.error(request, f"Nothing was revealed: {refusal}")
        return _render_case(request, case, scope, status=409)
    if not _is_htmx(request):
        shown = Revealed(feedback.pk if feedback else None, event.pk if event else None, text)
        return _render_case(request, case, scope, revealed=shown)
    context = {
        **target.context(original=text),
        "record": CaseEvent.objects.filter(case=case).order_by("created_at", "id").last(),
    }
    return render(request, "cases/_revealed.html", context)
