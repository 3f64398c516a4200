"""What the customer reads on the tracking page for each timeline entry.

One home for these sentences, so that the product and the demo's generated
timelines always say the same thing. Plain Python: the demo generator uses it too.
"""

# The entries whose text (body) the customer reads, on the tracking page, in emails
# and in webhooks: the team's replies and resolution summary, written for the
# customer, and the customer's own words. Any other entry shows its public text
# alone, so a staff-only detail (who was told of an escalation, a reason given to
# colleagues) can never leak through a body.
BODY_SHOWN_TO_CUSTOMER = frozenset({"public_reply", "customer_message", "resolved", "satisfaction"})

OPENED = "We received your feedback and opened a case for it."
FEEDBACK_ATTACHED = "We received further feedback from you and added it to this case."
WAITING_ON_CUSTOMER = "We are waiting for your answer."
RESOLVED = "Resolved"
CLOSED = "Closed"
CUSTOMER_MESSAGE = "Your message"
REOPENED_BY_CUSTOMER = "Reopened at your request."


def assigned_to(team: str) -> str:
    return f"Assigned to the {team} team."


def looking_into_it(team: str) -> str:
    return f"The {team} team is looking into it."


def reply_from(team: str) -> str:
    return f"Reply from the {team} team"


def reopened_by(team: str) -> str:
    return f"Reopened by the {team} team."


def verdict(*, satisfied: bool) -> str:
    if satisfied:
        return "You told us you are satisfied with how we handled this."
    return "You told us you are not satisfied with how we handled this."


def escalated_to(team: str, *, lead_of_own_team: bool) -> str:
    if lead_of_own_team:
        return f"Escalated to the lead of the {team} team."
    return f"Escalated to the {team} team."
