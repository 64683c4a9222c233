"""Time every widget's redraw, as a student's slider move would trigger it.

Run with ``make bench``. Prints one line per interaction: median and worst of N repeats,
in milliseconds; the target is "well under a second" on a 2-core laptop.
"""

from __future__ import annotations

import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

from course_utils.widgets import (  # noqa: E402
    ColourQuantizer,
    PerceptronPlayground,
    PerceptronStepper,
)

REPEATS = 5


def _interactions():
    pg = PerceptronPlayground(dataset="moons")
    st = PerceptronStepper(dataset="blobs", epochs=20)
    values = iter(range(10**6))
    yield "PerceptronPlayground: move w1", lambda: setattr(pg.w1, "value", next(values) % 5 - 2.0)
    yield "PerceptronPlayground: switch data", lambda: setattr(
        pg.dataset, "value", "spirals" if pg.dataset.value != "spirals" else "moons")
    yield "PerceptronStepper: +1 visit", st.next_visit.click
    yield "PerceptronStepper: change lr (reruns)", lambda: setattr(
        st.lr, "value", 0.5 if st.lr.value != 0.5 else 1.0)
    cq = ColourQuantizer(photo_name="chelsea", k=4)
    yield "ColourQuantizer: move k", lambda: setattr(cq.k, "value", 12 if cq.k.value != 12 else 4)
    yield "ColourQuantizer: switch photo", lambda: setattr(
        cq.photo_name, "value", "coffee" if cq.photo_name.value != "coffee" else "chelsea")


def main() -> int:
    worst_overall = 0.0
    for name, action in _interactions():
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            action()
            times.append(1000 * (time.perf_counter() - start))
        worst_overall = max(worst_overall, max(times))
        print(f"{name:45s} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")
    print(f"worst redraw: {worst_overall:.0f} ms (target: well under 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
