"""“You said, we did”: the customers of an action's linked cases are told once when it is
standardised, their tracking pages show what changed, and the public page lists the
public standardised actions with their verified result — no staff names, no customer data."""

from __future__ import annotations

import datetime as dt
import html
import math
import re

import pytest
from django.test import Client
from django.urls import reverse
from scipy import stats

from tests.conftest import Org
from tests.helpers import give_feedback
from tests.public_pages import text_of, track_url
from tests.staff_pages import logged_in
from tests.test_improvement_check import BEFORE, CHANGE, counted, plant, raise_action
from vocloop.cases.timeline import Actor
from vocloop.customers.models import Customer
from vocloop.improvement.models import Action, ActionCase
from vocloop.improvement.published import PLAIN_CHANGE, result_in_words
from vocloop.improvement.services import (
    ImprovementError,
    action_advance,
    action_cases_link,
    action_close,
    action_update,
)
from vocloop.improvement.told import KIND, action_customers_tell
from vocloop.listening.models import Feedback
from vocloop.notifications.models import OutboxMessage
from vocloop.statistics.effect import EFFECTIVE, Effect, effect_verdict

CONCLUDED = dt.date(2026, 11, 30)
PROBLEM = "Invoices arrived with the wrong amount."
CHANGED = "Every invoice over 1,000 is now checked twice before it goes out."
STAFF = ("Bill Agent", "Maria Manager", "bill_agent", "maria_manager")


def open_case(org: Org, customer: Customer | None, *, touchpoint=None, **extra) -> Feedback:
    """A detractor's answer at a touch point with the default rule: it opens a case."""
    feedback = give_feedback(
        touchpoint or org.invoicing, customer=customer, score=3, comment="Wrong total.", **extra
    )
    assert feedback.case is not None
    return feedback


def in_act(org: Org, **extra: object) -> Action:
    """An action whose check has concluded effective, waiting in Act."""
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org, effective_from=CHANGE, **extra)
    staff = Actor.staff(org.manager)
    action_advance(action=action, actor=staff)
    action_advance(action=action, actor=staff)
    action_advance(action=action, actor=staff, today=CONCLUDED)
    assert (action.phase, action.verdict) == (Action.Phase.ACT, EFFECTIVE)
    return action


@pytest.fixture
def customers(org: Org) -> dict[str, Feedback]:
    """Ada (known, two cases), Bob (known), someone anonymous, and a claimed address."""
    bob = Customer.objects.create(name="Bob Buyer", email="bob@example.com")
    claimed = Customer.objects.create(name="Carl Claimed", email="carl@example.com")
    return {
        "ada": open_case(org, org.customer),
        "ada_helpdesk": open_case(org, org.customer, touchpoint=org.helpdesk),
        "bob": open_case(org, bob),
        "anonymous": open_case(org, None),
        "claimed": open_case(org, claimed, customer_verified=False),
    }


def link(org: Org, action: Action, feedback: dict[str, Feedback]) -> None:
    cases = [f.case for f in feedback.values() if f.case is not None]
    action_cases_link(action=action, cases=cases, actor=Actor.staff(org.manager))


def told() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=KIND).order_by("recipient"))


# --- The email --------------------------------------------------------------------------------


def test_standardising_tells_each_known_customer_once(org, customers):
    action = in_act(org, public_problem=PROBLEM, public_change=CHANGED, public=True)
    link(org, action, customers)
    assert told() == []
    action_close(action=action, actor=Actor.staff(org.manager))
    emails = told()
    # Ada's two cases, one email; no email for the anonymous case or the claimed address.
    assert [e.recipient for e in emails] == ["ada@example.com", "bob@example.com"]
    ada = emails[0]
    assert CHANGED in ada.body_text and PROBLEM in ada.body_text
    assert result_in_words(action) in ada.body_text
    assert "/you-said-we-did/" in ada.body_text
    assert customers["ada"].tracking_token in ada.body_text
    assert "Dear Ada Customer" in ada.body_text
    assert not any(name in e.body_text + e.body_html for e in emails for name in STAFF)
    # Told is recorded on every link to someone who could be told, and only there.
    told_cases = set(
        ActionCase.objects.filter(customer_told_at__isnull=False).values_list("case", flat=True)
    )
    assert told_cases == {customers[k].case_id for k in ("ada", "ada_helpdesk", "bob")}
    # Telling again tells nobody twice.
    assert action_customers_tell(action=action) == 0
    ActionCase.objects.update(customer_told_at=None)
    assert action_customers_tell(action=action) == 2  # queued again …
    assert len(told()) == 2  # … and the outbox keeps the first


def test_closing_with_a_reason_tells_nobody(org, customers):
    action = raise_action(org, public_problem=PROBLEM, public_change=CHANGED)
    link(org, action, customers)
    action_close(action=action, actor=Actor.staff(org.manager), reason="The product was withdrawn.")
    assert action.outcome == Action.Outcome.CLOSED_WITH_REASON
    assert told() == []
    assert action_customers_tell(action=action) == 0
    assert not ActionCase.objects.filter(customer_told_at__isnull=False).exists()


def test_without_public_words_the_email_says_a_plain_sentence(org, customers):
    action = in_act(org)
    link(org, action, {"bob": customers["bob"]})
    action_close(action=action, actor=Actor.staff(org.manager))
    (email,) = told()
    assert PLAIN_CHANGE in email.body_text
    assert "/you-said-we-did/" not in email.body_text  # not public: not on the page


# --- The tracking page ------------------------------------------------------------------------


def test_the_tracking_page_shows_what_changed_once_standardised(client: Client, org, customers):
    action = in_act(org, public_problem=PROBLEM, public_change=CHANGED, public=True)
    link(org, action, {"ada": customers["ada"]})
    before = text_of(client.get(track_url(customers["ada"])))
    assert CHANGED not in before and "What we changed" not in before
    action_close(action=action, actor=Actor.staff(org.manager))
    page = text_of(client.get(track_url(customers["ada"])))
    assert "What we changed because of what you told us" in page
    assert CHANGED in page
    # Since the day the change took effect, not the later day its effect was proven.
    assert action.effective_from is not None and action.closed_at is not None
    assert action.effective_from < action.closed_at.date()
    assert f'In place since <time datetime="{action.effective_from:%Y-%m-%d}">' in page
    assert reverse("public:you_said_we_did") in page
    assert not any(name in page for name in STAFF)
    # Another customer's page, of a case the action does not address, says nothing of it.
    other = text_of(client.get(track_url(customers["bob"])))
    assert CHANGED not in other


def test_a_case_closed_with_a_reason_shows_no_change(client: Client, org, customers):
    action = raise_action(org, public_change=CHANGED)
    link(org, action, {"ada": customers["ada"]})
    action_close(action=action, actor=Actor.staff(org.manager), reason="The product was withdrawn.")
    assert CHANGED not in text_of(client.get(track_url(customers["ada"])))


# --- The public page --------------------------------------------------------------------------


def test_the_public_page_lists_only_public_standardised_actions(client: Client, org, customers):
    shown = in_act(org, public_problem=PROBLEM, public_change=CHANGED, public=True)
    link(org, shown, customers)
    staff = Actor.staff(org.manager)
    action_close(action=shown, actor=staff)
    private = raise_action(org, public_problem="Private problem.", public_change="Private change.")
    private.verdict, private.outcome = EFFECTIVE, Action.Outcome.STANDARDISED
    private.phase, private.closed_at = Action.Phase.CLOSED, shown.closed_at
    private.save()
    unproven = raise_action(
        org, public=True, public_problem="Unproven problem.", public_change="Unproven change."
    )
    action_close(action=unproven, actor=staff, reason="The product line was withdrawn.")
    still_open = raise_action(
        org, public=True, public_problem="Open problem.", public_change="Open change."
    )
    assert still_open.phase == Action.Phase.PLAN

    response = client.get(reverse("public:you_said_we_did"))
    page = text_of(response)
    assert response.status_code == 200
    assert PROBLEM in page and CHANGED in page
    for hidden in ("Private", "Unproven", "Open problem"):
        assert hidden not in page
    assert shown.effective_from is not None
    assert "In place since" in page and f"{shown.effective_from:%-d %B %Y}" in page
    # No staff names, no customer data, no references, no staff wording of the action.
    personal = [*STAFF, "Ada Customer", "Bob Buyer", "ada@example.com", "bob@example.com"]
    personal += [f.reference for f in customers.values()]
    personal += [shown.title, shown.problem, shown.change, shown.verdict_text]
    assert [p for p in personal if p in page] == []
    assert "hx-" not in page  # plain HTML: nothing on it needs JavaScript


def test_the_result_is_the_checks_difference_against_the_rest_counted_from_the_rows(
    client: Client, org
):
    action = in_act(org, public_problem=PROBLEM, public_change=CHANGED, public=True)
    action_close(action=action, actor=Actor.staff(org.manager))
    # The difference-in-differences and its 95 % interval, from the raw rows of the windows.
    assert action.verdict_on is not None
    k_sb, n_sb = counted(org.invoicing, BEFORE, CHANGE - dt.timedelta(days=1))
    k_sa, n_sa = counted(org.invoicing, CHANGE, action.verdict_on)
    k_rb, n_rb = counted(org.helpdesk, BEFORE, CHANGE - dt.timedelta(days=1))
    k_ra, n_ra = counted(org.helpdesk, CHANGE, action.verdict_on)
    shares = [(k_sb, n_sb), (k_sa, n_sa), (k_rb, n_rb), (k_ra, n_ra)]
    p = [k / n for k, n in shares]
    difference = (p[1] - p[0]) - (p[3] - p[2])
    se = math.sqrt(sum(q * (1 - q) / n for q, (_, n) in zip(p, shares, strict=True)))
    z = stats.norm.ppf(0.975)
    low, high = sorted((abs(difference - z * se), abs(difference + z * se)))

    page = text_of(client.get(reverse("public:you_said_we_did")))
    found = re.search(
        r"At Invoicing, complaints fell by ([\d.]+) percentage points more than elsewhere "
        r"\[([\d.]+) to ([\d.]+)\]\.",
        page,
    )
    assert found is not None, page
    shown = [float(g) for g in found.groups()]
    assert difference < 0
    assert shown == pytest.approx([100 * -difference, 100 * low, 100 * high], abs=0.051)


@pytest.mark.parametrize(
    ("metric", "effect", "said"),
    [
        ("nps", ("NPS", 8.04, 3.1, 12.98), "our Net Promoter Score rose by 8.0 points more"),
        (
            "recovery_rate",
            ("proportion", 0.061, 0.012, 0.11),
            "customers satisfied with how we resolved their case rose by 6.1 percentage",
        ),
        ("ces", ("mean", 0.412, 0.1, 0.724), "rose by 0.412 more than elsewhere [0.1 to 0.724]"),
        (
            "time_to_resolve",
            ("durations", 0.12, 0.04, 0.2),
            "cases were resolved sooner after the change than before, 12.0 percentage points "
            "more often than elsewhere [4.0 to 20.0]",
        ),
    ],
)
def test_every_metrics_result_reads_in_plain_words(
    org, metric: str, effect: tuple[str, float, float, float], said: str
) -> None:
    kind, difference, low, high = effect
    sizes = (900, 900, 900, 900)
    measured = Effect(kind, difference, 0.01, low, high, 0.001, difference, 0.0, *sizes, "")
    verdict = effect_verdict(measured, expected=difference, needed=800)
    assert verdict.verdict == EFFECTIVE
    action = Action(metric=metric, touchpoint=org.invoicing, verdict_text=verdict.sentence)
    sentence = result_in_words(action)
    assert sentence.startswith("At Invoicing, ") and said in sentence


# --- The form on the action's page ------------------------------------------------------------


def public_url(action: Action) -> str:
    return reverse("improvement:action_public", args=[action.pk])


def words(**extra: str) -> dict[str, str]:
    return {"public-public_problem": PROBLEM, "public-public_change": CHANGED} | extra


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (words(**{"public-public_change": "", "public-public": "on"}), "write both"),
        (words(**{"public-public_change": "Bill Agent now checks them."}), "leave out staff"),
        (words(**{"public-public_problem": "Mail ada@example.com back."}), "customer's data"),
        (words(**{"public-public_problem": "Paid to DE89 3704 0044 0532 0130 00."}), "personal"),
        (words(**{"public-public_problem": "Ada Customer was overcharged."}), "a customer"),
        (words(**{"public-public_change": "x" * 1001}), "at most 1000 characters"),
    ],
)
def test_the_form_refuses_bad_words_with_a_message(org, customers, data, message):
    action = raise_action(org)
    link(org, action, {"ada": customers["ada"]})
    response = logged_in(org.billing_agent).post(public_url(action), data)
    assert response.status_code == 400
    assert message in html.unescape(text_of(response))
    action.refresh_from_db()
    assert (action.public, action.public_problem, action.public_change) == (False, "", "")


def test_the_form_saves_the_words_even_after_standardising(org):
    action = in_act(org)
    page = text_of(
        logged_in(org.billing_agent).get(reverse("improvement:action", args=[action.pk]))
    )
    assert "No staff names" in page and public_url(action) in page
    action_close(action=action, actor=Actor.staff(org.manager))
    client = logged_in(org.billing_agent)
    response = client.post(public_url(action), words(**{"public-public": "on"}), follow=True)
    assert response.status_code == 200
    assert "shown on the public page" in text_of(response)
    action.refresh_from_db()
    assert (action.public, action.public_problem, action.public_change) == (True, PROBLEM, CHANGED)
    assert action.events.filter(kind="changed").exists()
    # A closed action takes nothing else.
    with pytest.raises(ImprovementError, match="closed"):
        action_update(action=action, actor=Actor.staff(org.manager), title="Another")


def test_the_form_is_out_of_reach_of_other_teams(org):
    action = raise_action(org)
    response = logged_in(org.support_agent).post(public_url(action), words())
    assert response.status_code == 404
    assert not Action.objects.filter(public_problem=PROBLEM).exists()
