"""A correction sent from a page is saved in a transaction of its own, as a served request
runs it: no test transaction around it to hide a lock taken outside one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import Org
from tests.staff_pages import detail_url, logged_in, open_case
from vocloop.conductor.reading import read_arrived
from vocloop.insights.models import CommentTheme, Correction, Theme

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_correction_sent_from_the_case_page_is_saved(
    org: Org, billing: Theme, waiting: Theme
) -> None:
    case = open_case(org.invoicing, comment="Charged twice on the invoice, and on hold for ages.")
    feedback = case.feedback.get()
    read_arrived(feedback=feedback)
    response = logged_in(org.billing_agent).post(
        reverse("insights:correct", args=[feedback.reference]),
        {"themes": [billing.pk], "sentiment": "negative"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(detail_url(case))
    assert Correction.objects.get().corrected_by == org.billing_agent
    themes = CommentTheme.objects.filter(feedback=feedback).values_list("theme", flat=True)
    assert set(themes) == {billing.pk}
