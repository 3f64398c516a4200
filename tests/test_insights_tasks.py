"""The reading tasks as the database queue holds them: which runs first, and what gives way."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.conductor.reading import read_arrived
from vocloop.insights.models import CommentTheme, Dimension, Theme, Want
from vocloop.insights.services import theme_save

pytestmark = pytest.mark.django_db(transaction=True)  # each change commits, as in use


def _queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.ready())  # in the order the worker takes them


def test_edits_in_a_row_are_read_again_once_and_arriving_comments_go_first(org: Org) -> None:
    read_arrived(feedback=give_feedback(org.invoicing, comment="Charged twice on the bill"))
    DBTaskResult.objects.all().delete()  # the reading it queued on arrival: done just now
    theme = Theme(name="Billing", dimension=Dimension.BILLING, want=Want.RIGHT_PRODUCT)
    for phrases in ("invoice", "invoice\nbill", "invoice\ncharged twice"):
        theme.phrases = phrases
        theme_save(theme=theme)
    arriving = give_feedback(org.helpdesk, comment="Nobody answered the phone")

    queued = _queued()
    assert [r.task_name for r in queued] == ["read_comment"] + ["reread_comments"] * 3
    assert queued[0].args_kwargs["args"] == [arriving.pk]
    # The first two re-readings give way to the third, queued after the last edit.
    done = [r.task.call(*r.args_kwargs["args"]) for r in queued[1:]]
    assert done == [0, 0, 2]
    assert list(CommentTheme.objects.values_list("theme__slug", flat=True)) == ["billing"]


def test_a_re_reading_queued_before_this_version_still_runs(org: Org) -> None:
    from vocloop.insights.rereading import reread_comments

    read_arrived(feedback=give_feedback(org.invoicing, comment="Charged twice on the bill"))
    assert reread_comments.call() == 1
