"""A long service says how far it has got, stage by stage, to whoever passes a Progress."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import vocloop
from tests.clock import Clock
from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.conductor.imports import ImportSpec, feedback_import
from vocloop.lib.progress import Advance
from vocloop.metrics.rollups import rollups_rebuild


class Watched:
    """Every stage begun, with its total and the items reported done in it."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, int | None, int]] = []

    @contextmanager
    def __call__(self, name: str, total: int | None) -> Iterator[Advance]:
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n

        yield advance
        self.stages.append((name, total, done))


@pytest.mark.django_db
def test_an_import_reports_its_rows_checked_then_imported_then_read(
    org: Org, tmp_path: Path
) -> None:
    path = tmp_path / "feedback.csv"
    path.write_text("comment,nps\nNobody called me back.,3\nThe invoice is wrong.,9\nBad,x\n")
    watched = Watched()
    spec = ImportSpec(
        comment_column="comment", score_column="nps", score_type="nps", touchpoint="help-desk"
    )
    result = feedback_import(path, spec, progress=watched, skip_invalid=True)
    assert (result.rows, result.skipped) == (2, 1)
    assert watched.stages == [("checking", None, 3), ("importing", 2, 2), ("reading", 2, 2)]


@pytest.mark.django_db
def test_a_rebuild_reports_every_row_it_counts(org: Org, clock: Clock) -> None:
    give_feedback(org.helpdesk, customer=org.customer, score=3)  # opens a case
    give_feedback(org.invoicing, score_type="csat", score=5)
    watched = Watched()
    result = rollups_rebuild(progress=watched)
    assert watched.stages == [("rebuilding", 3, result.feedback + result.cases + result.events)]


def test_only_the_management_commands_import_tqdm() -> None:
    package = Path(vocloop.__file__).parent
    importing = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if re.search(r"^\s*(?:from tqdm\b|import tqdm\b)", path.read_text(), re.MULTILINE)
    }
    assert importing and all("/management/commands/" in path for path in importing), importing
