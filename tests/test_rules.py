"""Which answers open a case: the default thresholds and a touch point's own rule."""

import pytest

from vocloop.listening.rules import DEFAULT_THRESHOLDS, Thresholds, needs_case


@pytest.mark.parametrize(
    ("score_type", "score", "opens"),
    [
        ("nps", 0, True),
        ("nps", 6, True),
        ("nps", 7, False),
        ("nps", 10, False),
        ("csat", 1, True),
        ("csat", 2, True),
        ("csat", 3, False),
        ("ces", 3, True),
        ("ces", 4, False),
        ("ces", 7, False),
    ],
)
def test_default_thresholds_open_a_case_for_poor_scores(score_type, score, opens):
    assert (
        needs_case(DEFAULT_THRESHOLDS, is_complaint=False, score_type=score_type, score=score)
        is opens
    )


def test_every_complaint_opens_a_case_whatever_the_score():
    assert needs_case(DEFAULT_THRESHOLDS, is_complaint=True, score_type="nps", score=10)
    assert needs_case(DEFAULT_THRESHOLDS, is_complaint=True, score_type=None, score=None)


def test_comment_without_score_or_complaint_opens_nothing():
    assert not needs_case(DEFAULT_THRESHOLDS, is_complaint=False, score_type=None, score=None)


def test_a_rule_can_turn_a_scale_off_or_tighten_it():
    rule = Thresholds(nps_at_or_below=None, csat_at_or_below=1, open_for_complaints=False)
    assert not needs_case(rule, is_complaint=False, score_type="nps", score=0)
    assert not needs_case(rule, is_complaint=False, score_type="csat", score=2)
    assert needs_case(rule, is_complaint=False, score_type="csat", score=1)
    assert not needs_case(rule, is_complaint=True, score_type=None, score=None)
