"""What staff and customers write on a demo case's timeline, per touch point."""

from __future__ import annotations

import random

ACK_REPLIES = (
    "Hello {first}, thank you for letting us know, and I am sorry about this. I am looking "
    "into it now and will update you here by tomorrow.",
    "Hi {first}, thanks for your feedback. I have picked up case {reference} and will come "
    "back to you as soon as I have checked the details.",
    "Dear {first}, I am sorry to read this. Your case is with me now; you will hear from me "
    "within one working day.",
    "Hello {first}, thanks for taking the time to tell us. I am on it and will keep you "
    "posted on this page.",
)

ASK_DETAILS = {
    "website-marketing": "which page you were on and which browser you used",
    "sales-quote": "the quote number and the name of the person you spoke to",
    "onboarding": "which users cannot log in and since when",
    "delivery-installation": "the delivery address and the date of the missed appointment",
    "product-use": "which version of the app you use and what you were doing when it failed",
    "invoicing": "the invoice number and the amount you expected",
    "support-desk": "your ticket number and roughly when you contacted us",
    "renewal": "your contract number",
}

PROGRESS = {
    "website-marketing": "our web team is checking the logs for that day",
    "sales-quote": "I have asked your account executive to review the quote",
    "onboarding": "I have booked a call with our migration specialist",
    "delivery-installation": "I have asked the carrier for the delivery scan records",
    "product-use": "our developers have reproduced the problem",
    "invoicing": "our billing team is checking the charge against your contract",
    "support-desk": "a senior engineer is going through your ticket history",
    "renewal": "I am reviewing your licence usage with your account manager",
}

CUSTOMER_ANSWERS = {
    "website-marketing": "It was the pricing page, in Chrome on a laptop.",
    "sales-quote": "The quote number is Q-{n4}; I spoke to your account executive.",
    "onboarding": "The {n1} users in our finance team, since Monday.",
    "delivery-installation": "Same address as on the order; the appointment was last {weekday}.",
    "product-use": "Version 4.{n1}, it fails every time I export the monthly report.",
    "invoicing": "Invoice INV-{n5}; we expected the amount in our contract.",
    "support-desk": "Ticket {n5}, I called on {weekday} morning.",
    "renewal": "Contract C-{n4}.",
}

CUSTOMER_FOLLOW_UPS = (
    "Thanks for the quick reply.",
    "Here are the details you asked for.",
    "Please let me know when you know more.",
    "",
)

NOTES = {
    "website-marketing": (
        "Form submissions failed during the CMS deployment on {weekday}.",
        "Newsletter frequency is set per segment; this customer is in three segments.",
    ),
    "sales-quote": (
        "The quote was generated from last year's price list.",
        "Discount approval was still pending with finance.",
    ),
    "onboarding": (
        "SSO metadata on our side had the wrong certificate.",
        "Trainer was double-booked; planning tool does not show overlaps.",
    ),
    "delivery-installation": (
        "Carrier marked it delivered at {hour}:{minute:02d}, which the customer disputes.",
        "Installer schedule shows a double booking that day.",
        "Parts list on the work order did not match the order.",
    ),
    "product-use": (
        "Reproduced on staging with version 4.{n1}; linked to bug PRD-{n4}.",
        "Engineering says the fix ships in the next release.",
        "Customer has a very large dataset; export times out after 60 s.",
    ),
    "invoicing": (
        "Annual indexation applied, but the notification letter was never sent.",
        "Duplicate charge confirmed in the payment run of the 3rd.",
        "PO number field was not mapped after the ERP upgrade.",
    ),
    "support-desk": (
        "Customer contacted us twice before about this; see earlier tickets.",
        "The first ticket was closed by the auto-close rule after 5 days.",
        "Queue was understaffed that afternoon.",
    ),
    "renewal": (
        "Customer for {n1} years; consider a goodwill discount.",
        "Auto-renew reminder job failed last month.",
    ),
}

GENERIC_NOTES = (
    "Spoke to the customer by phone; calm, but wants a date.",
    "Checked the account: no earlier complaints.",
    "Waiting for the supplier to confirm.",
    "Discussed in the morning stand-up; {lead} is informed.",
)

DETERIORATION_NOTES = (
    "New carrier again: same pattern as the other cases this week.",
    "Booking system cancelled the slot automatically; raised with IT.",
)

# (summary the customer reads, root cause slug)
RESOLUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "website-marketing": (
        ("The contact form is fixed and your message has reached our sales team.", "product"),
        ("We have reduced the newsletter to once a week for your address.", "policy"),
        ("We sent you the datasheet and added it to the product page.", "communication"),
    ),
    "sales-quote": (
        ("We reissued the quote with the discount we agreed.", "process"),
        ("The quote used an old price list; it is corrected and resent.", "process"),
        ("Your account executive went through the contract terms with you.", "communication"),
    ),
    "onboarding": (
        ("All your users now have access; the single sign-on set-up is corrected.", "product"),
        ("We rescheduled the training and added a follow-up session at no cost.", "people"),
        ("The migration is complete; the delay came from a mapping error on our side.", "process"),
    ),
    "delivery-installation": (
        (
            "The carrier took it to the wrong depot. We redelivered and raised it with them.",
            "process",
        ),
        ("We rebooked the installation with the right parts and it is now complete.", "process"),
        ("The unit was damaged in transit; we replaced it free of charge.", "product"),
        (
            "We did not tell you about the date change. We apologise and now send a text "
            "message whenever a date moves.",
            "communication",
        ),
    ),
    "product-use": (
        ("Fixed in release 4.{n1}; please update the app.", "product"),
        ("We found a sync problem and corrected the data in your reports.", "product"),
        (
            "The setting was hard to find; we showed you where it is and will simplify the menu.",
            "product",
        ),
        (
            "This works as designed; we explained why and logged your idea for the roadmap.",
            "policy",
        ),
    ),
    "invoicing": (
        ("The duplicate charge is refunded and the payment run is corrected.", "process"),
        (
            "The increase follows the indexation in your contract, but we should have told you. "
            "We credited this month's difference.",
            "communication",
        ),
        ("Your PO number is now on every invoice and we reissued the last three.", "process"),
        ("We issued a credit note for the disputed amount.", "policy"),
    ),
    "support-desk": (
        ("We called you back and fixed the configuration together.", "people"),
        (
            "The ticket was closed by mistake. We solved the issue and changed the auto-close "
            "rule.",
            "process",
        ),
        ("The agent has had extra coaching on this topic, and the issue is solved.", "people"),
        ("Waiting times came from a staffing gap; we added a second shift.", "process"),
    ),
    "renewal": (
        ("We reviewed your usage and reduced the number of licences at renewal.", "policy"),
        ("The renewal reminder was not sent; we cancelled the renewal as you asked.", "process"),
        ("We explained the price change and agreed a two-year price lock.", "communication"),
    ),
}

NO_ANSWER_RESOLUTION = (
    "We did not hear back from you, so we are resolving this case. Reply here if the "
    "problem is still there and we will pick it up again.",
    "other",
)

NOT_SATISFIED = (
    "The problem is back.",
    "Nobody actually called me.",
    "The explanation does not answer my question.",
    "I am still waiting for what was promised.",
    "This does not solve the underlying issue.",
    "I expected at least an apology.",
)

SATISFIED = ("", "", "Thanks for sorting this out.", "Quick and fair, thank you.", "")

STAFF_REOPEN_REASONS = (
    "Customer called: the problem is back.",
    "Quality check found the fix was incomplete.",
    "Follow-up call: the customer is still affected.",
)

SIGN_OFF = "\n\n{agent}, {team}"

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def fill(rng: random.Random, text: str, **known: str) -> str:
    """Fill a phrase's placeholders: the known ones, then made-up numbers and days."""
    return text.format(
        n1=rng.randint(2, 9),
        n4=rng.randint(1000, 9999),
        n5=rng.randint(10000, 99999),
        weekday=rng.choice(WEEKDAYS),
        hour=rng.randint(8, 17),
        minute=rng.randint(0, 59),
        **known,
    )


REOPEN_REPLIES = (
    "Hello {first}, I am sorry this is not sorted yet. I have picked your case up again and "
    "will come back to you shortly.",
    "Hi {first}, thank you for telling us. I am looking at it again with my team lead and "
    "will update you here.",
)

SEVERITY_LABELS = {"critical": "Critical", "high": "High", "normal": "Normal", "low": "Low"}
