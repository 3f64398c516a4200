"""How fast dashboards read metrics from the rollups, against one SQL query over the raw rows.

The sentiment figures (negative comments, mean sentiment) are timed in the same run
against NPS: the API by week, and each one's metric page, with the raw baseline one
GROUP BY week over insights_commenttext.

Target (issue 4): with a million responses (`vocloop demo --responses 1000000`), the
staff overview (/staff/dashboards/) and `GET /api/v1/metrics/nps?by=week` answer in
under 150 ms (median, server time) on SQLite and PostgreSQL, at least 20 times faster
than the same figures computed by one aggregate SQL query over the raw rows in the
same run, and the serving process stays under 300 MB.

Measured in one fresh process per database, with django.test.Client: the server
time of each request from its Server-Timing header (vocloop's outermost middleware
times everything inside: the other middleware, authentication, the view, rendering
JSON or HTML), the first request, then the median of --repeat warm requests; the
client's round trip through the test client (building the request, reading the
answer) is printed beside it. Baselines, warm too, median of --repeat:
- NPS by week over the API's default 90 days: promoters, detractors and n per ISO
  week in one GROUP BY over listening_feedback;
- the overview: every figure it shows, per week over its 26 weeks and the 26 weeks
  before (each figure is compared with them): feedback (responses, complaints, NPS,
  CSAT, CES) in one GROUP BY over listening_feedback, case handling (acknowledged
  and resolved, with and within their SLA, and the mean durations — cheaper than
  the medians the rollups give) in one over cases_case, the customers' verdicts in
  one over cases_caseevent, and the open and overdue cases now.
PostgreSQL is VACUUM ANALYZEd first, as its autovacuum would have done on a running server.
`metrics_by_period` (every metric, 26 weeks), which the overview reads through, is
timed alone as well, so a figure exists before the page does.

Building the million-response demo takes minutes per database; --data-dir keeps it
(`sqlite/` inside, and the PostgreSQL database --pg-database) for later runs:
    python -m bench metrics_read --data-dir /var/tmp/vocloop-bench --database sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.demo_load import PG_SERVER, _postgres

DEFAULT_DIR = os.environ.get("VOCLOOP_BENCH_METRICS_DIR", "/var/tmp/vocloop-bench-metrics")
OVERVIEW_WEEKS = 26


def _timed(run: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    """(first call, the following `repeat` calls) in seconds."""
    began = time.perf_counter()
    run()
    first = time.perf_counter() - began
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return first, times


def _server_seconds(answer: Any) -> float:
    """The server's own time for a request, from its Server-Timing header (app;dur=ms):
    what the target is about, without the test client's building and reading."""
    timing = answer["Server-Timing"]
    return float(timing.partition("dur=")[2]) / 1000


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Raw baselines -------------------------------------------------------------------


def _week_sql(column: str) -> str:
    """The Monday of a timestamp's ISO week, in UTC (the demo's and the default time zone)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"date_trunc('week', {column} AT TIME ZONE 'UTC')::date"
    return (
        f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7) || ' days')"
    )


def _bounds(date_from: Any, date_to: Any) -> tuple[Any, Any]:
    """[first midnight, last midnight) in UTC, as the database compares its timestamps."""
    import datetime as dt

    from django.db import connection

    start = dt.datetime.combine(date_from, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return (
        connection.ops.adapt_datetimefield_value(start),
        connection.ops.adapt_datetimefield_value(end),
    )


def _raw(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _raw_nps_by_week(date_from: Any, date_to: Any) -> list[tuple[Any, ...]]:
    week = _week_sql("occurred_at")
    sql = (
        f"SELECT {week} AS week, SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END), COUNT(*) "
        "FROM listening_feedback WHERE score_type = 'nps' AND score IS NOT NULL "
        "AND occurred_at >= %s AND occurred_at < %s GROUP BY week ORDER BY week"
    )
    return _raw(sql, list(_bounds(date_from, date_to)))


def _raw_sentiment_by_week(date_from: Any, date_to: Any) -> list[tuple[Any, ...]]:
    """The sentiment figures by week from the comments read: n, negatives, sum, sum of
    squares per ISO week (CommentText keeps its own day: no join needed)."""
    from django.db import connection

    week = (
        "date_trunc('week', day)::date"
        if connection.vendor == "postgresql"
        else "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')"
    )
    sql = (
        f"SELECT {week} AS week, COUNT(*), SUM(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 "
        "END), SUM(sentiment_score), SUM(sentiment_score * sentiment_score) "
        "FROM insights_commenttext WHERE day >= %s AND day <= %s GROUP BY week ORDER BY week"
    )
    return _raw(sql, [date_from.isoformat(), date_to.isoformat()])


def _raw_overview(date_from: Any, date_to: Any) -> list[tuple[Any, ...]]:
    """Every figure the overview shows, from the raw rows: per week over its 26 weeks and
    the 26 weeks before (the span each figure is compared with), the customers'
    verdicts, and the open and overdue cases now."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    days = (date_to - date_from).days + 1
    bounds = list(_bounds(date_from - dt.timedelta(days=days), date_to))
    week = _week_sql("occurred_at")

    def n(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    complaint = "kind = 'complaint'"
    nps, csat, ces = "score_type = 'nps'", "score_type = 'csat'", "score_type = 'ces'"
    ces_score = f"CASE WHEN {ces} THEN score ELSE 0 END"
    feedback = (
        f"SELECT {week} AS week, COUNT(*), {n(complaint)}, "
        f"{n(f'{nps} AND score >= 9')}, {n(f'{nps} AND score <= 6')}, "
        f"{n(f'{nps} AND score IS NOT NULL')}, {n(f'{csat} AND score >= 4')}, "
        f"{n(f'{csat} AND score IS NOT NULL')}, {n(f'{ces} AND score IS NOT NULL')}, "
        f"SUM({ces_score}), SUM({ces_score} * {ces_score}), {n(f'{ces} AND score >= 5')} "
        "FROM listening_feedback WHERE occurred_at >= %s AND occurred_at < %s "
        "GROUP BY week ORDER BY week"
    )
    acknowledged, resolved = _week_sql("acknowledged_at"), _week_sql("resolved_at")
    cases = (
        f"SELECT 'acknowledged', {acknowledged} AS week, COUNT(*), "
        f"{n('acknowledged_within_sla IS NOT NULL')}, {n('acknowledged_within_sla')}, "
        "AVG(business_seconds_to_acknowledge) FROM cases_case "
        "WHERE acknowledged_at >= %s AND acknowledged_at < %s GROUP BY week "
        f"UNION ALL SELECT 'resolved', {resolved} AS week, COUNT(*), "
        f"{n('resolved_within_sla IS NOT NULL')}, {n('resolved_within_sla')}, "
        "AVG(business_seconds_to_resolve) FROM cases_case "
        "WHERE resolved_at >= %s AND resolved_at < %s GROUP BY week"
    )
    satisfied = (
        "(data->>'satisfied')::boolean"
        if connection.vendor == "postgresql"
        else "json_extract(data, '$.satisfied')"
    )
    verdicts = (
        f"SELECT {_week_sql('created_at')} AS week, COUNT(*), {n(satisfied)} "
        "FROM cases_caseevent WHERE kind = 'satisfaction' "
        "AND created_at >= %s AND created_at < %s GROUP BY week"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    backlog = (
        "SELECT COUNT(*), SUM(CASE WHEN status <> 'waiting_on_customer' AND ("
        "(acknowledged_at IS NULL AND acknowledge_by < %s) OR "
        "(acknowledged_at IS NOT NULL AND resolve_by < %s)) THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'waiting_on_customer' THEN 1 ELSE 0 END) FROM cases_case "
        "WHERE status IN ('new', 'acknowledged', 'waiting_on_customer')"
    )
    return (
        _raw(feedback, bounds)
        + _raw(cases, bounds + bounds)
        + _raw(verdicts, bounds)
        + _raw(backlog, [now, now])
    )


# The measuring child ---------------------------------------------------------------


def _measure(repeat: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    django.setup()
    import datetime as dt

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from vocloop.accounts.models import ApiScope
    from vocloop.accounts.services import api_token_create
    from vocloop.listening.models import Feedback
    from vocloop.metrics.rollups import day_of
    from vocloop.metrics.selectors import METRICS, Scope, metrics_by_period

    if connection.vendor == "postgresql":
        # Planner statistics and the visibility map, as a running server's autovacuum
        # keeps them: a freshly loaded database has neither, raw or rollup. (SQLite has
        # no statistics unless ANALYZE is run by hand, which vocloop does not do; it
        # makes the raw queries slower.)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    setup_rss = _peak_rss_mb()
    result: dict[str, Any] = {
        "database": connection.vendor,
        "responses": Feedback.objects.count(),
        "repeat": repeat,
    }
    from vocloop.cases.models import Case

    result["cases"] = Case.objects.count()
    _, secret = api_token_create(name=f"bench-{os.getpid()}", scopes=[ApiScope.METRICS_READ])
    # 127.0.0.1: a host the settings allow (not the test runner's "testserver").
    api = Client(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Bearer {secret}"})
    today = day_of(timezone.now())

    api_server: list[float] = []

    def nps_api() -> Any:
        answer = api.get("/api/v1/metrics/nps", {"by": "week"})
        assert answer.status_code == 200, answer.content[:500]
        api_server.append(_server_seconds(answer))
        return answer.json()

    _, times = _timed(nps_api, repeat)
    server_first, server_times = api_server[0], api_server[1:]
    body = nps_api()
    date_from, date_to = dt.date.fromisoformat(body["from"]), dt.date.fromisoformat(body["to"])
    raw_first, raw_times = _timed(lambda: _raw_nps_by_week(date_from, date_to), repeat)
    # The baseline answers the same question: the same n in every week.
    raw_n = {str(row[0])[:10]: int(row[3]) for row in _raw_nps_by_week(date_from, date_to)}
    api_n = {g["key"]: g["n"] for g in body["groups"]}
    result["nps"] = {
        "first": server_first,
        "median": statistics.median(server_times),
        "client_median": statistics.median(times),
        "raw_first": raw_first,
        "raw_median": statistics.median(raw_times),
        "weeks": len(api_n),
        "n": sum(api_n.values()),
        "same_as_raw": raw_n == api_n,
    }

    # The sentiment figure against NPS, in the same process and database: the API by week
    # over its default 90 days, and the metric page (chart, table, 26 weeks).
    sentiment_server: list[float] = []

    def sentiment_api() -> Any:
        answer = api.get("/api/v1/metrics/sentiment", {"by": "week"})
        assert answer.status_code == 200, answer.content[:500]
        sentiment_server.append(_server_seconds(answer))
        return answer.json()

    _timed(sentiment_api, repeat)
    body = sentiment_api()
    raw_first, raw_times = _timed(lambda: _raw_sentiment_by_week(date_from, date_to), repeat)
    raw_n = {str(row[0])[:10]: int(row[1]) for row in _raw_sentiment_by_week(date_from, date_to)}
    api_n = {g["key"]: g["n"] for g in body["groups"]}
    result["sentiment"] = {
        "first": sentiment_server[0],
        "median": statistics.median(sentiment_server[1:-1]),
        "raw_median": statistics.median(raw_times),
        "n": sum(api_n.values()),
        "same_as_raw": raw_n == api_n,
    }
    from vocloop.insights.models import CommentText

    result["comments"] = CommentText.objects.count()
    pages: dict[str, Any] = {}
    manager = Client(SERVER_NAME="127.0.0.1")
    manager.force_login(User.objects.get(username="manager"))
    for name in ("nps", "sentiment", "negative_comments"):
        served: list[float] = []

        def metric_page(name: str = name, served: list[float] = served) -> None:
            answer = manager.get(reverse("dashboards:metric", args=[name]))
            assert answer.status_code == 200, answer.status_code
            served.append(_server_seconds(answer))

        _timed(metric_page, repeat)
        pages[name] = {"first": served[0], "median": statistics.median(served[1:])}
    result["metric_pages"] = pages

    monday = today - dt.timedelta(days=today.weekday())
    overview_from = monday - dt.timedelta(weeks=OVERVIEW_WEEKS - 1)
    scope = Scope(date_from=overview_from, date_to=today)
    every = list(METRICS.values())
    fn_first, fn_times = _timed(lambda: metrics_by_period(every, scope), repeat)
    raw_first, raw_times = _timed(lambda: _raw_overview(overview_from, today), repeat)
    result["overview_raw"] = {"first": raw_first, "median": statistics.median(raw_times)}
    result["metrics_by_period"] = {"first": fn_first, "median": statistics.median(fn_times)}
    try:
        url = reverse("dashboards:overview")
    except (NoReverseMatch, ImportError) as missing:
        result["page"] = {"skipped": f"dashboards:overview does not resolve yet ({missing})"}
    else:
        staff = Client(SERVER_NAME="127.0.0.1")
        staff.force_login(User.objects.get(username="manager"))

        page_server: list[float] = []

        def page() -> None:
            answer = staff.get(url)
            assert answer.status_code == 200, answer.status_code
            page_server.append(_server_seconds(answer))

        _, page_times = _timed(page, repeat)
        result["page"] = {
            "url": url,
            "first": page_server[0],
            "median": statistics.median(page_server[1:]),
            "client_median": statistics.median(page_times),
        }
        # What the sentiment tiles add: the overview with and without them, alternating.
        from vocloop.dashboards import views

        shown = views.OVERVIEW_METRICS
        fewer = tuple(n for n in shown if n not in ("negative_comments", "sentiment"))
        paired: dict[tuple[str, ...], list[float]] = {shown: [], fewer: []}
        for _ in range(repeat):
            for names, served in paired.items():
                views.OVERVIEW_METRICS = names
                page_server.clear()
                page()
                served.append(page_server[0])
        views.OVERVIEW_METRICS = shown
        result["page"]["with_sentiment"] = statistics.median(paired[shown])
        result["page"]["without_sentiment"] = statistics.median(paired[fewer])
    result["rss_after_setup_mb"] = setup_rss
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


# The driver ------------------------------------------------------------------------


def _env(engine: str, data_dir: Path, pg_database: str) -> dict[str, str]:
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(data_dir / engine)}
    (data_dir / engine).mkdir(parents=True, exist_ok=True)
    env["VOCLOOP_DATABASE_URL"] = "" if engine == "sqlite" else f"{PG_SERVER}/{pg_database}"
    return env


def _loaded(env: dict[str, str]) -> bool:
    probe = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'vocloop.settings'); "
        "django.setup(); from vocloop.demo.loader import demo_is_loaded; "
        "print(demo_is_loaded())"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip().endswith("True")


def _prepare(
    engine: str, responses: int, data_dir: Path, pg_database: str, reuse: bool
) -> dict[str, str]:
    """A database holding the demo: reused when asked and present, else loaded afresh."""
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [pg_database]
            ).fetchone()
        if not exists:
            _postgres(f"CREATE DATABASE {pg_database}")
    env = _env(engine, data_dir, pg_database)
    vocloop = [sys.executable, "-m", "vocloop"]
    if reuse and _loaded(env):
        print(f"  {engine}: reusing the demo in {env['VOCLOOP_DATA_DIR']}", file=sys.stderr)
        subprocess.run([*vocloop, "migrate", "--no-input", "-v", "0"], env=env, check=True)
        return env
    print(f"  {engine}: loading {responses:,} responses (minutes)…", file=sys.stderr)
    subprocess.run(
        ["nice", *vocloop, "demo", "--reset", "--responses", str(responses), "--no-serve"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return env


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _report(r: dict[str, Any]) -> None:
    nps = r["nps"]
    print(
        f"  {r['database']:<10} {r['responses']:,} responses, {r['cases']:,} cases; "
        f"peak RSS {r['peak_rss_mb']:.0f} MB (after setup {r['rss_after_setup_mb']:.0f} MB)"
    )
    same = "same n per week as raw" if nps["same_as_raw"] else "DIFFERENT n per week from raw"
    print(
        f"    GET /api/v1/metrics/nps?by=week  median {_ms(nps['median'])} (first "
        f"{_ms(nps['first'])}, client {_ms(nps['client_median'])})  "
        f"raw SQL median {_ms(nps['raw_median'])}  "
        f"ratio {nps['raw_median'] / nps['median']:6.1f}  ({nps['weeks']} weeks, n {nps['n']:,}, "
        f"{same})"
    )
    raw = r["overview_raw"]["median"]
    fn = r["metrics_by_period"]
    print(
        f"    metrics_by_period(all {OVERVIEW_WEEKS} weeks)  median {_ms(fn['median'])} (first "
        f"{_ms(fn['first'])})  raw SQL median {_ms(raw)}  ratio {raw / fn['median']:6.1f}"
    )
    sentiment = r["sentiment"]
    same = "same n per week as raw" if sentiment["same_as_raw"] else "DIFFERENT n from raw"
    print(
        f"    GET /api/v1/metrics/sentiment?by=week  median {_ms(sentiment['median'])} (first "
        f"{_ms(sentiment['first'])})  raw SQL median {_ms(sentiment['raw_median'])}  "
        f"ratio {sentiment['raw_median'] / sentiment['median']:6.1f}  against NPS "
        f"{sentiment['median'] / nps['median']:4.2f}×  (n {sentiment['n']:,} of "
        f"{r['comments']:,} comments read, {same})"
    )
    pages = r["metric_pages"]
    for name in ("nps", "sentiment", "negative_comments"):
        p = pages[name]
        print(
            f"    GET /staff/dashboards/metrics/{name}/  median {_ms(p['median'])} (first "
            f"{_ms(p['first'])})  against NPS {p['median'] / pages['nps']['median']:4.2f}×"
        )
    page = r["page"]
    if "skipped" in page:
        print(f"    GET /staff/dashboards/  SKIPPED: {page['skipped']}")
    else:
        print(
            f"    GET {page['url']}  median {_ms(page['median'])} (first {_ms(page['first'])}, "
            f"client {_ms(page['client_median'])})  raw SQL median {_ms(raw)}  "
            f"ratio {raw / page['median']:6.1f}"
        )
        print(
            f"    the overview alternating with and without its sentiment tiles: "
            f"{_ms(page['with_sentiment'])} and {_ms(page['without_sentiment'])}"
        )


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30, help="Warm requests (default: 30).")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(DEFAULT_DIR),
        help="Where the demo databases live (default: %(default)s).",
    )
    parser.add_argument(
        "--pg-database", default="vocloop_bench_metrics", help="Default: %(default)s."
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Reuse a demo already loaded in --data-dir."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(args.repeat)))
        return []
    engines = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"metrics read, {args.responses:,}-response demo, {args.repeat} warm requests")
    rows = []
    for engine in engines:  # one at a time: loading and measuring share the machine
        env = _prepare(engine, args.responses, args.data_dir, args.pg_database, args.reuse)
        done = subprocess.run(
            [sys.executable, "-m", "bench.metrics_read", "--child", "--repeat", str(args.repeat)],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            done.check_returncode()
        result = json.loads(done.stdout.strip().splitlines()[-1])
        _report(result)
        rows.append(result)
    return rows


if __name__ == "__main__":
    main()
