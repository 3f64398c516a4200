"""Theme discovery: groups of uncovered comments that share vocabulary, proposed as themes."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest

from vocloop.text.discovery import Proposal, discover
from vocloop.text.themes import ThemeMatcher, ThemeRule
from vocloop.text.tokens import words

TOPICS = {
    "parking": [
        "There is never anywhere to park at the {depot}{tail}",
        "Parking at the {depot} is a nightmare{tail}",
        "Couldn't find a parking space at your {depot}{tail}",
        "The car park at the {depot} was full{tail}",
        "Why is parking at the {depot} so limited{tail}",
        "Spent twenty minutes looking for parking at the {depot}{tail}",
        "Parking near the {depot} is impossible on Saturdays{tail}",
    ],
    "app": [
        "The mobile app crashes every time I try to log in{tail}",
        "App keeps crashing on the login screen{tail}",
        "Since the update the app crashes when I log in{tail}",
        "The app crashes as soon as I enter my password to log in{tail}",
        "Every login attempt crashes the app on my {device}{tail}",
        "The app freezes and then crashes at login{tail}",
        "Logging in to the mobile app makes it crash{tail}",
    ],
    "warranty": [
        "The warranty claim form keeps rejecting my receipt{tail}",
        "Filling in the warranty claim form took ages{tail}",
        "Your online warranty claim form is confusing{tail}",
        "I submitted the warranty claim form twice and heard nothing{tail}",
        "Where do I find the warranty claim form on the website{tail}",
        "The claim form for my warranty asks for a serial number I don't have{tail}",
        "The warranty form would not accept my claim{tail}",
    ],
}
KEY_WORDS = {"parking": {"parking", "depot"}, "app": {"app", "crashes"}, "warranty": {"warranty"}}
SLOTS = {
    "depot": ["depot", "collection depot", "depot in town", "pickup depot", "depot on Mill Road"],
    "device": ["phone", "tablet", "iPhone", "Android phone"],
    "tail": [
        ".",
        "!",
        ". Very annoying.",
        ", please sort it out.",
        ". Third time this month.",
        ". Not good enough.",
        ", really frustrating.",
        "...",
    ],
}
# Sixty unrelated things customers mention once each, and what they thought of them.
SUBJECTS = """sofa cushions|weekly newsletter|background music|aisle lighting|gift wrapping|
dog policy|Sunday hours|shelf labels|fitting rooms|vegan menu|staff uniforms|recycling bins|
upstairs toilets|self service tills|scented candles|printed catalogue|Christmas decorations|
trolley wheels|escalator|café coffee|size guide|jumper colour|lamp shade|carpet samples|
tester pots|garden furniture|play area|student discount|referral scheme|survey questions|
receipt paper|air conditioning|lift buttons|floor tiles|cutlery set|bath towels|
pillow firmness|curtain length|mattress topper|shoe laces|umbrella stand|bakery bread|
cheese counter|wine selection|flower stall|magazine rack|charity box|water fountain|
baby changing|bike shed|cash machine|van livery|plastic bags|bottle deposit|frozen peas|
toy section|hand dryers|window display|opening music|gift vouchers""".replace("\n", "").split("|")
VERDICTS = [
    "could be better",
    "was not great",
    "was lovely",
    "was fine",
    "is ok",
    "was brilliant",
    "was terrible",
    "was really nice",
    "was excellent",
    "was a bit poor",
]


def fill(rng: random.Random, template: str) -> str:
    for slot, values in SLOTS.items():
        template = template.replace("{" + slot + "}", rng.choice(values))
    return template


def planted_corpus(
    seed: int = 0, sizes: dict[str, int] | None = None, noise: int = 60
) -> list[tuple[str, str, str]]:
    """(key, comment, topic) rows: planted topics in varied wordings, and unrelated noise."""
    rng = random.Random(seed)
    sizes = sizes if sizes is not None else {"parking": 50, "app": 40, "warranty": 30}
    rows = [
        (f"{topic}-{i}", fill(rng, rng.choice(TOPICS[topic])), topic)
        for topic, n in sizes.items()
        for i in range(n)
    ]
    subjects = rng.sample(SUBJECTS, len(SUBJECTS))
    for i in range(noise):
        subject = subjects[i % len(subjects)]
        rows.append((f"noise-{i}", f"The {subject} {rng.choice(VERDICTS)}.", "noise"))
    rng.shuffle(rows)
    return rows


def run(rows: list[tuple[str, str, str]], **options: int) -> list[Proposal]:
    return discover([(key, text) for key, text, _ in rows], **options)


def test_discovery_on_a_corpus_with_planted_topics() -> None:
    rows = planted_corpus()
    topic_of = {key: topic for key, _, topic in rows}
    sizes = Counter(topic_of.values())
    proposals = run(rows)
    for topic, key_words in KEY_WORDS.items():
        found = [
            p for p in proposals if Counter(topic_of[m] for m in p.members)[topic] > p.size / 2
        ]
        assert len(found) == 1, f"{topic} should be one proposal"
        (proposal,) = found
        of_topic = sum(topic_of[m] == topic for m in proposal.members)
        assert of_topic / proposal.size >= 0.8  # members are that topic
        assert of_topic / sizes[topic] >= 0.8  # and it covers the topic
        assert key_words <= set(proposal.terms), proposal.terms


@pytest.mark.parametrize("seed", range(5))
def test_planted_topics_are_recovered_whatever_the_wording_drawn(seed: int) -> None:
    rows = planted_corpus(seed=seed)
    topic_of = {key: topic for key, _, topic in rows}
    recovered = set()
    for proposal in run(rows, seed=seed):
        counts = Counter(topic_of[m] for m in proposal.members)
        topic, n = counts.most_common(1)[0]
        if topic != "noise" and n >= 0.8 * proposal.size and n >= 0.8 * counts.total():
            recovered.add(topic)
    assert recovered == set(TOPICS)


def test_proposals_come_largest_first_with_five_examples_among_their_members() -> None:
    proposals = run(planted_corpus())
    assert [p.size for p in proposals] == sorted((p.size for p in proposals), reverse=True)
    for p in proposals:
        assert p.size == len(p.members) == len(set(p.members))
        assert len(p.examples) == 5 == len(set(p.examples))
        assert set(p.examples) <= set(p.members)
        assert 1 <= len(p.terms) <= 8 and len(p.phrases) <= 5


def test_max_proposals_keeps_the_largest() -> None:
    rows = planted_corpus()
    assert [p.size for p in run(rows, max_proposals=2)] == [p.size for p in run(rows)[:2]]


def test_phrases_accepted_as_a_theme_catch_its_comments_and_few_others() -> None:
    """Accepting a proposal makes its phrases the theme's rule: that rule must work."""
    rows = planted_corpus()
    for proposal in run(rows)[:3]:
        assert proposal.phrases
        for phrase in proposal.phrases:
            assert phrase == phrase.lower() and 1 <= len(words(phrase)) <= 3
        matcher = ThemeMatcher([ThemeRule(key="new", phrases=proposal.phrases)])
        caught = {key for key, text, _ in rows if "new" in matcher.match(text)}
        members = set(proposal.members)
        assert len(caught & members) >= 0.8 * len(members)
        assert len(caught & members) >= 0.8 * len(caught)


def test_the_most_typical_example_uses_the_most_telling_terms() -> None:
    rows = planted_corpus()
    text_of = {key: text for key, text, _ in rows}
    for proposal in run(rows)[:3]:
        first = set(words(text_of[proposal.examples[0]]))
        assert first & set(proposal.terms)


def test_too_few_comments_give_no_proposal() -> None:
    rows = planted_corpus(sizes={"parking": 6}, noise=3)
    assert run(rows) == []
    assert discover([]) == []


def test_same_comments_and_seed_give_the_same_proposals() -> None:
    rows = planted_corpus(seed=3)
    assert run(rows, seed=7) == run(rows, seed=7)


def test_unrelated_comments_give_no_proposal() -> None:
    """Honest about noise: comments about sixty different things are not a theme."""
    rows = planted_corpus(sizes={}, noise=120)
    assert run(rows) == []


def test_comments_sharing_only_generic_words_give_no_proposal() -> None:
    rng = random.Random(1)
    texts = ["Terrible service", "Really disappointed", "Great service, thanks", "Not happy"]
    comments = [(i, f"{rng.choice(texts)}, {rng.choice(texts).lower()}!") for i in range(40)]
    assert discover(comments) == []


def test_redaction_marks_are_not_what_comments_have_in_common() -> None:
    """Exports black out names and dates as XXXX: thirty comments sharing it are no theme."""
    comments = [
        (i, f"On XX/XX/XXXX, XXXX and my {subject}.") for i, subject in enumerate(SUBJECTS[:30])
    ]
    assert discover(comments) == []


def test_repeated_comments_count_but_examples_show_different_wordings_first() -> None:
    rows = planted_corpus(sizes={"parking": 20}, noise=20)
    repeated = [(f"copy-{i}", "Parking at the depot is a nightmare.", "parking") for i in range(30)]
    (proposal,) = run(rows + repeated)
    assert proposal.size >= 48
    text_of = {key: text for key, text, _ in rows + repeated}
    assert len({text_of[k] for k in proposal.examples}) == 5


def test_one_comment_written_many_times_is_a_proposal() -> None:
    comments = [(i, "Parking at the depot is a nightmare") for i in range(30)]
    comments += [(100 + i, f"The {s} was fine.") for i, s in enumerate(SUBJECTS[:20])]
    (proposal,) = discover(comments)
    assert proposal.size == 30
    assert {"parking", "depot"} <= set(proposal.terms)
    assert len(proposal.examples) == 5


@pytest.mark.serial  # a measurement of time
def test_ten_thousand_comments_are_discovered_in_seconds() -> None:
    rng = random.Random(0)
    rows = planted_corpus(seed=1, sizes={t: 2000 for t in TOPICS}, noise=0)
    for i in range(4000):
        nonce = "".join(rng.choice("bcdfgklmnprst") + rng.choice("aeiou") for _ in range(3))
        rows.append((f"noise-{i}", f"The {rng.choice(SUBJECTS)} {nonce} was fine.", "noise"))
    started = time.perf_counter()
    proposals = run(rows)
    assert time.perf_counter() - started < 20
    topic_of = {key: topic for key, _, topic in rows}
    assert {
        Counter(topic_of[m] for m in p.members).most_common(1)[0][0] for p in proposals[:3]
    } == set(TOPICS)


WEBINAR = [
    "The webinar answered my question about exports",
    "Good webinar, it answered every question I had",
    "My question on reports was answered in the webinar",
    "The onboarding webinar answered the question about users",
    "Webinar was clear and my question got answered",
    "Asked a question in the webinar and it was answered live",
    "The webinar answered the question my team had on billing exports",
    "Question answered in the webinar, thanks",
]
ASKED_ELSEWHERE = [
    "I have a question about my invoice that nobody answered",
    "My question about the delivery date was never answered",
    "Simple question on the refund, still not answered",
    "Phoned with a question about my contract and it was answered quickly",
]


def test_a_phrase_other_themes_comments_use_as_much_is_not_proposed() -> None:
    rng = random.Random(3)
    noise = [(key, text) for key, text, _ in planted_corpus(seed=3, sizes={}, noise=40)]
    comments = [(f"w{i}", text) for i, text in enumerate(WEBINAR)] + noise
    alone = discover(comments, min_size=5)
    webinar = next(p for p in alone if "webinar" in p.phrases)
    assert {"question", "answered"} & set(webinar.phrases)  # uncovered, they look telling
    # But comments already in a theme (billing, delivery, refunds) ask and answer too.
    covered = [rng.choice(ASKED_ELSEWHERE) + f" ({i})" for i in range(50)]
    seen = discover(comments, min_size=5, covered=covered, covered_weight=4.0)
    webinar = next(p for p in seen if "webinar" in p.phrases)
    assert not {"question", "answered"} & set(webinar.phrases + webinar.terms)


def test_no_phrase_is_made_across_two_sentences() -> None:
    said = [
        f"Nothing loads on the {where} platform. Reporting{tail}"
        for where in ("trading", "mobile", "new", "web")
        for tail in (" works though", " is fine", " exports are ok")
    ]
    noise = [(key, text) for key, text, _ in planted_corpus(seed=5, sizes={}, noise=30)]
    proposals = discover([(f"s{i}", text) for i, text in enumerate(said)] + noise, min_size=5)
    assert proposals, "the platform comments form a group"
    for p in proposals:
        assert not [t for t in p.terms + p.phrases if "platform reporting" in t], p
