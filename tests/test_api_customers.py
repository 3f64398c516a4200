"""The customers API: a customer's data exported and erased through tokens that have the
scope for it, found by id or external id, with refusals said."""

from __future__ import annotations

from tests.api_client import ApiClient, poor_score, token_secret
from tests.conftest import Org
from vocloop.accounts.models import ApiScope
from vocloop.audit.models import Read
from vocloop.customers.models import Customer, Erasure
from vocloop.listening.models import Feedback


def _customer_with_feedback(org: Org) -> Customer:
    sent = ApiClient(token_secret("crm")).post("/feedback", poor_score(org))
    assert sent.status_code == 201
    return Customer.objects.get(external_id="C-42")


def test_a_customer_is_exported_by_external_id(org: Org) -> None:
    customer = _customer_with_feedback(org)
    reader = ApiClient(token_secret("gdpr", scopes=[ApiScope.CUSTOMERS_READ]))
    answer = reader.get("/customers/C-42/export")
    assert answer.status_code == 200
    data = answer.json()
    assert data["customer"]["email"] == "grace@example.com"
    assert [f["comment"] for f in data["feedback"]] == ["Nobody answered my ticket for a week."]
    by_id = reader.get(f"/customers/id:{customer.pk}/export").json()
    assert by_id["customer"] == data["customer"] and by_id["feedback"] == data["feedback"]
    assert Read.objects.filter(kind="customer", what="C-42", who="API: gdpr").exists()

    missing = reader.get("/customers/nobody/export")
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]


def test_a_customer_is_erased_once_and_the_scope_is_needed(org: Org) -> None:
    customer = _customer_with_feedback(org)
    without = ApiClient(token_secret("reader", scopes=[ApiScope.CUSTOMERS_READ]))
    refused = without.post("/customers/C-42/erase", {})
    assert refused.status_code == 403 and "customers:erase" in refused.json()["detail"]

    eraser = ApiClient(token_secret("gdpr", scopes=[ApiScope.CUSTOMERS_ERASE]))
    erased = eraser.post("/customers/C-42/erase", {})
    assert erased.status_code == 200
    assert erased.json()["customer"] == customer.pk and erased.json()["counts"]
    (erasure,) = Erasure.objects.all()
    assert erasure.erased_by_label == "API: gdpr"
    assert "Nobody answered" not in Feedback.objects.get().comment

    # The external id is gone with the rest: the number still finds the erased record.
    again = eraser.post(f"/customers/id:{customer.pk}/erase", {})
    assert again.status_code == 409 and "was erased on" in again.json()["detail"]


def test_a_token_confined_to_a_team_or_a_front_line_person_does_not_erase(org: Org) -> None:
    _customer_with_feedback(org)
    scopes = [ApiScope.CUSTOMERS_ERASE]
    for confined in (
        token_secret("support", scopes=scopes, team=org.support),
        token_secret("sam", scopes=scopes, acts_for=org.support_agent),
    ):
        refused = ApiClient(confined).post("/customers/C-42/erase", {})
        assert refused.status_code == 403 and "quality manager" in refused.json()["detail"]
    assert not Erasure.objects.exists()
    manager = ApiClient(token_secret("maria", scopes=scopes, acts_for=org.manager))
    assert manager.post("/customers/C-42/erase", {}).status_code == 200
