"""The rapid response: the action showing its linked cases with their SLA state, one
reply reaching every open case once, and the open cases resolved together; team scoping
and bad input throughout. Linking the cases is test_improvement_linking.py."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import Org
from tests.helpers import give_feedback
from tests.staff_pages import logged_in, messages_of
from tests.test_improvement_check import raise_action
from vocloop.accounts.scope import case_scope
from vocloop.cases.models import Case, CaseEvent, RootCause, Status
from vocloop.cases.services import case_resolve
from vocloop.cases.timeline import Actor
from vocloop.customers.models import Customer
from vocloop.improvement.linked import linked_cases, weekly_counts
from vocloop.improvement.models import Action, ActionCase
from vocloop.improvement.rapid import action_cases_resolve, action_reply_all
from vocloop.improvement.services import ImprovementError, action_cases_link
from vocloop.lib.days import day_of
from vocloop.notifications.models import OutboxMessage, WebhookSubscription

pytestmark = pytest.mark.django_db
PUBLIC_REPLY = CaseEvent.Kind.PUBLIC_REPLY
KEY = "0123456789abcdef0123456789abcdef"


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def support_action(org: Org, **extra: Any) -> Action:
    fields = {
        "title": "Call back within the hour",
        "touchpoint": org.helpdesk,
        "team": org.support,
        "owner": org.support_agent,
    }
    return raise_action(org, **(fields | extra))


def help_desk_cases(org: Org, n: int, comment: str = "Nobody called me back.") -> list[Case]:
    """n cases at the help desk, each of a customer of their own with an email address."""
    cases, first = [], Customer.objects.count()
    for i in range(first, first + n):
        customer = Customer.objects.create(name=f"Customer {i}", email=f"c{i}@example.com")
        case = give_feedback(org.helpdesk, customer=customer, score=3, comment=comment).case
        assert case is not None
        cases.append(case)
    return cases


def invoicing_case(org: Org, comment: str = "The invoice is wrong.") -> Case:
    """A case of the billing team's."""
    feedback = give_feedback(
        org.invoicing, customer=org.customer, score_type="csat", score=1, comment=comment
    )
    assert feedback.case is not None
    return feedback.case


def link(action: Action, cases: list[Case], org: Org) -> None:
    action_cases_link(action=action, cases=cases, actor=Actor.staff(org.manager))


def resolve(case: Case, org: Org) -> None:
    root = RootCause.objects.get(slug="process")
    case_resolve(
        case=case, resolution="Called back.", root_cause=root, actor=Actor.staff(org.manager)
    )


def action_url(action: Action, name: str = "action") -> str:
    return reverse(f"improvement:{name}", args=[action.pk])


def replies_on(case: Case) -> list[str]:
    return list(case.events.filter(kind=PUBLIC_REPLY).values_list("body", flat=True))


def emails(kind: str) -> Counter[str]:
    return Counter(OutboxMessage.objects.filter(kind=kind).values_list("recipient", flat=True))


# The action's page


def test_the_action_page_lists_its_cases_with_their_sla_state_and_weeks(org: Org) -> None:
    action = support_action(org)
    late, on_time, done = help_desk_cases(org, 3)
    now = timezone.now()
    Case.objects.filter(pk=late.pk).update(
        acknowledge_by=now - dt.timedelta(hours=1), opened_at=now - dt.timedelta(days=15)
    )
    Case.objects.filter(pk=on_time.pk).update(acknowledge_by=now + dt.timedelta(days=1))
    resolve(done, org)
    link(action, [late, on_time, done], org)
    ActionCase.objects.filter(case=done).update(linked_at=now - dt.timedelta(days=8))

    response = logged_in(org.support_agent).get(action_url(action))
    page = text_of(response)
    assert "3 cases linked, 2 still open." in page
    rows = {r.case.pk: r for r in response.context["linked_cases"]}
    assert rows[late.pk].due.state == "breached" and rows[late.pk].breached
    assert rows[on_time.pk].due.state == "ok" and not rows[on_time.pk].breached
    assert rows[done.pk].due.state == "none"
    assert "Breached" in page and "Reply to all open cases" in page

    # Each week's counts, counted again from the cases themselves.
    def monday(at: dt.datetime) -> dt.date:
        return day_of(at) - dt.timedelta(days=day_of(at).weekday())

    links = ActionCase.objects.filter(action=action).select_related("case")
    opened = Counter(monday(x.case.opened_at) for x in links)
    linked_in = Counter(monday(x.linked_at) for x in links)
    weeks = response.context["linked_weeks"]
    assert [w.monday for w in weeks] == sorted(set(opened) | set(linked_in))
    assert [(w.opened, w.linked) for w in weeks] == [
        (opened[w.monday], linked_in[w.monday]) for w in weeks
    ]
    assert weeks[-1].total == 3 and sum(w.opened for w in weeks) == 3


def test_a_resolved_case_says_whether_its_sla_was_met(org: Org) -> None:
    action = support_action(org)
    met, missed = help_desk_cases(org, 2)
    resolve(met, org)
    resolve(missed, org)
    Case.objects.filter(pk=met.pk).update(resolved_within_sla=True, acknowledged_within_sla=True)
    Case.objects.filter(pk=missed.pk).update(resolved_within_sla=False)
    link(action, [met, missed], org)
    rows = linked_cases(action, case_scope(org.support_agent))
    assert [r.breached for r in rows] == [False, True]
    page = text_of(logged_in(org.support_agent).get(action_url(action)))
    assert "Within SLA" in page and "SLA missed" in page
    assert "Reply to all open cases" not in page  # no case left open
    assert weekly_counts([]) == []


# One reply to all


def test_one_reply_reaches_every_open_linked_case_once(org: Org) -> None:
    action = support_action(org)
    first, second, done = help_desk_cases(org, 3)
    resolve(done, org)
    link(action, [first, second, done], org)
    agent = logged_in(org.support_agent)
    url = action_url(action, "reply_all")
    body = "The callback line was down this week; it works again and we will call you today."
    data = {"reply_all-body": body, "reply_all-key": KEY}

    sent = agent.post(url, data, follow=True)
    assert "Your reply went to 2 cases" in messages_of(sent)[0]
    assert replies_on(first) == [body] and replies_on(second) == [body]
    assert replies_on(done) == []
    assert emails("customer_reply") == {first.customer.email: 1, second.customer.email: 1}

    again = agent.post(url, data, follow=True)  # a second click, or the browser's retry
    assert "none got it twice" in messages_of(again)[0]
    assert replies_on(first) == [body] and replies_on(second) == [body]
    assert emails("customer_reply") == {first.customer.email: 1, second.customer.email: 1}

    [late] = help_desk_cases(org, 1)
    link(action, [late], org)
    agent.post(url, data)
    assert replies_on(late) == [body] and replies_on(first) == [body]
    assert action.events.filter(kind="reply_all").count() == 2


def test_a_reply_to_all_and_resolving_all_reach_the_actions_webhooks(org: Org) -> None:
    WebhookSubscription.objects.create(
        name="crm", url="http://127.0.0.1:9/hook", secret="s", events=["action.updated"]
    )
    action = support_action(org)
    cases = help_desk_cases(org, 2)
    link(action, cases, org)
    actor = Actor.staff(org.support_agent)
    action_reply_all(action=action, body="We are on it.", actor=actor)
    root = RootCause.objects.get(slug="process")
    action_cases_resolve(action=action, resolution="Fixed.", root_cause=root, actor=actor)
    sent = OutboxMessage.objects.filter(channel="webhook").order_by("pk")
    changes = [m.payload["data"]["change"]["kind"] for m in sent]
    assert changes == ["cases", "reply_all", "resolve_all"]
    assert {m.payload["event"] for m in sent} == {"action.updated"}


def test_a_reply_sent_again_without_a_key_is_the_same_reply(org: Org) -> None:
    action = support_action(org)
    cases = help_desk_cases(org, 2)
    link(action, cases, org)
    actor = Actor.staff(org.support_lead)
    assert action_reply_all(action=action, body="We are on it.", actor=actor) == 2
    assert action_reply_all(action=action, body=" We are on it. ", actor=actor) == 0
    assert action_reply_all(action=action, body="Fixed now.", actor=actor) == 2
    assert [replies_on(c) for c in cases] == [["We are on it.", "Fixed now."]] * 2


def test_the_reply_reaches_only_the_cases_of_the_senders_teams(org: Org) -> None:
    action = support_action(org)
    [own] = help_desk_cases(org, 1)
    billing_case = invoicing_case(org)
    link(action, [own, billing_case], org)
    agent = logged_in(org.support_agent)
    page = agent.get(action_url(action))
    assert [r.case for r in page.context["linked_cases"]] == [own]
    assert "1 more belongs to cases of teams" in text_of(page)

    assert action_reply_all(action=action, body="On it.", actor=Actor.staff(org.support_agent)) == 1
    assert replies_on(own) == ["On it."] and replies_on(billing_case) == []
    assert action_reply_all(action=action, body="On it.", actor=Actor.staff(org.manager)) == 1
    assert replies_on(billing_case) == ["On it."] and replies_on(own) == ["On it."]


# Resolving the action's cases


def test_resolving_resolves_the_open_cases_and_skips_the_resolved(org: Org) -> None:
    action = support_action(org)
    first, second, done = help_desk_cases(org, 3)
    resolve(done, org)
    link(action, [first, second, done], org)
    product = RootCause.objects.get(slug="product")
    data = {
        "resolve_all-resolution": "The callback line is fixed.",
        "resolve_all-root_cause": product.pk,
    }
    answer = logged_in(org.support_agent).post(action_url(action, "resolve_all"), data, follow=True)
    said = messages_of(answer)[0]
    assert "2 cases resolved: each customer is asked whether they are satisfied." in said
    assert "1 case skipped: already resolved or closed." in said
    for case in (first, second):
        case.refresh_from_db()
        assert case.status == Status.RESOLVED and case.root_cause == product
        assert case.resolution == "The callback line is fixed."
        assert case.customer_satisfied is None
    done.refresh_from_db()
    assert done.resolution == "Called back." and done.root_cause.slug == "process"
    assert emails("customer_resolved") == {c.customer.email: 1 for c in (first, second, done)}
    assert action.events.filter(kind="resolve_all").count() == 1

    with pytest.raises(ImprovementError, match="nothing to resolve"):
        action_cases_resolve(
            action=action, resolution="Again.", root_cause=product, actor=Actor.staff(org.manager)
        )


# Bad input


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("reply_all", {"reply_all-body": ""}, "Write the reply the customers are to read."),
        ("reply_all", {"reply_all-body": "Dear […], sorry."}, "a gap marked […]"),
        ("reply_all", {"reply_all-body": "Hi", "reply_all-key": "x"}, "out of date"),
        ("resolve_all", {"resolve_all-resolution": "Fixed."}, "Choose a root cause."),
        (
            "resolve_all",
            {"resolve_all-resolution": "", "resolve_all-root_cause": "99999"},
            "Choose a root cause of the list.",
        ),
    ],
)
def test_bad_input_on_the_action_page_gets_a_form_error(
    org: Org, name: str, data: dict[str, str], said: str
) -> None:
    action = support_action(org)
    cases = help_desk_cases(org, 2)
    link(action, cases, org)
    answer = logged_in(org.support_agent).post(action_url(action, name), data)
    assert answer.status_code == 400
    assert said in text_of(answer)
    assert not any(replies_on(c) for c in cases)
    assert not Case.objects.filter(status=Status.RESOLVED).exists()


def test_with_no_open_linked_case_there_is_nobody_to_reply_to(org: Org) -> None:
    action = support_action(org)
    agent = logged_in(org.support_agent)
    answer = agent.post(action_url(action, "reply_all"), {"reply_all-body": "Hello."})
    assert answer.status_code == 400
    assert "there is nobody to reply to" in text_of(answer)
