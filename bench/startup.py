"""Start-up benchmark: how long ``cocagne`` takes as a whole process, beside ``python -c pass``.

Times, as separate processes on a ``--scale 10`` demo territory (generated into a temporary
folder unless ``--db`` names one, with ``--lot``):

- ``python -c pass``: the interpreter alone, the baseline measured in the same run;
- ``cocagne --help``;
- ``cocagne recall LOT`` (the demo's recalled lot, every holder and outlet it reached);
- ``cocagne stock --json``.

Each command runs once first (building the views the queries read, as any first query on a
store does), then ``--runs`` times in turn, A B C D A B C D…, so a change in the machine's
load touches them alike. Prints the minimum and the median wall time of each, and the median
as a multiple of the interpreter's.

    python -m bench.startup [--runs 10] [--scale 10] [--db FILE --lot CODE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import sqlite_location

RUNS_DEFAULT = 10
RUNS_MAX = 200  # A bound on the loop: 200 rounds of four processes is minutes at most.
PROCESS_TIMEOUT_S = 120  # A start-up of minutes is a hang, not a measurement.
COCAGNE = Path(sys.executable).with_name("cocagne")


def generate(path: Path, scale: int) -> str:
    """A demo territory at ``scale`` into ``path``; its recalled lot's code."""
    print(f"generating the --scale {scale} demo into {path}", file=sys.stderr)
    started = time.perf_counter()
    ledger = Ledger(sqlite_location(path))
    try:
        summary = generate_demo(ledger, scale=scale)
    finally:
        ledger.close()
    print(f"  {summary.events_stored:,} events in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return summary.recalled_lot_codes[0]


def wall_s(command: list[str]) -> float:
    """Seconds from starting ``command`` to its exit (its output thrown away)."""
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=PROCESS_TIMEOUT_S, check=True)
    return time.perf_counter() - started


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Every command once to warm up, then ``runs`` rounds of each in turn."""
    for command in commands.values():
        wall_s(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(wall_s(command))
    return times


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS_DEFAULT,
                        help=f"timed rounds (default {RUNS_DEFAULT}, at most {RUNS_MAX})")
    parser.add_argument("--scale", type=int, default=10, help="demo scale (default 10)")
    parser.add_argument("--db", type=Path, default=None,
                        help="an existing store instead of a new demo (needs --lot)")
    parser.add_argument("--lot", default=None, help="the lot to recall in --db")
    arguments = parser.parse_args()
    if arguments.db is not None and arguments.lot is None:
        parser.error("--db needs --lot")
    runs = max(1, min(arguments.runs, RUNS_MAX))
    configure_logging("warning")
    with tempfile.TemporaryDirectory(prefix="cocagne-startup-") as folder:
        store = arguments.db or Path(folder) / "demo.db"
        lot = arguments.lot or generate(store, arguments.scale)
        cocagne = [str(COCAGNE), "--log-level", "warning"]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "cocagne --help": [*cocagne, "--help"],
            f"cocagne recall {lot}": [*cocagne, "recall", lot, "--db", str(store)],
            "cocagne stock --json": [*cocagne, "stock", "--json", "--db", str(store)],
        }
        times = measure(commands, runs)
    baseline = statistics.median(times["python -c pass"])
    print(f"start-up, {runs} runs each, wall time of the whole process:")
    print(f"{'command':<36} {'min':>8} {'median':>8} {'median / python':>16}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<36} {min(values):>7.3f}s {median:>7.3f}s {median / baseline:>15.1f}x")


if __name__ == "__main__":
    main()
