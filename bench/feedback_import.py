"""How long `vocloop import` takes for a large file, against a baseline measured in the same run.

The file: N rows of the demo generator's comments (a touch point's remarks in a mood),
an NPS score on most, a date over the last year and, on one row in four, the email of
one of N/10 customers. The import checks every row, writes them masked with their
customers and rollups in one transaction, and then reads every comment (sentiment, the
demo's themes, similar comments) with helper processes, as `vocloop import` does.
Targets: reading 1,000,000 comments in under five minutes on this 2-core machine, with
a progress bar and bounded memory.

Baseline, on a fresh database of the same engine right after: what a naive importer
does, reading the same file with the csv module and writing each row with
Feedback.objects.bulk_create (batches of 2,000) and nothing else: no checks, masking,
customers, rollups or reading. The ratio import-without-reading / baseline is the
figure to compare over time.

Each measurement runs in its own process on a fresh database:
    python -m bench feedback_import --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
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

PG_SERVER = os.environ.get("VOCLOOP_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
TOUCHPOINTS = ("support-desk", "invoicing", "delivery-installation", "onboarding")


def write_file(path: Path, rows: int, seed: int = 11) -> None:
    from vocloop.demo import comments as pool

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    remarks = list(pool.REMARKS)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "touch point", "nps", "comment", "email"])
        for _ in range(rows):
            mood = rng.choice(pool.SENTIMENTS)
            score = {"negative": rng.randint(0, 6), "neutral": rng.randint(6, 8)}.get(
                mood, rng.randint(8, 10)
            )
            when = now - dt.timedelta(seconds=rng.randrange(365 * 86400))
            writer.writerow(
                [
                    when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                    rng.choice(TOUCHPOINTS),
                    score if rng.random() < 0.8 else "",
                    pool.comment_compose(rng, touchpoint=rng.choice(remarks), mood=mood),
                    f"customer{rng.randrange(max(rows // 10, 1))}@example.com"
                    if rng.random() < 0.25
                    else "",
                ]
            )


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from vocloop.accounts.models import Team
    from vocloop.demo.themes import taxonomy_create
    from vocloop.listening.models import Touchpoint

    team = Team.objects.create(name="Bench", slug="bench")
    for slug in TOUCHPOINTS:
        Touchpoint.objects.create(name=slug, slug=slug, stage="support", owning_team=team)
    taxonomy_create()


def _measure(mode: str, path: Path) -> dict[str, Any]:
    _setup()
    began = time.perf_counter()
    result: dict[str, Any] = {"mode": mode}
    if mode == "import":
        from vocloop.conductor.imports import ImportSpec, feedback_import

        spec = ImportSpec(
            comment_column="comment",
            score_column="nps",
            score_type="nps",
            date_column="date",
            touchpoint_column="touch point",
            email_column="email",
            touchpoint="support-desk",
        )
        done = feedback_import(path, spec, progress=True)
        assert done.read is not None
        result.update(
            rows=done.rows,
            customers_new=done.customers_new,
            read_comments=done.read.comments,
            read_seconds=round(done.read.seconds, 1),
            read_per_s=round(done.read.comments / done.read.seconds),
            similar_groups=done.read.groups,
            helper_peak_rss_mb=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        )
    else:
        result["rows"] = _baseline(path)
    result["seconds"] = round(time.perf_counter() - began, 1)
    if mode == "import":
        result["import_seconds"] = round(result["seconds"] - result["read_seconds"], 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def _baseline(path: Path) -> int:
    from django.db import transaction
    from django.utils import timezone

    from vocloop.listening.models import Feedback, Touchpoint

    touchpoints = dict(Touchpoint.objects.values_list("slug", "pk"))
    now = timezone.now()
    count = 0
    batch: list[Feedback] = []
    with transaction.atomic(), open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for date, touchpoint, nps, comment, _email in reader:
            count += 1
            batch.append(
                Feedback(
                    reference=f"B-{count}",
                    tracking_token=f"t{count}",
                    touchpoint_id=touchpoints[touchpoint],
                    kind="feedback",
                    channel="import",
                    score_type="nps" if nps else None,
                    score=int(nps) if nps else None,
                    comment=comment,
                    occurred_at=dt.datetime.fromisoformat(date),
                    received_at=now,
                )
            )
            if len(batch) == 2000:
                Feedback.objects.bulk_create(batch)
                batch = []
        Feedback.objects.bulk_create(batch)
    return count


def _run(mode: str, path: Path, database: str) -> dict[str, Any]:
    directory = tempfile.mkdtemp(prefix="vocloop-bench-import-")
    env = {**os.environ, "VOCLOOP_DATA_DIR": directory}
    if database == "postgresql":
        name = f"vocloop_bench_import_{mode}"
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name])
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        env["VOCLOOP_DATABASE_URL"] = f"{PG_SERVER}/{name}"
    done = subprocess.run(
        [sys.executable, "-m", "bench.feedback_import", "--phase", mode, "--file", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench feedback_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--file", type=Path, help="Reuse a file written by an earlier run.")
    parser.add_argument("--phase", choices=("import", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(_measure(args.phase, args.file)))
        return
    path = args.file
    if path is None or not path.exists():
        path = path or Path(tempfile.mkdtemp(prefix="vocloop-bench-file-")) / "feedback.csv"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
        began = time.perf_counter()
        write_file(path, args.rows)
        print(f"wrote {args.rows:,} rows in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    report: dict[str, Any] = {
        "cpu": os.cpu_count(),
        "database": args.database,
        "file_mb": round(path.stat().st_size / 2**20),
    }
    report["import"] = _run("import", path, args.database)
    report["baseline"] = _run("baseline", path, args.database)
    report["import_without_reading_over_baseline"] = round(
        report["import"]["import_seconds"] / report["baseline"]["seconds"], 2
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
