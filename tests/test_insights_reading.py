"""Reading comments as they arrive: masking, sentiment, themes, similar comments, the case rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.accounts.scope import case_scope
from vocloop.conductor.reading import read_arrived
from vocloop.customers.models import Customer
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import (
    CommentText,
    CommentTheme,
    Dimension,
    OriginalComment,
    TextSettings,
    Theme,
    Want,
)
from vocloop.insights.originals import originals_purge
from vocloop.insights.selectors import similar_to
from vocloop.insights.services import correction_record
from vocloop.listening.models import CaseRule, Feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def themes(org: Org) -> dict[str, Theme]:
    billing = Theme.objects.create(
        name="Billing",
        slug="billing",
        dimension=Dimension.BILLING,
        want=Want.RIGHT_PRODUCT,
        phrases="invoice\nbill",
    )
    double = Theme.objects.create(
        name="Charged twice",
        slug="charged-twice",
        parent=billing,
        dimension=Dimension.BILLING,
        want=Want.RIGHT_PRODUCT,
        phrases="charged twice\ndouble charge",
    )
    waiting = Theme.objects.create(
        name="Waiting",
        slug="waiting",
        dimension=Dimension.TIMELINESS,
        want=Want.ON_TIME,
        phrases="on hold\ncall back",
    )
    return {"billing": billing, "double": double, "waiting": waiting}


def read(feedback: Feedback) -> CommentText:
    text = read_arrived(feedback=feedback)
    assert text is not None
    return text


def theme_slugs(feedback: Feedback) -> set[str]:
    return set(CommentTheme.objects.filter(feedback=feedback).values_list("theme__slug", flat=True))


def test_personal_data_is_masked_before_anyone_sees_the_comment(org: Org) -> None:
    feedback = give_feedback(
        org.helpdesk,
        score=9,
        comment="Call me on +44 20 7946 0958 or write to ada@example.com, order 1234.",
    )
    assert feedback.comment == "Call me on [phone] or write to [email], order 1234."
    # The original is held apart, for a case that may open (test_originals_retention).
    assert OriginalComment.objects.get().feedback == feedback


def test_the_original_is_kept_as_long_as_the_setting_says_then_purged(org: Org) -> None:
    TextSettings.objects.create(keep_original_days=30)
    masked = give_feedback(org.helpdesk, score=9, comment="Write to ada@example.com please")
    clean = give_feedback(org.helpdesk, score=9, comment="Nothing personal here")
    original = OriginalComment.objects.get()
    assert original.feedback == masked
    assert original.text == "Write to ada@example.com please"
    assert original.keep_until == masked.received_at + dt.timedelta(days=30)
    assert not OriginalComment.objects.filter(feedback=clean).exists()
    assert originals_purge(now=masked.received_at + dt.timedelta(days=29)) == 0
    assert originals_purge(now=masked.received_at + dt.timedelta(days=31)) == 1
    assert not OriginalComment.objects.exists()
    assert Feedback.objects.get(pk=masked.pk).comment == "Write to [email] please"


def test_a_comment_gets_its_sentiment_and_themes_with_their_parents(
    org: Org, themes: dict[str, Theme]
) -> None:
    feedback = give_feedback(
        org.invoicing, comment="The agent was lovely, but we were charged twice on the invoice."
    )
    text = read(feedback)
    assert text.sentiment == "negative"
    assert -1 <= text.sentiment_score < 0
    assert theme_slugs(feedback) == {"charged-twice", "billing"}
    sources = set(CommentTheme.objects.filter(feedback=feedback).values_list("source", flat=True))
    assert sources == {"rule"}


def test_a_comment_about_nothing_named_gets_no_theme_but_is_read(org: Org, themes: Any) -> None:
    feedback = give_feedback(org.helpdesk, comment="Lovely weather at your office in Leeds.")
    text = read(feedback)
    assert theme_slugs(feedback) == set()
    assert text.sentiment == "positive"


def test_similar_comments_from_other_customers_are_counted_on_the_case(
    org: Org, themes: Any
) -> None:
    first = give_feedback(
        org.invoicing,
        customer=org.customer,
        score_type="csat",
        score=1,
        comment="We were charged twice for March, again.",
    )
    others = [
        Customer.objects.create(name=f"Customer {i}", email=f"c{i}@example.com") for i in range(3)
    ]
    for customer in others:
        similar = give_feedback(
            org.invoicing,
            customer=customer,
            score_type="csat",
            score=1,
            comment="Charged twice for March again!",
        )
        read(similar)
    different = give_feedback(
        org.invoicing,
        customer=others[0],
        score_type="csat",
        score=2,
        comment="The invoice arrived three weeks late.",
    )
    read(different)
    read(first)
    found = similar_to(first, scope=case_scope(org.manager))
    assert found is not None
    assert found.customers == 3
    assert different not in found.items
    # The billing team sees the three; the support agent sees none but is told they exist.
    agent_view = similar_to(first, scope=case_scope(org.support_agent))
    assert agent_view is not None and agent_view.items == [] and agent_view.hidden == 3


def test_a_similar_comment_a_month_later_is_not_counted(org: Org, clock: Any, themes: Any) -> None:
    early = give_feedback(org.invoicing, comment="Charged twice for March again!")
    read(early)
    clock.to(clock.now + dt.timedelta(days=45))
    late = give_feedback(org.invoicing, comment="Charged twice for March, again.")
    read(late)
    found = similar_to(late, scope=case_scope(org.manager))
    assert found is not None and found.customers == 0


def test_a_strongly_negative_unscored_comment_opens_a_case_when_the_rule_says_so(
    org: Org, themes: Any
) -> None:
    words = "This is terrible, awful service, I am furious and disgusted."
    quiet = give_feedback(org.helpdesk, score=None, comment=words)
    read(quiet)
    assert Feedback.objects.get(pk=quiet.pk).case is None  # no sentiment rule yet
    CaseRule.objects.create(touchpoint=org.helpdesk, sentiment_at_or_below=-0.6)
    angry = give_feedback(org.helpdesk, score=None, comment=words)
    mild = give_feedback(org.helpdesk, score=None, comment="It was fine, thanks.")
    read(angry)
    read(mild)
    assert Feedback.objects.get(pk=angry.pk).case is not None
    assert Feedback.objects.get(pk=mild.pk).case is None


def test_a_correction_stands_over_what_vocloop_read_even_when_read_again(
    org: Org, themes: dict[str, Theme]
) -> None:
    feedback = give_feedback(org.helpdesk, comment="I was on hold for an hour about my invoice.")
    read(feedback)
    assert theme_slugs(feedback) == {"waiting", "billing"}
    correction_record(
        feedback=feedback, themes=[themes["double"]], sentiment="negative", by=org.support_agent
    )
    assert theme_slugs(feedback) == {"charged-twice", "billing"}
    assert set(CommentTheme.objects.filter(feedback=feedback).values_list("source", flat=True)) == {
        "staff"
    }
    read(feedback)
    comments_read_bulk(again=True)
    assert theme_slugs(feedback) == {"charged-twice", "billing"}
    text = CommentText.objects.get(feedback=feedback)
    assert text.sentiment == "negative" and text.sentiment_corrected


def test_reading_in_bulk_agrees_with_reading_one_at_a_time(org: Org, themes: Any) -> None:
    comments = [
        "We were charged twice on the invoice.",
        "Charged twice on the invoice again!",
        "On hold for forty minutes, nobody called back.",
        "Lovely people, quick answers.",
        "",
    ]
    given = [give_feedback(org.helpdesk, comment=c, score=5) for c in comments]
    result = comments_read_bulk()
    assert result.comments == 4
    bulk = {
        f.pk: (CommentText.objects.get(feedback=f).sentiment, theme_slugs(f))
        for f in given
        if f.comment
    }
    groups = {
        f.pk: CommentText.objects.get(feedback=f).similar_group_id for f in given if f.comment
    }
    assert groups[given[0].pk] == groups[given[1].pk] != groups[given[2].pk]
    CommentText.objects.all().delete()
    CommentTheme.objects.all().delete()
    for f in given:
        if f.comment:
            read(f)
            assert (CommentText.objects.get(feedback=f).sentiment, theme_slugs(f)) == bulk[f.pk]
    assert comments_read_bulk().comments == 0  # nothing left unread


def test_reading_a_comment_again_keeps_its_group(org: Org, themes: Any) -> None:
    feedback = give_feedback(org.helpdesk, comment="Charged twice on the invoice again!")
    group = read(feedback).similar_group_id
    assert read(feedback).similar_group_id == group
    assert CommentText.objects.count() == 1


def test_feedback_without_a_comment_is_not_read(org: Org) -> None:
    feedback = give_feedback(org.helpdesk, comment="", score=9)
    assert read_arrived(feedback=feedback) is None
    assert timezone.now() and not CommentText.objects.exists()


def test_a_helper_process_reads_as_this_one_does(org: Org, themes: Any) -> None:
    comments = [
        "We were charged twice on the invoice.",
        "Charged twice on the invoice again!",
        "On hold for forty minutes, nobody called back.",
    ] * 3
    given = [give_feedback(org.helpdesk, comment=c, score=5) for c in comments]
    assert comments_read_bulk(parallel=False).comments == len(given)
    here = {f.pk: (CommentText.objects.get(feedback=f).sentiment, theme_slugs(f)) for f in given}
    groups_here = len(set(CommentText.objects.values_list("similar_group", flat=True)))
    CommentTheme.objects.all().delete()
    CommentText.objects.all().delete()
    assert comments_read_bulk(parallel=True).comments == len(given)
    there = {f.pk: (CommentText.objects.get(feedback=f).sentiment, theme_slugs(f)) for f in given}
    assert there == here
    assert len(set(CommentText.objects.values_list("similar_group", flat=True))) == groups_here


def test_a_sentiment_only_correction_leaves_the_themes_as_read(
    org: Org, themes: dict[str, Theme]
) -> None:
    feedback = give_feedback(org.helpdesk, comment="On hold for an hour about my invoice.")
    read(feedback)
    shown = list(CommentTheme.objects.filter(feedback=feedback).values_list("theme_id", flat=True))
    correction_record(
        feedback=feedback,
        themes=Theme.objects.filter(pk__in=shown),
        sentiment="negative",
        by=org.support_agent,
        themes_shown=shown,
    )
    text = CommentText.objects.get(feedback=feedback)
    assert text.sentiment_corrected and not text.themes_corrected
    links = CommentTheme.objects.filter(feedback=feedback)
    assert set(links.values_list("source", flat=True)) == {"rule"}
    assert all(link.negative for link in links)


def test_comments_stored_unmasked_are_masked_when_read_in_bulk(org: Org, themes: Any) -> None:
    TextSettings.objects.create(keep_original_days=10)
    feedback = give_feedback(org.helpdesk, comment="Nothing personal yet")
    # As feedback stored before masking on arrival, or loaded in bulk, would be.
    Feedback.objects.filter(pk=feedback.pk).update(comment="Mail me: ada@example.com")
    comments_read_bulk()
    assert Feedback.objects.get(pk=feedback.pk).comment == "Mail me: [email]"
    assert OriginalComment.objects.get(feedback=feedback).text == "Mail me: ada@example.com"
    assert CommentText.objects.get(feedback=feedback).masked == 1


def test_a_shorter_retention_applies_to_originals_already_kept(org: Org) -> None:
    from vocloop.insights.originals import text_settings_save

    text_settings_save(keep_original_days=365)
    kept = give_feedback(org.helpdesk, score=9, comment="Write to ada@example.com")
    assert OriginalComment.objects.get(feedback=kept).keep_until == kept.received_at + (
        dt.timedelta(days=365)
    )
    text_settings_save(keep_original_days=30)
    assert OriginalComment.objects.get(feedback=kept).keep_until == kept.received_at + (
        dt.timedelta(days=30)
    )
    read(kept)  # no case opened on reading: nothing holds the original any more
    text_settings_save(keep_original_days=0)
    assert not OriginalComment.objects.exists()


def test_the_sweep_reads_what_a_lost_task_left_and_applies_the_case_rule(
    org: Org, clock: Any, themes: Any
) -> None:
    from vocloop.conductor.reading import unread_sweep

    CaseRule.objects.create(touchpoint=org.helpdesk, sentiment_at_or_below=-0.6)
    lost = give_feedback(
        org.helpdesk, score=None, comment="Terrible, awful, I am furious and disgusted."
    )
    assert unread_sweep() == ""  # its own task may still be on its way
    clock.to(clock.now + dt.timedelta(minutes=5))
    assert unread_sweep() == "read 1 comments left unread"
    assert Feedback.objects.get(pk=lost.pk).case is not None
    # History read again a day later opens nothing.
    old = give_feedback(org.helpdesk, score=None, comment="Terrible, awful, furious, disgusted.")
    clock.to(clock.now + dt.timedelta(days=2))
    unread_sweep()
    assert Feedback.objects.get(pk=old.pk).case is None


def test_a_corrected_comment_follows_its_theme_to_a_new_parent_when_read_again(
    org: Org, themes: dict[str, Theme]
) -> None:
    feedback = give_feedback(org.invoicing, comment="Charged twice, again.")
    read(feedback)
    correction_record(feedback=feedback, themes=[themes["double"]], sentiment="", by=org.manager)
    assert theme_slugs(feedback) == {"charged-twice", "billing"}
    Theme.objects.filter(pk=themes["double"].pk).update(parent=themes["waiting"])
    comments_read_bulk(again=True)
    assert theme_slugs(feedback) == {"charged-twice", "waiting"}
    assert set(CommentTheme.objects.filter(feedback=feedback).values_list("source", flat=True)) == {
        "staff"
    }
