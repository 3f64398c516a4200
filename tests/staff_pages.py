"""Helpers for the tests of the staff pages: real cases, logged-in clients, URLs."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from vocloop.cases.models import Case, CaseEvent
from vocloop.conductor.feedback import feedback_receive
from vocloop.customers.models import Customer
from vocloop.listening.models import Touchpoint
from vocloop.listening.services import FeedbackInput

Kind = CaseEvent.Kind


def open_case(
    touchpoint: Touchpoint,
    *,
    customer: Customer | None = None,
    score: int | None = None,
    comment: str = "The agent never called back.",
) -> Case:
    if touchpoint.slug == "invoicing":
        score_type, score = "csat", 1 if score is None else score
    else:
        score_type, score = "nps", 3 if score is None else score
    data = FeedbackInput(
        touchpoint=touchpoint, kind="survey", score_type=score_type, score=score, comment=comment
    )
    case = feedback_receive(data=data, customer=customer).case
    assert case is not None
    return case


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inbox_refs(client: Client, **params: str) -> list[str]:
    response = client.get(reverse("cases:inbox"), params)
    assert response.status_code == 200
    return [case.reference for case in response.context["page"].object_list]


def detail_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.reference])


def action_url(name: str, case: Case) -> str:
    return reverse(f"cases:{name}", args=[case.reference])


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def last_event(case: Case) -> CaseEvent:
    event = CaseEvent.objects.filter(case=case).order_by("created_at", "id").last()
    assert event is not None
    return event


def post_action(client: Client, name: str, case: Case, data: dict[str, Any]) -> Any:
    response = client.post(action_url(name, case), data, follow=True)
    assert response.redirect_chain == [(detail_url(case), 302)]
    case.refresh_from_db()
    return response
