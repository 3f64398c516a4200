"""`vocloop themes`: its arguments, refused with a reason rather than a traceback."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.insights.bulk import comments_read_bulk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--days", "99999999"], "--days: must be at most 36,500 \\(0 for all\\)"),
        (["--days", "-1"], "--days: must be 0 or more"),
        (["--limit", "0"], "--limit: must be at least 1"),
        (["--limit", "-5"], "--limit: must be at least 1"),
        (["--limit", "ten"], "--limit: 'ten' is not a whole number"),
    ],
)
def test_discovery_options_out_of_range_are_refused(option: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("themes", "discover", *option)


def test_discovery_reaches_back_a_century_at_most(org: Org) -> None:
    give_feedback(org.helpdesk, comment="The parcel came late")
    comments_read_bulk()
    out = StringIO()
    call_command("themes", "discover", "--days", "36500", stdout=out)
    assert out.getvalue() == "No group of uncovered comments is large and coherent enough.\n"
