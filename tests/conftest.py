"""A small organisation every test can use.

Two teams (Support, Billing) with a member each, a lead of Support, and a quality
manager. The Billing agent must never see Support's cases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests.hypothesis_profile import load_profile
from vocloop.accounts.models import Team
from vocloop.accounts.roles import QUALITY_MANAGERS_GROUP
from vocloop.cases.models import ReplyTemplate, RootCause
from vocloop.customers.models import Customer
from vocloop.listening.models import LifecycleStage, Survey, Touchpoint

if TYPE_CHECKING:  # a plugin below: imported by pytest first, for its asserts' sake
    from tests.clock import Clock

# Fixtures that live beside the helpers they go with: `api` (a client with a fresh
# token), `complaint` and `resolved` (a customer's case on the tracking page),
# `billing`, `waiting` and `parking` (themes of the insights tests), `served` (a real
# server on a SQLite file whose lock a test can hold).
pytest_plugins = [
    # First: the modules below import it, and pytest rewrites a plugin's asserts only if
    # it imports it first. `copy_migrated` gives a data directory a migrated database.
    "tests.run_files",
    "tests.api_client",
    "tests.busy_server",
    "tests.clock",
    "tests.insights_themes",
    "tests.public_pages",
]

PASSWORD = "correct horse battery staple"

# What a test needs to reach the run's own database: without one of these (or the
# `django_db` mark) pytest-django refuses it access, so the test gives the same result
# on SQLite and on PostgreSQL.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)
# Lets a wider-scoped fixture in. pytest-django's own autouse fixtures take it too, so it
# counts only where the test or a fixture of the suite asks for it.
BLOCKER = "django_db_blocker"

load_profile()


@dataclass
class Org:
    support: Team
    billing: Team
    support_agent: User
    support_agent_2: User
    support_lead: User
    billing_agent: User
    manager: User
    helpdesk: Touchpoint
    invoicing: Touchpoint
    nps_survey: Survey
    csat_survey: Survey
    ces_survey: Survey
    customer: Customer
    template: ReplyTemplate


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The default hasher costs a noticeable fraction of a second per user on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, **extra: Any) -> User:
    first, _, last = username.partition("_")
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@staff.example",
        first_name=first.title(),
        last_name=last.title(),
        **extra,
    )


@pytest.fixture
def org(db: Any) -> Org:
    return build_org()


@contextmanager
def planted_once(django_db_blocker: Any, clock: Clock) -> Iterator[Org]:
    """For a module's fixture: an organisation whose data, planted once with `clock` as
    the time, the module's tests only read; all of it rolled back after them."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setattr(timezone, "now", lambda: clock.now)
        yield build_org()
        transaction.set_rollback(True)


def build_org() -> Org:
    """The organisation of the `org` fixture, for a fixture of a wider scope to build."""
    support_agent = make_user("sam_agent")
    support_agent_2 = make_user("sue_agent")
    support_lead = make_user("lee_lead")
    billing_agent = make_user("bill_agent")
    manager = make_user("maria_manager", is_staff=True)
    # get_or_create: transactional tests flush what the data migrations created.
    manager.groups.add(Group.objects.get_or_create(name=QUALITY_MANAGERS_GROUP)[0])
    for slug in ("product", "process", "people", "policy", "communication", "other"):
        RootCause.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    ops = Team.objects.create(name="Operations", slug="operations")
    support = Team.objects.create(name="Support", slug="support", lead=support_lead, parent=ops)
    support.members.add(support_agent, support_agent_2)
    billing = Team.objects.create(name="Billing", slug="billing", parent=ops)
    billing.members.add(billing_agent)
    helpdesk = Touchpoint.objects.create(
        name="Help desk", slug="help-desk", stage=LifecycleStage.SUPPORT, owning_team=support
    )
    invoicing = Touchpoint.objects.create(
        name="Invoicing", slug="invoicing", stage=LifecycleStage.INVOICING, owning_team=billing
    )
    nps = Survey.objects.create(touchpoint=helpdesk, name="Help desk NPS", kind=Survey.Kind.NPS)
    csat = Survey.objects.create(touchpoint=invoicing, name="Invoice CSAT", kind=Survey.Kind.CSAT)
    ces = Survey.objects.create(touchpoint=helpdesk, name="Help desk effort", kind=Survey.Kind.CES)
    customer = Customer.objects.create(name="Ada Customer", email="ada@example.com")
    template = ReplyTemplate.objects.create(
        name="Apology",
        body="Dear {customer_name}, we are sorry. The {team} team is on case {reference}.",
    )
    return Org(
        support=support,
        billing=billing,
        support_agent=support_agent,
        support_agent_2=support_agent_2,
        support_lead=support_lead,
        billing_agent=billing_agent,
        manager=manager,
        helpdesk=helpdesk,
        invoicing=invoicing,
        nps_survey=nps,
        csat_survey=csat,
        ces_survey=ces,
        customer=customer,
        template=template,
    )


def reaches_the_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    if DATABASE_FIXTURES & set(info.names_closure) or BLOCKER in info.argnames:
        return True
    return any(
        BLOCKER in fixture.argnames and not fixture.func.__module__.startswith("pytest_django")
        for definitions in info.name2fixturedefs.values()
        for fixture in definitions
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the second database's run, only the tests that reach its database.

    `make test` runs the suite on SQLite and on PostgreSQL. A test that never reaches the
    run's database (pure logic, commands and servers started on a SQLite file of their
    own) would only repeat itself, so VOCLOOP_TEST_DATABASE_ONLY leaves it to the other
    run — unless it is marked `every_database` because it depends on the run all the same.
    """
    if not os.environ.get("VOCLOOP_TEST_DATABASE_ONLY"):
        return
    kept, left = [], []
    for item in items:
        needed = reaches_the_database(item) or item.get_closest_marker("every_database")
        (kept if needed else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
