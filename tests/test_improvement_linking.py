"""Cases linked to an action from the case page, a theme's page and a group of similar
comments, in bulk where many customers said the same; team scoping and bad input."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Org
from tests.staff_pages import detail_url, logged_in, messages_of
from tests.test_improvement_check import raise_action
from tests.test_improvement_rapid import (
    action_url,
    help_desk_cases,
    invoicing_case,
    resolve,
    support_action,
    text_of,
)
from vocloop.cases.models import Case
from vocloop.cases.timeline import Actor
from vocloop.conductor.reading import read_arrived
from vocloop.improvement.models import ActionCase
from vocloop.improvement.services import action_cases_link, action_close
from vocloop.insights.models import Theme

pytestmark = pytest.mark.django_db


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


def read(cases: list[Case]) -> list[Case]:
    """The cases' comments read, and grouped with those that say the same."""
    for case in cases:
        read_arrived(feedback=case.feedback.get())
    return cases


def similar_link_url(case: Case) -> str:
    return reverse("improvement:similar_link", args=[case.feedback.get().reference])


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


def test_linked_cases_are_marked_all_link_at_once_and_the_filters_come_back(
    org: Org, callbacks: Theme
) -> None:
    action = support_action(org)
    other = support_action(org, title="Call back within a day")
    first, second, third = theme_cases(org, 3)
    action_cases_link(action=other, cases=[first], actor=Actor.staff(org.manager))
    agent = logged_in(org.support_agent)
    theme_page = reverse("insights:theme", args=[callbacks.slug]) + "?period=week&by=touchpoint"

    shown = text_of(agent.get(theme_page))
    assert "linked to</strong> “Call back within a day”" in shown
    assert shown.count("linked to</strong>") == 1  # only the case that is
    assert "Link all 3 open cases" in shown

    url = reverse("improvement:theme_link", args=[callbacks.slug])
    data = {"theme_link-action": action.pk, "link_all": "1", "back": theme_page}
    linked = agent.post(url, data)
    assert linked.status_code == 302 and linked["Location"] == theme_page
    assert set(action.cases.all()) == {first, second, third}

    elsewhere = {"theme_link-action": other.pk, "link_all": "1", "back": "https://evil.example/"}
    assert agent.post(url, elsewhere)["Location"] == reverse(
        "insights:theme", args=[callbacks.slug]
    )


# Linking the open cases of a group of similar comments

LOGGED_OUT = "The app logs me out every five minutes, whatever I do."


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
