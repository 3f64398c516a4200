"""A customer's data: exported as JSON, read on a staff page, erased from the staff side,
the command line and never by deleting the customer in the settings area."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.conftest import PASSWORD, Org, make_user
from tests.customer_data import EMAIL, NAME, PHONE, PHRASE, SECOND_EMAIL, Planted, plant
from vocloop.customers.erasure import ERASED_TEXT, customer_erase
from vocloop.customers.export import EXPORT_FORMAT, EXPORT_VERSION, customer_export
from vocloop.customers.models import Customer, Erasure
from vocloop.customers.selectors import CustomerNotFound, customer_find


@pytest.fixture
def planted(org: Org) -> Planted:
    return plant(org)


def logged_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_export_holds_every_kind_of_data_kept_about_the_customer(planted: Planted) -> None:
    data = json.loads(json.dumps(customer_export(planted.customer)))  # JSON as it is sent
    assert (data["format"], data["version"]) == (EXPORT_FORMAT, EXPORT_VERSION)
    assert data["customer"] | {"created_at": None} == {
        "id": planted.customer.pk,
        "external_id": None,
        "name": NAME,
        "email": EMAIL,
        "industry": "Retail",
        "size": "small",
        "region": "Wessex",
        "created_at": None,
        "erased_at": None,
    }
    survey, sent = data["feedback"]
    assert survey["reference"] == planted.feedback.reference and survey["score"] == 2
    assert PHONE not in survey["comment"] and PHONE in survey["comment_as_written"]
    assert survey["touchpoint"]["slug"] == "help-desk" and survey["case"] == planted.case.reference
    assert survey["tracking_url"].endswith(planted.feedback.tracking_token + "/")
    assert survey["reading"]["sentiment"] is not None
    assert sent["reference"] == planted.api_feedback.reference and sent["channel"] == "api"
    assert [c["reference"] for c in data["cases"]] == [planted.case.reference, sent["case"]]
    case = data["cases"][0]
    shown = [entry["body"] for entry in case["timeline"]]
    assert f"Dear {NAME}, we are sorry about the {PHRASE}." in shown
    assert not any("phoned twice" in body for body in shown)  # an internal note is not theirs
    directions = {(m["direction"], m["kind"]) for m in data["messages"]}
    assert directions == {("to_customer", "public_reply"), ("from_customer", "customer_message")}
    (written,) = [m for m in data["messages"] if m["direction"] == "from_customer"]
    assert EMAIL not in written["body"] and EMAIL in written["body_as_written"]
    assert {e["to"] for e in data["emails"]} >= {EMAIL, SECOND_EMAIL}
    assert {e["kind"] for e in data["emails"]} >= {"customer_receipt", "customer_reply"}
    assert [u["email"] for u in data["consents"]["unsubscribed"]] == [EMAIL]
    assert [s["email"] for s in data["consents"]["updates"]] == [SECOND_EMAIL]
    assert data["identity_claims"] == [] and data["erasures"] == []


def test_an_erased_customer_exports_as_erased(org: Org, planted: Planted) -> None:
    customer_erase(customer=planted.customer, actor=org.manager)
    data = customer_export(Customer.objects.get(pk=planted.customer.pk))
    assert data["customer"]["name"] == "" and data["customer"]["erased_at"] is not None
    assert [f["comment"] for f in data["feedback"]] == [ERASED_TEXT, ERASED_TEXT]
    for feedback in data["feedback"]:
        assert feedback["tracking_url"] is None and "comment_as_written" not in feedback
    assert data["emails"] == [] and len(data["erasures"]) == 1


def test_a_customer_is_found_by_id_or_external_id_and_an_ambiguous_number_is_refused(
    org: Org,
) -> None:
    crm = Customer.objects.create(external_id=str(org.customer.pk), name="Ambiguous Ltd")
    with pytest.raises(CustomerNotFound, match="say which"):
        customer_find(str(org.customer.pk))
    assert customer_find(f"id:{org.customer.pk}") == org.customer
    assert customer_find(f"external:{org.customer.pk}") == crm
    with pytest.raises(CustomerNotFound, match="No customer"):
        customer_find("C-404")


def test_the_command_exports_to_a_file_and_erases_only_with_yes(
    planted: Planted, tmp_path: Path
) -> None:
    out = tmp_path / "customer.json"
    call_command("customers", "export", str(planted.customer.pk), "--output", str(out))
    assert json.loads(out.read_text())["customer"]["email"] == EMAIL
    printed = io.StringIO()
    call_command("customers", "export", f"id:{planted.customer.pk}", stdout=printed)
    assert json.loads(printed.getvalue())["customer"]["name"] == NAME
    with pytest.raises(CommandError, match="add --yes"):
        call_command("customers", "erase", str(planted.customer.pk))
    assert Customer.objects.get(pk=planted.customer.pk).erased_at is None
    said = io.StringIO()
    call_command("customers", "erase", str(planted.customer.pk), "--yes", stdout=said)
    assert f"Erased customer {planted.customer.pk}: " in said.getvalue()
    assert Erasure.objects.get().erased_by_label == "command line"
    with pytest.raises(CommandError, match="No customer has the id or external id"):
        call_command("customers", "export", "nobody@example.com")


def test_a_quality_manager_reads_downloads_and_erases_after_confirming(
    org: Org, planted: Planted
) -> None:
    client = logged_in(org.manager)
    pk = planted.customer.pk
    found = client.get("/staff/customers/", {"q": "thistlewood"})
    assert found.status_code == 200 and f"/staff/customers/{pk}/".encode() in found.content
    page = client.get(f"/staff/customers/{pk}/")
    assert page.status_code == 200 and PHRASE.encode() in page.content
    download = client.get(f"/staff/customers/{pk}/export.json")
    assert download["Content-Disposition"] == f'attachment; filename="customer-{pk}.json"'
    assert json.loads(download.content)["customer"]["email"] == EMAIL
    unconfirmed = client.post(f"/staff/customers/{pk}/erase/")
    assert unconfirmed.status_code == 400 and b"Tick the box" in unconfirmed.content
    assert Customer.objects.get(pk=pk).erased_at is None
    erased = client.post(f"/staff/customers/{pk}/erase/", {"understood": "on"}, follow=True)
    assert erased.status_code == 200 and b"Erased customer" in erased.content
    assert Erasure.objects.get().erased_by == org.manager
    assert b"erased on" in client.get(f"/staff/customers/{pk}/").content


def test_staff_see_the_customer_within_their_reach_and_cannot_export_or_erase(
    org: Org, planted: Planted
) -> None:
    pk = planted.customer.pk
    support = logged_in(org.support_agent)
    page = support.get(f"/staff/customers/{pk}/")
    assert page.status_code == 200 and planted.feedback.reference.encode() in page.content
    # The invoicing feedback is the Billing team's: not shown to Support's agent.
    assert planted.api_feedback.reference.encode() not in page.content
    assert support.get(f"/staff/customers/{pk}/export.json").status_code == 403
    assert support.post(f"/staff/customers/{pk}/erase/", {"understood": "on"}).status_code == 403
    assert support.get("/staff/customers/").status_code == 403
    billing = logged_in(org.billing_agent).get(f"/staff/customers/{pk}/")
    assert planted.api_feedback.reference.encode() in billing.content
    assert planted.feedback.reference.encode() not in billing.content
    # Someone in no team sees none of her cases: her page is not there for them.
    assert logged_in(make_user("nora_new")).get(f"/staff/customers/{pk}/").status_code == 404


def test_deleting_a_customer_in_the_settings_area_leads_to_erasing_instead(
    org: Org, planted: Planted
) -> None:
    org.manager.is_superuser = True  # the settings area's delete would otherwise be open
    org.manager.save()
    client = logged_in(org.manager)
    pk = planted.customer.pk
    change = client.get(f"/admin/customers/customer/{pk}/change/")
    assert f"/staff/customers/{pk}/".encode() in change.content
    assert b"/delete/" not in change.content
    delete = client.post(f"/admin/customers/customer/{pk}/delete/", {"post": "yes"})
    assert delete.status_code == 302 and delete["Location"] == f"/staff/customers/{pk}/erase/"
    assert Customer.objects.filter(pk=pk, erased_at__isnull=True).exists()
