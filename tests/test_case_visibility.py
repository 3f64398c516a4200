"""Who sees which cases: the selectors every staff page reads through."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.conftest import Org, make_user
from vocloop.accounts.models import Team
from vocloop.accounts.scope import case_scope, cases_visible_to
from vocloop.cases import selectors
from vocloop.cases.models import Case, ReplyTemplate, Status
from vocloop.conductor.feedback import feedback_receive
from vocloop.customers.models import Customer
from vocloop.listening.models import Touchpoint
from vocloop.listening.services import FeedbackInput


def open_case(
    touchpoint: Touchpoint, customer: Customer | None = None, comment: str = "Not good."
) -> Case:
    score_type, score = ("csat", 1) if touchpoint.slug == "invoicing" else ("nps", 2)
    data = FeedbackInput(
        touchpoint=touchpoint, kind="survey", score_type=score_type, score=score, comment=comment
    )
    case = feedback_receive(data=data, customer=customer).case
    assert case is not None
    return case


@pytest.fixture
def two_cases(org: Org) -> tuple[Case, Case]:
    return open_case(org.helpdesk), open_case(org.invoicing)


def visible(user: Any) -> set[str]:
    return set(cases_visible_to(user).values_list("reference", flat=True))


def test_a_member_sees_only_their_own_teams_cases(org, two_cases):
    support_case, billing_case = two_cases
    assert visible(org.support_agent) == {support_case.reference}
    assert visible(org.billing_agent) == {billing_case.reference}


def test_a_member_of_two_teams_sees_both(org, two_cases):
    org.billing.members.add(org.support_agent)
    assert visible(org.support_agent) == {c.reference for c in two_cases}


def test_a_team_lead_sees_every_case(org, two_cases):
    assert visible(org.support_lead) == {c.reference for c in two_cases}


def test_a_quality_manager_and_a_superuser_see_every_case(org, two_cases):
    admin = make_user("root_admin", is_superuser=True)
    assert visible(org.manager) == {c.reference for c in two_cases}
    assert visible(admin) == {c.reference for c in two_cases}


def test_someone_in_no_team_sees_nothing(org, two_cases):
    assert visible(make_user("new_starter")) == set()


def test_an_inactive_user_and_an_anonymous_visitor_see_nothing(org, two_cases):
    org.manager.is_active = False
    org.manager.save()
    assert visible(org.manager) == set()
    assert visible(AnonymousUser()) == set()


def test_the_inbox_never_widens_visibility_whatever_the_filters(org, two_cases):
    support_case, _ = two_cases
    filters = selectors.InboxFilter(status="all", team=org.support, touchpoint=org.helpdesk)
    theirs = selectors.inbox_cases(scope=case_scope(org.billing_agent), filters=filters)
    assert list(theirs) == []
    mine = selectors.inbox_cases(scope=case_scope(org.support_agent), filters=filters)
    assert [c.reference for c in mine] == [support_case.reference]


def test_the_inbox_carries_the_opening_feedbacks_score_and_comment(org):
    case = open_case(org.helpdesk, comment="x" * 500)
    scope = case_scope(org.support_agent)
    row = selectors.inbox_cases(scope=scope, filters=selectors.InboxFilter()).get()
    assert row.pk == case.pk
    assert (row.opening_score_type, row.opening_score) == ("nps", 2)
    # One character more than the inbox shows: enough to know that the comment goes on.
    assert row.opening_comment == "x" * (selectors.COMMENT_PREVIEW_CHARS + 1)


def test_the_inbox_puts_open_cases_before_resolved_ones_when_showing_all(org):
    resolved = open_case(org.helpdesk)
    Case.objects.filter(pk=resolved.pk).update(status=Status.RESOLVED, severity_rank=4)
    still_open = open_case(org.helpdesk)
    scope = case_scope(org.support_agent)
    rows = selectors.inbox_cases(scope=scope, filters=selectors.InboxFilter("all"))
    assert [c.pk for c in rows] == [still_open.pk, resolved.pk]


def test_assignee_choices_are_the_people_of_the_visible_teams(org):
    make_user("no_team")
    assert set(selectors.inbox_people(case_scope(org.support_agent))) == {
        org.support_agent,
        org.support_agent_2,
        org.support_lead,
    }
    assert set(selectors.inbox_people(case_scope(org.manager))) == {
        org.support_agent,
        org.support_agent_2,
        org.support_lead,
        org.billing_agent,
    }


def test_a_case_can_go_to_its_teams_active_members_and_lead_only(org):
    case = open_case(org.helpdesk)
    org.support_agent_2.is_active = False
    org.support_agent_2.save()
    assert set(selectors.case_team_people(case)) == {org.support_agent, org.support_lead}


def test_reply_templates_are_the_teams_own_and_the_global_ones(org):
    case = open_case(org.helpdesk)
    own = ReplyTemplate.objects.create(name="Support hello", body="Hi", team=org.support)
    ReplyTemplate.objects.create(name="Billing hello", body="Hi", team=org.billing)
    assert set(selectors.reply_templates_for(case)) == {org.template, own}


def test_other_feedback_shows_only_what_the_users_teams_own_and_counts_the_rest(org):
    case = open_case(org.helpdesk, customer=org.customer)
    billing_case = open_case(org.invoicing, customer=org.customer)
    billing_praise = feedback_receive(
        data=FeedbackInput(touchpoint=org.invoicing, kind="survey", score_type="csat", score=5),
        customer=org.customer,
    )
    helpdesk_praise = feedback_receive(
        data=FeedbackInput(touchpoint=org.helpdesk, kind="survey", score_type="nps", score=10),
        customer=org.customer,
    )
    agent_view = selectors.customer_other_feedback(scope=case_scope(org.support_agent), case=case)
    # Billing's case and Billing's case-less feedback are Billing's business.
    assert [f.reference for f in agent_view.items] == [helpdesk_praise.reference]
    assert agent_view.hidden == 2
    lead_view = selectors.customer_other_feedback(scope=case_scope(org.support_lead), case=case)
    assert {f.reference for f in lead_view.items} == {
        helpdesk_praise.reference,
        billing_praise.reference,
        billing_case.reference,
    }
    assert lead_view.hidden == 0


@pytest.mark.parametrize(
    ("status", "offered", "not_offered"),
    [
        (Status.NEW, {"acknowledge", "assign", "reply", "wait_on_customer", "resolve"}, {"reopen"}),
        (Status.ACKNOWLEDGED, {"reply", "wait_on_customer", "resolve"}, {"acknowledge"}),
        (Status.WAITING_ON_CUSTOMER, {"reply", "resolve"}, {"wait_on_customer", "reopen"}),
        (Status.RESOLVED, {"reopen", "note"}, {"resolve", "reply", "assign", "acknowledge"}),
        (Status.CLOSED, {"reopen", "note"}, {"resolve", "reply", "wait_on_customer"}),
    ],
)
def test_a_case_offers_only_the_actions_its_status_allows(status, offered, not_offered):
    actions = selectors.case_actions(Case(status=status))
    assert offered <= actions
    assert not (not_offered & actions)


def test_a_user_who_leads_one_team_is_a_lead_for_visibility(org, two_cases):
    lead = make_user("new_lead")
    Team.objects.create(name="Marketing", slug="marketing", lead=lead)
    assert visible(lead) == {c.reference for c in two_cases}
