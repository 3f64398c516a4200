"""How long `vocloop demo` takes to load, against a baseline measured in the same run.

The target: the default demo (20,000 responses) loads in under a minute, and a
million responses load with bounded memory. Wall time alone says little on a noisy
machine, so each measurement is paired with a baseline run right after it on the
same database engine: the plain ORM way of writing the same number of responses
(Feedback.objects.bulk_create, batches of 2,000) with nothing else — no customers,
cases or timelines. The ratio demo / baseline is the figure to compare over time.

Each measurement runs in its own process on a fresh database:
    python -m bench.demo_load --responses 20000 --database sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

PG_SERVER = os.environ.get("VOCLOOP_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def _measure_in_this_process(mode: str, responses: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    if mode == "demo":
        from vocloop.demo.loader import demo_load

        demo_load(responses=responses)
    else:
        _baseline(responses)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "responses": responses, "seconds": seconds, "peak_rss_mb": peak_mb}


def _baseline(responses: int) -> None:
    from django.utils import timezone

    from vocloop.accounts.models import Team
    from vocloop.listening.models import Feedback, Touchpoint

    team = Team.objects.create(name="Bench", slug="bench")
    touchpoint = Touchpoint.objects.create(
        name="Bench", slug="bench", stage="support", owning_team=team
    )
    now = timezone.now()
    batch: list[Feedback] = []
    for i in range(responses):
        batch.append(
            Feedback(
                reference=f"VL-1999-{i:06d}",
                tracking_token=f"bench-{i}",
                touchpoint=touchpoint,
                kind="survey",
                score_type="nps",
                score=i % 11,
                comment="The delivery was late and nobody told me why.",
                occurred_at=now,
                received_at=now,
            )
        )
        if len(batch) == 2000:
            Feedback.objects.bulk_create(batch)
            batch = []
    Feedback.objects.bulk_create(batch)


PG_DATABASE = f"vocloop_bench_{os.getpid()}"  # one per run: runs may overlap


def _postgres(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _fresh_database(engine: str, data_dir: str) -> dict[str, str]:
    env = {**os.environ, "VOCLOOP_DATA_DIR": data_dir}
    if engine == "sqlite":
        env["VOCLOOP_DATABASE_URL"] = ""
        return env
    _postgres(f"DROP DATABASE IF EXISTS {PG_DATABASE}", f"CREATE DATABASE {PG_DATABASE}")
    env["VOCLOOP_DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    return env


def measure(mode: str, responses: int, engine: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir:
        env = _fresh_database(engine, data_dir)
        command = [sys.executable, "-m", "bench.demo_load", "--child", mode]
        try:
            done = subprocess.run(
                [*command, "--responses", str(responses)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            if engine == "postgresql":
                _postgres(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["database"] = engine
    return result


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", choices=["demo", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure_in_this_process(args.child, args.responses)))
        return []
    engines = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    rows = []
    print(f"demo load, {args.responses:,} responses (seconds; peak RSS of the loading process)")
    for engine in engines:
        demo = measure("demo", args.responses, engine)
        base = measure("baseline", args.responses, engine)
        ratio = demo["seconds"] / base["seconds"]
        rows.append({"database": engine, "demo": demo, "baseline": base, "ratio": ratio})
        print(
            f"  {engine:<10} demo {demo['seconds']:7.1f} s  {demo['peak_rss_mb']:6.0f} MB   "
            f"baseline (bare bulk_create) {base['seconds']:7.1f} s   ratio {ratio:4.2f}"
        )
    return rows


if __name__ == "__main__":
    main()
