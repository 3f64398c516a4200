"""The demo organisation's starting taxonomy: what its customers talk about, named by a manager.

Deliberately incomplete, as a real first taxonomy is: nothing here names the new
carrier and booking system the deteriorating touch point suffers from, so that
discovery has something real to propose.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import slugify

from vocloop.insights.models import Dimension, Theme, Want


@dataclass(frozen=True)
class ThemeSpec:
    name: str
    dimension: str
    want: str
    phrases: tuple[str, ...]
    examples: tuple[str, ...] = ()
    parent: str | None = None


D, W = Dimension, Want

THEMES: tuple[ThemeSpec, ...] = (
    ThemeSpec("Delivery and installation", D.TIMELINESS, W.ON_TIME, ("delivery", "installation")),
    ThemeSpec(
        "Late or missed delivery",
        D.TIMELINESS,
        W.ON_TIME,
        (
            "delivery late",
            "deliveries late",
            "time window",
            "nobody came",
            "date changed",
            "appointment missed",
            "took longer than expected",
        ),
        (
            "The delivery arrived outside the agreed time window.",
            "We took a day off for the installation and nobody came.",
        ),
        parent="Delivery and installation",
    ),
    ThemeSpec(
        "Damaged or incomplete delivery",
        D.DEFECTS,
        W.RIGHT_PRODUCT,
        ("packaging damaged", "right parts", "unit does not work", "wrong site"),
        ("The packaging was damaged and one unit does not work.",),
        parent="Delivery and installation",
    ),
    ThemeSpec(
        "Installer conduct",
        D.SERVICE,
        W.CARING_PERSON,
        (
            "installer friendly",
            "left a mess",
            "tidy",
            "professional installation",
            "installer explained",
        ),
        ("The installer was friendly but left a mess.",),
        parent="Delivery and installation",
    ),
    ThemeSpec("Billing", D.BILLING, W.RIGHT_PRODUCT, ("invoice", "billing", "payment")),
    ThemeSpec(
        "Invoice errors",
        D.BILLING,
        W.RIGHT_PRODUCT,
        (
            "charged twice",
            "purchase order number",
            "reconcile",
            "payment reminder",
            "invoice wrong",
            "invoice incorrect",
            "invoice correct",
            "matches the contract",
        ),
        (
            "We were charged twice for the same month.",
            "The invoice does not show our purchase order number.",
        ),
        parent="Billing",
    ),
    ThemeSpec(
        "Prices and price increases",
        D.BILLING,
        W.RIGHT_PRODUCT,
        (
            "price increase",
            "price went up",
            "renewal price",
            "price high",
            "pricing",
            "fair price",
            "discount",
        ),
        ("The invoice shows a price increase nobody told us about.",),
        parent="Billing",
    ),
    ThemeSpec(
        "Credit notes and refunds",
        D.BILLING,
        W.EFFECTIVE_RESOLUTION,
        ("credit note", "refund"),
        ("I have asked for a credit note three times now.",),
        parent="Billing",
    ),
    ThemeSpec("Support", D.SERVICE, W.CARING_PERSON, ("support", "agent", "ticket")),
    ThemeSpec(
        "Waiting for support",
        D.TIMELINESS,
        W.ON_TIME,
        (
            "waited phone",
            "nobody replied",
            "call back",
            "slow resolution",
            "answered minute",
            "response quick",
            "follow-up slow",
        ),
        (
            "I waited 40 minutes on the phone before anyone answered.",
            "Nobody replied to my email for a week.",
        ),
        parent="Support",
    ),
    ThemeSpec(
        "Problems left unsolved",
        D.SERVICE,
        W.EFFECTIVE_RESOLUTION,
        (
            "closed without",
            "three different people",
            "several tries",
            "partly helpful",
            "solved problem",
            "first call",
            "fixed it",
            "find the cause",
        ),
        (
            "The ticket was closed without the issue being solved.",
            "I had to explain my problem to three different people.",
        ),
        parent="Support",
    ),
    ThemeSpec(
        "Friendly, competent staff",
        D.SERVICE,
        W.CARING_PERSON,
        (
            "friendly",
            "patient",
            "knowledgeable",
            "competent",
            "extra mile",
            "understood exactly",
            "account manager",
            "pushing options",
        ),
        ("The onboarding specialist was patient and knowledgeable.",),
    ),
    ThemeSpec("Product quality", D.DEFECTS, W.RIGHT_PRODUCT, ("product", "app", "dashboard")),
    ThemeSpec(
        "Crashes and errors",
        D.DEFECTS,
        W.RIGHT_PRODUCT,
        ("crash", "error", "fails", "logs out", "does not add up", "rock solid", "downtime"),
        ("The app crashes when exporting reports.", "The sync with our ERP fails regularly."),
        parent="Product quality",
    ),
    ThemeSpec(
        "Speed of the product",
        D.DEFECTS,
        W.RIGHT_PRODUCT,
        ("very slow", "slow on mobile", "dashboard slow"),
        ("Since the last update the dashboard is very slow.",),
        parent="Product quality",
    ),
    ThemeSpec(
        "Ease of use",
        D.EASE_OF_USE,
        W.RIGHT_PRODUCT,
        (
            "too many clicks",
            "interface dated",
            "easy to use",
            "clunky",
            "hard to understand",
            "too complicated",
            "hard to read",
            "two clicks",
            "effortless",
        ),
        ("Important features are hidden behind too many clicks.",),
    ),
    ThemeSpec(
        "Integrations",
        D.DEFECTS,
        W.RIGHT_PRODUCT,
        ("integration", "erp", "sync", "single sign-on"),
        ("Good product, a few missing integrations.",),
        parent="Product quality",
    ),
    ThemeSpec(
        "Documentation and information",
        D.DOCUMENTATION,
        W.RIGHT_PRODUCT,
        (
            "datasheet",
            "manual",
            "documentation",
            "pricing page",
            "checklist",
            "videos",
            "case studies",
            "information",
            "links to the manual",
        ),
        ("I could not find the datasheet anywhere on the website.",),
    ),
    ThemeSpec(
        "Onboarding and training",
        D.SERVICE,
        W.RIGHT_PRODUCT,
        (
            "training",
            "trainer",
            "onboarding",
            "data migration",
            "no access",
            "set-up",
            "live within",
        ),
        ("The data migration took twice as long as planned.",),
    ),
    ThemeSpec(
        "Quotes and sales",
        D.BILLING,
        W.ON_TIME,
        ("quote", "sales rep", "account executive", "contract terms", "demo"),
        ("The quote took two weeks to arrive.",),
    ),
    ThemeSpec(
        "Contract and renewal",
        D.BILLING,
        W.RIGHT_PRODUCT,
        ("renewal", "auto-renewed", "cancelling licence", "contract", "alternatives"),
        ("We were auto-renewed without a reminder.",),
    ),
    ThemeSpec(
        "Unwanted contact and personal data",
        D.COMPLIANCE,
        W.CARING_PERSON,
        (
            "newsletter",
            "too often",
            "unsubscribe",
            "personal data",
            "data protection",
            "privacy",
            "gdpr",
        ),
        ("Your newsletter arrives three times a week, far too often.",),
    ),
)


def taxonomy_create() -> int:
    """Create the starting themes that do not exist yet; returns how many were created."""
    now = timezone.now()
    created = 0
    by_name = {t.name: t for t in Theme.objects.all()}
    for spec in THEMES:
        if spec.name in by_name:
            continue
        theme = Theme.objects.create(
            name=spec.name,
            slug=slugify(spec.name),
            parent=by_name.get(spec.parent) if spec.parent else None,
            dimension=spec.dimension,
            want=spec.want,
            phrases="\n".join(spec.phrases),
            examples="\n".join(spec.examples),
            created_at=now,
            updated_at=now,
        )
        by_name[spec.name] = theme
        created += 1
    return created
