"""Why a file or a row cannot be imported: said per row, counted per reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LINES_SHOWN = 5  # per reason: a file with thousands of bad rows usually has one mistake


class ImportRefused(ValueError):
    """The file cannot be imported; nothing was stored. The message says why."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class RowProblem:
    line: int  # the line of the file where the row starts (the header is line 1)
    reason: str  # short, the same for every row with this problem
    message: str  # this row's
    cells: tuple[str, ...] = ()  # the row as the file has it


@dataclass
class Problem:
    """The rows that cannot be imported for one reason: how many, where, and an example."""

    reason: str
    rows: int
    lines: list[int]  # the first few
    example: str  # the first row's message


class Problems:
    """Rows that cannot be imported, counted by reason as they are found (memory stays small)."""

    def __init__(self) -> None:
        self.rows = 0
        self._by_reason: dict[str, Problem] = {}

    def add(self, problem: RowProblem) -> None:
        self.rows += 1
        group = self._by_reason.get(problem.reason)
        if group is None:
            self._by_reason[problem.reason] = Problem(
                problem.reason, 1, [problem.line], problem.message
            )
            return
        group.rows += 1
        if len(group.lines) < LINES_SHOWN:
            group.lines.append(problem.line)

    def grouped(self) -> list[Problem]:
        """Most frequent reason first."""
        return sorted(self._by_reason.values(), key=lambda g: -g.rows)
