"""Theme rules: which themes a comment is about, from the phrases the quality manager gave."""

from __future__ import annotations

from vocloop.text.themes import (
    KEYWORD_CONFIDENCE,
    PHRASE_CONFIDENCE,
    ThemeMatcher,
    ThemeRule,
)
from vocloop.text.tokens import content_stems, phrase_stem, stem

RULES = [
    ThemeRule("delivery", ("delivery", "installation")),
    ThemeRule("late-delivery", ("late delivery", "time window"), parent="delivery"),
    ThemeRule("billing", ("invoice",)),
    ThemeRule("double-charge", ("charged twice",), parent="billing"),
    ThemeRule("staff", ("friendly", "rude")),
]
MATCHER = ThemeMatcher(RULES)


def themes(text: str) -> set[str]:
    return set(MATCHER.match(text))


def test_a_phrase_matches_in_any_order_and_inflection() -> None:
    assert "late-delivery" in themes("Deliveries are always late.")
    assert "late-delivery" in themes("The delivery was two days late again.")
    assert "double-charge" in themes("We were charged twice for March.")
    assert "double-charge" in themes("They charge us twice every month")


def test_words_too_far_apart_do_not_make_a_phrase() -> None:
    text = (
        "Late in the afternoon I finally reached someone about the contract, and the "
        "agent told me the paperwork for the delivery is fine."
    )
    assert "late-delivery" not in themes(text)
    assert "delivery" in themes(text)


def test_a_negated_phrase_does_not_count() -> None:
    assert "staff" not in themes("The agent was not friendly at all.")
    assert "late-delivery" not in themes("Good news: the delivery was not late.")
    assert "staff" in themes("The agent was friendly and quick.")


def test_a_matched_theme_counts_for_its_parent() -> None:
    found = MATCHER.match("Charged twice on the same invoice, again.")
    assert {"double-charge", "billing"} <= set(found)
    assert found["billing"].confidence >= found["double-charge"].confidence


def test_a_parent_inherits_its_childs_confidence_without_its_phrases() -> None:
    found = MATCHER.match("They charged twice.")
    assert found["billing"].phrases == ()
    assert found["billing"].confidence == found["double-charge"].confidence


def test_a_phrase_is_surer_than_a_keyword_and_several_phrases_surer_still() -> None:
    assert MATCHER.match("Your installation team")["delivery"].confidence == KEYWORD_CONFIDENCE
    assert MATCHER.match("late delivery")["late-delivery"].confidence == PHRASE_CONFIDENCE
    both = MATCHER.match("A late delivery, outside the time window.")["late-delivery"]
    assert both.confidence > PHRASE_CONFIDENCE
    assert set(both.phrases) == {"late delivery", "time window"}


def test_a_comment_about_nothing_named_has_no_theme() -> None:
    assert themes("The weather in Leeds was lovely.") == set()
    assert themes("") == set()


def test_a_taxonomy_without_phrases_matches_nothing() -> None:
    empty = ThemeMatcher([ThemeRule("orphan", ())])
    assert not empty
    assert empty.match("anything at all") == {}


def test_a_parent_cycle_does_not_loop_forever() -> None:
    cyclic = ThemeMatcher([ThemeRule("a", ("apple",), parent="b"), ThemeRule("b", (), parent="a")])
    assert set(cyclic.match("an apple")) == {"a", "b"}


def test_stemming_joins_inflections_and_keeps_negations() -> None:
    assert stem("invoices") == stem("invoice") == stem("invoiced")
    assert stem("charging") == stem("charged") == stem("charge")
    assert stem("deliveries") == stem("delivery")
    assert content_stems("The parcel was not delivered") == ["parcel", "not", "deliver"]


def test_an_absence_is_the_problem_itself_not_a_negation() -> None:
    parking = ThemeMatcher([ThemeRule("parking", ("parking",)), ThemeRule("reply", ("reply",))])
    assert set(parking.match("No parking at the depot, and no reply to my email.")) == {
        "parking",
        "reply",
    }


def matcher(*phrases: str) -> ThemeMatcher:
    return ThemeMatcher([ThemeRule(p, (p,)) for p in phrases])


def test_a_word_matches_whole_words_and_its_inflections_not_words_made_from_it() -> None:
    words = matcher("friend", "late", "app", "refund")
    assert set(words.match("My friend and her friends recommended you.")) == {"friend"}
    assert "friend" not in words.match("A friendly agent, friendlier than last time.")
    assert "late" not in words.match("Lately the latest update arrived later than usual.")
    assert "app" not in words.match("Happy to apply; an apple a day.")
    assert "refund" in words.match("I was refunded, after two refunds went astray.")
    # "-ly" words mean something else as often as not ("timely", "hardly"), so a
    # manager who means the adverb names it.
    assert set(matcher("friendly").match("Not one friend of mine.")) == set()


def test_late_delivery_still_matches_every_way_customers_say_it() -> None:
    assert "late-delivery" in themes("The delivery was two days late.")
    assert "late-delivery" in themes("Deliveries arrived late again.")
    assert "late-delivery" in themes("It was delivered late.")
    assert "late-delivery" not in themes("The latest delivery came early.")


def test_an_error_put_right_is_still_an_error() -> None:
    # The theme counts what the comment is about; that the crew corrected it is for
    # its sentiment to say, not a reason to hide that an error happened.
    errors = matcher("error")
    assert "error" in errors.match("The purser corrected the attendant's error at once.")
    assert "error" in errors.match("Two errors on one invoice.")
    assert "error" not in errors.match("A terror of a flight.")


def test_too_and_a_closing_particle_are_part_of_what_a_phrase_means() -> None:
    rules = matcher("too often", "logs out", "set-up", "slow on mobile", "links to the manual")
    assert "too often" in rules.match("Your emails arrive far too often.")
    assert "too often" not in rules.match("I fly with you often.")
    assert "logs out" in rules.match("The app logs me out every hour.")
    assert "logs out" not in rules.match("I logged a complaint with your team.")
    assert "set-up" in rules.match("The set-up took three weeks.")
    assert "set-up" in rules.match("They set the account up wrongly.")
    assert "set-up" not in rules.match("A set of documents came by post.")
    # Before a noun a little word only links: the mobile app being slow is meant.
    assert "slow on mobile" in rules.match("The mobile app is slow.")
    assert "links to the manual" in rules.match("The manual links are broken.")


def test_similarity_keeps_its_looser_stem() -> None:
    assert stem("slowly") == stem("slow") and phrase_stem("slowly") != phrase_stem("slow")
    assert phrase_stem("friendly") != phrase_stem("friend")
    assert phrase_stem("deliveries") == phrase_stem("delivered") == phrase_stem("delivery")
