"""“You said, we did”: what customers are shown of the improvement actions.

Only what was written for them: the problem in their words and what changed
(Action.public_problem, public_change), the day the change became the standard way
of working, and the verified result said in plain words. Never a staff name, a
customer's name, a reference or anything else from the staff side: the texts are
checked for those when they are written (`public_words_refusal`), and the result
is rebuilt from the kept verdict's figures alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from vocloop.cases.models import Case
from vocloop.improvement.models import Action, ActionCase
from vocloop.lib.days import day_of
from vocloop.lib.references import REFERENCE_PATTERN
from vocloop.listening.models import LifecycleStage
from vocloop.text.masking import mask

PUBLIC_FIELDS = frozenset({"public", "public_problem", "public_change"})
# Said when no public text was written: true of every standardised action.
PLAIN_CHANGE = (
    "We changed the way we work so that this happens less often, and measured that the "
    "change works."
)
PLAIN_RESULT = (
    "We compared the weeks before and after the change with the rest of our organisation "
    "over the same weeks: the change made a measurable difference."
)

# The metric in customers' words, as the subject of "… fell by 9.1 points".
SUBJECTS = {
    "nps": "our Net Promoter Score",
    "csat": "the share of satisfied customers",
    "ces": "how easy customers found it (on a scale of 1 to 7)",
    "ces_easy": "the share of customers who found it easy",
    "complaint_rate": "complaints",
    "negative_comments": "negative comments",
    "sentiment": "the tone of customers' comments (from −1 to 1)",
    "sla_compliance": "cases resolved in the time we promise",
    "sla_compliance_acknowledge": "cases answered in the time we promise",
    "recovery_rate": "customers satisfied with how we resolved their case",
}
DURATIONS = {"time_to_acknowledge": "answered", "time_to_resolve": "resolved"}
SHARES = {
    "csat",
    "ces_easy",
    "complaint_rate",
    "negative_comments",
    "sla_compliance",
    "sla_compliance_acknowledge",
    "recovery_rate",
}

# The figures of a kept effective verdict, as statistics.effect.effect_verdict writes
# them: "Effective: -9.1 [-15.3, -2.8] points beyond the rest of the organisation".
_NUMBER = r"[+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_EFFECTIVE = re.compile(
    rf"^Effective: (?P<d>{_NUMBER}) \[(?P<low>{_NUMBER}), (?P<high>{_NUMBER})\]"
    r"[^.]*? beyond the rest of the organisation"
)


@dataclass(frozen=True)
class PublishedAction:
    problem: str
    change: str
    standardised_on: dt.date
    in_place_since: dt.date
    result: str


@dataclass(frozen=True)
class CaseChange:
    """On a customer's tracking page: what changed because of what they said."""

    change: str
    standardised_on: dt.date
    in_place_since: dt.date
    published: bool  # also on the public page


def standardised_on(action: Action) -> dt.date:
    assert action.closed_at is not None
    return day_of(action.closed_at)


def in_place_since(action: Action) -> dt.date:
    """The day the change took effect, which customers felt; the day it was standardised
    (its effect proven) comes weeks later."""
    return action.effective_from or standardised_on(action)


def published_actions() -> QuerySet[Action]:
    """Marked public and standardised (closed with an effective verdict), newest first."""
    return (
        Action.objects.filter(public=True, outcome=Action.Outcome.STANDARDISED)
        .select_related("touchpoint")
        .order_by("-closed_at", "-id")
    )


def _where(action: Action) -> str:
    if action.touchpoint is not None:
        return f"At {action.touchpoint.name}"
    if action.stage:
        return f"At the {LifecycleStage(action.stage).label.lower()} stage"
    if action.channel:
        return f"On the {action.channel} channel"
    return ""


def _magnitude(number: str) -> str:
    """The size of a figure as the verdict wrote it, without its sign."""
    return number.lstrip("+-")


def result_in_words(action: Action) -> str:
    """The verified result: "At Invoicing, complaints fell by 9.1 percentage points more
    than elsewhere [2.8 to 15.3]." from the verdict kept when the check concluded."""
    found = _EFFECTIVE.match(action.verdict_text)
    if found is None:
        return PLAIN_RESULT
    difference = float(found["d"])
    ends = sorted((_magnitude(found["low"]), _magnitude(found["high"])), key=float)
    bracket = f"[{ends[0]} to {ends[1]}]"
    where = _where(action)
    if action.metric in DURATIONS:
        done = DURATIONS[action.metric]
        said = (
            f"cases were {done} sooner after the change than before, "
            f"{_magnitude(found['d'])} percentage points more often than elsewhere {bracket}"
        )
    elif action.metric in SUBJECTS:
        unit = (
            " percentage points"
            if action.metric in SHARES
            else (" points" if action.metric == "nps" else "")
        )
        moved = "fell" if difference < 0 else "rose"
        said = (
            f"{SUBJECTS[action.metric]} {moved} by {_magnitude(found['d'])}{unit} more than "
            f"elsewhere {bracket}"
        )
    else:
        return PLAIN_RESULT
    return f"{where}, {said}." if where else f"{said[0].upper()}{said[1:]}."


def published(action: Action) -> PublishedAction:
    return PublishedAction(
        problem=action.public_problem,
        change=action.public_change or PLAIN_CHANGE,
        standardised_on=standardised_on(action),
        in_place_since=in_place_since(action),
        result=result_in_words(action),
    )


def case_changes(case: Case) -> list[CaseChange]:
    """The standardised actions that address the case: what changed, and when."""
    links = (
        ActionCase.objects.filter(case=case, action__outcome=Action.Outcome.STANDARDISED)
        .select_related("action")
        .order_by("action__closed_at", "action_id")
    )
    return [
        CaseChange(
            change=link.action.public_change or PLAIN_CHANGE,
            standardised_on=standardised_on(link.action),
            in_place_since=in_place_since(link.action),
            published=link.action.public,
        )
        for link in links
    ]


def _staff_names() -> list[str]:
    users = get_user_model().objects.exclude(first_name="").exclude(last_name="")
    return sorted({u.get_full_name() for u in users.only("first_name", "last_name")})


def _linked_customer_names(action: Action) -> list[str]:
    if action.pk is None:
        return []
    names = action.cases.exclude(customer__isnull=True).values_list("customer__name", flat=True)
    return sorted({n for n in names if n.strip()})


def public_words_refusal(action: Action) -> str | None:
    """Why the action's "you said, we did" texts cannot be published as written; None
    when they can. What the customers read must carry no staff name and no customer data."""
    texts = {"problem": action.public_problem, "change": action.public_change}
    if action.public and not all(t.strip() for t in texts.values()):
        return (
            "To show the action on the public page, write both the problem in the customers' "
            "words and what changed."
        )
    for what, text in texts.items():
        if mask(text).changed:
            return (
                f"The public {what} contains personal data (an email address, a phone, "
                "card or identity number, a date of birth …): "
                "leave out every customer's data."
            )
        if re.search(REFERENCE_PATTERN, text):
            return f"The public {what} names a case reference: leave it out."
        lowered = text.casefold()
        for name in _staff_names():
            if name.casefold() in lowered:
                return f"The public {what} names {name}: leave out staff names."
        for name in _linked_customer_names(action):
            if name.casefold() in lowered:
                return f"The public {what} names a customer of a linked case: leave it out."
    return None
