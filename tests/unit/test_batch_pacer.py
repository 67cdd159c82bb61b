"""BatchPacer: the next batch's size keeps each batch near the time target."""

from __future__ import annotations

import pytest

from consumers.projection_consumer.pace import BATCH_SIZE_FLOOR, BATCH_SIZE_START, BatchPacer


def test_the_first_batch_is_the_start_size_within_the_maximum() -> None:
    assert BatchPacer(10_000).size == BATCH_SIZE_START
    assert BatchPacer(200).size == 200


def test_quick_full_batches_grow_at_most_doubling_up_to_the_maximum() -> None:
    pacer = BatchPacer(10_000, target_s=1.0)
    sizes = [pacer.measured(pacer.size, 0.01) for _ in range(6)]
    assert sizes == [2_000, 4_000, 8_000, 10_000, 10_000, 10_000]


def test_growth_stops_at_what_fits_the_target() -> None:
    pacer = BatchPacer(50_000, target_s=1.0)
    pacer.size = 4_000
    assert pacer.measured(4_000, 0.8) == 5_000  # 5,000 records a second fit, not 8,000.


def test_a_slow_batch_shrinks_the_next_at_once_to_what_fits() -> None:
    pacer = BatchPacer(10_000, target_s=1.0)
    pacer.size = 10_000
    assert pacer.measured(10_000, 4.0) == 2_500
    assert pacer.measured(2_500, 25.0) == 100
    assert pacer.measured(100, 1_000.0) == BATCH_SIZE_FLOOR  # Never below the floor.


def test_a_quick_partial_batch_changes_nothing() -> None:
    """The poll found fewer records than asked: its fixed costs say little of the pace."""
    pacer = BatchPacer(10_000, target_s=1.0)
    pacer.size = 4_000
    assert pacer.measured(300, 0.5) == 4_000
    assert pacer.measured(0, 0.0) == 4_000


def test_a_slow_partial_batch_still_shrinks() -> None:
    pacer = BatchPacer(10_000, target_s=1.0)
    pacer.size = 8_000
    assert pacer.measured(3_000, 2.0) == 1_500


def test_a_maximum_below_the_floor_is_kept() -> None:
    pacer = BatchPacer(5, target_s=1.0)
    assert pacer.measured(5, 100.0) == 5


def test_a_maximum_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BatchPacer(0)
