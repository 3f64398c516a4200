"""How reliably the dashboards flag the demo's planted deterioration, and nothing else.

Target (issue 4): the demo's one deteriorating touch point is flagged by a control-chart
signal; the other touch points raise none. A control chart is a test repeated on
every point, so "none" can only hold most of the time: with the four Western
Electric rules a stable process raises a false signal about once in 92 points. This
measures both rates on the demo as `make demo` builds it (20,000 responses), as of
several days across a year and for two seeds: for each, the journey's verdict per
touch point over the default 26 weeks (a current signal for the worse on any of its
scores or its complaint rate).

    python -m bench demo_signals [--seeds 42 7] [--responses 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Any


def _measure(seeds: list[int], responses: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    django.setup()
    import datetime as dt

    from django.core.management import call_command

    from vocloop.dashboards.figures import SCORE_METRICS, figures
    from vocloop.dashboards.forms import default_range
    from vocloop.demo import loader
    from vocloop.demo.organisation import DETERIORATING
    from vocloop.listening.models import Touchpoint
    from vocloop.metrics.selectors import Scope

    call_command("migrate", verbosity=0)
    days = [dt.datetime(2026, month, 10 + month, 16, tzinfo=dt.UTC) for month in range(1, 12)]
    runs = []
    for seed in seeds:
        for now in days:
            loader.demo_reset()
            loader.demo_load(responses=responses, seed=seed, now=now)
            date_from, date_to = default_range(now.date())
            flagged = {}
            for tp in Touchpoint.objects.order_by("slug"):
                scope = Scope(date_from, date_to, touchpoint_id=tp.pk)
                for fig in figures([*SCORE_METRICS, "complaint_rate"], scope):
                    signal = fig.current_signal
                    if signal is not None and signal.meaning == "worse":
                        flagged.setdefault(tp.slug, []).append(f"{fig.name} {signal.rule}")
            runs.append(
                {
                    "seed": seed,
                    "day": now.date().isoformat(),
                    "deteriorating_flagged": DETERIORATING in flagged,
                    "others_flagged": {k: v for k, v in flagged.items() if k != DETERIORATING},
                }
            )
    return {"responses": responses, "runs": runs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench demo_signals", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(args.seeds, args.responses)))
        return
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "VOCLOOP_DATA_DIR": data_dir, "VOCLOOP_DATABASE_URL": ""}
        command = [sys.executable, "-m", "bench", "demo_signals", "--child"]
        command += ["--seeds", *map(str, args.seeds), "--responses", str(args.responses)]
        out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    runs = result["runs"]
    print(f"demo signals, {result['responses']:,}-response demo, {len(runs)} demos")
    for run in runs:
        others = "; ".join(f"{k}: {', '.join(v)}" for k, v in run["others_flagged"].items())
        verdict = "flagged" if run["deteriorating_flagged"] else "MISSED"
        line = f"  seed {run['seed']:>3} {run['day']}  deteriorating {verdict}"
        print(f"{line}  others: {others or '-'}")
    missed = sum(not r["deteriorating_flagged"] for r in runs)
    false = sum(bool(r["others_flagged"]) for r in runs)
    print(f"  deteriorating touch point missed in {missed} of {len(runs)}")
    print(f"  another touch point flagged in {false} of {len(runs)}")


if __name__ == "__main__":
    main()
