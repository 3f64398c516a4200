"""Forms of the rapid response: link cases to an action (from a case, from a theme, from a
group of similar comments), and the action's reply to all its open cases and their
resolution in one go."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import QuerySet

from vocloop.cases.models import Case
from vocloop.cases.selectors import root_causes_in_use
from vocloop.improvement.models import Action


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.get_phase_display()}, {obj.team.name})"


def _action_field() -> ActionChoiceField:
    return ActionChoiceField(
        queryset=Action.objects.none(),
        label="Improvement action",
        empty_label="Choose an action",
        error_messages={
            "required": "Choose the action to link to.",
            "invalid_choice": "Choose an open action of the list: that one is closed or not "
            "one of your teams'.",
        },
    )


class CaseLinkForm(forms.Form):
    """Link one case to an open action the user can see."""

    prefix = "link"
    action = _action_field()

    def __init__(self, *args: Any, actions: QuerySet[Action], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions  # type: ignore[attr-defined]


class CasesLinkForm(CaseLinkForm):
    """Link some of the open cases a page lists to an open action, in one go."""

    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(),
        label="Open cases",
        error_messages={
            "required": "Choose at least one case to link.",
            "invalid_choice": "One of the chosen cases is no longer open or is not one you "
            "can see: choose again from the list.",
            "invalid_pk_value": "Choose cases of the list.",
        },
    )

    def __init__(
        self, *args: Any, actions: QuerySet[Action], cases: QuerySet[Case], **kwargs: Any
    ) -> None:
        super().__init__(*args, actions=actions, **kwargs)
        self.fields["cases"].queryset = cases  # type: ignore[attr-defined]


class ThemeLinkForm(CasesLinkForm):
    """A theme's open cases."""

    prefix = "theme_link"


class SimilarLinkForm(CasesLinkForm):
    """The open cases of a group of similar comments."""

    prefix = "similar_link"


def _text(label: str, help_text: str, required: str, rows: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=settings.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required},
    )


class ReplyAllForm(forms.Form):
    """One public reply to every open linked case. The hidden key, new each time the page
    is shown, makes a second click or a retry of the same form reach no case twice."""

    prefix = "reply_all"
    body = _text(
        "Your reply",
        "Sent to each open linked case: on its timeline, and to its customer by email.",
        "Write the reply the customers are to read.",
        rows=5,
    )
    key = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        validators=[RegexValidator(r"^[0-9a-f]{32}$", "The form is out of date: send it again.")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)


class ResolveAllForm(forms.Form):
    prefix = "resolve_all"
    resolution = _text(
        "Resolution summary",
        "Each customer reads this summary and is asked whether they are satisfied.",
        "Say how the cases were resolved: each customer reads this summary.",
        rows=4,
    )
    root_cause = forms.ModelChoiceField(
        queryset=root_causes_in_use(),
        label="Root cause",
        empty_label="Choose a root cause",
        error_messages={
            "required": "Choose a root cause.",
            "invalid_choice": "Choose a root cause of the list.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
