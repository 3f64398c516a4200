"""How fast vocloop reads comments: on one core, and in bulk after a large import.

Two measurements:

1. Throughput on one core, in this process: `Reader.read_many` (masking, sentiment,
   themes by the demo's starting taxonomy, similarity signature) over comments of
   the demo's generator, and over the real reviews and complaint narratives in
   ../shared/data when present. The baseline, measured in the same run on the same
   texts, is plain VADER compound on the whole text: the ratio says what the whole
   reading costs over the cheapest sentiment there is. Target: ≥ 5,000 comments/s.

2. Bulk reading after an import (`--responses N`): a fresh database is loaded with
   the demo's N responses without reading them (one process), then every comment is
   read by `comments_read_bulk`, as `vocloop themes read` does, in a second process,
   so that its peak memory is its own. Target: 1,000,000 comments in under 5 minutes
   with bounded memory.

    python -m bench text_read --comments 50000
    python -m bench text_read --responses 1710000 --data-dir /tmp/bench-text
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    django.setup()


def demo_comments(count: int, seed: int = 7) -> list[str]:
    from vocloop.demo import comments as pool

    rng = random.Random(seed)
    touchpoints = list(pool.REMARKS)
    return [
        pool.comment_compose(
            rng,
            touchpoint=rng.choice(touchpoints),
            mood=rng.choice(pool.SENTIMENTS),
            complaint=rng.random() < 0.1,
        )
        for _ in range(count)
    ]


def real_texts() -> dict[str, list[str]]:
    found = {}
    for name, column in (
        ("skytrax-seat-reviews.csv", "content"),
        ("skytrax-lounge-reviews.csv", "content"),
        ("cfpb-complaints-2019-2020.csv", "Consumer complaint narrative"),
    ):
        path = DATA / name
        if path.exists():
            with path.open(newline="", encoding="utf-8") as f:
                found[name] = [r[column] for r in csv.DictReader(f) if r.get(column, "").strip()]
    return found


def throughput(texts: list[str]) -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from vocloop.demo.themes import THEMES
    from vocloop.text import masking, sentiment, similarity
    from vocloop.text.reading import Reader
    from vocloop.text.themes import ThemeMatcher, ThemeRule

    matcher = ThemeMatcher(ThemeRule(t.name, t.phrases, t.parent) for t in THEMES)
    reader = Reader(matcher)
    vader = SentimentIntensityAnalyzer()

    def rate(run: Any) -> float:
        began = time.perf_counter()
        run()
        return len(texts) / (time.perf_counter() - began)

    def read_all() -> None:
        for start in range(0, len(texts), 2000):
            reader.read_many(texts[start : start + 2000])

    baseline = rate(lambda: [vader.polarity_scores(t) for t in texts])
    whole = rate(read_all)
    return {
        "comments": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "read_per_s": round(whole),
        "vader_per_s": round(baseline),
        "ratio_read_over_vader_time": round(baseline / whole, 2),
        "stages_per_s": {
            "masking": round(rate(lambda: [masking.mask(t) for t in texts])),
            "sentiment": round(rate(lambda: [sentiment.sentiment(t) for t in texts])),
            "themes": round(rate(lambda: [matcher.match(t) for t in texts])),
            "signature": round(rate(lambda: [similarity.signature(t) for t in texts])),
        },
    }


def _phase(phase: str, responses: int) -> dict[str, Any]:
    _setup()
    from django.core.management import call_command

    if phase == "load":
        call_command("migrate", verbosity=0)
        from vocloop.demo.loader import demo_load

        began = time.perf_counter()
        demo_load(responses=responses, read_comments=False, progress=True)
        return {"phase": phase, "seconds": round(time.perf_counter() - began, 1)}
    from vocloop.insights.bulk import comments_read_bulk
    from vocloop.insights.models import CommentText, CommentTheme, SimilarGroup

    # A rerun on the same database starts from nothing read, as after an import.
    CommentTheme.objects.all().delete()
    CommentText.objects.all().delete()
    SimilarGroup.objects.all().delete()
    result = comments_read_bulk(progress=True)
    return {
        "phase": phase,
        "comments": result.comments,
        "themes": result.themes,
        "groups": result.groups,
        "seconds": round(result.seconds, 1),
        "per_s": round(result.comments / result.seconds) if result.seconds else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # The helper process that read while this one wrote (none below PARALLEL_FROM).
        "helper_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def bulk(responses: int, data_dir: str | None, database: str, reuse: bool) -> list[dict[str, Any]]:
    directory = data_dir or tempfile.mkdtemp(prefix="vocloop-bench-text-")
    env = {**os.environ, "VOCLOOP_DATA_DIR": directory}
    if database == "postgresql":
        name = "vocloop_bench_text"
        if not reuse:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name])
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        env["VOCLOOP_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    results = []
    phases = ("read",) if reuse else ("load", "read")
    for phase in phases:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.text_read",
                "--phase",
                phase,
                "--responses",
                str(responses),
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench text_read", description=__doc__)
    parser.add_argument("--comments", type=int, default=50000, help="Demo comments for (1).")
    parser.add_argument("--responses", type=int, default=0, help="Demo responses for (2).")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the database loaded by an earlier run (--data-dir) and only time the "
        "reading again, after forgetting what was read.",
    )
    parser.add_argument("--phase", choices=("load", "read"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(_phase(args.phase, args.responses)))
        return
    _setup()
    report: dict[str, Any] = {"cpu": os.cpu_count()}
    if args.comments:
        report["demo"] = throughput(demo_comments(args.comments))
        for name, texts in real_texts().items():
            report[name] = throughput(texts)
    if args.responses:
        report["bulk"] = bulk(args.responses, args.data_dir, args.database, args.reuse)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
