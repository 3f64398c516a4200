"""The rapid response: cases linked to an action from the case page and a theme's page,
the action showing them with their SLA state, one reply reaching every open case once,
and the open cases resolved together; team scoping and bad input throughout."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import Org
from tests.helpers import give_feedback
from tests.staff_pages import detail_url, logged_in, messages_of
from tests.test_improvement_check import raise_action
from vocloop.accounts.scope import case_scope
from vocloop.cases.models import Case, CaseEvent, RootCause, Status
from vocloop.cases.services import case_resolve
from vocloop.cases.timeline import Actor
from vocloop.conductor.reading import read_arrived
from vocloop.customers.models import Customer
from vocloop.improvement.linked import linked_cases, weekly_counts
from vocloop.improvement.models import Action, ActionCase
from vocloop.improvement.rapid import action_cases_resolve, action_reply_all
from vocloop.improvement.services import ImprovementError, action_cases_link, action_close
from vocloop.insights.models import Theme
from vocloop.lib.days import day_of
from vocloop.notifications.models import OutboxMessage

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


# Linking from the case page


def test_a_case_is_linked_from_its_page_and_shows_the_action_with_its_phase(org: Org) -> None:
    action = support_action(org)
    closed = support_action(org, title="An old idea")
    action_close(
        action=closed, actor=Actor.staff(org.manager), reason="Superseded by a better plan."
    )
    billing_only = raise_action(org, title="Second look at invoices")
    [case] = help_desk_cases(org, 1)
    agent = logged_in(org.support_agent)

    page = text_of(agent.get(detail_url(case)))
    assert "Link to an improvement action" in page
    assert action.title in page
    assert closed.title not in page and billing_only.title not in page

    url = reverse("improvement:case_link", args=[case.reference])
    linked = agent.post(url, {"link-action": action.pk}, follow=True)
    assert linked.redirect_chain[-1][0] == detail_url(case)
    assert f"{case.reference} is now linked to the action “{action.title}”." in messages_of(linked)
    assert list(action.cases.all()) == [case]
    shown = text_of(linked)
    assert f'href="{action_url(action)}"' in shown and "Plan" in shown

    again = agent.post(url, {"link-action": action.pk}, follow=True)
    assert "was already linked" in messages_of(again)[0]
    assert ActionCase.objects.filter(action=action).count() == 1
    assert case.reference in text_of(agent.get(action_url(action)))


def test_a_billing_agent_links_no_support_case_and_sees_no_support_action(org: Org) -> None:
    action = support_action(org)
    [support_case] = help_desk_cases(org, 1)
    billing_case = invoicing_case(org)
    billing = logged_in(org.billing_agent)

    url = reverse("improvement:case_link", args=[support_case.reference])
    assert billing.post(url, {"link-action": action.pk}).status_code == 404
    page = text_of(billing.get(detail_url(billing_case)))
    assert action.title not in page
    assert "No open improvement action of your teams" in page

    own_url = reverse("improvement:case_link", args=[billing_case.reference])
    refused = billing.post(own_url, {"link-action": action.pk})
    assert refused.status_code == 400
    assert "Choose an open action of the list" in text_of(refused)
    assert billing.get(action_url(action)).status_code == 404
    assert not ActionCase.objects.exists()


# Linking a theme's open cases in bulk


@pytest.fixture
def callbacks(org: Org) -> Theme:
    return Theme.objects.create(
        name="Callbacks", slug="callbacks", dimension="service", want="caring_person",
        phrases="called back\ncall back",
    )  # fmt: skip


def theme_cases(org: Org, n: int) -> list[Case]:
    cases = help_desk_cases(org, n, comment="Nobody called back after three days.")
    for case in cases:
        read_arrived(feedback=case.feedback.get())
    return cases


def test_a_themes_open_cases_are_linked_to_an_action_in_bulk(org: Org, callbacks: Theme) -> None:
    action = support_action(org)
    first, second, done = theme_cases(org, 3)
    resolve(done, org)
    billing_case = invoicing_case(org, comment="Nobody called back.")
    read_arrived(feedback=billing_case.feedback.get())
    agent = logged_in(org.support_agent)

    page = agent.get(reverse("insights:theme", args=[callbacks.slug]))
    listed = page.context["open_cases"]
    assert {c.pk for c in listed} == {first.pk, second.pk}  # open, and the agent's team's
    assert "Link the chosen cases" in text_of(page)

    url = reverse("improvement:theme_link", args=[callbacks.slug])
    data = {"theme_link-cases": [first.pk, second.pk], "theme_link-action": action.pk}
    linked = agent.post(url, data, follow=True)
    assert linked.redirect_chain[-1][0] == reverse("insights:theme", args=[callbacks.slug])
    assert f"2 cases linked to the action “{action.title}”." in messages_of(linked)
    assert set(action.cases.all()) == {first, second}
    again = agent.post(url, data, follow=True)
    assert (
        "0 cases linked" in messages_of(again)[0]
        and "2 cases already were." in messages_of(again)[0]
    )

    refused = agent.post(
        url, {"theme_link-cases": [billing_case.pk], "theme_link-action": action.pk}
    )
    assert refused.status_code == 400
    assert "is not one you can see" in text_of(refused)
    billing = logged_in(org.billing_agent)
    shown = billing.get(reverse("insights:theme", args=[callbacks.slug])).context["open_cases"]
    assert [c.pk for c in shown] == [billing_case.pk]
    refused = billing.post(
        url, {"theme_link-cases": [billing_case.pk], "theme_link-action": action.pk}
    )
    assert refused.status_code == 400
    assert "Choose an open action of the list" in text_of(refused)
    assert set(action.cases.all()) == {first, second}


# Linking the open cases of a group of similar comments

LOGGED_OUT = "The app logs me out every five minutes, whatever I do."


def read(cases: list[Case]) -> list[Case]:
    """The cases' comments read, and grouped with those that say the same."""
    for case in cases:
        read_arrived(feedback=case.feedback.get())
    return cases


def similar_link_url(case: Case) -> str:
    return reverse("improvement:similar_link", args=[case.feedback.get().reference])


def test_the_open_cases_of_similar_comments_are_linked_in_bulk(org: Org) -> None:
    action = support_action(org)
    first, second, done = read(help_desk_cases(org, 3, comment=LOGGED_OUT))
    resolve(done, org)
    [unlike] = read(help_desk_cases(org, 1, comment="Lovely staff, quick answers, thanks."))
    agent = logged_in(org.support_agent)
    similar_url = reverse("insights:similar", args=[first.feedback.get().reference])
    url = similar_link_url(first)

    page = agent.get(similar_url)
    assert [c.pk for c in page.context["open_cases"]] == [second.pk, first.pk]  # latest first
    shown = text_of(page)
    assert f'action="{url}"' in shown and "Link the chosen cases" in shown
    assert unlike.reference not in shown and done.reference not in shown.split("Open cases:")[1]

    data = {"similar_link-cases": [first.pk, second.pk], "similar_link-action": action.pk}
    linked = agent.post(url, data, follow=True)
    assert linked.redirect_chain[-1][0] == similar_url
    assert f"2 cases linked to the action “{action.title}”." in messages_of(linked)
    assert set(action.cases.all()) == {first, second}
    again = messages_of(agent.post(url, data, follow=True))[0]
    assert "0 cases linked" in again and "2 cases already were." in again

    for other in (unlike, done):  # said something else; no longer open
        refused = agent.post(
            url, {"similar_link-cases": [other.pk], "similar_link-action": action.pk}
        )
        assert refused.status_code == 400
        assert "is not one you can see" in text_of(refused)
    assert set(action.cases.all()) == {first, second}


def test_similar_comments_link_only_the_cases_of_the_users_teams(org: Org) -> None:
    action = support_action(org)
    [support_case] = read(help_desk_cases(org, 1, comment=LOGGED_OUT))
    [billing_case] = read([invoicing_case(org, comment=LOGGED_OUT)])
    assert billing_case.team == org.billing
    support_url, billing_url = similar_link_url(support_case), similar_link_url(billing_case)

    agent = logged_in(org.support_agent)
    shown = agent.get(reverse("insights:similar", args=[support_case.feedback.get().reference]))
    assert [c.pk for c in shown.context["open_cases"]] == [support_case.pk]
    refused = agent.post(
        support_url, {"similar_link-cases": [billing_case.pk], "similar_link-action": action.pk}
    )
    assert refused.status_code == 400 and "is not one you can see" in text_of(refused)
    assert agent.get(billing_url).status_code == 404  # another team's feedback
    data = {"similar_link-cases": [billing_case.pk], "similar_link-action": action.pk}
    assert agent.post(billing_url, data).status_code == 404

    billing = logged_in(org.billing_agent)
    assert [c.pk for c in billing.get(billing_url).context["open_cases"]] == [billing_case.pk]
    refused = billing.post(billing_url, data)  # the support team's action is not offered
    assert refused.status_code == 400
    assert "Choose an open action of the list" in text_of(refused)
    assert "Nothing was linked" in messages_of(refused)[0]
    assert not ActionCase.objects.exists()

    manager = logged_in(org.manager)  # sees every team's cases
    both = {"similar_link-cases": [support_case.pk, billing_case.pk]}
    linked = manager.post(billing_url, both | {"similar_link-action": action.pk}, follow=True)
    assert "2 cases linked" in messages_of(linked)[0]
    assert set(action.cases.all()) == {support_case, billing_case}


def test_a_comment_in_no_group_offers_no_case_and_bad_input_is_refused(org: Org) -> None:
    action = support_action(org)
    [case] = help_desk_cases(org, 1, comment=LOGGED_OUT)  # not read yet: in no group
    agent = logged_in(org.support_agent)
    url = similar_link_url(case)
    page = agent.get(url)
    assert page.status_code == 200 and "No open case of these comments" in text_of(page)
    read([case])
    for data, said in (
        ({"similar_link-action": action.pk}, "Choose at least one case to link."),
        ({"similar_link-cases": ["abc"], "similar_link-action": action.pk}, "Choose cases of"),
        ({"similar_link-cases": [case.pk]}, "Choose the action to link to."),
        ({"similar_link-cases": [case.pk], "similar_link-action": "x"}, "Choose an open action"),
    ):
        refused = agent.post(url, data)
        assert refused.status_code == 400 and said in text_of(refused)
    unknown = reverse("improvement:similar_link", args=["VL-1999-000001"])
    assert agent.get(unknown).status_code == 404
    assert not ActionCase.objects.exists()


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


def test_linking_without_a_choice_is_refused_with_a_message(org: Org, callbacks: Theme) -> None:
    action = support_action(org)
    [case] = theme_cases(org, 1)
    agent: Client = logged_in(org.support_agent)
    refused = agent.post(reverse("improvement:case_link", args=[case.reference]), {})
    assert refused.status_code == 400 and "Choose the action to link to." in text_of(refused)
    url = reverse("improvement:theme_link", args=[callbacks.slug])
    for data, said in (
        ({"theme_link-action": action.pk}, "Choose at least one case to link."),
        (
            {"theme_link-cases": ["abc"], "theme_link-action": action.pk},
            "Choose cases of the list.",
        ),
        ({"theme_link-cases": [case.pk]}, "Choose the action to link to."),
    ):
        refused = agent.post(url, data)
        assert refused.status_code == 400 and said in text_of(refused)
    assert not ActionCase.objects.exists()


def test_the_timeline_counts_the_cases_linked_without_naming_them(org: Org) -> None:
    action = support_action(org)
    (one,) = help_desk_cases(org, 1)
    other = invoicing_case(org)  # Billing's: the action's readers may not see it
    action_cases_link(action=action, cases=[one], actor=Actor.staff(org.manager))
    action_cases_link(action=action, cases=[one, other], actor=Actor.staff(org.manager))
    summaries = list(action.events.filter(kind="cases").values_list("summary", flat=True))
    assert summaries == ["1 case linked", "1 case linked"]
    assert other.reference not in " ".join(action.events.values_list("summary", flat=True))
