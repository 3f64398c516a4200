"""Hypothesis settings for the whole suite (imported by both conftests; no Django here).

No deadline: a test run beside others on a busy machine can take longer than the 200 ms
Hypothesis allows an example by default, and a deadline missed that way is a false
alarm, not a slow example. Tests that need a bound on time measure it themselves.
"""

from __future__ import annotations

from hypothesis import settings


def load_profile() -> None:
    settings.register_profile("vocloop", deadline=None)
    settings.load_profile("vocloop")
