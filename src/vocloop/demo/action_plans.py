"""The demo's improvement actions as plain data: one in each phase of Plan–Do–Check–Act.

Days are counted back from the demo's now. The delivery action changes the booking of
deliveries on the day the generator's recovery begins (organisation.RECOVERY_DAYS), so
its check finds it effective; the invoicing action changes nothing the data knows of.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vocloop.demo.organisation import DETERIORATING

# Fields of a step's changes given in days before the demo's now.
DATES = frozenset({"effective_from", "before_from", "before_to", "after_from", "after_to"})


@dataclass(frozen=True)
class Task:
    title: str
    owner: str
    added_days_ago: int
    due_days: int  # days after the demo's now (negative: before)
    done_days_ago: int | None = None


@dataclass(frozen=True)
class Step:
    days_ago: int
    changes: dict[str, Any] = field(default_factory=dict)
    advance: bool = False
    close: str | None = None  # "" standardises, a sentence closes for that reason


@dataclass(frozen=True)
class ActionPlan:
    key: str
    touchpoint: str
    team: str
    owner: str
    raised_days_ago: int
    due_days: int
    fields: dict[str, Any]
    objective: str | None = None
    cases: int = 0
    cases_days: tuple[int, int] = (0, 0)  # opened from … to, in days before now
    tasks: tuple[Task, ...] = ()
    steps: tuple[Step, ...] = ()


def plans(*, recovery_days: int) -> tuple[ActionPlan, ...]:
    """The actions, the delivery fix taking effect `recovery_days` before the demo's now."""
    fix = recovery_days
    return (
        ActionPlan(
            key="booking",
            touchpoint=DETERIORATING,
            team="field-services",
            owner="jan.novak",
            raised_days_ago=fix + 20,
            due_days=-fix + 14,
            objective="deliveries",
            cases=12,
            cases_days=(fix + 30, fix),
            fields={
                "title": "Delivery slots that stay booked",
                "kind": "corrective",
                "source": "cases",
                "metric": "ces",
                "evidence": "Complaints at Delivery & installation have tripled since the "
                "carrier change; many say a booked slot was cancelled.",
                "problem": "Since the carrier change, customers struggle to arrange a delivery: "
                "booked slots are cancelled and rebooked by hand.",
                "whys": [
                    "Booked delivery slots are cancelled.",
                    "The new carrier's booking system overbooks its vans.",
                    "Our bookings are sent to it once a day, after its vans are full.",
                ],
                "cause_category": "machine",
                "change": "Bookings go to the carrier as they are made and are confirmed to the "
                "customer only once the carrier accepts them.",
                "expected_effect": 1.0,
                "public": True,
                "public_problem": "A delivery slot you had booked was cancelled.",
                "public_change": "A slot is now confirmed only once the carrier has accepted it.",
            },
            tasks=(
                # Done as the change took effect: it is standardised in the end.
                Task(
                    "Send bookings to the carrier as they are made", "ravi.patel", fix + 18, 0, fix
                ),
                Task(
                    "Confirm a slot only once the carrier accepts", "ben.walker", fix + 18, 0, fix
                ),
            ),
            steps=(
                Step(fix + 15, advance=True),
                # The check compares with the weeks since the decline had fully set in.
                Step(
                    fix,
                    changes={"effective_from": fix, "before_from": fix + 22, "before_to": fix + 1},
                    advance=True,
                ),
                Step(0, advance=True),
                Step(0, close=""),
            ),
        ),
        ActionPlan(
            key="invoices",
            touchpoint="invoicing",
            team="billing",
            owner="hannah.berg",
            raised_days_ago=40,
            due_days=30,
            objective="invoices",
            cases=6,
            cases_days=(60, 30),
            fields={
                "title": "A clearer invoice layout",
                "kind": "improvement",
                "source": "objective",
                "metric": "csat",
                "problem": "Invoice clarity CSAT is below the objective; customers ask what "
                "the lines of their invoice mean.",
                "whys": ["Customers do not understand their invoice lines."],
                "cause_category": "method",
                "change": "Invoices group their lines by contract and explain each charge.",
                "expected_effect": 0.05,
            },
            tasks=(Task("Redesign the invoice template", "omar.haddad", 38, -20, 20),),
            steps=(
                Step(35, advance=True),
                Step(14, changes={"effective_from": 14}, advance=True),
            ),
        ),
        ActionPlan(
            key="callbacks",
            touchpoint="support-desk",
            team="support-desk",
            owner="lead",
            raised_days_ago=80,
            due_days=10,
            objective="support",
            cases=8,
            cases_days=(100, 80),
            fields={
                "title": "Call back within the hour instead of a queue",
                "kind": "corrective",
                "source": "cases",
                "metric": "complaint_rate",
                "problem": "Customers complain about waiting on hold at the support desk.",
                "whys": ["Callers wait on hold.", "Calls are answered in order of arrival."],
                "cause_category": "method",
                "change": "Callers may ask for a call back within the hour.",
                "expected_effect": -0.04,
            },
            tasks=(Task("Switch on call-back in the phone system", "samuel.osei", 75, -60, 70),),
            steps=(
                Step(75, advance=True),
                Step(56, changes={"effective_from": 56}, advance=True),
                Step(0, advance=True),
            ),
        ),
        ActionPlan(
            key="installers",
            touchpoint="onboarding",
            team="field-services",
            owner="sofia.costa",
            raised_days_ago=20,
            due_days=40,
            cases=5,
            cases_days=(40, 20),
            fields={
                "title": "A first-visit checklist for onboarding",
                "kind": "preventive",
                "metric": "ces",
                "problem": "Getting started takes customers more effort than it should.",
                "whys": ["Set-up needs a second visit.", "Data migration is not prepared."],
                "cause_category": "method",
                "change": "A checklist sent before the first visit; migration prepared ahead.",
                "expected_effect": 0.4,
            },
            tasks=(
                Task("Write the first-visit checklist", "sofia.costa", 18, 5, 3),
                Task("Prepare migrations before the visit", "ben.walker", 18, 20),
            ),
            steps=(Step(15, advance=True),),
        ),
        ActionPlan(
            key="renewals",
            touchpoint="renewal",
            team="customer-operations",
            owner="grace.mensah",
            raised_days_ago=6,
            due_days=60,
            cases=4,
            cases_days=(30, 0),
            fields={
                "title": "Renewal letters that explain price changes",
                "kind": "improvement",
                "source": "hand",
                "metric": "nps",
                "problem": "Renewing customers are surprised by price changes.",
                "whys": ["The renewal letter shows the new price without the reason."],
                "cause_category": "method",
            },
            tasks=(Task("Collect the questions renewing customers ask", "grace.mensah", 5, 14),),
        ),
        ActionPlan(
            key="webinars",
            touchpoint="website-marketing",
            team="sales-marketing",
            owner="aisha.khan",
            raised_days_ago=70,
            due_days=-10,
            fields={
                "title": "Follow-up emails after webinars",
                "kind": "improvement",
                "metric": "ces",
                "problem": "Webinar attendees cannot find the recording and slides.",
                "change": "An email with the recording and slides the day after each webinar.",
                "expected_effect": 0.3,
            },
            steps=(
                Step(65, advance=True),
                Step(
                    30,
                    close="Superseded: the new website publishes every recording on the "
                    "webinar's own page, so no email is needed.",
                ),
            ),
        ),
    )
