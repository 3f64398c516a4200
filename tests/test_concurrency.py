"""Concurrent feedback from one customer opens one case (real threads, real database)."""

import threading

import pytest
from django.db import connection, connections

from tests.helpers import give_feedback
from vocloop.cases.models import Case
from vocloop.customers.models import Customer


@pytest.mark.django_db(transaction=True)
def test_simultaneous_poor_answers_from_one_customer_open_a_single_case(request):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL; SQLite serialises every writer")
    org = request.getfixturevalue("org")
    customer = Customer.objects.create(email="racer@example.com")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def answer(score: int) -> None:
        try:
            barrier.wait()
            give_feedback(org.helpdesk, customer=customer, score=score)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(s,)) for s in (0, 1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Case.objects.filter(customer=customer).count() == 1
    assert Case.objects.get(customer=customer).feedback.count() == 4
