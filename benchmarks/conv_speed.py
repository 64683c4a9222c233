"""Our im2col conv2d against F.conv2d, one thread each, same run (issue: within 3x of torch).

Run: .venv/bin/python benchmarks/conv_speed.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.conv import conv2d

CASES = [((1, 3, 224, 224), (64, 3, 3, 3)), ((8, 64, 56, 56), (64, 64, 3, 3))]


def _median_seconds(fn, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    for x_shape, w_shape in CASES:
        x = rng.random(x_shape, dtype=np.float32)
        w = rng.random(w_shape, dtype=np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        ours = _median_seconds(lambda: conv2d(x, w, padding=1))  # noqa: B023
        theirs = _median_seconds(lambda: F.conv2d(xt, wt, padding=1))  # noqa: B023
        print(f"x {x_shape}, weight {w_shape}: ours {1000 * ours:.1f} ms, F.conv2d "
              f"{1000 * theirs:.1f} ms, ratio {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
