"""Time every widget's redraw, as a student's slider move would trigger it.

Run with ``make bench``. Each topic has a ``benchmarks/bench_<topic>.py`` whose
``interactions()`` yields ``(name, action)`` pairs; this runner finds them all, so a new
widget needs only a line in its topic's file. Prints one line per interaction: median and
worst of N repeats, in milliseconds; the target is "well under a second" on a 2-core laptop.
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

REPEATS = 5  # python benchmarks/run.py --repeats 50 --only MLPPlayground for more
HERE = Path(__file__).resolve().parent


def _interactions():
    sys.path.insert(0, str(HERE))
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        if hasattr(module, "interactions"):  # bench_grading.py measures no widget
            yield from module.interactions()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--only", default="", help="run interactions whose name contains this")
    args = parser.parse_args(argv)
    worst_overall = 0.0
    for name, action in _interactions():
        if args.only not in name:
            continue
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            action()
            times.append(1000 * (time.perf_counter() - start))
        worst_overall = max(worst_overall, max(times))
        p95 = (statistics.quantiles(times, n=20, method="inclusive")[-1]
               if len(times) >= 2 else times[0])
        print(f"{name:50s} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
              f"worst {max(times):7.1f} ms")
    print(f"worst redraw: {worst_overall:.0f} ms (target: well under 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
