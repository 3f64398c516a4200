"""The front door under load: feedback taken and tracking pages served by a real `vocloop serve`.

Target (issue 16): at 50 concurrent clients, on SQLite and on PostgreSQL,
`POST /api/v1/feedback` and the public feedback form at least a third of the
throughput of a bare Django view doing one INSERT in the same run, p99 under 250 ms;
the tracking page `GET /t/<token>/` at least a third of a bare view's throughput,
p99 under 150 ms.

Per database, in a fresh data directory (PostgreSQL: a database created for the run and
dropped after it): `vocloop migrate`, one team, one touch point (the default case rule:
a detractor or a complaint opens a case) and an API token with feedback:write; then
`vocloop serve` with its default threads, and beside it the baseline, bare Django
(bench/bare_site.py) served by waitress created the same way on the same database
configuration. The background worker does not run: the tasks each feedback queues
stay queued, as they would for the moments a burst lasts.

Each request type in turn, --clients threads each with its own keep-alive connection,
as many requests as they can for --warmup seconds (not counted), then --seconds
(counted: the requests that complete within it):
- `POST /api/v1/feedback`, NPS 9 and 3 alternately (a promoter, a detractor that
  opens a case), each with its own Idempotency-Key;
- the public form, `POST /feedback/<touch point>/`, feedback and complaints
  alternately, with the CSRF token each client took from the form once;
- `GET /t/<token>/`, the tracking pages of feedback sent in the first phase;
- the baselines: bare `POST /insert/` (one INSERT) and `GET /read/<id>/` (one SELECT).
The public form's and the API's rate limits are raised for the run
(VOCLOOP_PUBLIC_RATE_LIMIT, VOCLOOP_API_RATE_LIMIT): every client here comes from
127.0.0.1, and a real burst comes from many addresses. The load clients share the
machine with the servers.

    python -m bench front_door [--database sqlite|postgresql|both] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.demo_load import PG_SERVER, _postgres

PG_DATABASE = "vocloop_bench_front_door"
RAISED_LIMIT = "100000000"
SEED = """
from vocloop.accounts.models import ApiScope, Team
from vocloop.accounts.services import api_token_create
from vocloop.listening.models import Touchpoint

team = Team.objects.create(name="Support desk", slug="desk")
Touchpoint.objects.create(name="Support desk", slug="desk", stage="support", owning_team=team)
_, secret = api_token_create(name="front-door bench", scopes=[ApiScope.FEEDBACK_WRITE])
print("seeded:", secret)
"""
# (method, path, headers, body) for the n-th request of a client.
Request = tuple[str, str, dict[str, str], bytes | None]


@dataclass
class Phase:
    name: str
    expected: int
    make: Callable[[int, int], Request]  # (client, n) -> request
    latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    keep_bodies: int = 0


def _client(
    host: str, port: int, phase: Phase, index: int, window: tuple[float, float], lock: Any
) -> None:
    """One client: requests back to back on a keep-alive connection until the window ends."""
    start, end = window
    conn = http.client.HTTPConnection(host, port, timeout=60)
    n = 0
    while (now := time.monotonic()) < end:
        method, path, headers, body = phase.make(index, n)
        n += 1
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            content = answer.read()
            status = str(answer.status)
        except (OSError, http.client.HTTPException) as failure:
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=60)
            content, status = b"", type(failure).__name__
        done = time.monotonic()
        if done < start:
            continue
        with lock:
            if done > end:
                # Sent in time, answered after the count ended: not in the throughput,
                # and said (a stalled server shows here, not as zero errors).
                phase.late.append(done - now)
                if status != str(phase.expected):
                    phase.errors[status] = phase.errors.get(status, 0) + 1
            elif status == str(phase.expected):
                phase.latencies.append(done - now)
                if len(phase.bodies) < phase.keep_bodies:
                    phase.bodies.append(content)
            else:
                phase.errors[status] = phase.errors.get(status, 0) + 1
    conn.close()


def _run(base: str, phase: Phase, clients: int, warmup: float, seconds: float) -> dict[str, Any]:
    host, _, port = base.removeprefix("http://").rstrip("/").partition(":")
    start = time.monotonic() + warmup
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    window = (start, start + seconds)
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_client, args=(host, int(port), phase, i, window, lock))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    used = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    times = sorted(phase.latencies)
    ok = len(times)
    return {
        "request": phase.name,
        "ok": ok,
        "per_second": ok / seconds,
        "p50": statistics.median(times) if times else None,
        "p99": times[min(ok - 1, int(ok * 0.99))] if times else None,
        "errors": sum(phase.errors.values()),
        "late": len(phase.late),
        "slowest_late": max(phase.late, default=None),
        "error_kinds": phase.errors,
        # The load clients' own share of a core over warm-up and count.
        "client_cpu": client_cpu / (warmup + seconds),
    }


# Servers -------------------------------------------------------------------------------


@contextmanager
def _serving(command: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """A server started with `command` until it says where it listens; its address."""
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=out, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            found = re.search(r"serving at (http://[^/\s]+)/", line)
            if found:
                break
        else:
            raise RuntimeError(f"{' '.join(command)} did not start: {log.read_text()[-2000:]}")
        yield found.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _environment(engine: str, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "VOCLOOP_DATA_DIR": str(data_dir),
        "VOCLOOP_DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}" if engine == "postgresql" else "",
        "VOCLOOP_PUBLIC_RATE_LIMIT": RAISED_LIMIT,
        "VOCLOOP_API_RATE_LIMIT": RAISED_LIMIT,
    }
    return env


def _prepare(engine: str, env: dict[str, str]) -> str:
    """A migrated database with the team, touch point and token; the token's secret."""
    if engine == "postgresql":
        _postgres(f"DROP DATABASE IF EXISTS {PG_DATABASE}", f"CREATE DATABASE {PG_DATABASE}")
    vocloop = [sys.executable, "-m", "vocloop"]
    subprocess.run([*vocloop, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    seeded = subprocess.run(
        [*vocloop, "shell", "-c", SEED], env=env, capture_output=True, text=True, check=True
    )
    [line] = [line for line in seeded.stdout.splitlines() if line.startswith("seeded:")]
    return line.split()[1]


# Requests ------------------------------------------------------------------------------


def _api_feedback(secret: str) -> Phase:
    def make(client: int, n: int) -> Request:
        promoter = n % 2 == 0
        body = {
            "touchpoint": "desk",
            "score_type": "nps",
            "score": 9 if promoter else 3,
            "comment": "Quick and friendly." if promoter else "Nobody called me back.",
        }
        headers = {
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return "POST", "/api/v1/feedback", headers, json.dumps(body).encode()

    return Phase("POST /api/v1/feedback", 201, make, keep_bodies=500)


def _form_feedback(base: str, clients: int) -> Phase:
    """The public form; each client takes its CSRF cookie and token from the form once."""
    host, _, port = base.removeprefix("http://").partition(":")
    tokens = []
    for _ in range(clients):
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("GET", "/feedback/desk/")
        answer = conn.getresponse()
        page = answer.read().decode()
        cookie = answer.getheader("Set-Cookie", "").split(";")[0]
        [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[:1]
        tokens.append((cookie, token))
        conn.close()

    def make(client: int, n: int) -> Request:
        cookie, token = tokens[client]
        kind = "feedback" if n % 2 == 0 else "complaint"
        form = (
            f"csrfmiddlewaretoken={token}&kind={kind}&comment=The+parcel+came+late+{client}-{n}"
            "&name=&email=&website="
        )
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        return "POST", "/feedback/desk/", headers, form.encode()

    return Phase("POST /feedback/<touch point>/ (form)", 302, make)


def _tracking(bodies: list[bytes]) -> Phase:
    paths = [json.loads(body)["tracking_url"].split("://", 1)[1] for body in bodies]
    paths = ["/" + p.partition("/")[2] for p in paths]

    if not paths:
        raise RuntimeError("no feedback was sent in time to read its tracking page")

    def make(client: int, n: int) -> Request:
        return "GET", paths[(client * 7 + n) % len(paths)], {}, None

    return Phase("GET /t/<token>/", 200, make)


def _bare_insert() -> Phase:
    def make(client: int, n: int) -> Request:
        body = json.dumps({"score": 9 if n % 2 == 0 else 3, "comment": "Nobody called me back."})
        return "POST", "/insert/", {"Content-Type": "application/json"}, body.encode()

    return Phase("bare POST /insert/ (one INSERT)", 201, make)


def _bare_get(path: str, name: str) -> Phase:
    return Phase(f"bare GET {name}", 200, lambda client, n: ("GET", path, {}, None))


def measure(engine: str, clients: int, warmup: float, seconds: float) -> list[dict[str, Any]]:
    data_dir = Path(tempfile.mkdtemp(prefix="vocloop-front-door-"))
    try:
        env = _environment(engine, data_dir)
        secret = _prepare(engine, env)
        python = sys.executable
        vocloop = [python, "-m", "vocloop", "serve", "--port", "0"]
        bare = [python, "-m", "bench.bare_site", "--port", "0", "--threads", "8"]
        with (
            _serving(vocloop, env, data_dir / "serve.log") as served,
            _serving(bare, env, data_dir / "bare.log") as baseline,
        ):

            def run(base: str, phase: Phase) -> dict[str, Any]:
                print(f"    {engine}: {phase.name}…", file=sys.stderr, flush=True)
                return _run(base, phase, clients, warmup, seconds)

            bare_insert = run(baseline, _bare_insert())
            api = _api_feedback(secret)
            rows = [run(served, api)]
            rows.append(run(served, _form_feedback(served, clients)))
            bare_plain = run(baseline, _bare_get("/plain/", "/plain/ (no database)"))
            bare_read = run(baseline, _bare_get("/read/1/", "/read/<id>/ (one SELECT)"))
            rows.append(run(served, _tracking(api.bodies)))
        for row, base in zip(rows, (bare_insert, bare_insert, bare_plain), strict=True):
            row["baseline"] = base["request"]
            row["ratio"] = row["per_second"] / base["per_second"] if base["per_second"] else None
        return [bare_insert, bare_plain, bare_read, *rows]
    finally:
        log = data_dir / "serve.log"
        if log.exists() and "Traceback" in (text := log.read_text()):
            print(f"    {engine}: vocloop serve's log ends with:\n{text[-3000:]}", file=sys.stderr)
        shutil.rmtree(data_dir, ignore_errors=True)
        if engine == "postgresql":
            _postgres(f"DROP DATABASE IF EXISTS {PG_DATABASE}")


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f} ms"


def table(engine: str, rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{engine}:",
        "",
        "| request | req/s | p50 | p99 | errors | answered after the count | clients' CPU "
        "| baseline req/s | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    by_name = {row["request"]: row for row in rows}
    for row in rows:
        errors = str(row["errors"])
        if row["error_kinds"]:
            errors += " (" + ", ".join(f"{k}: {v}" for k, v in row["error_kinds"].items()) + ")"
        base = by_name.get(row.get("baseline", ""))
        lines.append(
            f"| `{row['request']}` | {row['per_second']:,.1f} | {_ms(row['p50'])} | "
            f"{_ms(row['p99'])} | {errors} | {row['late']} (slowest "
            f"{_ms(row['slowest_late'])}) | {row['client_cpu']:.0%} | "
            + (f"{base['per_second']:,.0f} | {row['ratio']:.3f} |" if base else "| |")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50, help="Default: %(default)s.")
    parser.add_argument(
        "--seconds", type=float, default=10, help="Counted per request type (default: 10)."
    )
    parser.add_argument(
        "--warmup", type=float, default=2, help="Before each count (default: %(default)s)."
    )
    args = parser.parse_args(argv)
    engines = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(
        f"front door, {args.clients} clients, {args.warmup:g} s warm-up then {args.seconds:g} s "
        "per request type; public form and API rate limits raised to "
        f"{int(RAISED_LIMIT):,} for the run"
    )
    results = []
    for engine in engines:
        rows = measure(engine, args.clients, args.warmup, args.seconds)
        print(table(engine, rows), flush=True)
        results.append({"database": engine, "rows": rows})
    return results


if __name__ == "__main__":
    main()
