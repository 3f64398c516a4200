"""The customer's pages: answer a survey, give feedback or complain, follow what happens to it.

No account is needed. Every page works without JavaScript; every POST redirects
on success (POST/redirect/GET) and re-shows the form with the customer's text on
failure, whatever the failure: a database too busy to store it (a large import
holding SQLite's lock) too, answering 503.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vocloop.cases.customer_actions import (
    case_customer_actions,
    case_customer_verdict,
    feedback_follow_up,
)
from vocloop.cases.models import Status
from vocloop.cases.services import CaseActionRefused
from vocloop.cases.timeline import public_timeline
from vocloop.conductor.feedback import feedback_receive
from vocloop.customers.services import customer_identify
from vocloop.lib.busy import BUSY_MESSAGE, DatabaseBusy, busy_answer, refused_when_busy
from vocloop.listening.links import tracking_url
from vocloop.listening.models import SCORE_RANGES, Feedback, Survey, Touchpoint
from vocloop.listening.ratelimit import RateDecision, address_send_allowed, public_post_allowed
from vocloop.listening.services import FeedbackInput, FeedbackInvalid
from vocloop.notifications.updates import updates_state, updates_stop, updates_subscription_request
from vocloop.public.erased import FeedbackErased, gone_once_erased
from vocloop.public.forms import (
    SCALE_ENDS,
    FeedbackForm,
    FollowUpForm,
    SurveyAnswerForm,
    UpdatesForm,
    VerdictForm,
)
from vocloop.public.you_said import tracking_context

# Where the service's error keys land on the public forms.
SERVICE_ERROR_FIELDS = {"score_type": "score"}


# --- Shared steps ---------------------------------------------------------------------------


def _rate_limited(response: HttpResponse, decision: RateDecision) -> HttpResponse:
    response["Retry-After"] = str(decision.retry_after)
    return response


def _retry_context(decision: RateDecision) -> dict[str, Any]:
    """What the 429 page says: the form is still there, and when to send it again."""
    return {
        "rate_limited": True,
        "retry_minutes": max(1, math.ceil(decision.retry_after / 60)),
        "retry_at": timezone.now() + dt.timedelta(seconds=decision.retry_after),
    }


def _busy_again(
    request: HttpRequest, busy: DatabaseBusy, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The form again as the customer filled it in, saying that nothing was stored (503)."""
    page = render(request, template, {**context, "busy": BUSY_MESSAGE})
    return busy_answer(request, page, busy)


def _receive(form: SurveyAnswerForm | FeedbackForm, data: FeedbackInput) -> Feedback:
    # One transaction: a refused piece of feedback leaves no customer record behind, and
    # neither does a database too busy to take it (DatabaseBusy).
    with refused_when_busy(), transaction.atomic():
        customer = customer_identify(
            name=form.cleaned_data.get("name", ""),
            email=form.cleaned_data.get("email", ""),
            verified=False,  # anyone can type any email into a public form
        )
        return feedback_receive(data=data, customer=customer)


def _submitted(feedback: Feedback) -> HttpResponse:
    return redirect(reverse("public:track", args=[feedback.tracking_token]) + "?sent=1")


def _not_collecting(
    request: HttpRequest, *, touchpoint: Touchpoint | None, unsent_text: str = ""
) -> HttpResponse:
    return render(
        request,
        "public/not_collecting.html",
        {"touchpoint": touchpoint, "unsent_text": unsent_text},
        status=410,
    )


# --- Surveys --------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def survey_answer(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("touchpoint"), public_slug=slug)
    if not (survey.active and survey.touchpoint.active):
        return _not_collecting(
            request, touchpoint=None, unsent_text=request.POST.get("comment", "")
        )
    template = "public/survey.html"
    if request.method != "POST":
        return render(
            request, template, {"survey": survey, "form": SurveyAnswerForm(survey=survey)}
        )

    decision = public_post_allowed(request)
    if not decision.allowed:
        form = SurveyAnswerForm.unsent(request.POST, survey=survey)
        context = {"survey": survey, "form": form, **_retry_context(decision)}
        return _rate_limited(render(request, template, context, status=429), decision)

    form = SurveyAnswerForm(request.POST, survey=survey)
    if form.is_valid():
        data = FeedbackInput(
            touchpoint=survey.touchpoint,
            survey=survey,
            kind=Feedback.Kind.SURVEY,
            channel="web",
            score_type=survey.score_type,
            score=form.cleaned_data.get("score"),
            comment=form.cleaned_data["comment"],
            customer_verified=False,  # an email typed into a public form is only a claim
        )
        try:
            return _submitted(_receive(form, data))
        except FeedbackInvalid as exc:
            form.add_service_errors(exc.errors, SERVICE_ERROR_FIELDS)
        except DatabaseBusy as busy:
            return _busy_again(request, busy, template, {"survey": survey, "form": form})
    return render(request, template, {"survey": survey, "form": form}, status=400)


# --- Feedback and complaints ----------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def feedback_give(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    preset: Touchpoint | None = None
    withdrawn: Touchpoint | None = None
    if slug is not None:
        preset = get_object_or_404(Touchpoint, slug=slug)
        if not preset.active:
            if request.method != "POST":
                return _not_collecting(request, touchpoint=preset)
            # The text must not be lost: offer the other topics with it still in the form.
            withdrawn, preset = preset, None
    template = "public/feedback.html"
    if request.method != "POST":
        return render(request, template, {"form": FeedbackForm(preset=preset)})

    decision = public_post_allowed(request)
    if not decision.allowed:
        form = FeedbackForm.unsent(request.POST, preset=preset)
        context = {"form": form, **_retry_context(decision)}
        return _rate_limited(render(request, template, context, status=429), decision)

    form = FeedbackForm(request.POST, preset=preset)
    if withdrawn is not None and "touchpoint" not in request.POST:
        form.is_valid()
        form.errors.pop("touchpoint", None)
        form.add_error(
            "touchpoint",
            f"“{withdrawn.name}” no longer takes feedback. Please choose another topic.",
        )
    elif form.is_valid():
        data = FeedbackInput(
            touchpoint=form.chosen_touchpoint(),
            kind=form.cleaned_data["kind"],
            channel="web",
            comment=form.cleaned_data["comment"],
            customer_verified=False,  # an email typed into a public form is only a claim
        )
        try:
            return _submitted(_receive(form, data))
        except FeedbackInvalid as exc:
            form.add_service_errors(exc.errors, SERVICE_ERROR_FIELDS)
        except DatabaseBusy as busy:
            return _busy_again(request, busy, template, {"form": form})
    return render(request, template, {"form": form}, status=400)


# --- Tracking -------------------------------------------------------------------------------


def status_in_words(feedback: Feedback) -> tuple[str, str]:
    """(headline, what happens next) for the customer."""
    case = feedback.case
    if case is None:
        team = feedback.touchpoint.owning_team.name
        return (
            "Received — thank you",
            "Nothing further is needed from you. If you write to us below, "
            f"the {team} team will answer you here.",
        )
    team = case.team.name
    return {
        Status.NEW: (
            f"Received — waiting for the {team} team to pick it up",
            "We have opened a case. You will see their answer on this page.",
        ),
        Status.ACKNOWLEDGED: (
            f"The {team} team is working on it",
            "You will see their replies on this page.",
        ),
        Status.WAITING_ON_CUSTOMER: (
            "We are waiting for your reply",
            f"Please answer below so that the {team} team can carry on.",
        ),
        Status.RESOLVED: (
            "Resolved",
            "Please tell us below whether you are satisfied with how we handled this.",
        ),
        Status.CLOSED: ("Closed", "Thank you for telling us."),
    }.get(Status(case.status), (case.get_status_display(), ""))


@dataclass(frozen=True)
class GivenFeedback:
    feedback: Feedback
    score_low: int | None
    score_high: int | None
    low_label: str
    high_label: str


def _given(feedback: Feedback) -> GivenFeedback:
    low = high = None
    ends = SCALE_ENDS.get(feedback.score_type or "")
    if feedback.score_type:
        low, high = SCORE_RANGES[feedback.score_type]
    return GivenFeedback(
        feedback,
        low,
        high,
        ends.low_label if ends else "",
        ends.high_label if ends else "",
    )


def _feedback_or_404(token: str) -> Feedback:
    feedback = get_object_or_404(
        Feedback.objects.select_related(
            "case__team", "touchpoint__owning_team", "survey", "customer"
        ),
        tracking_token=token,
    )
    # Erased with the customer's data: gone. A comment removed after its retention
    # (vocloop.retention) leaves the link working: the customer follows their case still.
    if feedback.erased_at is not None and feedback.customer and feedback.customer.erased_at:
        raise FeedbackErased  # answered 410 by gone_once_erased
    return feedback


def _track_page(
    request: HttpRequest,
    feedback: Feedback,
    *,
    follow_up_form: FollowUpForm | None = None,
    verdict_form: VerdictForm | None = None,
    updates_form: UpdatesForm | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    case = feedback.case
    given = [_given(feedback)]
    if case is not None:
        others = (
            case.feedback.exclude(pk=feedback.pk)
            .select_related("survey", "touchpoint")
            .order_by("received_at", "id")
        )
        given += [_given(other) for other in others]
    headline, next_step = status_in_words(feedback)
    customer_actions = case_customer_actions(case)
    context = {
        "feedback": feedback,
        "case": case,
        "given": given,
        "timeline": public_timeline(case) if case is not None else [],
        "headline": headline,
        "next_step": next_step,
        "tracking_url": tracking_url(feedback),
        "just_submitted": request.method == "GET" and "sent" in request.GET,
        "can_write": "message" in customer_actions,
        "asks_verdict": "verdict" in customer_actions,
        "follow_up_form": follow_up_form or FollowUpForm(),
        "verdict_form": verdict_form or VerdictForm(),
        "updates": updates_state(feedback),
        "updates_form": updates_form or UpdatesForm(),
        **tracking_context(case),
        **(extra or {}),
    }
    return render(request, "public/track.html", context, status=status)


@never_cache
@require_safe
@gone_once_erased
def track(request: HttpRequest, token: str) -> HttpResponse:
    return _track_page(request, _feedback_or_404(token))


def _track_busy(
    request: HttpRequest, feedback: Feedback, busy: DatabaseBusy, **unsent_form: Any
) -> HttpResponse:
    """The tracking page again, answering 503, with the customer's text still in its form."""
    page = _track_page(request, feedback, extra={"busy": BUSY_MESSAGE}, **unsent_form)
    return busy_answer(request, page, busy)


def _track_rate_limited(
    request: HttpRequest, feedback: Feedback, decision: Any, **unsent_form: Any
) -> HttpResponse:
    """The tracking page again, answering 429, with the customer's text still in its form."""
    page = _track_page(request, feedback, status=429, extra=_retry_context(decision), **unsent_form)
    return _rate_limited(page, decision)


@never_cache
@require_POST
@gone_once_erased
def track_message(request: HttpRequest, token: str) -> HttpResponse:
    feedback = _feedback_or_404(token)
    decision = public_post_allowed(request)
    if not decision.allowed:
        return _track_rate_limited(
            request, feedback, decision, follow_up_form=FollowUpForm.unsent(request.POST)
        )
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            with refused_when_busy():
                case = feedback_follow_up(feedback=feedback, body=form.cleaned_data["body"])
        except CaseActionRefused as exc:
            form.add_error("body", str(exc))
        except DatabaseBusy as busy:
            return _track_busy(request, feedback, busy, follow_up_form=form)
        else:
            messages.success(
                request,
                f"Thank you, your message has been added. The {case.team.name} team "
                "will answer you on this page.",
            )
            return redirect("public:track", token=token)
    return _track_page(request, feedback, follow_up_form=form, status=400)


@never_cache
@require_POST
@gone_once_erased
def track_verdict(request: HttpRequest, token: str) -> HttpResponse:
    feedback = _feedback_or_404(token)
    decision = public_post_allowed(request)
    if not decision.allowed:
        return _track_rate_limited(
            request, feedback, decision, verdict_form=VerdictForm.unsent(request.POST)
        )
    form = VerdictForm(request.POST)
    if form.is_valid():
        if feedback.case is None:
            form.add_error(None, "There is no case to give your opinion on yet.")
        else:
            satisfied: bool = form.cleaned_data["satisfied"]
            try:
                with refused_when_busy():
                    case = case_customer_verdict(
                        case=feedback.case, satisfied=satisfied, reason=form.cleaned_data["reason"]
                    )
            except CaseActionRefused as exc:
                form.add_error(None, str(exc))
            except DatabaseBusy as busy:
                return _track_busy(request, feedback, busy, verdict_form=form)
            else:
                if satisfied:
                    text = "Thank you. We have closed the case with your agreement."
                else:
                    text = (
                        "Thank you for telling us. We have reopened the case; the "
                        f"{case.team.name} team will answer you on this page."
                    )
                messages.success(request, text)
                return redirect("public:track", token=token)
    return _track_page(request, feedback, verdict_form=form, status=400)


@never_cache
@require_POST
@gone_once_erased
def track_updates(request: HttpRequest, token: str) -> HttpResponse:
    """Email me updates: a link to confirm the address goes to it; the updates follow that."""
    feedback = _feedback_or_404(token)
    decision = public_post_allowed(request)
    if not decision.allowed:
        return _track_rate_limited(
            request, feedback, decision, updates_form=UpdatesForm.unsent(request.POST)
        )
    form = UpdatesForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        # The same answer whether the link went or not (the address's allowance was
        # spent, or it gets the updates already): it must say nothing about the address.
        try:
            with refused_when_busy():
                updates_subscription_request(
                    feedback=feedback, email=email, send=address_send_allowed(email)
                )
        except DatabaseBusy as busy:
            return _track_busy(request, feedback, busy, updates_form=form)
        messages.success(
            request,
            f"Thank you. Unless {email} gets these updates already, a link to confirm it is on "
            f"its way there: follow it and the updates on {feedback.reference} start. We send "
            "nothing else to the address until then.",
        )
        return redirect("public:track", token=token)
    return _track_page(request, feedback, updates_form=form, status=400)


@never_cache
@require_POST
@gone_once_erased
def track_updates_stop(request: HttpRequest, token: str) -> HttpResponse:
    feedback = _feedback_or_404(token)
    decision = public_post_allowed(request)
    if not decision.allowed:
        return _track_rate_limited(request, feedback, decision)
    try:
        with refused_when_busy():
            updates_stop(feedback=feedback)
    except DatabaseBusy as busy:
        return _track_busy(request, feedback, busy)
    messages.success(
        request,
        f"We will email no more updates on {feedback.reference}. This page still shows them.",
    )
    return redirect("public:track", token=token)
