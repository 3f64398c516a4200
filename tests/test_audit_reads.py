"""The audit of reads: who opened which case, revealed which text, drilled into which
comments and exported what — recorded as it happens, searchable and exportable by a
quality manager, and nothing recorded for pages that show no customer."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from tests.api_client import ApiClient, token_secret
from tests.conftest import Org
from tests.staff_pages import detail_url, logged_in, open_case
from vocloop.audit.models import Read

AUDIT = "/staff/audit/"


def test_opening_a_case_is_recorded_with_who_and_where_from(org: Org) -> None:
    case = open_case(org.helpdesk, customer=org.customer)
    agent = logged_in(org.support_agent)

    assert agent.get(detail_url(case), REMOTE_ADDR="192.0.2.7").status_code == 200
    (read,) = Read.objects.all()
    assert (read.kind, read.what, read.reader) == ("case", case.reference, org.support_agent)
    assert org.support_agent.get_username() in read.who
    assert read.address == "192.0.2.7" and read.path == detail_url(case)


def test_pages_without_a_customer_and_refused_pages_are_not_reads(org: Org) -> None:
    billing_case = open_case(org.invoicing, customer=org.customer)
    agent = logged_in(org.support_agent)
    assert agent.get(reverse("cases:inbox")).status_code == 200
    assert agent.get(reverse("dashboards:metric", args=["nps"])).status_code == 200
    assert agent.get(detail_url(billing_case)).status_code == 404  # another team's
    assert not Read.objects.exists()


def test_drill_downs_exports_and_api_reads_are_recorded(org: Org) -> None:
    case = open_case(org.helpdesk, customer=org.customer)
    manager = logged_in(org.manager)
    drilled = manager.get(reverse("dashboards:metric", args=["nps"]), {"point": "2026-11-16"})
    assert drilled.status_code == 200
    exported = manager.get(reverse("improvement:actions_csv"))
    assert exported.status_code == 200

    secret = token_secret("crm")
    assert ApiClient(secret).get(f"/cases/{case.reference}").status_code == 200

    reads = {(r.kind, r.what, r.who) for r in Read.objects.all()}
    name = org.manager.get_full_name()
    assert ("drill", "nps · 2026-11-16", f"{name} ({org.manager.get_username()})") in reads
    filename = exported["Content-Disposition"].split('filename="')[1].rstrip('"')
    assert ("export", filename, f"{name} ({org.manager.get_username()})") in reads
    assert ("api", case.reference, "API: crm") in reads


def test_a_customers_page_and_their_data_export_are_recorded(org: Org) -> None:
    open_case(org.helpdesk, customer=org.customer)
    manager = logged_in(org.manager)
    assert manager.get(reverse("customers:detail", args=[org.customer.pk])).status_code == 200
    assert manager.get(reverse("customers:export", args=[org.customer.pk])).status_code == 200
    reads = sorted(Read.objects.values_list("kind", "what"))
    assert reads == [
        ("customer", str(org.customer.pk)),
        ("export", f"customer-{org.customer.pk}.json"),
    ]


def test_a_quality_manager_searches_the_reads_and_exports_them(org: Org) -> None:
    first = open_case(org.helpdesk, customer=org.customer)
    second = open_case(org.helpdesk)
    logged_in(org.support_agent).get(detail_url(first))
    logged_in(org.support_agent_2).get(detail_url(second))
    manager = logged_in(org.manager)

    found = manager.get(AUDIT, {"what": first.reference})
    assert found.status_code == 200
    shown = found.content.decode()
    assert first.reference in shown and second.reference not in shown
    assert org.support_agent.get_username() in shown

    by_who = manager.get(AUDIT, {"who": org.support_agent_2.get_username(), "kind": "case"})
    assert second.reference in by_who.content.decode()
    assert first.reference not in by_who.content.decode()

    download = manager.get(AUDIT, {"kind": "case", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert {r["what"] for r in rows} == {first.reference, second.reference}
    assert Read.objects.filter(kind="export", what__startswith="vocloop-reads-").count() == 1


def test_only_quality_managers_see_the_audit_and_bad_dates_are_said(org: Org) -> None:
    assert logged_in(org.support_lead).get(AUDIT).status_code == 403
    refused = logged_in(org.manager).get(AUDIT, {"first": "2026-12-01", "last": "2026-11-01"})
    assert refused.status_code == 400
    assert "The period ends before it starts." in refused.content.decode()
    bad = logged_in(org.manager).get(AUDIT, {"first": "yesterday"})
    assert bad.status_code == 400 and "Enter a date as YYYY-MM-DD." in bad.content.decode()
