"""How long the escalation sweep takes over 100,000 open cases, against an indexed count.

Target (issue 3): the sweep finds and escalates the breached cases among 100,000 open
ones in under a second, through an index rather than by reading every case.
Baseline, in the same run and database: the plain indexed count of breached cases —
the least any sweep must do to find them. Reported: the first sweep (it escalates
every breached case: an Escalation row and a timeline entry each), the second one
a minute later (nothing new to do: the steady state of a worker sweeping every
minute), and the baseline.

    python -m bench.escalation_sweep --cases 100000 --breached 1000 --database sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.demo_load import PG_DATABASE, _fresh_database, _postgres


def _measure(cases: int, breached: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    django.setup()
    import datetime as dt

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from vocloop.accounts.models import Team
    from vocloop.cases.escalation import escalation_sweep
    from vocloop.cases.models import OPEN_STATUSES, Case
    from vocloop.listening.models import Touchpoint
    from vocloop.slas.models import SlaPolicy

    call_command("migrate", verbosity=0)
    lead = User.objects.create(username="lead", email="lead@example.com")  # told by email
    team = Team.objects.create(name="Desk", slug="desk", lead=lead)
    desk = Touchpoint.objects.create(name="Desk", slug="desk", stage="support", owning_team=team)
    policy = SlaPolicy.objects.get(severity="normal")
    now = timezone.now()
    rows = []
    for i in range(cases):
        late = i % (cases // breached) == 0 if breached else False
        rows.append(
            Case(
                reference=f"VL-1999-{i:06d}",
                touchpoint=desk,
                team=team,
                status="new",
                opened_at=now - dt.timedelta(days=2),
                sla_policy=policy,
                acknowledge_by=now - dt.timedelta(minutes=5)
                if late
                else now + dt.timedelta(days=1),
                resolve_by=now + dt.timedelta(days=5),
            )
        )
    Case.objects.bulk_create(rows, batch_size=5000)
    open_breached = Case.objects.filter(
        status__in=OPEN_STATUSES, acknowledged_at__isnull=True, acknowledge_by__lte=now
    )

    def timed(run: Any) -> tuple[float, Any]:
        began = time.perf_counter()
        result = run()
        return time.perf_counter() - began, result

    counts = [timed(open_breached.count) for _ in range(5)]
    baseline = sorted(seconds for seconds, _ in counts)[2]
    first, escalated = timed(lambda: escalation_sweep(now=now))
    from vocloop.notifications.models import OutboxMessage

    queued = OutboxMessage.objects.count()
    steady = sorted(timed(lambda: escalation_sweep(now=now))[0] for _ in range(5))[2]
    return {
        "cases": cases,
        "breached": counts[0][1],
        "escalated": escalated,
        "emails_queued": queued,
        "first_sweep": first,
        "steady_sweep": steady,
        "count_query": baseline,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--breached", type=int, default=1_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(args.cases, args.breached)))
        return
    engines = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"escalation sweep over {args.cases:,} open cases, {args.breached:,} breached")
    for engine in engines:
        with tempfile.TemporaryDirectory() as data_dir:
            env = _fresh_database(engine, data_dir)
            command = [sys.executable, "-m", "bench.escalation_sweep", "--child"]
            try:
                done = subprocess.run(
                    [*command, "--cases", str(args.cases), "--breached", str(args.breached)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
            finally:
                if engine == "postgresql":
                    _postgres(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        first = f"first sweep {r['first_sweep'] * 1000:7.1f} ms"
        did = f"({r['escalated']:,} escalated, {r['emails_queued']:,} emails queued)"
        steady = f"steady sweep {r['steady_sweep'] * 1000:6.1f} ms"
        count = f"indexed count {r['count_query'] * 1000:6.1f} ms"
        ratio = f"ratio steady/count {r['steady_sweep'] / r['count_query']:5.1f}"
        print(f"  {engine:<10} {first} {did}   {steady}   {count}   {ratio}")


if __name__ == "__main__":
    main()
