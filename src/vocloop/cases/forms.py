"""Forms of the staff pages: the inbox filters and one form per case action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from vocloop.accounts.models import Team
from vocloop.accounts.people import display_name
from vocloop.cases import selectors
from vocloop.cases.models import Case, Severity, Status
from vocloop.listening.models import Touchpoint

PLACEHOLDER_FALLBACK_NAME = "customer"


def fill_reply_template(body: str, *, customer_name: str, reference: str, team: str) -> str:
    """A reply template's text with {customer_name}, {reference} and {team} filled in.

    Plain replacement rather than str.format: a template written by staff may hold
    other braces, and format() would fail on them (or reach into attributes).
    A customer without a name is addressed as "customer".
    """
    values = {
        "{customer_name}": customer_name.strip() or PLACEHOLDER_FALLBACK_NAME,
        "{reference}": reference,
        "{team}": team,
    }
    for placeholder, value in values.items():
        body = body.replace(placeholder, value)
    return body


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class InboxFilterForm(forms.Form):
    """The inbox filters, read from the query string; a bad value falls back to its default."""

    status = forms.ChoiceField(
        required=False,
        choices=[
            (selectors.STATUS_OPEN, "Open (new, acknowledged, waiting)"),
            *Status.choices,
            (selectors.STATUS_ALL, "All"),
        ],
    )
    touchpoint = forms.ModelChoiceField(
        required=False,
        queryset=Touchpoint.objects.none(),
        to_field_name="slug",
        empty_label="All touch points",
        label="Touch point",
    )
    assignee = forms.ChoiceField(required=False)
    sort = forms.ChoiceField(
        required=False,
        label="Order",
        choices=[
            (selectors.SORT_URGENT, "Most severe, then newest"),
            (selectors.SORT_DUE, "Next deadline first"),
        ],
    )
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Find",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Reference, customer name or email"}
        ),
    )
    team = forms.ModelChoiceField(
        required=False, queryset=Team.objects.none(), to_field_name="slug", empty_label="All teams"
    )
    due = forms.ChoiceField(
        required=False,
        label="Next deadline",
        choices=[
            ("", "Any"),
            (selectors.DUE_BREACHED, "Either deadline breached"),
            ("acknowledge-breached", "Acknowledge: breached"),
            ("acknowledge-soon", "Acknowledge: due soon (2 hours)"),
            ("acknowledge-ok", "Acknowledge: within the deadline"),
            ("resolve-breached", "Resolve: breached"),
            ("resolve-soon", "Resolve: due soon (2 hours)"),
            ("resolve-ok", "Resolve: within the deadline"),
            ("paused", "Clock paused (waiting on the customer)"),
            ("none", "No SLA"),
        ],
    )
    escalated = forms.ChoiceField(
        required=False,
        label="Escalation",
        choices=[
            ("", "Any"),
            (selectors.ESCALATED_OPEN, "Escalated, still breached"),
            (selectors.ESCALATED_EVER, "Escalated at least once"),
        ],
    )

    def __init__(
        self,
        data: Any,
        *,
        touchpoints: QuerySet[Touchpoint],
        people: Iterable[Any],
        teams: QuerySet[Team] | None,
        former: Any = None,
    ) -> None:
        """`former`: an assignee asked for who is no longer in a team, offered too."""
        super().__init__(data, label_suffix="")
        self.fields["touchpoint"].queryset = touchpoints  # type: ignore[attr-defined]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            (selectors.ASSIGNEE_ME, "Me"),
            (selectors.ASSIGNEE_NOBODY, "Unassigned"),
            *((str(p.pk), display_name(p)) for p in people),
            *(
                [(str(former.pk), f"{display_name(former)} (no longer in a team)")]
                if former
                else []
            ),
        ]
        if teams is None:
            del self.fields["team"]
        else:
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def filters(self) -> selectors.InboxFilter:
        self.is_valid()
        data = self.cleaned_data
        return selectors.InboxFilter(
            status=data.get("status") or selectors.STATUS_OPEN,
            touchpoint=data.get("touchpoint"),
            assignee=data.get("assignee") or "",
            team=data.get("team"),
            search=data.get("q") or "",
            sort=data.get("sort") or selectors.SORT_URGENT,
            due=data.get("due") or "",
            escalated=data.get("escalated") or "",
        )


class CaseActionForm(forms.Form):
    """A form acting on one case; subclasses set a prefix so that ids stay unique on the page."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        self.case = case
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ConfirmForm(CaseActionForm):
    """An action with nothing to fill in (acknowledge, wait on the customer)."""


class AssignForm(CaseActionForm):
    prefix = "assign"
    assignee = PersonChoiceField(
        queryset=None,
        required=False,
        empty_label="Nobody (unassign)",
        label="Assign to",
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        field = self.fields["assignee"]
        field.queryset = selectors.case_team_people(case)  # type: ignore[attr-defined]
        field.initial = case.assignee_id


def _text(label: str, help_text: str, *, rows: int = 6, **extra: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=settings.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        **extra,
    )


class ReplyForm(CaseActionForm):
    prefix = "reply"
    body = _text(
        "Your reply",
        "Shown to the customer on their tracking page.",
        error_messages={"required": "Write the reply, or choose a template to start from."},
    )


class NoteForm(CaseActionForm):
    prefix = "note"
    body = _text(
        "Note",
        "The customer never sees this.",
        rows=4,
        error_messages={"required": "A note needs some text."},
    )


class SeverityForm(CaseActionForm):
    prefix = "severity"
    severity = forms.ChoiceField(choices=Severity.choices, label="Severity")

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["severity"].initial = case.severity


class ResolveForm(CaseActionForm):
    prefix = "resolve"
    resolution = _text(
        "Resolution summary",
        "The customer sees this summary: say what was done, in plain words.",
        rows=4,
        error_messages={"required": "Say how the case was resolved: the customer reads this."},
    )
    root_cause = forms.ModelChoiceField(
        queryset=selectors.root_causes_in_use(),
        label="Root cause",
        empty_label="Choose a root cause",
        error_messages={"required": "Choose a root cause."},
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["root_cause"].help_text = format_html(
            'Internal: counted in the <a href="{}">root-cause analysis</a>, not shown to the '
            "customer.",
            reverse("dashboards:root_causes"),
        )


class ReopenForm(CaseActionForm):
    prefix = "reopen"
    reason = _text(
        "Why reopen it?",
        "The customer sees that the case was reopened; this reason stays with the team.",
        rows=3,
        error_messages={"required": "Say why the case is reopened."},
    )
