"""The touch point and channel filters of every page of figures, with one meaning.

The dashboards and the themes pages read them from the query string by the same
names (`touchpoint`, a touch point's slug; `channel`), as the API does.
"""

from __future__ import annotations

from django import forms
from django.core.cache import cache

from vocloop.listening.models import Touchpoint
from vocloop.metrics.models import FeedbackRollup

CHANNELS_CACHE_KEY = "vocloop:dashboards:channels"
CHANNELS_CACHE_SECONDS = 600


def known_channels() -> list[str]:
    """The channels feedback has arrived through, for the filters' lists.

    Reading them means a DISTINCT over the finest rollup table (tens of thousands of
    rows at a million responses), so they are remembered for ten minutes: a new
    channel shows up in the list a little later, and can be typed in the address
    meanwhile.
    """
    channels = cache.get(CHANNELS_CACHE_KEY)
    if channels is None:
        rows = FeedbackRollup.objects.order_by("channel").values_list("channel", flat=True)
        channels = list(rows.distinct())
        cache.set(CHANNELS_CACHE_KEY, channels, CHANNELS_CACHE_SECONDS)
    return list(channels)


def channel_choices(asked: str) -> list[tuple[str, str]]:
    """ "All channels", then every known channel and the one asked for, if it is not known.

    Any channel may be asked for (one without feedback simply has none).
    """
    channels = known_channels()
    if asked and asked not in channels:
        channels = [*channels, asked]
    return [("", "All channels"), *((c, c) for c in channels)]


def touchpoint_field() -> forms.ModelChoiceField[Touchpoint]:
    return forms.ModelChoiceField(
        required=False,
        queryset=Touchpoint.objects.order_by("name"),
        to_field_name="slug",
        empty_label="All touch points",
        label="Touch point",
    )


def channel_field() -> forms.CharField:
    """Any channel may be asked for; the form offers `channel_choices` in its __init__."""
    return forms.CharField(required=False, max_length=50, label="Channel")
