"""Cases: opening, joining, routing, transitions, scoping and the timeline."""

import pytest
from django.core.exceptions import PermissionDenied

from tests.helpers import give_feedback
from vocloop.cases.customer_actions import (
    case_customer_message,
    case_customer_verdict,
    feedback_follow_up,
)
from vocloop.cases.models import Case, CaseEvent, RootCause, Status
from vocloop.cases.services import (
    CaseActionRefused,
    case_acknowledge,
    case_assign,
    case_note,
    case_reopen,
    case_reply,
    case_resolve,
    case_set_severity,
    case_wait_on_customer,
)
from vocloop.cases.timeline import Actor
from vocloop.listening.models import CaseRule, Feedback

Kind = CaseEvent.Kind


def kinds(case):
    return list(case.events.values_list("kind", flat=True))


@pytest.fixture
def case(org):
    return give_feedback(org.helpdesk, customer=org.customer, score=3).case


@pytest.fixture
def product():
    return RootCause.objects.get(slug="product")


def test_a_detractor_opens_a_case_owned_by_the_touchpoints_team(org):
    feedback = give_feedback(org.helpdesk, customer=org.customer, score=2)
    case = feedback.case
    assert case.team == org.support
    assert case.touchpoint == org.helpdesk
    assert case.reference == feedback.reference
    assert case.status == Status.NEW
    assert kinds(case) == [Kind.OPENED, Kind.ASSIGNED_TEAM]
    assigned = case.events.get(kind=Kind.ASSIGNED_TEAM)
    assert assigned.public and assigned.public_text == "Assigned to the Support team."


def test_a_promoter_opens_no_case(org):
    assert give_feedback(org.helpdesk, score=9).case is None


def test_an_explicit_complaint_opens_a_case_even_without_a_score(org):
    feedback = give_feedback(org.invoicing, score=None, kind=Feedback.Kind.COMPLAINT)
    assert feedback.case is not None
    assert feedback.case.team == org.billing


def test_a_touchpoint_rule_overrides_the_defaults(org):
    CaseRule.objects.create(touchpoint=org.helpdesk, nps_at_or_below=4)
    assert give_feedback(org.helpdesk, score=5).case is None
    assert give_feedback(org.helpdesk, score=4).case is not None


def test_further_poor_feedback_joins_the_customers_open_case_at_that_touchpoint(org):
    first = give_feedback(org.helpdesk, customer=org.customer, score=3)
    second = give_feedback(org.helpdesk, customer=org.customer, score=1, comment="Still waiting.")
    assert second.case == first.case
    assert Case.objects.count() == 1
    assert kinds(first.case)[-1] == Kind.FEEDBACK_ATTACHED
    # another touch point, or another customer, gets a case of its own
    assert give_feedback(org.invoicing, customer=org.customer, score_type="csat", score=1).case
    assert give_feedback(org.helpdesk, score=2).case != first.case
    assert Case.objects.count() == 3


def test_once_resolved_new_poor_feedback_opens_a_new_case(org, case, product):
    case_resolve(case=case, resolution="Refunded.", root_cause=product, actor=Actor.system())
    again = give_feedback(org.helpdesk, customer=org.customer, score=2)
    assert again.case != case


def test_anonymous_feedback_never_joins_another_case(org):
    assert give_feedback(org.helpdesk, score=2).case != give_feedback(org.helpdesk, score=2).case


def test_acknowledge_then_reply_then_resolve(org, case, product):
    agent = Actor.staff(org.support_agent)
    case_acknowledge(case=case, actor=agent)
    case_reply(case=case, body="We are on it.", actor=agent)
    case = case_resolve(case=case, resolution="Called back.", root_cause=product, actor=agent)
    assert case.status == Status.RESOLVED
    assert case.acknowledged_at and case.resolved_at
    assert kinds(case)[-3:] == [Kind.ACKNOWLEDGED, Kind.PUBLIC_REPLY, Kind.RESOLVED]
    reply = case.events.get(kind=Kind.PUBLIC_REPLY)
    assert reply.actor == org.support_agent and reply.public


def test_a_reply_to_a_new_case_acknowledges_it(org, case):
    case_reply(case=case, body="Sorry about that.", actor=Actor.staff(org.support_agent))
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED


def test_internal_notes_are_never_public(org, case):
    note = case_note(case=case, body="Customer is a VIP.", actor=Actor.staff(org.support_agent))
    assert not note.public


@pytest.mark.parametrize(
    "action",
    [
        lambda case, actor: case_acknowledge(case=case, actor=actor),
        lambda case, actor: case_reply(case=case, body="hi", actor=actor),
        lambda case, actor: case_wait_on_customer(case=case, actor=actor),
        lambda case, actor: case_resolve(
            case=case, resolution="x", root_cause=RootCause.objects.first(), actor=actor
        ),
    ],
)
def test_a_resolved_case_refuses_the_actions_of_an_open_one(org, case, product, action):
    agent = Actor.staff(org.support_agent)
    case_resolve(case=case, resolution="Done.", root_cause=product, actor=agent)
    before = kinds(case)
    with pytest.raises(CaseActionRefused):
        action(case, agent)
    assert kinds(case) == before


def test_an_open_case_cannot_be_reopened_and_a_resolution_needs_summary_and_cause(
    org, case, product
):
    agent = Actor.staff(org.support_agent)
    with pytest.raises(CaseActionRefused):
        case_reopen(case=case, reason="why not", actor=agent)
    with pytest.raises(CaseActionRefused):
        case_resolve(case=case, resolution="  ", root_cause=product, actor=agent)
    with pytest.raises(CaseActionRefused):
        case_resolve(case=case, resolution="Done", root_cause=None, actor=agent)
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_waiting_on_the_customer_ends_when_the_customer_answers(org, case):
    case_wait_on_customer(case=case, actor=Actor.staff(org.support_agent))
    case.refresh_from_db()
    assert case.status == Status.WAITING_ON_CUSTOMER
    case_customer_message(case=case, body="Here is my order number: 12345.")
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED


def test_assignment_only_to_active_members_of_the_cases_team(org, case):
    lead = Actor.staff(org.support_lead)
    case_assign(case=case, assignee=org.support_agent, actor=lead)
    case.refresh_from_db()
    assert case.assignee == org.support_agent
    with pytest.raises(CaseActionRefused):
        case_assign(case=case, assignee=org.billing_agent, actor=lead)
    case_assign(case=case, assignee=None, actor=lead)
    case.refresh_from_db()
    assert case.assignee is None
    assigned = case.events.filter(kind=Kind.ASSIGNED)
    assert assigned.count() == 2 and not any(e.public for e in assigned)


def test_severity_orders_the_case_and_is_recorded(org, case):
    case_set_severity(case=case, severity="critical", actor=Actor.staff(org.support_agent))
    case.refresh_from_db()
    assert (case.severity, case.severity_rank) == ("critical", 4)
    with pytest.raises(CaseActionRefused):
        case_set_severity(case=case, severity="apocalyptic", actor=Actor.staff(org.support_agent))


def test_staff_of_another_team_can_change_nothing(org, case):
    outsider = Actor.staff(org.billing_agent)
    with pytest.raises(PermissionDenied):
        case_acknowledge(case=case, actor=outsider)
    with pytest.raises(PermissionDenied):
        case_note(case=case, body="peek", actor=outsider)
    assert kinds(case) == [Kind.OPENED, Kind.ASSIGNED_TEAM]


def test_leads_and_quality_managers_may_act_on_any_team(org, case):
    case_note(case=case, body="Seen.", actor=Actor.staff(org.manager))
    billing_case = give_feedback(org.invoicing, score_type="csat", score=1).case
    case_note(case=billing_case, body="Seen too.", actor=Actor.staff(org.support_lead))
    assert billing_case.events.filter(kind=Kind.INTERNAL_NOTE).count() == 1


def test_a_satisfied_customer_closes_the_case(org, case, product):
    case_resolve(case=case, resolution="Refunded.", root_cause=product, actor=Actor.system())
    case = case_customer_verdict(case=case, satisfied=True)
    assert case.status == Status.CLOSED and case.customer_satisfied is True
    assert kinds(case)[-2:] == [Kind.SATISFACTION, Kind.CLOSED]


def test_a_dissatisfied_customer_reopens_the_case_with_their_reason(org, case, product):
    case_resolve(case=case, resolution="Refunded.", root_cause=product, actor=Actor.system())
    with pytest.raises(CaseActionRefused):
        case_customer_verdict(case=case, satisfied=False, reason="")
    case = case_customer_verdict(case=case, satisfied=False, reason="The refund never arrived.")
    assert case.status == Status.ACKNOWLEDGED
    assert case.reopen_count == 1 and case.resolved_at is None
    reopened = case.events.get(kind=Kind.REOPENED)
    assert reopened.body == "The refund never arrived." and reopened.actor_kind == "customer"


def test_only_a_resolved_case_can_be_rated(org, case):
    with pytest.raises(CaseActionRefused):
        case_customer_verdict(case=case, satisfied=True)


def test_a_follow_up_on_feedback_without_a_case_opens_one(org):
    feedback = give_feedback(org.helpdesk, score=10, comment="Great, but one question.")
    assert feedback.case is None
    case = feedback_follow_up(feedback=feedback, body="Can someone call me?")
    assert case.team == org.support
    assert kinds(case)[-1] == Kind.CUSTOMER_MESSAGE


def test_a_merely_claimed_identity_never_joins_anothers_open_case(org):
    """An email typed into a public form could be anyone's: joining would expose their case."""
    victim_case = give_feedback(org.helpdesk, customer=org.customer, score=1).case
    claimed = give_feedback(org.helpdesk, customer=org.customer, score=1, customer_verified=False)
    assert claimed.case != victim_case
    assert claimed.case.customer == org.customer  # staff still see both under one customer


@pytest.mark.parametrize("verdict", [None, True])
def test_a_message_on_a_resolved_or_closed_case_is_refused_with_guidance(
    org, case, product, verdict
):
    case_resolve(case=case, resolution="Refunded.", root_cause=product, actor=Actor.system())
    if verdict:
        case_customer_verdict(case=case, satisfied=True)
    with pytest.raises(CaseActionRefused, match=r"satisfied|give feedback again"):
        case_customer_message(case=case, body="One more thing")


def test_new_feedback_from_the_customer_ends_a_wait_on_them(org, case):
    case_wait_on_customer(case=case, actor=Actor.staff(org.support_agent))
    give_feedback(org.helpdesk, customer=org.customer, score=2, comment="As asked: order 77.")
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED


def test_texts_over_the_limit_are_refused_by_the_services_themselves(org, case, settings):
    settings.COMMENT_MAX_LENGTH = 50
    agent = Actor.staff(org.support_agent)
    for action in (
        lambda: case_reply(case=case, body="x" * 51, actor=agent),
        lambda: case_note(case=case, body="x" * 51, actor=agent),
        lambda: case_customer_message(case=case, body="x" * 51),
    ):
        with pytest.raises(CaseActionRefused, match="51 characters"):
            action()
    assert kinds(case) == [Kind.OPENED, Kind.ASSIGNED_TEAM]


def test_a_double_submitted_first_follow_up_opens_one_case(org):
    feedback = give_feedback(org.helpdesk, score=10, comment="All fine, one question.")
    stale = Feedback.objects.get(pk=feedback.pk)  # what the second request loaded
    first = feedback_follow_up(feedback=feedback, body="Can you call me?")
    second = feedback_follow_up(feedback=stale, body="Can you call me?")
    assert first == second
    assert Case.objects.count() == 1


def test_reopening_clears_the_old_resolution_from_the_case_but_not_the_timeline(org, case, product):
    agent = Actor.staff(org.support_agent)
    case_resolve(case=case, resolution="Refunded.", root_cause=product, actor=agent)
    case = case_reopen(case=case, reason="Refund bounced.", actor=agent)
    assert (case.resolution, case.root_cause) == ("", None)
    assert case.events.get(kind=Kind.RESOLVED).body == "Refunded."


def test_a_reply_with_a_gap_left_from_its_template_is_not_sent(org, case):
    with pytest.raises(CaseActionRefused, match="gap"):
        case_reply(case=case, body="Here is what we do: […]", actor=Actor.staff(org.support_agent))
    assert kinds(case) == [Kind.OPENED, Kind.ASSIGNED_TEAM]
