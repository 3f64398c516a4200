"""An email typed into a public form is a claim, not an identity.

Whoever types a customer's email must learn nothing about that customer and
change nothing of theirs; the customer's own verified feedback must not land
where the claimant can read it.
"""

from django.test import Client

from tests.helpers import give_feedback
from vocloop.customers.models import Customer
from vocloop.listening.models import Feedback


def complain_on_the_form(org, email: str, name: str, comment: str) -> Feedback:
    response = Client().post(
        f"/feedback/{org.helpdesk.slug}/",
        {"kind": "complaint", "comment": comment, "name": name, "email": email},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Feedback.objects.get(comment=comment)


def test_a_claimed_case_is_never_joined_by_the_real_customers_feedback(org):
    claimed = complain_on_the_form(org, org.customer.email, "Mallory", "Something vague.")
    real = give_feedback(org.helpdesk, customer=org.customer, score=1, comment="VICTIM SECRET")
    assert real.case != claimed.case
    page = Client().get(f"/t/{claimed.tracking_token}/").content.decode()
    assert "VICTIM SECRET" not in page


def test_the_real_customers_open_case_is_never_joined_by_a_claim(org):
    real = give_feedback(org.helpdesk, customer=org.customer, score=1, comment="VICTIM SECRET")
    claimed = complain_on_the_form(org, org.customer.email, "Mallory", "Tell me everything.")
    assert claimed.case != real.case
    assert "VICTIM SECRET" not in Client().get(f"/t/{claimed.tracking_token}/").content.decode()


def test_a_claim_does_not_rename_a_known_customer(org):
    nameless = Customer.objects.create(email="quiet@example.com")
    complain_on_the_form(org, "quiet@example.com", "Evil Name", "Hello.")
    nameless.refresh_from_db()
    assert nameless.name == ""
