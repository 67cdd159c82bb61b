"""What the command-line modules share: the store arguments, time parsing, plain tables."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any

from infra.store import (
    DATABASE_URL_VARIABLE,
    DEFAULT_SQLITE_PATH,
    StoreLocation,
    location_from_environment,
    parse_database_url,
    sqlite_location,
)


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--db FILE`` or ``--database-url URL`` (default: $COCAGNE_DATABASE_URL, else
    var/cocagne.db)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--db", type=Path, help=f"SQLite file (default {DEFAULT_SQLITE_PATH})")
    group.add_argument("--database-url",
                       help=f"sqlite:///FILE or postgresql://USER@HOST:PORT/DB "
                            f"(default ${DATABASE_URL_VARIABLE})")


def store_from_arguments(arguments: argparse.Namespace) -> StoreLocation:
    """The store named on the command line, else by the environment."""
    if getattr(arguments, "db", None):
        return sqlite_location(arguments.db)
    if getattr(arguments, "database_url", None):
        return parse_database_url(arguments.database_url)
    return location_from_environment()


def parse_time(text: str) -> datetime:
    """An ISO date-time (UTC unless an offset is given); a bare date means its end, in UTC."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), day_time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date (2026-03-01) or date-time (2026-03-01T12:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
                right: Sequence[int] = ()) -> None:
    """Print rows under headers in aligned columns (``right``: right-aligned column indexes)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(header)] + [len(row[index]) for row in cells])
              for index, header in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(value.rjust(widths[index]) if index in right
                         else value.ljust(widths[index])
                         for index, value in enumerate(values)).rstrip()

    print(line(headers))
    print(line(["-" * width for width in widths]))
    for row in cells:
        print(line(row))
