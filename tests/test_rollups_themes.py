"""Themes in the figures: comments per theme, day and scope, kept exact by every write."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.test_rollups import assert_rebuild_agrees, rollup_rows
from tests.test_rollups_sentiment import CommentStream
from vocloop.conductor.reading import read_arrived
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import CommentTheme, Dimension, Theme, Want
from vocloop.insights.services import correction_record, theme_save
from vocloop.listening.models import Feedback, FeedbackImport
from vocloop.metrics.models import ThemeRollup

pytestmark = pytest.mark.timeout(600)


def make_themes() -> dict[str, Theme]:
    """Money with Billing under it, Service, Website: phrases the stream's comments use."""
    money = Theme.objects.create(
        name="Money", slug="money", dimension=Dimension.BILLING, want=Want.RIGHT_PRODUCT,
        phrases="refund\nprice",
    )  # fmt: skip
    made = {"money": money}
    for name, parent, phrases in (
        ("Billing", money, "invoice"),
        ("Service", None, "service\nagent\ncalled me back"),
        ("Website", None, "website\nlog in"),
    ):
        made[name.lower()] = Theme.objects.create(
            name=name, slug=name.lower(), dimension=Dimension.SERVICE, want=Want.CARING_PERSON,
            parent=parent, phrases=phrases,
        )  # fmt: skip
    return made


def counted_from_links() -> dict[tuple[Any, ...], dict[str, int]]:
    """The theme rollup as it should be, counted from the CommentTheme rows themselves."""
    found: dict[tuple[Any, ...], Counter[str]] = {}
    for link in CommentTheme.objects.select_related("feedback"):
        f = link.feedback
        day = timezone.localtime(f.occurred_at).date()
        key = (day, f.touchpoint_id, f.score_type or "", f.channel, f.segment, link.theme_id)
        found.setdefault(key, Counter()).update(comments=1, comments_negative=int(link.negative))
    return {k: {"comments": c["comments"], "comments_negative": c["comments_negative"]}
            for k, c in found.items()}  # fmt: skip


class ThemeStream(CommentStream):
    """CommentStream with staff choosing themes and the taxonomy edited now and then."""

    def __init__(self, org: Org, clock: Clock, seed: int, tmp_path: Path):
        super().__init__(org, clock, seed, tmp_path)
        self.themes = make_themes()

    def correct(self) -> None:
        pool = list(Feedback.objects.filter(text__isnull=False).order_by("pk")[:60])
        if not pool:
            return
        chosen = self.rng.sample(list(self.themes.values()), self.rng.randint(0, 2))
        # Sometimes sent back as shown: the sentiment alone corrected, the themes stay read.
        shown = None if self.rng.random() < 0.7 else [t.pk for t in chosen]
        correction_record(
            feedback=self.rng.choice(pool),
            themes=chosen,
            sentiment=self.rng.choice(["negative", "positive", ""]),
            by=self.org.manager,
            themes_shown=shown,
        )

    def edit_taxonomy(self) -> None:
        """Service learns a phrase, or loses it: the next reading gives other themes."""
        service = self.themes["service"]
        phrases = service.phrase_list
        service.phrases = "\n".join(phrases[:-1] if "help" in phrases else [*phrases, "help"])
        theme_save(theme=service)

    def actions(self) -> list[tuple[Callable[[], object], int]]:
        return [
            (self.give, 40),
            (self.read_one, 25),
            (self.correct, 10),
            (self.read_again, 8),
            (lambda: comments_read_bulk(), 4),
            (lambda: comments_read_bulk(again=True), 4),
            (self.edit_taxonomy, 2),
            (self.import_file, 4),
            (self.undo_import, 2),
        ]


@pytest.mark.parametrize(("seed", "zone"), [(21, "UTC"), (22, "Pacific/Auckland")])
def test_theme_counts_kept_by_every_write_equal_the_comments_themes(
    org: Org, clock: Clock, settings: Any, tmp_path: Path, seed: int, zone: str
) -> None:
    settings.TIME_ZONE = zone
    clock.to(utc(2026, 3, 2, 7, 0))
    stream = ThemeStream(org, clock, seed, tmp_path)
    stream.run(160)

    assert rollup_rows()["themes"] == counted_from_links()
    rebuilt = assert_rebuild_agrees()
    assert rebuilt["themes"] == counted_from_links()
    links = CommentTheme.objects.all()
    # The stream did what it claims: staff themes, read themes, negative ones, undone imports.
    assert links.filter(source="staff").exists() and links.exclude(source="staff").count() > 30
    assert links.filter(negative=True).exists()
    assert FeedbackImport.objects.filter(undone_at__isnull=False).exists()
    # No theme has more comments in a row than the row's scope has comments read.
    feedback_rows = rebuilt["feedback"]
    for key, counts in rebuilt["themes"].items():
        assert 0 < counts["comments"] <= feedback_rows[key[:5]]["comments_read"]


def test_a_parent_counts_each_comment_once_as_on_the_themes_pages(org: Org, clock: Clock) -> None:
    themes = make_themes()
    feedback = give_feedback(
        org.helpdesk, score=None, comment="The invoice is wrong and the refund is late."
    )
    read_arrived(feedback=feedback)
    by_theme = {r.theme_id: r.comments for r in ThemeRollup.objects.all()}
    assert by_theme == {themes["billing"].pk: 1, themes["money"].pk: 1}

    # Staff say it is about the website only: Billing and Money leave the figures.
    correction_record(
        feedback=feedback, themes=[themes["website"]], sentiment="negative", by=org.manager
    )
    rows = list(ThemeRollup.objects.values_list("theme_id", "comments", "comments_negative"))
    assert rows == [(themes["website"].pk, 1, 1)]
    read_arrived(feedback=feedback)  # reading again keeps the staff's themes
    assert list(ThemeRollup.objects.values_list("theme_id", "comments")) == [
        (themes["website"].pk, 1)
    ]
    assert_rebuild_agrees()


def test_the_migration_counts_the_themes_as_a_rebuild_does(
    org: Org, clock: Clock, tmp_path: Path
) -> None:
    clock.to(utc(2026, 3, 2, 7, 0))
    stream = ThemeStream(org, clock, 5, tmp_path)
    stream.run(60)
    expected = rollup_rows()["themes"]
    assert expected
    ThemeRollup.objects.all().delete()  # as before the migration
    migration = importlib.import_module("vocloop.metrics.migrations.0007_theme_rollup")
    migration.count_themes(apps, None)
    assert rollup_rows()["themes"] == expected
