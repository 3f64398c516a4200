"""How the parts of vocloop may import each other: the loop's layering, kept by a test.

Read from the source, without importing it. An app may import another app's models
both ways (a foreign key and its reverse), but no two apps import each other's other
modules both ways; the conductor, which drives the apps when feedback arrives or a
case changes, is imported only by what sits above it; the plain packages import no
app; and no import hides inside a function to dodge a cycle, within an app or across.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import vocloop

ROOT = Path(vocloop.__file__).parent
APPS = {p.name for p in ROOT.iterdir() if (p / "apps.py").exists()}
PLAIN = {"lib", "statistics", "text"}  # packages of no part of the loop
# What may call the conductor: the entry points above it.
ABOVE_CONDUCTOR = {"conductor", "public", "api", "demo", "server"}
# Function-local imports of plain packages that load heavy libraries (scikit-learn)
# only when they are needed, to keep start-up quick; they dodge no cycle.
LAZY = {"vocloop.text", "vocloop.text.classifier", "vocloop.text.discovery"}
# Imported when they are used, not to dodge a cycle: the command line sets the
# settings module before anything of vocloop is loaded, and the WSGI application is
# built only when it is served.
AT_RUN_TIME = {
    ("__main__.py", "vocloop.config"),
    ("server/management/commands/serve.py", "vocloop.wsgi"),
}


@dataclass(frozen=True)
class Import:
    source: str  # path relative to the package
    line: int
    module: str
    local: bool  # inside a function

    @property
    def part(self) -> str:
        parts = self.module.split(".")
        return parts[1] if len(parts) > 1 else ""

    @property
    def of_models(self) -> bool:
        return self.module.endswith(".models")


def part_of(source: str) -> str:
    """The app or package a source file belongs to ("" for the project's own modules)."""
    first = source.split("/")[0]
    return "" if first.endswith(".py") else first


def imports() -> list[Import]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for sub in ast.walk(node)
            if sub is not node
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                if module.startswith("vocloop."):
                    found.append(Import(source, node.lineno, module, id(node) in inside))
    return found


def across(found: list[Import]) -> list[Import]:
    """Imports from one app or plain package into another app or plain package."""
    parts = APPS | PLAIN
    return [
        i
        for i in found
        if part_of(i.source) in parts and i.part in parts and part_of(i.source) != i.part
    ]


def test_the_scan_sees_the_apps_and_their_imports() -> None:
    assert {"listening", "cases", "insights", "metrics", "notifications", "conductor"} <= APPS
    found = imports()
    assert any(i.source == "conductor/feedback.py" and i.part == "cases" for i in found)


def test_no_two_apps_import_each_other_both_ways() -> None:
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for i in across(imports()):
        if not i.of_models:
            edges[(part_of(i.source), i.part)].append(i)
    both_ways = {
        f"{a} <-> {b}: " + ", ".join(f"{i.source}:{i.line}" for i in found + edges[(b, a)])
        for (a, b), found in edges.items()
        if a < b and (b, a) in edges
    }
    assert both_ways == set()


def test_nothing_below_the_conductor_calls_it() -> None:
    callers = {
        f"{i.source}:{i.line}"
        for i in across(imports())
        if i.part == "conductor" and part_of(i.source) not in ABOVE_CONDUCTOR
    }
    assert callers == set()


def test_plain_packages_import_no_app() -> None:
    into_apps = {
        f"{i.source}:{i.line} {i.module}"
        for i in imports()
        if part_of(i.source) in PLAIN and i.part in APPS
    }
    assert into_apps == set()


def test_no_import_hides_in_a_function() -> None:
    hidden = {
        f"{i.source}:{i.line} {i.module}"
        for i in imports()
        if i.local
        and i.module not in LAZY
        # Django's place for wiring an app to others once everything is loaded.
        and not i.source.endswith("/apps.py")
        and (i.source, i.module) not in AT_RUN_TIME
    }
    assert hidden == set()
