"""The public addresses customers are given: absolute, on VOCLOOP_BASE_URL."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from vocloop.listening.models import Feedback, Survey


def tracking_path(token: str) -> str:
    return reverse("public:track", args=[token])


def tracking_url(feedback: Feedback) -> str:
    return settings.BASE_URL + tracking_path(feedback.tracking_token)


def survey_path(survey: Survey) -> str:
    return reverse("public:survey", args=[survey.public_slug])


def survey_url(survey: Survey) -> str:
    return settings.BASE_URL + survey_path(survey)
