"""The forms customers fill in without an account: survey answers, feedback, complaints, replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundWidget

from vocloop.listening.models import SCORE_RANGES, STAGE_ORDER, LifecycleStage, Survey, Touchpoint

HONEYPOT_FIELD = "website"


@dataclass(frozen=True)
class ScaleEnds:
    low_label: str
    high_label: str


# What the ends of each scale mean; every scale reads low = poor, high = good.
SCALE_ENDS: dict[str, ScaleEnds] = {
    "nps": ScaleEnds("Not at all likely", "Extremely likely"),
    "csat": ScaleEnds("Very dissatisfied", "Very satisfied"),
    "ces": ScaleEnds("Very difficult", "Very easy"),
}


@dataclass(frozen=True)
class ScalePoint:
    radio: BoundWidget
    number: int
    end_label: str


@dataclass(frozen=True)
class Choice:
    radio: BoundWidget
    hint: str


def comment_field(*, label: str, required: bool) -> forms.CharField:
    # No maxlength attribute: the browser would silently cut a pasted text; the
    # customer is told the limit instead and keeps their text when it is too long.
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Up to {settings.COMMENT_MAX_LENGTH:,} characters.",
        error_messages={"required": "Please write your message."},
    )


def check_length(text: str) -> str:
    limit = settings.COMMENT_MAX_LENGTH
    if len(text) > limit:
        raise ValidationError(
            f"Your text is {len(text):,} characters long; please shorten it to {limit:,} "
            "characters or fewer.",
            code="too_long",
        )
    return text


class PublicForm(forms.Form):
    """What every public form shares: the honeypot, and errors a page can summarise."""

    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get(HONEYPOT_FIELD):
            # Robots fill in every field; people never see this one.
            raise ValidationError(
                "This form could not be sent because the field “Leave this empty” was filled "
                "in. If you are a person, please empty it and send the form again.",
                code="honeypot",
            )
        return cleaned

    @classmethod
    def unsent(cls, data: Mapping[str, Any], **kwargs: Any) -> Self:
        """An unbound form showing what the customer typed, without judging it yet."""
        prefix = f"{cls.prefix}-" if cls.prefix else ""
        initial = {
            key.removeprefix(prefix): value
            for key, value in data.items()
            if key.startswith(prefix) and key != prefix + HONEYPOT_FIELD
        }
        return cls(initial=initial, **kwargs)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for every error, in field order; non-field errors have no anchor."""
        summary = [("", str(message)) for message in self.non_field_errors()]
        for field in self:
            if field.name == HONEYPOT_FIELD:
                continue
            anchor = field.auto_id
            if isinstance(field.field.widget, forms.RadioSelect):
                anchor = f"{field.auto_id}_0"
            summary.extend((anchor, str(message)) for message in field.errors)
        return summary

    def add_service_errors(self, errors: dict[str, str], aliases: dict[str, str]) -> None:
        """Put a service's errors ({field: sentence}) next to the fields they concern."""
        for key, message in errors.items():
            name = aliases.get(key, key)
            self.add_error(name if name in self.fields else None, message)


class ContactFields(forms.Form):
    name = forms.CharField(
        label="Your name (optional)",
        required=False,
        max_length=200,
        help_text="We keep it only together with your email address.",
    )
    email = forms.EmailField(
        label="Your email address (optional)",
        required=False,
        max_length=254,
        help_text="Lets the team contact you about this. We use it for nothing else.",
        error_messages={
            "invalid": "Enter an email address like name@example.com, or leave it empty."
        },
    )


class SurveyAnswerForm(PublicForm, ContactFields):
    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        score_type = survey.score_type
        self.scale_ends = SCALE_ENDS.get(score_type) if score_type else None
        if score_type is not None:
            low, high = SCORE_RANGES[score_type]
            words = f"Please choose a number from {low} to {high}."
            self.fields["score"] = forms.TypedChoiceField(
                label=survey.question_text,
                choices=[(str(n), str(n)) for n in range(low, high + 1)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": words, "invalid_choice": words},
            )
            self.fields["comment"] = comment_field(
                label=f"{survey.comment_question} (optional)", required=False
            )
        else:
            self.fields["comment"] = comment_field(label=survey.question_text, required=True)
        self.order_fields(["score", "comment", "name", "email", HONEYPOT_FIELD])

    def clean_comment(self) -> str:
        return check_length(self.cleaned_data["comment"])

    def scale_points(self) -> list[ScalePoint]:
        if "score" not in self.fields or self.scale_ends is None:
            return []
        radios = list(self["score"])
        points = []
        for index, radio in enumerate(radios):
            end_label = ""
            if index == 0:
                end_label = self.scale_ends.low_label
            elif index == len(radios) - 1:
                end_label = self.scale_ends.high_label
            points.append(ScalePoint(radio, int(radio.data["value"]), end_label))
        return points


def touchpoints_taking_feedback() -> list[Touchpoint]:
    """Active touch points in the order of the customer lifecycle, then by name."""
    touchpoints = list(Touchpoint.objects.filter(active=True))
    touchpoints.sort(key=lambda t: (STAGE_ORDER.index(t.stage), t.name.lower()))
    return touchpoints


class FeedbackForm(PublicForm, ContactFields):
    """Give feedback or make a complaint, about a touch point chosen here or named by the link."""

    KIND_CHOICES = [
        ("feedback", "Give feedback"),
        ("complaint", "Make a complaint"),
    ]
    KIND_HINTS = {
        "feedback": "Tell us what you think, good or bad. The team responsible reads it.",
        "complaint": "Something went wrong and you want us to put it right. "
        "The team responsible will look into it and answer you.",
    }

    touchpoint = forms.ChoiceField(
        label="What is it about?",
        error_messages={
            "required": "Please choose what your message is about.",
            "invalid_choice": "Please choose one of the topics in the list.",
        },
    )
    kind = forms.ChoiceField(
        label="What would you like to do?",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose whether you are giving feedback or making a complaint.",
            "invalid_choice": "Please choose “Give feedback” or “Make a complaint”.",
        },
    )

    def __init__(self, *args: Any, preset: Touchpoint | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preset = preset
        self.fields["comment"] = comment_field(label="Your message", required=True)
        if preset is not None:
            del self.fields["touchpoint"]
            self._touchpoints = {preset.slug: preset}
        else:
            touchpoints = touchpoints_taking_feedback()
            self._touchpoints = {t.slug: t for t in touchpoints}
            groups: dict[str, list[tuple[str, str]]] = {}
            for t in touchpoints:
                groups.setdefault(LifecycleStage(t.stage).label, []).append((t.slug, t.name))
            field = self.fields["touchpoint"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "Choose a topic"), *groups.items()]
        self.order_fields(["touchpoint", "kind", "comment", "name", "email", HONEYPOT_FIELD])

    def clean_comment(self) -> str:
        return check_length(self.cleaned_data["comment"])

    def chosen_touchpoint(self) -> Touchpoint:
        if self.preset is not None:
            return self.preset
        return self._touchpoints[self.cleaned_data["touchpoint"]]

    def kind_choices(self) -> list[Choice]:
        return [Choice(radio, self.KIND_HINTS[radio.data["value"]]) for radio in self["kind"]]


class FollowUpForm(PublicForm):
    prefix = "message"

    body = forms.CharField(
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Up to {settings.COMMENT_MAX_LENGTH:,} characters.",
        error_messages={"required": "Please write your message."},
    )

    def clean_body(self) -> str:
        return check_length(self.cleaned_data["body"])


class UpdatesForm(PublicForm):
    """Email me updates: the address the tracking page's holder wants them at."""

    prefix = "updates"

    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="We email you a link to confirm that the address is yours; the updates "
        "start once you follow it. We use the address for nothing else.",
        error_messages={
            "required": "Please enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
        },
    )


class VerdictForm(PublicForm):
    prefix = "verdict"

    satisfied = forms.TypedChoiceField(
        label="Are you satisfied with how we handled this?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please answer Yes or No.",
            "invalid_choice": "Please answer Yes or No.",
        },
    )
    reason = forms.CharField(
        label="What is still wrong?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required if you answer No, so that we can put it right.",
    )

    def satisfied_choices(self) -> list[Choice]:
        return [Choice(radio, "") for radio in self["satisfied"]]

    def clean_reason(self) -> str:
        return check_length(self.cleaned_data["reason"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("satisfied") is False and not cleaned.get("reason"):
            self.add_error(
                "reason", "Please tell us what is still wrong, so that we can put it right."
            )
        return cleaned
