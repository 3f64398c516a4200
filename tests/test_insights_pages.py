"""The themes pages, the case page's reading of a comment, and who may change what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import Org
from tests.helpers import give_feedback
from tests.staff_pages import detail_url, logged_in, open_case
from vocloop.accounts.scope import case_scope
from vocloop.conductor.reading import read_arrived
from vocloop.customers.models import Customer
from vocloop.insights.models import (
    CommentTheme,
    Correction,
    Dimension,
    TextSettings,
    Theme,
    ThemeProposal,
    Want,
)
from vocloop.insights.selectors import Span, theme_clusters

pytestmark = pytest.mark.django_db


def test_every_staff_member_sees_the_themes_with_their_shares(
    org: Org, billing: Theme, waiting: Theme
) -> None:
    for i in range(3):
        read_arrived(feedback=give_feedback(org.invoicing, comment=f"Charged twice, invoice {i}"))
    read_arrived(feedback=give_feedback(org.helpdesk, comment="On hold for an hour."))
    page = logged_in(org.support_agent).get(reverse("insights:themes"))
    assert page.status_code == 200
    figures = {f.key: f for _, f in page.context["figures"]}
    assert figures["billing"].comments == 3
    assert figures["waiting"].comments == 1
    assert figures["billing"].share.n == 4
    html = page.content.decode()
    assert "not enough comments" in html  # four comments are far below the minimum
    assert "Discover new themes" not in html  # a quality manager's button


def test_themes_group_by_quality_dimension_and_by_want(
    org: Org, billing: Theme, waiting: Theme
) -> None:
    read_arrived(feedback=give_feedback(org.invoicing, comment="Charged twice on the invoice"))
    client = logged_in(org.manager)
    by_dimension = client.get(reverse("insights:themes"), {"by": "dimension"})
    dims = {f.key: f.comments for f in by_dimension.context["figures"]}
    assert dims[Dimension.BILLING] == 1 and dims[Dimension.TIMELINESS] == 0
    assert set(dims) == set(Dimension.values)
    by_want = client.get(reverse("insights:themes"), {"by": "want"})
    assert {f.key for f in by_want.context["figures"]} == set(Want.values)
    overview = client.get(reverse("dashboards:overview")).content.decode()
    assert 'href="/staff/insights/?by=dimension">Quality dimensions</a>' in overview


def test_bad_dates_get_a_clear_message(org: Org) -> None:
    page = logged_in(org.manager).get(
        reverse("insights:themes"), {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert page.status_code == 400
    assert "The start date is after the end date." in page.content.decode()
    page = logged_in(org.manager).get(reverse("insights:themes"), {"date_from": "yesterday"})
    assert page.status_code == 400


def test_only_quality_managers_change_the_taxonomy(org: Org, billing: Theme) -> None:
    agent = logged_in(org.support_agent)
    for url in (
        reverse("insights:theme_new"),
        reverse("insights:theme_edit", args=["billing"]),
        reverse("insights:models"),
        reverse("insights:settings"),
    ):
        assert agent.get(url).status_code == 403
    assert agent.post(reverse("insights:discover")).status_code == 403


def test_a_quality_manager_names_a_theme_and_comments_are_read_again(
    org: Org, billing: Theme, django_capture_on_commit_callbacks: Any
) -> None:
    client = logged_in(org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("insights:theme_new"),
            {
                "name": "Double charges",
                "parent": billing.pk,
                "dimension": Dimension.BILLING,
                "want": Want.RIGHT_PRODUCT,
                "phrases": "Charged  Twice\ncharged twice\ndouble charge",
                "examples": "We were charged twice for May.",
                "active": "on",
            },
        )
    assert response.status_code == 302
    theme = Theme.objects.get(name="Double charges")
    assert theme.slug == "double-charges" and theme.parent == billing
    assert theme.phrase_list == ["charged twice", "double charge"]
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="reread_comments").exists()


def test_a_theme_cannot_become_its_own_ancestor(org: Org, billing: Theme) -> None:
    child = Theme.objects.create(
        name="Child", slug="child", parent=billing, dimension="billing", want="on_time"
    )
    response = logged_in(org.manager).post(
        reverse("insights:theme_edit", args=["billing"]),
        {"name": "Billing", "parent": child.pk, "dimension": "billing", "want": "on_time"},
    )
    assert response.status_code == 400
    assert Theme.objects.get(pk=billing.pk).parent is None


def test_the_case_page_shows_how_the_comment_was_read_and_takes_a_correction(
    org: Org, billing: Theme, waiting: Theme
) -> None:
    case = open_case(org.invoicing, comment="Charged twice on the invoice, and on hold for ages.")
    feedback = case.feedback.get()
    read_arrived(feedback=feedback)
    client = logged_in(org.billing_agent)
    page = client.get(detail_url(case)).content.decode()
    assert "Billing" in page and "Waiting" in page
    assert "Correct how this comment was read" in page
    response = client.post(
        reverse("insights:correct", args=[feedback.reference]),
        {"themes": [billing.pk], "sentiment": "negative"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(detail_url(case))
    assert set(CommentTheme.objects.filter(feedback=feedback).values_list("theme", flat=True)) == {
        billing.pk
    }
    correction = Correction.objects.get()
    assert correction.corrected_by == org.billing_agent


def test_staff_cannot_correct_feedback_they_cannot_see(org: Org, billing: Theme) -> None:
    case = open_case(org.invoicing, comment="Charged twice on the invoice.")
    feedback = case.feedback.get()
    response = logged_in(org.support_agent).post(
        reverse("insights:correct", args=[feedback.reference]), {"themes": [billing.pk]}
    )
    assert response.status_code == 404
    assert not Correction.objects.exists()


def test_a_correction_with_an_unknown_theme_is_refused_with_a_message(
    org: Org, billing: Theme
) -> None:
    case = open_case(org.invoicing, comment="Charged twice on the invoice.")
    feedback = case.feedback.get()
    response = logged_in(org.manager).post(
        reverse("insights:correct", args=[feedback.reference]), {"themes": ["999999"]}, follow=True
    )
    assert response.status_code == 200
    assert "could not be saved" in response.content.decode()
    assert not Correction.objects.exists()


def test_the_retention_setting_is_the_quality_managers(org: Org) -> None:
    client = logged_in(org.manager)
    assert (
        client.post(reverse("insights:settings"), {"keep_original_days": "30"}).status_code == 302
    )
    assert TextSettings.objects.get().keep_original_days == 30
    refused = client.post(reverse("insights:settings"), {"keep_original_days": "-1"})
    assert refused.status_code == 400
    assert TextSettings.objects.get().keep_original_days == 30


def test_a_proposal_is_accepted_merged_or_dismissed(org: Org, billing: Theme) -> None:
    examples = [
        give_feedback(org.helpdesk, comment=f"Parking at the depot is full {i}") for i in range(5)
    ]
    made = [
        ThemeProposal.objects.create(
            terms=["parking", "depot"],
            phrases=["parking", "depot"],
            examples=[f.pk for f in examples],
            size=12,
        )
        for _ in range(3)
    ]
    client = logged_in(org.manager)
    page = client.get(reverse("insights:proposal", args=[made[0].pk]))
    assert page.status_code == 200 and "Parking at the depot" in page.content.decode()
    accepted = client.post(
        reverse("insights:proposal", args=[made[0].pk]),
        {"action": "accept", "name": "Parking", "dimension": "ease_of_use", "want": "on_time"},
    )
    assert accepted.status_code == 302
    parking = Theme.objects.get(name="Parking")
    assert parking.phrase_list == ["parking", "depot"]
    assert "Parking at the depot is full 0" in parking.example_list
    client.post(
        reverse("insights:proposal", args=[made[1].pk]), {"action": "merge", "theme": billing.pk}
    )
    assert "depot" in Theme.objects.get(pk=billing.pk).phrase_list
    client.post(reverse("insights:proposal", args=[made[2].pk]), {"action": "dismiss"})
    assert [p.status for p in ThemeProposal.objects.order_by("pk")] == [
        "accepted",
        "merged",
        "dismissed",
    ]
    again = client.post(reverse("insights:proposal", args=[made[2].pk]), {"action": "dismiss"})
    assert again.status_code == 302  # refused with a message, nothing changes
    duplicate = ThemeProposal.objects.create(terms=["x"], phrases=[], examples=[], size=5)
    refused = client.post(
        reverse("insights:proposal", args=[duplicate.pk]),
        {"action": "accept", "name": "parking", "dimension": "ease_of_use", "want": "on_time"},
    )
    assert refused.status_code == 400
    assert "exists already" in refused.content.decode()


def test_the_phrases_of_a_proposal_are_edited_before_it_is_accepted(org: Org) -> None:
    examples = [give_feedback(org.helpdesk, comment=f"Credit report wrong {i}") for i in range(5)]
    made = ThemeProposal.objects.create(
        terms=["credit", "report"],
        phrases=["credit", "report"],
        examples=[f.pk for f in examples],
        size=5,
    )
    client = logged_in(org.manager)
    page = client.get(reverse("insights:proposal", args=[made.pk])).content.decode()
    assert "credit\nreport</textarea>" in page  # offered as they are, to edit
    client.post(
        reverse("insights:proposal", args=[made.pk]),
        {
            "action": "accept",
            "name": "Credit reports",
            "dimension": "compliance",
            "want": "right_product",
            "phrases": "Credit  REPORT\n\ncredit file",
        },
    )
    assert Theme.objects.get(name="Credit reports").phrase_list == ["credit report", "credit file"]


def test_a_proposal_accepted_without_phrases_is_said_to_find_nothing_yet(org: Org) -> None:
    examples = [give_feedback(org.helpdesk, comment=f"Credit report wrong {i}") for i in range(5)]
    made = ThemeProposal.objects.create(
        terms=["credit"], phrases=["credit"], examples=[f.pk for f in examples], size=5
    )
    page = logged_in(org.manager).post(
        reverse("insights:proposal", args=[made.pk]),
        {"action": "accept", "name": "Credit", "dimension": "compliance",
         "want": "right_product", "phrases": ""},
        follow=True,
    )  # fmt: skip
    assert "“Credit” has no phrases, so no comment is given it" in page.content.decode()


def test_discovery_reaches_back_as_far_as_the_manager_asks(org: Org, clock: Any) -> None:
    old = clock.now - dt.timedelta(days=400)
    others = ["sofa", "lamp", "dog", "music", "shelf", "toilet", "bin", "menu", "tills", "hours"]
    comments = [f"The parking at the depot is full again {i}" for i in range(12)]
    for comment in comments + [f"The {thing} was fine." for thing in others]:
        read_arrived(feedback=give_feedback(org.helpdesk, comment=comment, occurred_at=old))
    client = logged_in(org.manager)
    client.post(reverse("insights:discover"), {"days": "90"})
    assert not ThemeProposal.objects.exists()
    client.post(reverse("insights:discover"), {"days": "0"})
    (proposal,) = ThemeProposal.objects.all()
    assert "parking" in proposal.terms and proposal.size == 12
    refused = client.post(reverse("insights:discover"), {"days": "7"}, follow=True)
    assert "Choose which comments" in refused.content.decode()


def test_a_theme_page_shows_other_teams_comments_only_as_counts(org: Org, billing: Theme) -> None:
    for _ in range(3):
        read_arrived(feedback=give_feedback(org.invoicing, comment="Charged twice on the invoice"))
    url = reverse("insights:theme", args=["billing"])
    own = logged_in(org.billing_agent).get(url)
    assert "Charged twice on the invoice" in own.content.decode()
    other = logged_in(org.support_agent).get(url)
    assert other.status_code == 200
    assert "Charged twice on the invoice" not in other.content.decode()
    assert "teams you do not work with" in other.content.decode()


def test_dates_out_of_range_get_a_message_not_an_error(org: Org) -> None:
    client = logged_in(org.manager)
    for params in ({"date_to": "0001-01-01"}, {"date_from": "9999-12-31"}):
        page = client.get(reverse("insights:themes"), params)
        assert page.status_code == 400
        assert "between 1970 and 2999" in page.content.decode()


def test_training_from_the_page_runs_in_the_background(
    org: Org, billing: Theme, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from vocloop.insights.learning import MIN_CORRECTIONS
    from vocloop.insights.services import correction_record

    client = logged_in(org.manager)
    # Refused at once, saying why, when it could not train: nothing is queued.
    refused = client.post(reverse("insights:models"), {"action": "train"}, follow=True)
    assert "0 comments have been corrected; training needs at least" in refused.content.decode()
    assert not DBTaskResult.objects.filter(task_path__endswith="train_theme_model").exists()
    for i in range(MIN_CORRECTIONS):
        feedback = give_feedback(org.invoicing, comment=f"Charged twice on invoice {i}")
        correction_record(feedback=feedback, themes=[billing], sentiment="", by=org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("insights:models"), {"action": "train"})
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path__endswith="train_theme_model").exists()


def test_a_comment_without_a_case_is_corrected_from_its_themes_page(
    org: Org, billing: Theme
) -> None:
    feedback = give_feedback(org.invoicing, score=None, comment="Charged twice on the invoice")
    read_arrived(feedback=feedback)
    assert feedback.case is None
    client = logged_in(org.manager)
    url = reverse("insights:theme", args=["billing"])
    page = client.get(url).content.decode()
    assert "Correct how this comment was read" in page
    assert reverse("insights:correct", args=[feedback.reference]) in page
    assert f'name="next" value="{url}#feedback-{feedback.reference}"' in page
    done = client.post(
        reverse("insights:correct", args=[feedback.reference]),
        {"themes": [], "sentiment": "negative", "shown": str(billing.pk), "next": url},
    )
    assert done.status_code == 302 and done["Location"] == url
    assert Correction.objects.get().feedback == feedback
    # Only back to a page of this site.
    for away in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        elsewhere = client.post(
            reverse("insights:correct", args=[feedback.reference]),
            {"themes": [], "sentiment": "", "next": away},
        )
        assert elsewhere["Location"] == reverse("insights:themes"), away


def test_the_themes_page_says_when_comments_go_back_further_than_its_span(
    org: Org, clock: Any
) -> None:
    old = clock.now - dt.timedelta(days=700)
    read_arrived(feedback=give_feedback(org.helpdesk, comment="Slow reply", occurred_at=old))
    client = logged_in(org.manager)
    page = client.get(reverse("insights:themes")).content.decode()
    first, today = old.date().isoformat(), clock.now.date().isoformat()
    link = f'<a href="?from={first}&amp;to={first}&amp;by=theme">show them all</a>'
    assert link in page
    everything = client.get(
        reverse("insights:themes"), {"from": first, "to": today, "by": "theme"}
    ).content.decode()
    assert "show them all" not in everything and "1 comment read from" in everything


def test_a_theme_lists_its_similar_groups_with_the_latest_readable_comment_of_each(
    org: Org, billing: Theme, django_assert_num_queries: Any
) -> None:
    said = {
        "Charged twice on the invoice": 3,
        "The invoice lists a phone plan I never ordered": 2,
        "Where can I download last month's invoice as a PDF?": 1,
    }
    latest = {}
    for comment, times in said.items():
        for _ in range(times):
            latest[comment] = give_feedback(org.invoicing, comment=comment)
            read_arrived(feedback=latest[comment])
    today = timezone.localdate()
    span = Span(today - dt.timedelta(days=29), today)
    scope = case_scope(org.billing_agent)
    with django_assert_num_queries(2):
        clusters = theme_clusters(billing, span, scope=scope)
    assert [c.comments for c in clusters] == list(said.values())
    assert [c.example for c in clusters] == list(latest.values())
    # Another team's agent sees how much is said, never what.
    hidden = theme_clusters(billing, span, scope=case_scope(org.support_agent))
    assert [(c.comments, c.example) for c in hidden] == [(3, None), (2, None), (1, None)]


def _theme_fields(theme: Theme, **changed: Any) -> dict[str, Any]:
    """What the edit form sends back for a theme when only `changed` is changed."""
    fields = {
        "name": theme.name,
        "parent": theme.parent_id or "",
        "dimension": theme.dimension,
        "want": theme.want,
        "description": theme.description,
        "phrases": theme.phrases,
        "examples": theme.examples,
        "active": "on" if theme.active else "",
    }
    return fields | changed


def test_editing_a_theme_keeps_its_parent_when_the_parent_is_no_longer_in_use(
    org: Org, billing: Theme
) -> None:
    delivery = Theme.objects.create(
        name="Delivery", slug="delivery", dimension="timeliness", want="on_time", active=False
    )
    Theme.objects.create(
        name="Old", slug="old", dimension="timeliness", want="on_time", active=False
    )
    late = Theme.objects.create(
        name="Late delivery", slug="late", parent=delivery, dimension="timeliness", want="on_time"
    )
    client = logged_in(org.manager)
    url = reverse("insights:theme_edit", args=["late"])
    form = client.get(url).content.decode()
    assert f'<option value="{delivery.pk}" selected>Delivery (inactive)</option>' in form
    assert ">Billing</option>" in form and ">Old" not in form  # other themes only when in use
    saved = client.post(url, _theme_fields(late, description="Parcels after the promised day"))
    assert saved.status_code == 302
    late.refresh_from_db()
    assert late.parent == delivery and late.description == "Parcels after the promised day"
    old = Theme.objects.get(name="Old")
    assert client.post(url, _theme_fields(late, parent=old.pk)).status_code == 400
    assert Theme.objects.get(pk=late.pk).parent == delivery


def test_a_theme_named_like_a_word_of_the_themes_addresses_can_be_reached(org: Org) -> None:
    from vocloop.insights.services import RESERVED_SLUGS
    from vocloop.insights.urls import urlpatterns

    words = {
        part
        for p in urlpatterns
        if str(p.pattern).startswith("themes/")
        for part in str(p.pattern).split("/")[1:]
        if part and "<" not in part
    }
    assert words and words <= RESERVED_SLUGS
    client = logged_in(org.manager)
    for name in ("New", "Edit"):
        saved = client.post(
            reverse("insights:theme_new"),
            {"name": name, "dimension": "service", "want": "caring_person", "active": "on"},
        )
        assert saved.status_code == 302
        theme = Theme.objects.get(name=name)
        assert theme.slug == f"{name.lower()}-2" and saved["Location"] == reverse(
            "insights:theme", args=[theme.slug]
        )
        page = client.get(saved["Location"])
        assert page.status_code == 200 and f"<h1>{name}</h1>" in page.content.decode()


def test_a_theme_name_must_differ_from_the_others_in_more_than_case_and_say_something(
    org: Org, billing: Theme
) -> None:
    client = logged_in(org.manager)
    new = {"dimension": "billing", "want": "right_product", "active": "on"}
    for name in ("BILLING", " billing "):
        refused = client.post(reverse("insights:theme_new"), new | {"name": name})
        assert refused.status_code == 400
        assert "A theme called “Billing” exists already." in refused.content.decode()
    for name in ("!!!", "– · –"):
        refused = client.post(reverse("insights:theme_new"), new | {"name": name})
        assert refused.status_code == 400
        assert "needs at least one letter or digit" in refused.content.decode()
    assert Theme.objects.count() == 1
    edit = reverse("insights:theme_edit", args=["billing"])
    assert client.post(edit, _theme_fields(billing, description="Money")).status_code == 302
    assert client.post(edit, _theme_fields(billing, name="billing")).status_code == 302
    assert Theme.objects.get(pk=billing.pk).name == "billing"


def test_themes_nest_six_levels_deep_and_deeper_ones_still_show(org: Org) -> None:
    levels: list[Theme] = []
    for i in range(1, 7):
        levels.append(
            Theme.objects.create(
                name=f"Level {i}",
                slug=f"level-{i}",
                parent=levels[-1] if levels else None,
                dimension="service",
                want="caring_person",
            )
        )
    client = logged_in(org.manager)
    new = {"dimension": "service", "want": "caring_person", "active": "on"}
    refused = client.post(
        reverse("insights:theme_new"), new | {"name": "Deep", "parent": levels[5].pk}
    )
    assert refused.status_code == 400
    assert "Themes nest at most 6 levels deep" in refused.content.decode()
    other = Theme.objects.create(name="Other", slug="other", dimension="service", want="on_time")
    moved = client.post(
        reverse("insights:theme_edit", args=["level-1"]), _theme_fields(levels[0], parent=other.pk)
    )
    assert moved.status_code == 400
    assert "with its sub-themes would reach level 7" in moved.content.decode()
    fits = client.post(
        reverse("insights:theme_new"), new | {"name": "Fits", "parent": levels[4].pk}
    )
    assert fits.status_code == 302
    # Themes nested deeper before the limit (or by other means) are shown, not dropped.
    for i in (7, 8):
        levels.append(
            Theme.objects.create(
                name=f"Level {i}",
                slug=f"level-{i}",
                parent=levels[-1],
                dimension="service",
                want="caring_person",
            )
        )
    page = client.get(reverse("insights:themes"))
    shown = [(depth, f.label) for depth, f in page.context["figures"]]
    assert len(shown) == Theme.objects.count()
    assert (5, "Level 6") in shown and (5, "Level 7") in shown and (5, "Level 8") in shown
    assert shown.index((5, "Level 8")) > shown.index((5, "Level 7")) > shown.index((5, "Level 6"))
    assert 'class="depth-5"><a href="/staff/insights/themes/level-8/' in page.content.decode()


def test_bad_filters_are_explained_and_what_does_not_depend_on_them_is_still_shown(
    org: Org, billing: Theme
) -> None:
    ThemeProposal.objects.create(terms=["parking", "depot"], phrases=[], examples=[], size=7)
    client = logged_in(org.manager)
    for params, said in (
        ({"date_from": "2026-13-01"}, "From</label>: Enter a valid date."),
        ({"by": "bogus"}, "Group by</label>: Select a valid choice."),
    ):
        page = client.get(reverse("insights:themes"), params)
        assert page.status_code == 400
        html = page.content.decode()
        assert said in html and "These filters could not be used" in html
        assert "No open proposals" not in html and "parking, depot" in html
    theme_url = reverse("insights:theme", args=["billing"])
    page = client.get(theme_url, {"date_from": "2026-02-29"})
    assert page.status_code == 400
    assert "insights/theme.html" in [t.name for t in page.templates]
    html = page.content.decode()
    assert "<h1>Billing</h1>" in html and "From</label>: Enter a valid date." in html
    assert "charged twice" in html  # the phrases do not depend on the dates
    assert "None in this span" not in html  # nor claims about a span it could not read
    # A theme's page has no grouping: one in its address is no error.
    assert client.get(theme_url, {"by": "bogus"}).status_code == 200


def test_a_merge_adds_only_the_phrases_the_manager_kept(org: Org, billing: Theme) -> None:
    examples = [
        give_feedback(org.invoicing, comment=f"Was my question answered? {i}") for i in range(5)
    ]
    made = ThemeProposal.objects.create(
        terms=["question", "answered", "refund"],
        phrases=["question", "answered", "refund form"],
        examples=[f.pk for f in examples],
        size=5,
    )
    client = logged_in(org.manager)
    url = reverse("insights:proposal", args=[made.pk])
    page = client.get(url).content.decode()
    assert 'id="merge_phrases">\nquestion\nanswered\nrefund form</textarea>' in page
    refused = client.post(url, {"action": "merge", "theme": billing.pk, "phrases": "x" * 90})
    assert refused.status_code == 400 and "not a sentence" in refused.content.decode()
    merged = client.post(
        url, {"action": "merge", "theme": billing.pk, "phrases": "Refund  FORM\n\nrefund request"}
    )
    assert merged.status_code == 302
    billing.refresh_from_db()
    assert billing.phrase_list == ["invoice", "charged twice", "refund form", "refund request"]
    assert "Was my question answered? 0" in billing.example_list
    assert ThemeProposal.objects.get(pk=made.pk).status == "merged"


def test_odd_input_to_the_themes_pages_is_refused_kindly_never_an_error(
    org: Org, billing: Theme
) -> None:
    client = logged_in(org.manager)
    client.raise_request_exception = False
    for url in (
        "/staff/insights/themes/nothing/",
        "/staff/insights/themes/nothing/edit/",
        "/staff/insights/themes/%00/",
        "/staff/insights/proposals/999/",
        "/staff/insights/proposals/abc/",
        "/staff/insights/proposals/-1/",
        f"/staff/insights/proposals/{'9' * 30}/",
    ):
        assert client.get(url).status_code == 404, url
    new = {"name": "Big", "dimension": "billing", "want": "on_time", "active": "on"}
    for fields, said in (
        (
            {"phrases": "\n".join(f"phrase {i}" for i in range(60_000))},
            "At most 500 phrases",
        ),
        ({"examples": "x" * 500_000}, "At most 100,000 characters of examples"),
        ({"description": "x" * 500_000}, "at most 2000 characters"),
        ({"parent": "9" * 30}, "Select a valid choice"),
    ):
        refused = client.post(reverse("insights:theme_new"), new | fields)
        assert refused.status_code == 400, fields.keys()
        assert said in refused.content.decode()
    assert not Theme.objects.filter(name="Big").exists()
    feedback = give_feedback(org.invoicing, comment="Charged twice on the invoice")
    correction = client.post(
        reverse("insights:correct", args=[feedback.reference]), {"themes": ["9" * 30]}, follow=True
    )
    assert correction.status_code == 200
    assert "could not be saved" in correction.content.decode()
    assert not Correction.objects.exists()


def test_every_similar_comment_is_a_click_away_from_the_case(org: Org, billing: Theme) -> None:
    case = open_case(org.invoicing, comment="We were charged twice for March, again.")
    feedback = case.feedback.get()
    others = []
    for i in range(12):
        customer = Customer.objects.create(name=f"Customer {i}", email=f"c{i}@example.com")
        others.append(
            give_feedback(
                org.invoicing, customer=customer, comment="Charged twice for March again!"
            )
        )
        read_arrived(feedback=others[-1])
    read_arrived(feedback=feedback)
    client = logged_in(org.billing_agent)
    page = client.get(detail_url(case)).content.decode()
    everything = reverse("insights:similar", args=[feedback.reference])
    assert "12 other customers" in page
    assert f'The latest 10 of 12: <a href="{everything}">see them all</a>' in page
    listed = client.get(everything).content.decode()
    assert all(f.reference in listed for f in others)
    assert "12 other customers</strong> said something similar" in listed
    # Another team's agent cannot open it; nor anyone an unknown reference.
    assert logged_in(org.support_agent).get(everything).status_code == 404
    unknown = reverse("insights:similar", args=["VL-1999-000001"])
    assert client.get(unknown).status_code == 404
