"""The staff pages: the inbox, the case page and every action on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from vocloop.cases.forms import fill_reply_template
from vocloop.cases.models import Case, CaseEvent, ReplyTemplate, RootCause, Severity, Status
from vocloop.customers.models import Customer
from vocloop.listening.models import Touchpoint
from vocloop.listening.services import FeedbackInput, feedback_receive

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


# Login and visibility


@pytest.mark.parametrize("name", ["cases:inbox", "cases:detail"])
def test_staff_pages_ask_for_a_login(org, client, name):
    case = open_case(org.helpdesk)
    url = reverse(name) if name == "cases:inbox" else detail_url(case)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_an_action_without_login_changes_nothing(org, client):
    case = open_case(org.helpdesk)
    response = client.post(action_url("acknowledge", case))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_logging_in_leads_to_the_inbox(org, client):
    response = client.post(
        reverse("login"), {"username": "sam_agent", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("cases:inbox")
    assert b"<h1>Inbox</h1>" in response.content


def test_the_inbox_lists_the_teams_cases_and_not_other_teams(org):
    support_case = open_case(org.helpdesk)
    billing_case = open_case(org.invoicing)
    assert inbox_refs(logged_in(org.support_agent)) == [support_case.reference]
    assert inbox_refs(logged_in(org.billing_agent)) == [billing_case.reference]


@pytest.mark.parametrize("user", ["support_lead", "manager"])
def test_leads_and_quality_managers_see_every_teams_cases(org, user):
    support_case = open_case(org.helpdesk)
    billing_case = open_case(org.invoicing)
    client = logged_in(getattr(org, user))
    assert set(inbox_refs(client)) == {support_case.reference, billing_case.reference}
    assert inbox_refs(client, team="billing") == [billing_case.reference]
    assert client.get(detail_url(billing_case)).status_code == 200


def test_the_team_filter_is_offered_only_to_those_who_see_every_team(org):
    open_case(org.helpdesk)
    assert b'name="team"' not in logged_in(org.support_agent).get(reverse("cases:inbox")).content
    assert b'name="team"' in logged_in(org.manager).get(reverse("cases:inbox")).content


def test_another_teams_case_is_not_found_to_read_or_to_change(org):
    case = open_case(org.helpdesk)
    client = logged_in(org.billing_agent)
    assert client.get(detail_url(case)).status_code == 404
    for name, data in [
        ("acknowledge", {}),
        ("note", {"note-body": "Snooping"}),
        ("reply", {"reply-body": "Hello"}),
        ("severity", {"severity-severity": "low"}),
        (
            "resolve",
            {"resolve-resolution": "Done", "resolve-root_cause": RootCause.objects.first().pk},
        ),
    ]:
        assert client.post(action_url(name, case), data).status_code == 404, name
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert case.severity == Severity.NORMAL
    assert not case.events.filter(actor=org.billing_agent).exists()


# Inbox filters and order


def test_the_inbox_shows_open_cases_by_default_and_filters_by_status(org):
    new = open_case(org.helpdesk)
    resolved = open_case(org.helpdesk)
    Case.objects.filter(pk=resolved.pk).update(status=Status.RESOLVED)
    client = logged_in(org.support_agent)
    assert inbox_refs(client) == [new.reference]
    assert inbox_refs(client, status="resolved") == [resolved.reference]
    assert inbox_refs(client, status="new") == [new.reference]
    assert inbox_refs(client, status="all") == [new.reference, resolved.reference]


def test_a_bad_filter_value_falls_back_to_the_default(org):
    case = open_case(org.helpdesk)
    assert inbox_refs(logged_in(org.support_agent), status="bogus", touchpoint="nope") == [
        case.reference
    ]


def test_the_inbox_filters_by_touch_point(org):
    helpdesk = open_case(org.helpdesk)
    invoicing = open_case(org.invoicing)
    client = logged_in(org.manager)
    assert inbox_refs(client, touchpoint="help-desk") == [helpdesk.reference]
    assert inbox_refs(client, touchpoint="invoicing") == [invoicing.reference]


def test_the_inbox_filters_by_assignee_me_unassigned_or_a_person(org):
    mine = open_case(org.helpdesk)
    hers = open_case(org.helpdesk)
    nobodys = open_case(org.helpdesk)
    Case.objects.filter(pk=mine.pk).update(assignee=org.support_agent)
    Case.objects.filter(pk=hers.pk).update(assignee=org.support_agent_2)
    client = logged_in(org.support_agent)
    assert inbox_refs(client, assignee="me") == [mine.reference]
    assert inbox_refs(client, assignee="unassigned") == [nobodys.reference]
    assert inbox_refs(client, assignee=str(org.support_agent_2.pk)) == [hers.reference]


def test_the_inbox_puts_critical_before_normal_and_newer_before_older(org):
    older = open_case(org.helpdesk)
    newer = open_case(org.helpdesk)
    critical_but_old = open_case(org.helpdesk)
    now = timezone.now()
    Case.objects.filter(pk=older.pk).update(opened_at=now - dt.timedelta(days=2))
    Case.objects.filter(pk=newer.pk).update(opened_at=now - dt.timedelta(hours=1))
    Case.objects.filter(pk=critical_but_old.pk).update(
        opened_at=now - dt.timedelta(days=9), severity=Severity.CRITICAL, severity_rank=4
    )
    assert inbox_refs(logged_in(org.support_agent)) == [
        critical_but_old.reference,
        newer.reference,
        older.reference,
    ]


def test_each_inbox_row_shows_what_staff_need_to_triage(org):
    case = open_case(org.helpdesk, score=3, comment="Waited two weeks for an answer " * 10)
    html = logged_in(org.support_agent).get(reverse("cases:inbox")).content.decode()
    assert f'href="{detail_url(case)}"' in html
    assert "NPS 3" in html
    assert "Waited two weeks for an answer" in html
    assert "Help desk" in html and "Support" in html and "Unassigned" in html
    assert '<th scope="col">Severity</th>' in html
    assert f'datetime="{timezone.localtime(case.opened_at).isoformat()}"' in html


def test_the_inbox_pages_by_fifty(org):
    for _ in range(51):
        open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    assert len(inbox_refs(client)) == 50
    assert len(inbox_refs(client, page="2")) == 1
    assert b'rel="next"' in client.get(reverse("cases:inbox")).content


def test_an_htmx_request_gets_only_the_results_table(org):
    case = open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    partial = client.get(reverse("cases:inbox"), {"status": "all"}, headers={"HX-Request": "true"})
    assert case.reference in partial.content.decode()
    assert b"<html" not in partial.content
    assert "HX-Request" in partial["Vary"]
    restore = client.get(
        reverse("cases:inbox"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert b"<html" in restore.content


def test_the_inbox_makes_as_many_queries_for_many_cases_as_for_one(
    org, django_assert_max_num_queries
):
    client = logged_in(org.support_agent)
    open_case(org.helpdesk, customer=org.customer)
    with CaptureQueriesContext(connection) as one_case:
        client.get(reverse("cases:inbox"), {"status": "all"})
    for i in range(20):
        customer = Customer.objects.create(name=f"Customer {i}", email=f"c{i}@example.com")
        case = open_case(org.helpdesk, customer=customer)
        Case.objects.filter(pk=case.pk).update(assignee=org.support_agent_2)
    with django_assert_max_num_queries(len(one_case)):
        response = client.get(reverse("cases:inbox"), {"status": "all"})
    assert len(response.context["page"].object_list) == 21


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


def post_action(client: Client, name: str, case: Case, data: dict[str, Any]) -> Any:
    response = client.post(action_url(name, case), data, follow=True)
    assert response.redirect_chain == [(detail_url(case), 302)]
    case.refresh_from_db()
    return response


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
