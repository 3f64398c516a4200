"""The conductor: who follows a case change, in what order, and the reading task's move."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django_tasks_db.models import DBTaskResult

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.cases import changes
from vocloop.cases.models import CaseEvent
from vocloop.cases.services import case_assign, case_note
from vocloop.cases.timeline import Actor
from vocloop.conductor.case_changes import CASE_CHANGE_CONSUMERS
from vocloop.conductor.reading import read_comment
from vocloop.insights.models import CommentText
from vocloop.metrics.models import CaseRollup
from vocloop.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_figures_then_notifications_follow_every_case_change() -> None:
    assert changes.consumers_installed() == CASE_CHANGE_CONSUMERS
    assert [c.name for c in CASE_CHANGE_CONSUMERS] == ["rollups", "notifications"]


def test_a_consumer_installed_hears_each_change_in_its_transaction(org: Org) -> None:
    heard: list[list[str]] = []

    class Listener:
        name = "listener"

        def case_events_recorded(self, events: object) -> None:
            heard.append([e.kind for e in events])  # type: ignore[attr-defined]

    feedback = give_feedback(org.helpdesk, score=2)
    case = feedback.case
    assert case is not None
    before = changes.consumers_installed()
    changes.consumers_install([*before, Listener()])
    try:
        case_assign(case=case, assignee=org.support_agent, actor=Actor.staff(org.support_lead))
    finally:
        changes.consumers_install(before)
    assert heard == [[CaseEvent.Kind.ASSIGNED]]
    # The installed consumers ran as well: the case counts, the assignee is told.
    assert CaseRollup.objects.exists()
    assert OutboxMessage.objects.filter(recipient=org.support_agent.email).exists()


def test_a_change_nobody_would_hear_of_is_refused(org: Org) -> None:
    case = give_feedback(org.helpdesk, score=2).case
    assert case is not None
    before = changes.consumers_installed()
    changes._installed = False
    try:
        with pytest.raises(RuntimeError, match="No consumers of case changes"):
            case_note(case=case, body="lost", actor=Actor.staff(org.support_agent))
    finally:
        changes.consumers_install(before)
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.INTERNAL_NOTE).exists()


def test_readings_queued_before_the_move_run_after_it(org: Org) -> None:
    feedback = give_feedback(org.helpdesk, comment="The engineer never came")
    CommentText.objects.filter(feedback=feedback).delete()
    queued = read_comment.enqueue(feedback.pk)
    DBTaskResult.objects.filter(pk=queued.id).update(
        task_path="vocloop.insights.tasks.read_comment"
    )
    moved = importlib.import_module("vocloop.conductor.migrations.0001_read_comment_moved")
    moved.forwards(apps, None)
    row = DBTaskResult.objects.get(pk=queued.id)
    assert row.task_path == "vocloop.conductor.reading.read_comment"
    assert row.task.call(*row.args_kwargs["args"]) is True
    assert CommentText.objects.filter(feedback=feedback).exists()
