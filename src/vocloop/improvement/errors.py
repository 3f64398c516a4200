"""How an objective's or an action's write is refused, each kind answered its own way."""

from __future__ import annotations


class ImprovementError(ValueError):
    """Input an objective or action cannot take, said in a sentence for its author."""


class ImprovementRefused(ImprovementError):
    """A write the person making it may not make (improvement/authority.py): the pages
    and the API answer it with 403."""


class ImprovementConflict(ImprovementError):
    """A write the action's current state does not allow, said in a sentence: what would
    have to change first (close it, raise a follow-up, wait for the check)."""
