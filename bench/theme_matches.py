"""What the theme phrases find in real comments: how many comments each theme gets.

Reads the complaint narratives and reviews in ../shared/data with the demo's starting
taxonomy (22 themes) and counts, per file, the comments given each theme and any
theme. Nothing is timed: this is about what the phrases match, so that a change to
matching can be judged on text nobody wrote for it.

    python -m bench theme_matches                        # counts per theme
    python -m bench theme_matches --save before.json     # keep every comment's themes
    python -m bench theme_matches --against before.json  # what changed, with examples

`--against` lists, per theme, the comments it gained and lost since the saved run,
with the words that matched (or stopped matching) for a few of them: read those
before believing a count.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.text_read import _setup, real_texts

Found = dict[str, dict[str, list[list[str]]]]  # file → comment index → [theme, phrase…]


def matches() -> tuple[Found, dict[str, int]]:
    from vocloop.demo.themes import THEMES
    from vocloop.text.themes import ThemeMatcher, ThemeRule

    matcher = ThemeMatcher(ThemeRule(t.name, t.phrases, t.parent) for t in THEMES)
    found: Found = {}
    sizes: dict[str, int] = {}
    for name, texts in real_texts().items():
        sizes[name] = len(texts)
        found[name] = {
            str(i): [[theme, *m.phrases] for theme, m in sorted(matcher.match(text).items())]
            for i, text in enumerate(texts)
        }
    return found, sizes


def counts(found: Found, sizes: dict[str, int]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for name, by_comment in found.items():
        per_theme = Counter(theme for themes in by_comment.values() for theme, *_ in themes)
        with_any = sum(1 for themes in by_comment.values() if themes)
        report[name] = {
            "comments": sizes[name],
            "with_a_theme": with_any,
            "themes": dict(sorted(per_theme.items(), key=lambda kv: (-kv[1], kv[0]))),
        }
    return report


def _excerpt(text: str, phrases: list[str], width: int = 60) -> str:
    """The text around the first word of a phrase, for a person to judge the match."""
    for phrase in phrases:
        first = phrase.split()[0].split("-")[0]
        hit = re.search(rf"\w*{re.escape(first[:4])}\w*", text, re.IGNORECASE)
        if hit:
            start = max(0, hit.start() - width)
            return " ".join(text[start : hit.end() + width].split())
    return " ".join(text[: 2 * width].split())


def changes(before: Found, after: Found, examples: int) -> dict[str, Any]:
    texts = real_texts()
    report: dict[str, Any] = {}
    for name, now in after.items():
        per_theme: dict[str, dict[str, Any]] = {}
        for i, themes in now.items():
            was = {t[0]: t[1:] for t in before.get(name, {}).get(i, [])}
            got = {t[0]: t[1:] for t in themes}
            for theme in set(was) | set(got):
                if (theme in was) == (theme in got):
                    continue
                side = "gained" if theme in got else "lost"
                entry = per_theme.setdefault(theme, {"gained": [], "lost": []})
                phrases = got.get(theme) or was.get(theme) or []
                entry[side].append((int(i), phrases))
        report[name] = {
            theme: {side: len(rows) for side, rows in entry.items() if rows}
            | {
                f"{side} e.g.": [
                    f"#{i} [{', '.join(p) or 'via a sub-theme'}] …{_excerpt(texts[name][i], p)}…"
                    for i, p in rows[:examples]
                ]
                for side, rows in entry.items()
                if rows
            }
            for theme, entry in sorted(per_theme.items())
        }
    return report


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench theme_matches", description=__doc__)
    parser.add_argument("--save", type=Path, help="Write every comment's themes to this file.")
    parser.add_argument("--against", type=Path, help="Compare with a file written by --save.")
    parser.add_argument("--examples", type=int, default=5, help="Examples per theme and side.")
    args = parser.parse_args(argv)
    _setup()
    found, sizes = matches()
    report: dict[str, Any] = {"counts": counts(found, sizes)}
    if args.save:
        args.save.write_text(json.dumps(found))
    if args.against:
        report["changes"] = changes(json.loads(args.against.read_text()), found, args.examples)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
