"""Receiving feedback: validation, references, tracking tokens, customers."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.helpers import give_feedback
from vocloop.customers.models import Customer
from vocloop.customers.services import customer_identify
from vocloop.listening.models import Feedback, ReferenceCounter
from vocloop.listening.services import FeedbackInvalid, reference_allocate


def test_feedback_gets_a_readable_reference_and_an_unguessable_token(org, clock):
    feedback = give_feedback(org.helpdesk, score=9)
    assert re.fullmatch(rf"VL-{clock.now.year}-\d{{6}}", feedback.reference)
    # token_urlsafe(24) encodes 192 random bits in 32 characters
    assert len(feedback.tracking_token) >= 32
    assert feedback.reference not in feedback.tracking_token


def test_references_count_up_without_gaps_and_restart_each_year(db):
    first = reference_allocate(at=dt.datetime(2031, 5, 1, tzinfo=dt.UTC))
    second = reference_allocate(at=dt.datetime(2031, 5, 2, tzinfo=dt.UTC))
    other_year = reference_allocate(at=dt.datetime(2032, 1, 1, tzinfo=dt.UTC))
    assert (first, second, other_year) == ("VL-2031-000001", "VL-2031-000002", "VL-2032-000001")
    assert ReferenceCounter.objects.get(year=2031).last == 2


@pytest.mark.parametrize(
    ("score_type", "score", "field"),
    [
        ("nps", 11, "score"),
        ("nps", -1, "score"),
        ("csat", 0, "score"),
        ("csat", 6, "score"),
        ("ces", 8, "score"),
        ("stars", 3, "score_type"),
        (None, 3, "score_type"),
        ("nps", None, "score"),
    ],
)
def test_out_of_range_or_incomplete_scores_are_refused_and_nothing_is_stored(
    org, score_type, score, field
):
    from vocloop.conductor.feedback import feedback_receive
    from vocloop.listening.services import FeedbackInput

    data = FeedbackInput(
        touchpoint=org.helpdesk, kind="survey", score_type=score_type, score=score, comment="x"
    )
    with pytest.raises(FeedbackInvalid) as refused:
        feedback_receive(data=data, customer=None)
    assert field in refused.value.errors
    assert not Feedback.objects.exists()


def test_a_comment_over_the_limit_is_refused_with_its_length(org, settings):
    settings.COMMENT_MAX_LENGTH = 100
    with pytest.raises(FeedbackInvalid) as refused:
        give_feedback(org.helpdesk, comment="x" * 101)
    assert "101" in refused.value.errors["comment"]


def test_feedback_needs_a_score_or_a_comment(org):
    with pytest.raises(FeedbackInvalid) as refused:
        give_feedback(org.helpdesk, score=None, comment="   ")
    assert "comment" in refused.value.errors


def test_an_inactive_touchpoint_takes_no_feedback(org):
    org.helpdesk.active = False
    org.helpdesk.save()
    with pytest.raises(FeedbackInvalid) as refused:
        give_feedback(org.helpdesk)
    assert "touchpoint" in refused.value.errors


def test_a_time_in_the_future_or_without_offset_is_refused(org):
    with pytest.raises(FeedbackInvalid):
        give_feedback(org.helpdesk, occurred_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(FeedbackInvalid):
        give_feedback(org.helpdesk, occurred_at=dt.datetime(2026, 1, 1, 9, 0))


def test_customers_are_known_by_external_id_first_then_by_email_ignoring_case(db):
    by_email = customer_identify(email="Ada@Example.com", name="Ada")
    again = customer_identify(email="ada@example.COM")
    assert by_email == again
    by_id = customer_identify(external_id="crm-42", email="ada@example.com")
    assert by_id != by_email
    assert customer_identify(external_id="crm-42") == by_id
    assert customer_identify(name="Just a name") is None
    assert Customer.objects.count() == 2


def test_a_name_typed_into_a_public_form_gives_way_to_an_integrations(db):
    typed = customer_identify(email="ada@example.com", name="Mickey Mouse", verified=False)
    assert not typed.details_verified
    # Another public form cannot rename them; the CRM, which knows them, does.
    customer_identify(email="ada@example.com", name="Someone Else", verified=False)
    typed.refresh_from_db()
    assert typed.name == "Mickey Mouse"
    customer_identify(email="ADA@example.com", name="Ada Lovelace")
    typed.refresh_from_db()
    assert (typed.name, typed.details_verified) == ("Ada Lovelace", True)
    customer_identify(email="ada@example.com", name="Mickey Mouse", verified=False)
    typed.refresh_from_db()
    assert typed.name == "Ada Lovelace"


def test_a_known_customer_gains_details_they_lacked(db):
    customer = customer_identify(external_id="crm-7")
    customer_identify(external_id="crm-7", name="Bo", email="bo@example.com")
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Bo", "bo@example.com")
