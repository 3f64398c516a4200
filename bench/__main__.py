"""Run vocloop's benchmarks: `make bench` (or python -m bench). Results go to bench/RESULTS.md."""

from bench import demo_load, escalation_sweep

if __name__ == "__main__":
    demo_load.main([])
    escalation_sweep.main([])
