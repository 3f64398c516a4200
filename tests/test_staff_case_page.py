"""The staff case page: what it shows, its actions, refusals and reply templates."""

from __future__ import annotations

from tests.staff_pages import (
    action_url,
    detail_url,
    last_event,
    logged_in,
    messages_of,
    open_case,
    post_action,
)
from vocloop.cases.customer_actions import case_customer_verdict
from vocloop.cases.forms import fill_reply_template
from vocloop.cases.models import Case, CaseEvent, ReplyTemplate, RootCause, Severity, Status
from vocloop.cases.services import case_reopen, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.conductor.feedback import feedback_receive
from vocloop.customers.models import Customer
from vocloop.listening.services import FeedbackInput

Kind = CaseEvent.Kind


# The case page


def test_the_case_page_shows_feedback_customer_and_timeline(org):
    org.customer.industry = "Retail"
    org.customer.size = Customer.Size.MEDIUM
    org.customer.region = "Scandinavia"
    org.customer.save()
    case = open_case(org.helpdesk, customer=org.customer, comment="Nobody called me back.")
    later = feedback_receive(
        data=FeedbackInput(touchpoint=org.helpdesk, kind="complaint", comment="Still waiting!"),
        customer=org.customer,
    )
    billing_case = open_case(org.invoicing, customer=org.customer, comment="Wrong invoice.")
    client = logged_in(org.support_lead)
    client.post(action_url("note", case), {"note-body": "Called the customer, no answer."})
    html = client.get(detail_url(case)).content.decode()
    assert "Nobody called me back." in html and "NPS 3" in html and "web" in html
    assert "Still waiting!" in html and later.reference in html
    assert "Ada Customer" in html and "ada@example.com" in html
    assert "Retail" in html and "Medium (50–499)" in html and "Scandinavia" in html
    assert f'href="{detail_url(billing_case)}"' in html
    assert "We received your feedback and opened a case for it." in html
    assert "Called the customer, no answer." in html
    assert "Internal — the customer does not see this" in html
    assert "Lee Lead" in html


def test_the_case_page_hides_the_customers_other_teams_cases_from_a_member(org):
    case = open_case(org.helpdesk, customer=org.customer)
    billing_case = open_case(org.invoicing, customer=org.customer, comment="Wrong invoice.")
    html = logged_in(org.support_agent).get(detail_url(case)).content.decode()
    assert billing_case.reference not in html
    assert "Wrong invoice." not in html
    assert "1 more belongs to cases of teams you do not work with." in html


def test_an_unknown_reference_is_not_found(org):
    assert logged_in(org.manager).get("/staff/cases/VL-1999-000001/").status_code == 404


def test_the_case_page_offers_only_the_actions_of_its_status(org):
    case = open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    html = client.get(detail_url(case)).content.decode()
    assert action_url("acknowledge", case) in html
    assert action_url("resolve", case) in html
    assert action_url("reopen", case) not in html
    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED)
    html = client.get(detail_url(case)).content.decode()
    assert action_url("reopen", case) in html
    for gone in ("acknowledge", "resolve", "reply", "assign", "wait_on_customer"):
        assert action_url(gone, case) not in html


# Actions


def test_acknowledging_lands_on_the_timeline_with_who_did_it(org):
    case = open_case(org.helpdesk)
    response = post_action(logged_in(org.support_agent), "acknowledge", case, {})
    assert case.status == Status.ACKNOWLEDGED
    event = last_event(case)
    assert (event.kind, event.actor, event.actor_label) == (
        Kind.ACKNOWLEDGED,
        org.support_agent,
        "Sam Agent",
    )
    assert any("acknowledged" in m for m in messages_of(response))
    assert "Sam Agent" in response.content.decode()


def test_assigning_and_unassigning(org):
    case = open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    post_action(client, "assign", case, {"assign-assignee": org.support_agent_2.pk})
    assert case.assignee == org.support_agent_2
    assert last_event(case).kind == Kind.ASSIGNED
    assert last_event(case).actor == org.support_agent
    response = post_action(client, "assign", case, {"assign-assignee": ""})
    assert case.assignee is None
    assert "Unassigned." in response.content.decode()


def test_a_case_cannot_be_assigned_outside_its_team(org):
    case = open_case(org.helpdesk)
    response = logged_in(org.manager).post(
        action_url("assign", case), {"assign-assignee": org.billing_agent.pk}
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assignee is None


def test_a_public_reply(org):
    case = open_case(org.helpdesk)
    response = post_action(
        logged_in(org.support_agent), "reply", case, {"reply-body": "We are on it."}
    )
    event = last_event(case)
    assert (event.kind, event.public, event.body) == (Kind.PUBLIC_REPLY, True, "We are on it.")
    assert event.actor == org.support_agent
    assert case.status == Status.ACKNOWLEDGED  # replying to a new case acknowledges it
    assert "The customer sees this reply" in response.content.decode()


def test_an_internal_note(org):
    case = open_case(org.helpdesk)
    post_action(logged_in(org.support_agent), "note", case, {"note-body": "Check the CRM."})
    event = last_event(case)
    assert (event.kind, event.public, event.body) == (Kind.INTERNAL_NOTE, False, "Check the CRM.")
    assert event.actor == org.support_agent


def test_setting_the_severity(org):
    case = open_case(org.helpdesk)
    post_action(logged_in(org.support_agent), "severity", case, {"severity-severity": "critical"})
    assert (case.severity, case.severity_rank) == (Severity.CRITICAL, 4)
    assert last_event(case).kind == Kind.SEVERITY_CHANGED
    assert last_event(case).actor == org.support_agent


def test_waiting_on_the_customer(org):
    case = open_case(org.helpdesk)
    post_action(logged_in(org.support_agent), "wait_on_customer", case, {})
    assert case.status == Status.WAITING_ON_CUSTOMER
    assert last_event(case).kind == Kind.STATUS_CHANGED
    assert last_event(case).actor == org.support_agent


def test_resolving_and_reopening(org):
    case = open_case(org.helpdesk)
    cause = RootCause.objects.get(slug="process")
    client = logged_in(org.support_agent)
    post_action(
        client,
        "resolve",
        case,
        {"resolve-resolution": "We called back.", "resolve-root_cause": cause.pk},
    )
    assert (case.status, case.root_cause, case.resolution) == (
        Status.RESOLVED,
        cause,
        "We called back.",
    )
    assert last_event(case).kind == Kind.RESOLVED
    post_action(client, "reopen", case, {"reopen-reason": "The customer called again."})
    assert case.status == Status.ACKNOWLEDGED
    event = last_event(case)
    assert (event.kind, event.body, event.actor) == (
        Kind.REOPENED,
        "The customer called again.",
        org.support_agent,
    )


def test_inactive_root_causes_are_not_offered(org):
    case = open_case(org.helpdesk)
    RootCause.objects.filter(slug="policy").update(active=False)
    html = logged_in(org.support_agent).get(detail_url(case)).content.decode()
    assert ">Process<" in html
    assert ">Policy<" not in html


# Refusals: a message, never a 500, nothing changed


def test_acknowledging_a_resolved_case_is_refused_with_a_message(org):
    case = open_case(org.helpdesk)
    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED)
    events_before = case.events.count()
    response = logged_in(org.support_agent).post(action_url("acknowledge", case))
    assert response.status_code == 409
    assert any("cannot be acknowledged" in m for m in messages_of(response))
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.events.count() == events_before


def test_resolving_without_a_root_cause_is_refused_and_keeps_the_text(org):
    case = open_case(org.helpdesk)
    response = logged_in(org.support_agent).post(
        action_url("resolve", case), {"resolve-resolution": "We fixed the thing."}
    )
    assert response.status_code == 400
    assert any("Choose a root cause." in m for m in messages_of(response))
    assert "We fixed the thing." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_an_empty_reply_or_note_is_refused(org):
    case = open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    assert client.post(action_url("reply", case), {"reply-body": "   "}).status_code == 400
    assert client.post(action_url("note", case), {"note-body": ""}).status_code == 400
    assert not case.events.filter(kind__in=[Kind.PUBLIC_REPLY, Kind.INTERNAL_NOTE]).exists()


def test_reopening_an_open_case_is_refused(org):
    case = open_case(org.helpdesk)
    response = logged_in(org.support_agent).post(
        action_url("reopen", case), {"reopen-reason": "Why not"}
    )
    assert response.status_code == 409
    assert any("cannot be reopened" in m for m in messages_of(response))
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == (Status.NEW, 0)


def test_a_refusal_by_the_services_permission_check_is_a_403(org, monkeypatch):
    case = open_case(org.helpdesk)
    monkeypatch.setattr("vocloop.cases.services.can_act_on", lambda actor, case: False)
    response = logged_in(org.support_agent).post(action_url("acknowledge", case))
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_actions_only_accept_post(org):
    case = open_case(org.helpdesk)
    assert logged_in(org.support_agent).get(action_url("acknowledge", case)).status_code == 405


# Reply templates


def test_placeholders_are_filled_in():
    text = fill_reply_template(
        "Dear {customer_name}, {team} is on {reference}. {unknown} {",
        customer_name="Ada",
        reference="VL-2026-000007",
        team="Support",
    )
    assert text == "Dear Ada, Support is on VL-2026-000007. {unknown} {"


def test_a_customer_without_a_name_is_addressed_as_customer():
    assert fill_reply_template(
        "Dear {customer_name},", customer_name=" ", reference="", team=""
    ) == ("Dear customer,")


def test_using_a_template_fills_the_reply_without_javascript(org):
    case = open_case(org.helpdesk, customer=org.customer)
    response = logged_in(org.support_agent).get(detail_url(case), {"template": org.template.pk})
    assert response.status_code == 200
    expected = f"Dear Ada Customer, we are sorry. The Support team is on case {case.reference}."
    assert response.context["reply_form"].initial["body"] == expected
    assert expected in response.content.decode()


def test_using_a_template_with_htmx_returns_only_the_reply_field(org):
    case = open_case(org.helpdesk)
    response = logged_in(org.support_agent).get(
        detail_url(case), {"template": org.template.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.startswith('<div id="reply-body-field">')
    assert "Dear customer, we are sorry." in html


def test_an_unknown_or_huge_template_id_is_a_message_not_an_error(org):
    case = open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    for bad in ("999999", "99999999999999999999999", "abc"):
        response = client.get(detail_url(case), {"template": bad})
        assert response.status_code == 200
        assert any("not available" in m for m in messages_of(response))


def test_choosing_no_template_with_htmx_leaves_the_text_alone(org):
    case = open_case(org.helpdesk)
    response = logged_in(org.support_agent).get(
        detail_url(case), {"template": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204


def test_another_teams_template_is_not_offered_or_used(org):
    case = open_case(org.helpdesk)
    billing_only = ReplyTemplate.objects.create(
        name="Billing only", body="About your invoice", team=org.billing
    )
    client = logged_in(org.support_agent)
    assert b"Billing only" not in client.get(detail_url(case)).content
    response = client.get(detail_url(case), {"template": billing_only.pk})
    assert response.status_code == 200
    assert any("not available" in m for m in messages_of(response))
    assert "About your invoice" not in response.content.decode()


def test_a_template_reply_is_sent_with_its_placeholders_filled(org):
    case = open_case(org.helpdesk, customer=org.customer)
    client = logged_in(org.support_agent)
    filled = client.get(detail_url(case), {"template": org.template.pk}).context["reply_form"]
    post_action(client, "reply", case, {"reply-body": filled.initial["body"]})
    assert last_event(case).body == (
        f"Dear Ada Customer, we are sorry. The Support team is on case {case.reference}."
    )


def test_a_customers_reason_for_not_being_satisfied_is_shown_once(org):
    case = open_case(org.helpdesk, customer=org.customer)
    cause = RootCause.objects.get(slug="product")
    case_resolve(case=case, resolution="Fixed.", root_cause=cause, actor=Actor.staff(org.manager))
    case_customer_verdict(case=case, satisfied=False, reason="It still crashes on start.")
    html = logged_in(org.support_agent).get(detail_url(case)).content.decode()
    assert html.count("It still crashes on start.") == 1
    # Both entries stay on the timeline, the reason under the verdict that gave it.
    verdict_at = html.index("event-satisfaction")
    assert verdict_at < html.index("It still crashes on start.") < html.index("event-reopened")


def test_a_colleagues_reason_for_reopening_is_shown_with_the_reopening(org):
    case = open_case(org.helpdesk, customer=org.customer)
    cause = RootCause.objects.get(slug="product")
    staff = Actor.staff(org.manager)
    case_resolve(case=case, resolution="Fixed.", root_cause=cause, actor=staff)
    case_reopen(case=case, reason="The fix did not reach the mobile app.", actor=staff)
    html = logged_in(org.support_agent).get(detail_url(case)).content.decode()
    assert html.count("The fix did not reach the mobile app.") == 1
    assert html.index("event-reopened") < html.index("The fix did not reach the mobile app.")
