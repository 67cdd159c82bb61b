"""Core subcommands: ``demo``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from infra.cli.support import add_store_arguments, store_from_arguments
from infra.demo.territory import generate_demo, print_summary
from infra.ledger.ledger import Ledger
from infra.projections_wiring import views_path


def register(subparsers: Any) -> None:
    """Add the core subcommands."""

    demo = subparsers.add_parser(
        "demo", help="generate the seeded demo territory and print a summary",
        description="Generate a realistic, seeded scenario: one food-bank warehouse, six "
                    "market gardens, twelve outlets, three funders, twelve weeks of offers, "
                    "receptions, splits, allocation rounds, deliveries, losses, distributions "
                    "and one recall.")
    add_store_arguments(demo)
    demo.add_argument("--weeks", type=int, default=12, help="weeks of history (default 12)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--scale", type=int, default=1,
                      help="multiply actors: N platforms, each with its gardens and outlets")
    demo.add_argument("--fresh", action="store_true",
                      help="delete the SQLite file first (refused for PostgreSQL)")
    demo.set_defaults(func=run_demo)


def run_demo(arguments: argparse.Namespace) -> int:
    """Generate the demo into the chosen store."""

    location = store_from_arguments(arguments)
    if location.kind == "sqlite":
        assert location.sqlite_path is not None
        if arguments.fresh:
            # The views file beside the store goes too: it describes the old history.
            for path in (location.sqlite_path, views_path(location.sqlite_path)):
                for suffix in ("", "-wal", "-shm"):
                    path.with_name(path.name + suffix).unlink(missing_ok=True)
        location.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    elif arguments.fresh:
        print("--fresh only deletes SQLite files; drop the PostgreSQL database yourself",
              file=sys.stderr)
        return 2
    ledger = Ledger(location)
    if ledger.recorder.max_notification_id():
        print(f"the store {location.url} already holds events: use --fresh or another --db",
              file=sys.stderr)
        return 2
    print(f"writing the demo territory into {location.url} …", file=sys.stderr)
    summary = generate_demo(ledger, weeks=arguments.weeks, seed=arguments.seed,
                            scale=arguments.scale,
                            progress=lambda line: print(line, file=sys.stderr))
    print_summary(summary)
    ledger.close()
    return 0
