"""What demo customers write: comments composed from phrase pools per touch point and mood.

A comment is an optional opener, one or two remarks about the touch point, and an
optional closing wish, so thousands of comments read differently while each
touch point keeps its own recurring themes for text analytics to find.
"""

from __future__ import annotations

import random

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"

OPENERS = {
    NEGATIVE: (
        "Honestly, not good.",
        "Disappointed.",
        "This was frustrating.",
        "Not what I expected.",
        "I have to say this was poor.",
        "Second time this happens.",
        "Really unhappy here.",
        "",
    ),
    NEUTRAL: ("It was okay.", "Mixed feelings.", "Fine overall.", "Average.", "", ""),
    POSITIVE: (
        "Great experience!",
        "Very happy.",
        "Excellent.",
        "Thank you!",
        "Impressed.",
        "Top marks.",
        "",
    ),
}

CLOSERS = {
    NEGATIVE: (
        "Please sort this out.",
        "I expect better for what we pay.",
        "We are considering other suppliers.",
        "Someone should call me back.",
        "Please fix this soon.",
        "",
        "",
    ),
    NEUTRAL: ("Room for improvement.", "Could be better.", "", "", "Not bad, not great."),
    POSITIVE: ("Keep it up.", "Will recommend you.", "Thanks to the team!", "", "", "Well done."),
}

COMPLAINT_CLOSERS = (
    "I want a formal answer to this complaint.",
    "I expect a refund or a credit note.",
    "Please escalate this to a manager.",
    "I would like a call back today.",
    "This has cost us a day of work and I want it addressed.",
    "Please confirm you have received this complaint.",
)

# Remarks per touch point and mood. Several per pool share a theme (e.g. "portal",
# "late delivery"), as real comments do.
REMARKS: dict[str, dict[str, tuple[str, ...]]] = {
    "website-marketing": {
        NEGATIVE: (
            "The pricing page does not show what is actually included.",
            "I could not find the datasheet anywhere on the website.",
            "Your newsletter arrives three times a week, far too often.",
            "The webinar link did not work and nobody followed up.",
            "The contact form gave an error when I submitted it.",
            "Search on the website returns nothing useful.",
        ),
        NEUTRAL: (
            "The website is clear but a bit slow on mobile.",
            "The webinar was informative, if a little long.",
            "I found the information eventually.",
            "The case studies are useful but dated.",
        ),
        POSITIVE: (
            "The product comparison page made our decision easy.",
            "The webinar answered every question we had.",
            "Clear pricing and good documentation on the website.",
            "The trade fair stand was friendly and well organised.",
            "Found everything I needed in two clicks.",
        ),
    },
    "sales-quote": {
        NEGATIVE: (
            "The quote took two weeks to arrive.",
            "The quote did not match what we discussed in the demo.",
            "Nobody answered my questions about the contract terms.",
            "The sales rep kept pushing options we did not need.",
            "The discount promised on the phone was missing from the quote.",
        ),
        NEUTRAL: (
            "The quote was fine but the contract was hard to read.",
            "The demo was good, the follow-up slow.",
            "Pricing is on the high side but clear.",
        ),
        POSITIVE: (
            "The quote arrived the same day and was spot on.",
            "Our account executive understood exactly what we needed.",
            "The demo was tailored to our use case.",
            "Transparent pricing and no pressure.",
            "Contract signed in a week, very smooth.",
        ),
    },
    "onboarding": {
        NEGATIVE: (
            "The data migration took twice as long as planned.",
            "Our trainer cancelled the session at the last minute.",
            "We still have no access for half of our users.",
            "The onboarding checklist does not match the product.",
            "Setting up single sign-on was a nightmare.",
        ),
        NEUTRAL: (
            "The training was useful but too short.",
            "Set-up worked in the end, with some back and forth.",
            "The onboarding videos help, the manual less so.",
        ),
        POSITIVE: (
            "The onboarding specialist was patient and knowledgeable.",
            "We were live within a week.",
            "The data migration went without a hitch.",
            "Great training session, the team felt confident afterwards.",
        ),
    },
    "delivery-installation": {
        NEGATIVE: (
            "The delivery arrived outside the agreed time window.",
            "The installer did not have the right parts with him.",
            "The packaging was damaged and one unit does not work.",
            "We took a day off for the installation and nobody came.",
            "The delivery date was changed twice without warning.",
        ),
        NEUTRAL: (
            "Delivery was on time, installation took longer than expected.",
            "The installer was friendly but left a mess.",
            "Tracking the delivery was difficult.",
        ),
        POSITIVE: (
            "Delivered on time and installed in an hour.",
            "The installer explained everything clearly.",
            "Very tidy and professional installation.",
            "The delivery slot was easy to book.",
        ),
    },
    "product-use": {
        NEGATIVE: (
            "The app crashes when exporting reports.",
            "Since the last update the dashboard is very slow.",
            "The mobile app logs us out every day.",
            "Important features are hidden behind too many clicks.",
            "The sync with our ERP fails regularly.",
            "Data in the reports does not add up.",
        ),
        NEUTRAL: (
            "It does the job, but the interface feels dated.",
            "Reliable, though reporting could be more flexible.",
            "Good product, a few missing integrations.",
            "The new release is an improvement, still some rough edges.",
        ),
        POSITIVE: (
            "The product saves us hours every week.",
            "Rock solid, we never have downtime.",
            "The new reporting module is excellent.",
            "Easy to use, the whole team adopted it quickly.",
            "The integrations work perfectly with our systems.",
        ),
    },
    "invoicing": {
        NEGATIVE: (
            "The invoice shows a price increase nobody told us about.",
            "We were charged twice for the same month.",
            "The invoice does not show our purchase order number.",
            "I have asked for a credit note three times now.",
            "The invoice is impossible to reconcile with our contract.",
            "We received a payment reminder for an invoice we already paid.",
        ),
        NEUTRAL: (
            "The invoice is correct but hard to understand.",
            "Payment went fine, the portal is clunky.",
            "I would prefer one consolidated invoice.",
        ),
        POSITIVE: (
            "Clear invoice, matches the contract exactly.",
            "The billing team fixed our question within the hour.",
            "Easy to pay and download invoices from the portal.",
        ),
    },
    "support-desk": {
        NEGATIVE: (
            "I waited 40 minutes on the phone before anyone answered.",
            "I had to explain my problem to three different people.",
            "The ticket was closed without the issue being solved.",
            "Nobody replied to my email for a week.",
            "The chat agent just sent me links to the manual.",
            "The promised call back never happened.",
        ),
        NEUTRAL: (
            "The problem got solved, but it took several tries.",
            "Friendly agent, slow resolution.",
            "Response was quick, the answer only partly helpful.",
        ),
        POSITIVE: (
            "The agent solved my problem on the first call.",
            "Fast, friendly and competent support.",
            "The chat answered within a minute and fixed it.",
            "The engineer went the extra mile to find the cause.",
            "Clear explanation and a follow-up the next day.",
        ),
    },
    "renewal": {
        NEGATIVE: (
            "The renewal price went up by 15% without any explanation.",
            "We were auto-renewed without a reminder.",
            "Cancelling one licence is far too complicated.",
            "Nobody from your side reviewed our usage before renewal.",
        ),
        NEUTRAL: (
            "Renewal was straightforward, the price a bit high.",
            "The review meeting was useful but late.",
            "We renewed, but we are looking at alternatives.",
        ),
        POSITIVE: (
            "The renewal review showed us features we did not use yet.",
            "Smooth renewal and a fair price.",
            "Our account manager made the renewal effortless.",
            "Great partnership, happy to continue for another year.",
        ),
    },
}

# What customers write at the deteriorating touch point once it goes wrong: a new
# carrier and a scheduling system, the theme analytics should surface.
DETERIORATION_REMARKS = (
    "Since you changed carrier, deliveries are always late.",
    "The new booking system gave us a slot and then cancelled it.",
    "The new delivery company left the pallet at the wrong site.",
    "Third installation appointment missed this month.",
    "Nobody can tell me where my delivery is since the carrier change.",
    "The installer arrived without the booking details from the new system.",
)

# Circumstances people mention, filled with made-up details so that comments differ.
CONTEXT = (
    "We have been a customer for {years} years.",
    "This is about our site in {city}.",
    "It happened on {weekday}.",
    "My colleague in {city} had the same experience.",
    "We have {users} users on the platform.",
    "I have mentioned this before.",
    "It took {days} days in total.",
    "We are a team of {users} people.",
)
CITIES = (  # noqa: SIM905
    "Leeds Lyon Porto Gdansk Aarhus Graz Utrecht Bilbao Malmo Cork Toronto Denver Hamburg "
    "Ghent Turin Tampere Basel Bristol Austin Seville"
).split()
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

SENTIMENTS = (NEGATIVE, NEUTRAL, POSITIVE)


def mood_of_score(score_type: str, score: int) -> str:
    if score_type == "nps":
        return NEGATIVE if score <= 6 else NEUTRAL if score <= 8 else POSITIVE
    if score_type == "csat":
        return NEGATIVE if score <= 2 else NEUTRAL if score == 3 else POSITIVE
    return NEGATIVE if score <= 3 else NEUTRAL if score <= 5 else POSITIVE


def mood_of_latent(z: float) -> str:
    return NEGATIVE if z < -0.6 else POSITIVE if z > 0.5 else NEUTRAL


def comment_compose(
    rng: random.Random,
    *,
    touchpoint: str,
    mood: str,
    complaint: bool = False,
    deteriorating: bool = False,
) -> str:
    remarks = REMARKS[touchpoint][mood]
    parts = [rng.choice(OPENERS[mood])]
    if deteriorating and mood == NEGATIVE and rng.random() < 0.7:
        parts.append(rng.choice(DETERIORATION_REMARKS))
    else:
        parts.append(rng.choice(remarks))
    if rng.random() < (0.45 if complaint else 0.25):
        second = rng.choice(remarks)
        if second not in parts:
            parts.append(second)
    if rng.random() < 0.3:
        parts.insert(rng.randint(1, len(parts)), _context(rng))
    if complaint:
        parts.append(rng.choice(COMPLAINT_CLOSERS))
    else:
        parts.append(rng.choice(CLOSERS[mood]))
    text = " ".join(p for p in parts if p)
    # Some people write in a hurry.
    if rng.random() < 0.06:
        text = text.lower().rstrip(".!")
    return text


def wants_comment(rng: random.Random, mood: str, *, has_score: bool) -> bool:
    """Whether a survey answer comes with a comment: unhappy customers write more."""
    if not has_score:
        return True
    return rng.random() < {NEGATIVE: 0.78, NEUTRAL: 0.45, POSITIVE: 0.35}[mood]


def _context(rng: random.Random) -> str:
    return rng.choice(CONTEXT).format(
        years=rng.randint(2, 12),
        city=rng.choice(CITIES),
        weekday=rng.choice(WEEKDAYS),
        users=rng.choice((12, 25, 40, 60, 85, 120, 250, 400)),
        days=rng.randint(3, 21),
    )
