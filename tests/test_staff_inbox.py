"""The staff inbox: login, who sees which cases, filters, order and paging."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.clock import utc
from tests.conftest import PASSWORD
from tests.staff_pages import action_url, detail_url, inbox_refs, logged_in, open_case
from vocloop.cases.escalation import escalation_sweep
from vocloop.cases.models import Case, RootCause, Severity, Status
from vocloop.cases.selectors import COMMENT_PREVIEW_CHARS
from vocloop.cases.services import case_acknowledge
from vocloop.cases.timeline import Actor
from vocloop.customers.models import Customer

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
    assert 'class="badge sev-normal">Normal<' in html
    assert f'datetime="{timezone.localtime(case.opened_at).isoformat()}"' in html


def said_in_inbox(client) -> list[str]:
    html = client.get(reverse("cases:inbox")).content.decode()
    return re.findall(r'<span class="comment-start">(.*?)</span>', html, re.S)


@pytest.mark.parametrize(
    "words",
    [
        "I expect a refund or a credit note for the three months without service " * 4,
        # 23 words of six letters: the 160th character ends one, the next is a space.
        "refund " * 30,
    ],
)
def test_a_long_comment_is_cut_between_words_with_an_ellipsis_in_the_inbox(org, words):
    open_case(org.helpdesk, comment=words)
    [said] = said_in_inbox(logged_in(org.support_agent))
    assert said.endswith("…") and len(said) <= COMMENT_PREVIEW_CHARS
    shown = said.removesuffix("…")
    assert words.startswith(shown)
    assert words[len(shown)] == " "  # the last word shown is whole
    assert not shown.endswith(" ")


@pytest.mark.parametrize("length", [12, COMMENT_PREVIEW_CHARS])
def test_a_comment_that_fits_is_shown_whole_without_an_ellipsis(org, length):
    comment = ("Waited long. " * 20)[: length - 1] + "!"
    open_case(org.helpdesk, comment=comment)
    assert said_in_inbox(logged_in(org.support_agent)) == [comment.strip()]


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


def test_the_inbox_finds_a_case_by_reference_or_customer(org):
    from vocloop.customers.models import Customer

    ada = open_case(org.helpdesk, customer=org.customer)
    grace = open_case(org.helpdesk, customer=Customer.objects.create(name="Grace", email="g@x.io"))
    client = logged_in(org.support_agent)
    assert inbox_refs(client, q=ada.reference.lower()) == [ada.reference]
    assert inbox_refs(client, q="grace") == [grace.reference]
    assert inbox_refs(client, q="ada@example") == [ada.reference]
    assert inbox_refs(client, q="nobody-like-this") == []


def test_complaints_without_a_score_say_so_in_the_inbox(org):
    from tests.helpers import give_feedback

    give_feedback(org.helpdesk, score=None, kind="complaint", comment="Rude on the phone.")
    page = logged_in(org.support_agent).get("/staff/").content.decode()
    assert "Complaint" in page and "Rude on the phone." in page


# Escalated cases and the caption


def test_the_escalation_filter_tells_a_breach_still_open_from_one_escalated_before(org, clock):
    neglected = open_case(org.helpdesk)  # opened Friday 16:00: acknowledge by Monday 16:00
    answered = open_case(org.helpdesk)
    calm = open_case(org.helpdesk)
    case_acknowledge(case=calm, actor=Actor.staff(org.support_agent))  # in time
    clock.to(utc(2026, 11, 23, 16, 30))
    assert escalation_sweep(now=clock.now) == 2
    client = logged_in(org.support_lead)
    assert set(inbox_refs(client, escalated="open")) == {neglected.reference, answered.reference}

    # Acknowledged in the end: the breach it was escalated for is over, not the history.
    case_acknowledge(case=answered, actor=Actor.staff(org.support_agent))
    assert inbox_refs(client, escalated="open") == [neglected.reference]
    assert set(inbox_refs(client, escalated="ever")) == {neglected.reference, answered.reference}
    assert calm.reference not in inbox_refs(client, escalated="ever")
    # Only the teams' own cases, whoever asks.
    assert inbox_refs(logged_in(org.billing_agent), escalated="ever") == []

    page = client.get(reverse("cases:inbox"), {"escalated": "open"}).content.decode()
    assert "the deadline each case was escalated for has passed and is still not met" in page
    assert "Escalated at least once" in page


@pytest.mark.parametrize(
    ("query", "caption"),
    [
        ({}, "In order: the most severe first, then the newest."),
        ({"status": "all"}, "In order: open first, then the most severe, then the newest."),
        ({"sort": "due"}, "In order: next deadline first (the longest breached at the top"),
    ],
)
def test_the_caption_says_the_order_the_cases_are_in(org, query, caption):
    open_case(org.helpdesk)
    page = logged_in(org.support_agent).get(reverse("cases:inbox"), query).content.decode()
    shown = page.split('<caption class="inbox-caption">', 1)[1].split("</caption>", 1)[0]
    assert caption in " ".join(shown.split())


def test_sorted_by_deadline_the_cases_are_in_deadline_order(org, clock):
    later, breached, sooner = (open_case(org.helpdesk) for _ in range(3))
    now = timezone.now()
    for case, offset in [(later, 30), (breached, -5), (sooner, 1)]:
        Case.objects.filter(pk=case.pk).update(acknowledge_by=now + dt.timedelta(hours=offset))
    client = logged_in(org.support_agent)
    assert inbox_refs(client, sort="due") == [breached.reference, sooner.reference, later.reference]
    assert inbox_refs(client, due="breached") == [breached.reference]
    assert inbox_refs(client, due="acknowledge-soon") == [sooner.reference]
