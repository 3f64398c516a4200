"""A demo case's SLA clock and escalations, by the product's own rules, ready to be written.

Which policy and calendar run each case's clock is chosen as slas.services does;
the deadlines and outcomes come from slaclock.py. The escalations are those the
worker's sweep (cases/escalation.py) would have made at the time, dated when they
fell due, with their timeline entries: a worker started on the demo finds nothing
left to escalate, and nobody is emailed about breaches months old.
"""

from __future__ import annotations

import datetime as dt

from vocloop.accounts.models import Team
from vocloop.cases.escalation import Breach, escalation_entry, lead_chain
from vocloop.cases.models import Case, CaseEvent
from vocloop.customers.models import Customer
from vocloop.demo import organisation as org
from vocloop.demo import slaclock
from vocloop.demo.timeline import PlannedCase
from vocloop.slas import services as sla
from vocloop.slas.business_time import BusinessCalendar
from vocloop.slas.models import Escalation, SlaPolicy

ESCALATION_COLUMNS = ["case_id", "deadline", "due_at", "level", "team_id", "notified", "created_at"]


class SlaRules:
    """Which policy and calendar run a demo case's SLA clock, chosen as slas.services does.

    Read once per load: the policy for each (severity, touch point, segment) is
    picked by the product's own rule (best_policy) the first time it is needed,
    each team's calendar by calendar_for, so that every case costs a dict lookup.
    """

    def __init__(self, teams: dict[str, int], specs: list[org.CustomerSpec], now: dt.datetime):
        self.policies = list(SlaPolicy.objects.filter(active=True))
        self.sizes = [c.size for c in specs]
        by_id = {team.pk: team for team in Team.objects.select_related("lead", "calendar")}
        self.calendars: dict[str, BusinessCalendar | None] = {
            slug: sla.calendar_for(Case(team=by_id[pk])) for slug, pk in teams.items()
        }
        self.team_ids = teams
        self.chains = {slug: lead_chain(by_id[pk], by_id) for slug, pk in teams.items()}
        self.terms: dict[tuple[str, int, str], slaclock.Terms | None] = {}
        self.now = now

    def terms_for(self, case: PlannedCase, touchpoint_id: int) -> slaclock.Terms | None:
        size = self.sizes[case.customer] if case.customer is not None else ""
        key = (case.state.severity, touchpoint_id, size)
        if key not in self.terms:
            probe = Case(
                severity=case.state.severity,
                touchpoint_id=touchpoint_id,
                customer=Customer(size=size) if case.customer is not None else None,
            )
            policy = sla.best_policy(self.policies, probe)
            self.terms[key] = (
                None
                if policy is None
                else slaclock.Terms(
                    policy_id=policy.pk,
                    acknowledge_within=policy.acknowledge_within,
                    resolve_within=policy.resolve_within,
                    escalate_every=policy.escalate_every,
                )
            )
        return self.terms[key]

    def record(self, case: PlannedCase, touchpoint_id: int) -> slaclock.SlaRecord:
        return slaclock.sla_record(
            opened_at=case.opened_at,
            state=case.state,
            terms=self.terms_for(case, touchpoint_id),
            calendar=self.calendars[case.team],
        )

    def escalations(
        self, case: PlannedCase, case_id: int, touchpoint_id: int, clock: slaclock.SlaRecord
    ) -> list[tuple[Escalation, CaseEvent]]:
        """The case's escalations and their timeline entries, as the sweep wrote them."""
        terms = self.terms_for(case, touchpoint_id)
        chain = self.chains[case.team]
        if terms is None or not chain:
            return []
        planned = slaclock.escalations(
            record=clock,
            state=case.state,
            open_spans=case.intervals,
            every=terms.escalate_every,
            levels=len(chain),
            now=self.now,
        )
        if not planned:
            return []
        owner = Case(pk=case_id, team_id=self.team_ids[case.team])
        written = []
        for step in planned:
            team = chain[step.level - 1]
            assert team.lead is not None
            row = Escalation(
                case=owner,
                deadline=step.deadline,
                due_at=step.due_at,
                level=step.level,
                team=team,
                notified=[team.lead.pk],
                created_at=step.at,
            )
            written.append((row, escalation_entry(Breach(owner, row.deadline, row.due_at), row)))
        return written
