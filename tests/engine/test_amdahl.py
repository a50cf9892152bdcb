"""Amdahl fit on synthetic points with a known answer."""

from __future__ import annotations

import math
import random

import pytest

from gil_tui.engine.compare import amdahl
from gil_tui.engine.compare.amdahl import amdahl_speedup, describe, fit


def points_for(s: float, ns, noise: float = 0.0, seed: int = 1):
    rng = random.Random(seed)
    return [(n, amdahl_speedup(s, n) * (1 + rng.uniform(-noise, noise))) for n in ns]


@pytest.mark.parametrize("s", [0.0, 0.03, 0.1, 0.25, 0.5, 0.9, 1.0])
def test_exact_points_give_back_the_serial_fraction(s):
    result = fit(points_for(s, [1, 2, 4, 8, 16]))
    assert result is not None
    assert result.serial_fraction == pytest.approx(s, abs=1e-4)
    assert result.rmse == pytest.approx(0.0, abs=1e-3)


def test_noisy_points_land_near_the_truth():
    result = fit(points_for(0.05, range(1, 17), noise=0.02, seed=7))
    assert result.serial_fraction == pytest.approx(0.05, abs=0.015)
    assert result.parallel_fraction == pytest.approx(0.95, abs=0.015)


def test_it_is_least_squares_on_the_speedups():
    pts = [(1, 1.0), (2, 1.7), (4, 2.4), (8, 3.9)]
    result = fit(pts)
    sse = lambda s: sum((y - amdahl_speedup(s, n)) ** 2 for n, y in pts)  # noqa: E731
    best = min((i / 100000 for i in range(100001)), key=sse)
    assert result.serial_fraction == pytest.approx(best, abs=2e-5)


def test_limit_and_prediction():
    result = fit(points_for(0.2, [1, 2, 3, 4]))
    assert result.limit == pytest.approx(5.0, rel=1e-3)
    assert result.predict(2) == pytest.approx(1 / (0.2 + 0.4), rel=1e-3)
    assert math.isinf(fit(points_for(0.0, [1, 2, 3])).limit)
    curve = result.curve([1, 2, 4])
    assert [n for n, _ in curve] == [1, 2, 4] and curve[0][1] == pytest.approx(1.0)


def test_workers_beyond_the_cores_count_as_the_cores():
    # 2 cores, perfectly parallel work: 3 and 4 workers still give 2x
    pts = [(1, 1.0), (2, 2.0), (3, 2.0), (4, 2.0)]
    assert fit(pts, cores=2).serial_fraction == pytest.approx(0.0, abs=1e-4)
    assert fit(pts).serial_fraction > 0.1  # without the cap the missing cores look serial
    assert fit(pts, cores=2).predict(8) == pytest.approx(2.0)


def test_superlinear_and_slower_points_are_clamped_to_0_and_1():
    assert fit([(1, 1.0), (2, 2.3), (4, 4.8)]).serial_fraction == 0.0
    assert fit([(1, 1.0), (2, 0.8), (4, 0.7)]).serial_fraction == 1.0


def test_fewer_than_three_points_give_no_fit_and_say_so():
    assert fit([]) is None
    assert fit([(1, 1.0), (2, 1.9)]) is None
    assert fit([(1, 1.0), (1, 1.01), (1, 0.99)]) is None  # no point with more than one core
    assert fit([(2, 1.9), (None, 1.0), (3, float("nan"))]) is None
    text = describe(None, points=2)
    assert "only 2 measured points" in text and "at least 3" in text
    assert "no measured points" in describe(None, points=0)
    assert amdahl.MIN_POINTS == 3


def test_words():
    text = fit(points_for(0.03, [1, 2, 4, 8])).words(cores=2)
    assert text.startswith("About 97% of this work ran in parallel")
    assert "2 cores" in text and "1.94x" in text and "33.3x" in text
    assert "no useful limit" in fit(points_for(0.0, [1, 2, 4])).words()
    assert "none of this work ran in parallel" in fit(points_for(1.0, [1, 2, 4])).words()
    assert fit(points_for(0.5, [1, 2, 4])).words().endswith(
        "no number of cores could make it more than 2.0x faster.")
