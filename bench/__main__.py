"""Run vocloop's benchmarks: `make bench` (or python -m bench). Results go to bench/RESULTS.md.

`python -m bench NAME [options]` runs one of them (demo_load, demo_signals,
escalation_sweep, feedback_import, front_door, improvement_read, metrics_read, text_read,
theme_matches) with its own options; see `python -m bench NAME --help`.
"""

import sys

from bench import (
    demo_load,
    demo_signals,
    escalation_sweep,
    feedback_import,
    front_door,
    improvement_read,
    metrics_read,
    text_read,
    theme_matches,
)

BENCHMARKS = {
    "demo_load": demo_load.main,
    "demo_signals": demo_signals.main,
    "escalation_sweep": escalation_sweep.main,
    "feedback_import": feedback_import.main,
    "front_door": front_door.main,
    "improvement_read": improvement_read.main,
    "metrics_read": metrics_read.main,
    "text_read": text_read.main,
    "theme_matches": theme_matches.main,
}

if __name__ == "__main__":
    if len(sys.argv) > 1:
        if sys.argv[1] not in BENCHMARKS:
            sys.exit(f"No benchmark {sys.argv[1]!r}: choose one of {', '.join(BENCHMARKS)}.")
        BENCHMARKS[sys.argv[1]](sys.argv[2:])
    else:
        for run in BENCHMARKS.values():
            run([])
