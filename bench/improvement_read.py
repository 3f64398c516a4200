"""How fast an action's check and the objectives page answer, against the same figures raw.

Target (issue 14): with the million-response demo, an action's check and the objectives
page answer in under 150 ms (server time), at least 20 times faster than the same
figures computed from the raw rows in the same run.

Measured in one fresh process, with django.test.Client as the quality manager: the
server time of each request from its Server-Timing header, the first request, then the
median of --repeat warm ones; `improvement.check.action_check` is timed alone too.
The action is the demo programme's check on its planted deterioration (CES at
Delivery & installation, before and after the booking fix); the objectives page shows
every objective of the programme with its computed status. Baselines, warm, median of
--repeat, with the ORM over listening_feedback (the figures the rollups give, over
the same windows, checked to give the same n):
- the check: the metric's n, sum and sum of squares in the scope and in the whole
  organisation, before and after the change, and the scope's answers per day after it
  (when the planned sample was complete);
- the objectives page: for every objective, its metric per ISO week over the 26 weeks
  of its series (the current eight weeks are the last of them) and over its baseline.

The demo programme is created in the measured database when it has none (a demo loaded
before the programme existed). Building the million-response demo takes minutes:
    python -m bench improvement_read --data-dir /var/tmp/vocloop-bench --reuse
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.metrics_read import DEFAULT_DIR, _peak_rss_mb, _prepare, _server_seconds, _timed

SERIES_WEEKS = 26  # improvement/status.py's series and current interval
CURRENT_WEEKS = 8


def _feedback_filter(measured: Any, first: Any, last: Any, *, whole: bool = False) -> Any:
    """The raw rows of a metric's scope (or the whole organisation) over inclusive days."""
    from django.db.models import Q

    from vocloop.lib.days import vocloop_zone
    from vocloop.metrics.catalogue import METRICS

    metric = METRICS[measured.metric]
    # Bounds on the timestamp itself (an index can serve them), midnight to midnight in
    # vocloop's time zone, the days the rollups count on.
    zone = vocloop_zone()
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    q = Q(occurred_at__gte=start, occurred_at__lt=end)
    if metric.name in ("csat", "ces", "nps"):
        q &= Q(score_type=metric.name, score__isnull=False)
    if not whole:
        if measured.touchpoint_id:
            q &= Q(touchpoint_id=measured.touchpoint_id)
        if measured.stage:
            q &= Q(touchpoint__stage=measured.stage)
        if measured.channel:
            q &= Q(channel=measured.channel)
        if measured.segment:
            q &= Q(segment=measured.segment)
    return q


def _aggregates(metric: str) -> dict[str, Any]:
    """What each metric of the programme counts, as ORM aggregates of feedback rows."""
    from django.db.models import Count, F, Q, Sum

    if metric == "ces":
        return {"n": Count("id"), "sum": Sum("score"), "squares": Sum(F("score") * F("score"))}
    if metric == "csat":
        return {"n": Count("id"), "successes": Count("id", filter=Q(score__gte=4))}
    if metric == "nps":
        return {
            "n": Count("id"),
            "promoters": Count("id", filter=Q(score__gte=9)),
            "detractors": Count("id", filter=Q(score__lte=6)),
        }
    if metric == "complaint_rate":
        return {"n": Count("id"), "successes": Count("id", filter=Q(kind="complaint"))}
    raise ValueError(f"no raw baseline for {metric}")


def _raw_check(action: Any, before: Any, after: Any) -> dict[str, Any]:
    """The check's figures from the raw rows: scope and organisation, before and after,
    and the scope's answers per day after the change."""
    from django.db.models.functions import TruncDate

    from vocloop.listening.models import Feedback

    sums = _aggregates(action.metric)
    out: dict[str, Any] = {}
    for name, window in (("before", before), ("after", after)):
        for whole in (False, True):
            rows = Feedback.objects.filter(
                _feedback_filter(action, window.first, window.last, whole=whole)
            )
            out[f"{'org' if whole else 'scope'}_{name}"] = rows.aggregate(**sums)
    daily = (
        Feedback.objects.filter(_feedback_filter(action, after.first, after.last))
        .annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(**sums)
        .order_by("day")
    )
    out["daily"] = list(daily)
    return out


def _raw_objectives(objectives: list[Any], today: Any) -> list[dict[str, Any]]:
    """Every objective's series by week over its 26 weeks, and its baseline, from raw rows."""
    from django.db.models.functions import TruncWeek

    from vocloop.lib.days import day_of
    from vocloop.listening.models import Feedback

    last = today - dt.timedelta(days=today.weekday() + 1)
    first = last - dt.timedelta(weeks=SERIES_WEEKS) + dt.timedelta(days=1)
    out = []
    for o in objectives:
        sums = _aggregates(o.metric)
        weeks = list(
            Feedback.objects.filter(_feedback_filter(o, first, last))
            .annotate(week=TruncWeek("occurred_at"))
            .values("week")
            .annotate(**sums)
            .order_by("week")
        )
        baseline = Feedback.objects.filter(
            _feedback_filter(o, o.baseline_from, o.baseline_to)
        ).aggregate(**sums)
        current_from = last - dt.timedelta(weeks=CURRENT_WEEKS) + dt.timedelta(days=1)
        current_n = sum(w["n"] for w in weeks if day_of(w["week"]) >= current_from)
        out.append({"weeks": weeks, "baseline": baseline, "current_n": current_n})
    return out


def _measure(repeat: int) -> dict[str, Any]:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.db.models import Max
    from django.test import Client
    from django.utils import timezone

    from vocloop.cases.models import Case
    from vocloop.demo.organisation import DETERIORATING
    from vocloop.demo.programme import programme_create
    from vocloop.improvement.check import action_check
    from vocloop.improvement.models import Action, Objective
    from vocloop.improvement.status import objective_status
    from vocloop.lib.days import day_of
    from vocloop.listening.models import Feedback

    result: dict[str, Any] = {
        "responses": Feedback.objects.count(),
        "cases": Case.objects.count(),
        "repeat": repeat,
    }
    if not Action.objects.exists():
        # The demo's clock: the moment its last feedback arrived.
        now = Feedback.objects.aggregate(last=Max("received_at"))["last"] or timezone.now()
        programme_create(now=now)
        result["programme_created"] = True
    today = day_of(timezone.now())
    action = Action.objects.get(touchpoint__slug=DETERIORATING)
    objectives = list(Objective.objects.all())
    manager = Client(SERVER_NAME="127.0.0.1")
    manager.force_login(User.objects.get(username="manager"))

    def served(url: str) -> dict[str, float]:
        times: list[float] = []

        def get() -> None:
            answer = manager.get(url)
            assert answer.status_code == 200, answer.status_code
            times.append(_server_seconds(answer))

        _timed(get, repeat)
        return {"first": times[0], "median": statistics.median(times[1:])}

    check = action_check(action, today=today)
    fn_first, fn_times = _timed(lambda: action_check(action, today=today), repeat)
    assert check.before_window is not None and check.after_window is not None
    after = check.after_window
    # The raw baseline reads the whole after-period, as the check does before it finds
    # the day its planned sample was complete.
    from vocloop.improvement.check import windows

    spans = windows(action, today)
    assert spans is not None
    raw_first, raw_times = _timed(lambda: _raw_check(action, spans[0], spans[1]), repeat)
    raw = _raw_check(action, spans[0], spans[1])
    in_days = sum(d["n"] for d in raw["daily"] if d["day"] <= after.last)
    result["check"] = {
        "verdict": check.verdict,
        "function": {"first": fn_first, "median": statistics.median(fn_times)},
        "page": served(f"/staff/improvement/actions/{action.pk}/"),
        "raw": {"first": raw_first, "median": statistics.median(raw_times)},
        "same_as_raw": check.before is not None
        and check.after is not None
        and raw["scope_before"]["n"] == check.before.n
        and in_days == check.after.n,
        "n_before": raw["scope_before"]["n"],
        "n_after": in_days,
    }
    statuses = [objective_status(o, today=today) for o in objectives]
    raw_first, raw_times = _timed(lambda: _raw_objectives(objectives, today), repeat)
    raw_o = _raw_objectives(objectives, today)
    result["objectives"] = {
        "count": len(objectives),
        "statuses": [s.status for s in statuses],
        "page": served("/staff/improvement/objectives/"),
        "raw": {"first": raw_first, "median": statistics.median(raw_times)},
        "same_as_raw": [r["current_n"] for r in raw_o]
        == [s.projection.current.n for s in statuses],
    }
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _report(r: dict[str, Any]) -> None:
    print(
        f"  {r['responses']:,} responses, {r['cases']:,} cases; peak RSS {r['peak_rss_mb']:.0f} MB"
    )
    c, o = r["check"], r["objectives"]
    same = "same n as raw" if c["same_as_raw"] else "DIFFERENT n from raw"
    print(
        f"    action_check (verdict {c['verdict']})  median {_ms(c['function']['median'])}  "
        f"raw ORM median {_ms(c['raw']['median'])}  "
        f"ratio {c['raw']['median'] / c['function']['median']:6.1f}  "
        f"(n before {c['n_before']:,}, after {c['n_after']:,}, {same})"
    )
    print(
        f"    GET /staff/improvement/actions/<id>/  median {_ms(c['page']['median'])} "
        f"(first {_ms(c['page']['first'])})  ratio {c['raw']['median'] / c['page']['median']:6.1f}"
    )
    same = "same current n as raw" if o["same_as_raw"] else "DIFFERENT n from raw"
    print(
        f"    GET /staff/improvement/objectives/ ({o['count']} objectives: "
        f"{', '.join(o['statuses'])})  median {_ms(o['page']['median'])} "
        f"(first {_ms(o['page']['first'])})  raw ORM median {_ms(o['raw']['median'])}  "
        f"ratio {o['raw']['median'] / o['page']['median']:6.1f}  ({same})"
    )


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=30, help="Warm requests (default: 30).")
    parser.add_argument("--data-dir", type=Path, default=Path(DEFAULT_DIR))
    parser.add_argument("--pg-database", default="vocloop_bench_metrics")
    parser.add_argument("--reuse", action="store_true", help="Reuse a demo in --data-dir.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(args.repeat)))
        return []
    print(f"improvement read, {args.responses:,}-response demo, {args.repeat} warm requests")
    env = _prepare(args.database, args.responses, args.data_dir, args.pg_database, args.reuse)
    command = [sys.executable, "-m", "bench.improvement_read", "--child"]
    done = subprocess.run(
        [*command, "--repeat", str(args.repeat)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        done.check_returncode()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["database"] = args.database
    _report(result)
    return [result]


if __name__ == "__main__":
    main()
