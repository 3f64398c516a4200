"""What a staff user may see: the cases and the feedback within their reach.

Worked out once per request from the user's roles (accounts/roles.py): members see
their own teams' cases and the feedback at their teams' touch points, team leads and
quality managers see everything. Every staff read, on the pages and in the API (as
the person a token acts for), starts from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from vocloop.accounts import roles
from vocloop.accounts.models import ApiToken
from vocloop.cases.models import Case


@dataclass(frozen=True)
class CaseScope:
    """Which cases a user may see, worked out once per request.

    team_ids is only filled in for those who do not see every case.
    """

    user: Any
    sees_all: bool
    team_ids: frozenset[int]

    def cases(self) -> QuerySet[Case]:
        if self.sees_all:
            return Case.objects.all()
        return Case.objects.filter(team_id__in=self.team_ids)

    def within(self, case: str = "") -> Q:
        """The condition that keeps rows whose case (the field path `case`, "case__" for a
        row that points at one) is within reach: nothing to test for those who see every
        case — cheaper than `case__in=cases()`, which would list every case's id."""
        if self.sees_all:
            return Q()
        return Q(**{f"{case}team_id__in": self.team_ids})


def case_scope(user: Any) -> CaseScope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return CaseScope(user=user, sees_all=False, team_ids=frozenset())
    if roles.sees_all_cases(user):
        return CaseScope(user=user, sees_all=True, team_ids=frozenset())
    return CaseScope(user=user, sees_all=False, team_ids=frozenset(roles.team_ids_of(user)))


def token_scope(token: ApiToken) -> CaseScope:
    """What an API token may see: what the person it acts for sees on the pages; what a
    member of the team it is tied to sees, that team's cases only; every case for an
    integration's token, tied to nobody."""
    if token.acts_for_id is not None:
        return case_scope(token.acts_for)
    if token.team_id is not None:
        return CaseScope(user=None, sees_all=False, team_ids=frozenset({token.team_id}))
    return CaseScope(user=None, sees_all=True, team_ids=frozenset())


def token_may_send_at(token: ApiToken, touchpoint: Any) -> bool:
    """Whether the token may send feedback at the touch point: a token tied to a team only at
    the touch points its team owns, whose feedback its members see; any other anywhere,
    as the public forms take feedback anywhere."""
    return token.team_id is None or touchpoint.owning_team_id == token.team_id


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The cases a staff user may see and act on; nothing for anonymous or inactive users."""
    return case_scope(user).cases()


def feedback_visible(scope: CaseScope) -> Q:
    """The feedback a user may read: of their teams' cases, or, without a case, at the touch
    points their teams own (everything for those who see every case)."""
    caseless = Q(case__isnull=True)
    if not scope.sees_all:
        caseless &= Q(touchpoint__owning_team_id__in=scope.team_ids)
    return caseless | Q(case__in=scope.cases())
