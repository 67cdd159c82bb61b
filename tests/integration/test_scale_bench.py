"""The national-network generator and the scale benchmark, on a tiny SQLite network.

``bench.national`` must grow a store through the ledger's commands and resume where it
stopped (the scale curves are measured on one store grown size after size), and
``bench.scale`` must measure, merge and draw its results: run at a few thousand events.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.national import Progress, Shape, grow, stored
from domain.command_records import CommandRecord
from infra.ledger.ledger import Ledger
from infra.store import sqlite_location
from projections.runner import stored_topics

TINY = Shape(platforms=2, gardens=3, outlets_per_platform=4, households=12)
ROOT = Path(__file__).resolve().parents[2]


def test_the_generator_grows_a_store_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    """Grown to 2,000 events then to 5,000 in a second run: the second run carries on from
    the steps the first one completed, and every event came from a handled command."""
    location = sqlite_location(tmp_path / "national.db")
    ledger = Ledger(location)
    first = grow(ledger, TINY, 2_000)
    steps_after_first = Progress(location).steps_done(TINY)
    ledger.close()
    assert first.events_after >= 2_000
    assert steps_after_first > 0

    ledger = Ledger(location)
    second = grow(ledger, TINY, 5_000)
    assert second.events_before == first.events_after
    assert second.events_after >= 5_000
    assert Progress(location).steps_done(TINY) > steps_after_first
    records = ledger.recorder.select_notifications(
        1, 100_000, topics=stored_topics(CommandRecord.Handled))
    assert len(records) > 500  # Events are written by commands, one record each.
    assert stored(ledger) == second.events_after
    ledger.close()


@pytest.mark.slow
def test_the_scale_bench_measures_two_sizes_and_draws_the_curves(tmp_path: Path) -> None:
    """Two sizes in one store: every figure but Kafka measured, merged in the JSON, drawn."""
    output, plot = tmp_path / "scale.json", tmp_path / "scale.png"
    completed = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--database-url",
         f"sqlite:///{tmp_path / 'scale.db'}", "--sizes", "2000,4000", "--no-kafka",
         "--platforms", str(TINY.platforms), "--gardens", str(TINY.gardens),
         "--outlets-per-platform", str(TINY.outlets_per_platform), "--households",
         str(TINY.households), "--command-samples", "5", "--query-samples", "5",
         "--repeat", "1", "--output", str(output), "--plot", str(plot)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=240)
    results = json.loads(output.read_text())
    assert set(results) == {"2k", "4k"}
    for result in results.values():
        assert set(result["commands"]) == {"offer", "reception", "vote", "transfer"}
        assert set(result["rebuilds"]) == {"stock", "trace", "balances"}
        assert result["rebuilds"]["stock"]["events"] > 0
        assert {"backward", "forward", "recall", "stock_as_of"} <= set(result["queries"])
    assert "offer p99" in completed.stdout
    assert plot.stat().st_size > 10_000
