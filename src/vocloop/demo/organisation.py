"""The demo organisation as plain data: teams, staff, touch points, surveys and customers.

No Django import: the generator and its tests use these specs alone; loader.py
turns them into rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DEMO_PASSWORD = "demo-password"
MANAGER = "manager"
LEAD = "lead"
AGENT = "agent"


@dataclass(frozen=True)
class Staff:
    username: str
    first_name: str
    last_name: str
    title: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self) -> str:
        return f"{self.first_name.lower()}.{self.last_name.lower()}@staff.vocloop-demo.test"


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    parent: str | None
    lead: Staff
    members: tuple[Staff, ...]
    # How long the team takes over case work, relative to an average team (timeline.py):
    # what makes its SLA compliance differ from the others', as real teams' does.
    pace: float = 1.0


@dataclass(frozen=True)
class SurveySpec:
    name: str
    kind: str  # nps, csat, ces or open (Survey.Kind)
    question: str = ""


@dataclass(frozen=True)
class TouchpointSpec:
    slug: str
    name: str
    stage: str  # LifecycleStage value
    team: str  # owning team's slug
    description: str
    volume: float  # relative share of the feedback heard here
    quality: float  # shift of the latent satisfaction, in standard deviations
    complaint_share: float
    surveys: tuple[SurveySpec, ...]


def _s(username: str, first: str, last: str, title: str) -> Staff:
    return Staff(username, first, last, title)


QUALITY_MANAGER = _s(MANAGER, "Maya", "Lindqvist", "Quality manager")

TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec(
        "customer-operations",
        "Customer Operations",
        None,
        _s("olivia.hart", "Olivia", "Hart", "Head of Customer Operations"),
        (
            _s("daniel.kim", "Daniel", "Kim", "Account manager"),
            _s("grace.mensah", "Grace", "Mensah", "Renewals specialist"),
        ),
        pace=0.8,
    ),
    TeamSpec(
        "sales-marketing",
        "Sales & Marketing",
        None,
        _s("marco.rossi", "Marco", "Rossi", "Head of Sales"),
        (
            _s("emma.clarke", "Emma", "Clarke", "Account executive"),
            _s("lucas.martin", "Lucas", "Martin", "Sales engineer"),
            _s("aisha.khan", "Aisha", "Khan", "Marketing manager"),
        ),
        pace=1.35,
    ),
    TeamSpec(
        "field-services",
        "Field Services",
        "customer-operations",
        _s("jan.novak", "Jan", "Novak", "Field services lead"),
        (
            _s("ben.walker", "Ben", "Walker", "Installation coordinator"),
            _s("sofia.costa", "Sofia", "Costa", "Onboarding specialist"),
            _s("ravi.patel", "Ravi", "Patel", "Logistics planner"),
        ),
        pace=1.1,
    ),
    TeamSpec(
        "support-desk",
        "Support Desk",
        "customer-operations",
        _s(LEAD, "Tom", "Okafor", "Support team lead"),
        (
            _s(AGENT, "Priya", "Nair", "Support agent"),
            _s("noah.fischer", "Noah", "Fischer", "Support agent"),
            _s("lena.weber", "Lena", "Weber", "Support agent"),
            _s("samuel.osei", "Samuel", "Osei", "Technical support engineer"),
        ),
        pace=1.0,
    ),
    TeamSpec(
        "billing",
        "Billing",
        "customer-operations",
        _s("hannah.berg", "Hannah", "Berg", "Billing lead"),
        (
            _s("omar.haddad", "Omar", "Haddad", "Billing specialist"),
            _s("julia.santos", "Julia", "Santos", "Credit controller"),
        ),
        pace=0.85,
    ),
)

TEAMS_BY_SLUG = {team.slug: team for team in TEAMS}

# The touch point whose quality drops over the last two months of the demo year.
DETERIORATING = "delivery-installation"
DETERIORATION_DAYS = 60
# The improvement programme's one effective change (demo/programme.py): four weeks
# before the end of the year the booking of deliveries is fixed, so arranging one is as
# easy as before the carrier change, while the installations themselves stay late —
# the touch point still deteriorates, its delivery effort no longer does.
RECOVERING_SURVEY = "Delivery effort"
RECOVERY_DAYS = 28

TOUCHPOINTS: tuple[TouchpointSpec, ...] = (
    TouchpointSpec(
        "website-marketing",
        "Website & marketing",
        "awareness",
        "sales-marketing",
        "Our website, newsletters, webinars and events.",
        0.09,
        0.15,
        0.02,
        (SurveySpec("Website experience", "ces", "How easy was it to find what you needed?"),),
    ),
    TouchpointSpec(
        "sales-quote",
        "Sales & quote",
        "purchase",
        "sales-marketing",
        "Talking to our sales team, demos, quotes and contracts.",
        0.10,
        0.25,
        0.03,
        (SurveySpec("Quote experience", "csat", "How satisfied are you with your quote?"),),
    ),
    TouchpointSpec(
        "onboarding",
        "Onboarding",
        "onboarding",
        "field-services",
        "Getting started: account set-up, training and data migration.",
        0.10,
        -0.10,
        0.05,
        (
            SurveySpec("Onboarding effort", "ces", "How easy was it to get up and running?"),
            SurveySpec("Onboarding ideas", "open", "What would have made getting started easier?"),
        ),
    ),
    TouchpointSpec(
        "delivery-installation",
        "Delivery & installation",
        "delivery",
        "field-services",
        "Delivery of equipment and installation on site.",
        0.12,
        0.05,
        0.05,
        (
            SurveySpec("Installation satisfaction", "csat"),
            SurveySpec("Delivery effort", "ces", "How easy was it to arrange your delivery?"),
        ),
    ),
    TouchpointSpec(
        "product-use",
        "Product use",
        "usage",
        "support-desk",
        "Using our product and service day to day.",
        0.20,
        0.10,
        0.03,
        (
            SurveySpec("Relationship NPS", "nps"),
            SurveySpec("Product ideas", "open", "What should we build or improve next?"),
        ),
    ),
    TouchpointSpec(
        "invoicing",
        "Invoicing",
        "invoicing",
        "billing",
        "Invoices, payments, credit notes and price changes.",
        0.11,
        -0.30,
        0.07,
        (SurveySpec("Invoice clarity", "csat", "How satisfied are you with your latest invoice?"),),
    ),
    TouchpointSpec(
        "support-desk",
        "Support desk",
        "support",
        "support-desk",
        "Our help desk by phone, email and chat.",
        0.20,
        -0.05,
        0.06,
        (
            SurveySpec("Support ticket CSAT", "csat", "How satisfied are you with our help?"),
            SurveySpec("Support effort", "ces", "How easy was it to get your issue solved?"),
        ),
    ),
    TouchpointSpec(
        "renewal",
        "Renewal",
        "renewal",
        "customer-operations",
        "Contract renewal, upgrades and cancellations.",
        0.08,
        -0.10,
        0.04,
        (SurveySpec("Renewal NPS", "nps"),),
    ),
)

TOUCHPOINTS_BY_SLUG = {tp.slug: tp for tp in TOUCHPOINTS}


@dataclass(frozen=True)
class ReplyTemplateSpec:
    name: str
    team: str | None
    body: str


REPLY_TEMPLATES: tuple[ReplyTemplateSpec, ...] = (
    ReplyTemplateSpec(
        "Acknowledgement",
        None,
        "Dear {customer_name}, thank you for telling us. The {team} team has your case "
        "{reference} and will come back to you within one working day.",
    ),
    ReplyTemplateSpec(
        "Apology and next steps",
        None,
        "Dear {customer_name}, we are sorry we let you down. Here is what we are doing "
        "about case {reference}: […]",
    ),
    ReplyTemplateSpec(
        "Asking for details",
        None,
        "Dear {customer_name}, to look into {reference} we need a little more from you: "
        "could you tell us when this happened and, if you have it, your order number?",
    ),
    ReplyTemplateSpec(
        "Credit note issued",
        "billing",
        "Dear {customer_name}, we have issued a credit note for the amount in question. "
        "You will find it in your customer portal; it is settled on your next invoice.",
    ),
    ReplyTemplateSpec(
        "Installation rebooked",
        "field-services",
        "Dear {customer_name}, we have rebooked your installation. Our coordinator will "
        "call you the day before to confirm the time window.",
    ),
    ReplyTemplateSpec(
        "Known issue with workaround",
        "support-desk",
        "Dear {customer_name}, this is a known issue our engineers are fixing. Until the "
        "fix is released, this workaround avoids it: ",
    ),
)


# Customers ---------------------------------------------------------------------------

FIRST_NAMES = (  # noqa: SIM905 (a word list reads best as one string)
    "Ada Adam Aisha Alba Alex Ali Amara Ana Andrei Anna Arjun Astrid Ben Bianca Carla Carlos "
    "Chen Chloe Clara Daniel David Diego Elena Elif Emil Emma Erik Eva Fatima Felix Finn "
    "Freya Gabriel Greta Hana Hugo Ines Isaac Ivan Jakob James Jana Javier Jonas Julia Kai "
    "Karin Kenji Lara Laura Leila Leo Lina Luca Lucia Maja Marek Maria Marta Mateo Mei Mila "
    "Nadia Nina Noah Nora Olga Omar Oscar Paula Pedro Petra Rania Rosa Ruben Sara Sean "
    "Simon Sofia Stefan Tara Theo Tomas Uma Vera Victor Wei Yara Yusuf Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Almeida Andersen Bauer Becker Bianchi Brown Castro Chen Costa Dubois Eriksson Evans "
    "Fernandes Fischer Garcia Gomez Hansen Hoffmann Horvat Ivanova Jansen Johansson Kaya "
    "Keller Kowalski Kumar Larsen Lee Lopez Martin Meyer Moreau Murphy Nielsen Novak "
    "O'Brien Olsen Park Peeters Petrov Ricci Romero Rossi Santos Schmidt Silva Smith "
    "Tanaka Taylor Thomas Virtanen Wagner Walsh Weber Williams Wilson Wong Yilmaz Zhang"
).split()
COMPANY_WORDS = (  # noqa: SIM905
    "Northwind Bluepeak Redwood Silverline Brightwater Ironbridge Greenfield Harbour "
    "Kestrel Lakeside Meridian Oakridge Pinecrest Quarry Riverside Stonegate Summit "
    "Tidewater Westbrook Ashford Beacon Cedar Everstone Falcon Granite Highland Juniper "
    "Larkspur Maple Nimbus Orchard Polaris Sterling Willow"
).split()
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Manufacturing", "Components", "Industries"),
    "Retail": ("Retail", "Stores", "Outfitters"),
    "Healthcare": ("Health", "Clinics", "Care"),
    "Logistics": ("Logistics", "Freight", "Transport"),
    "Financial services": ("Capital", "Finance", "Insurance"),
    "Education": ("Academy", "Learning", "College"),
    "Hospitality": ("Hotels", "Hospitality", "Dining"),
    "Public sector": ("Council", "Authority", "Agency"),
    "Technology": ("Software", "Systems", "Labs"),
    "Construction": ("Builders", "Construction", "Engineering"),
}
INDUSTRY_WEIGHTS = (14, 13, 10, 11, 9, 7, 8, 6, 14, 8)
SIZES = ("small", "medium", "large", "enterprise")  # Customer.Size values
SIZE_WEIGHTS = (45, 33, 16, 6)
REGIONS = ("UK & Ireland", "Nordics", "DACH", "Benelux", "Southern Europe", "North America")
REGION_WEIGHTS = (22, 14, 20, 12, 14, 18)


@dataclass(frozen=True)
class CustomerSpec:
    index: int
    external_id: str
    first_name: str
    last_name: str
    email: str
    industry: str
    size: str
    region: str
    disposition: float  # this customer's lasting lean, in standard deviations
    activity: float  # how much feedback they give, relative to others

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def customers_generate(count: int, *, seed: int) -> list[CustomerSpec]:
    """Customers at companies of every industry, size and region, some far chattier than others."""
    rng = random.Random(f"{seed}-customers")
    industries = list(INDUSTRIES)
    companies: dict[str, tuple[str, str, str, str]] = {}
    customers = []
    emails: set[str] = set()
    for index in range(count):
        # Several contacts share a company; a company keeps its industry, size and region.
        company_count = max(1, count // 3)
        company_key = f"c{rng.randrange(company_count)}"
        if company_key not in companies:
            industry = rng.choices(industries, INDUSTRY_WEIGHTS)[0]
            company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(INDUSTRIES[industry])}"
            size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
            region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
            companies[company_key] = (company, industry, size, region)
        company, industry, size, region = companies[company_key]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = company.lower().replace(" ", "-") + rng.choice((".example.com", ".test"))
        local = f"{first}.{last}".lower().replace("'", "")
        email = f"{local}@{domain}"
        if email in emails:
            email = f"{local}{index}@{domain}"
        emails.add(email)
        customers.append(
            CustomerSpec(
                index=index,
                external_id=f"CRM-{100000 + index}",
                first_name=first,
                last_name=last,
                email=email,
                industry=industry,
                size=size,
                region=region,
                disposition=rng.gauss(0, 0.35),
                activity=rng.paretovariate(2.0),
            )
        )
    return customers


# How a segment's experience differs from the average, in standard deviations: the
# demo's "gap by segment" findings. Keys are (touch point or "*", attribute value).
SEGMENT_EFFECTS: dict[tuple[str, str], float] = {
    ("invoicing", "enterprise"): -0.35,
    ("invoicing", "large"): -0.15,
    ("*", "small"): 0.10,
    ("onboarding", "Healthcare"): -0.30,
    ("delivery-installation", "Nordics"): -0.20,
    ("support-desk", "North America"): -0.15,
    ("product-use", "Technology"): 0.20,
    ("renewal", "Public sector"): -0.25,
}


def segment_effect(touchpoint: str, customer: CustomerSpec | None) -> float:
    if customer is None:
        return 0.0
    total = customer.disposition
    for value in (customer.size, customer.industry, customer.region):
        total += SEGMENT_EFFECTS.get((touchpoint, value), 0.0)
        total += SEGMENT_EFFECTS.get(("*", value), 0.0)
    return total
