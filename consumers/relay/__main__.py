"""``python -m consumers.relay``: the relay as a process, its store named by the environment."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import structlog

from consumers import relay
from consumers.relay.running import add_arguments, run_from_arguments


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m consumers.relay``: the store comes from eventsourcing's variables
    (``PERSISTENCE_MODULE`` with ``SQLITE_DBNAME`` or ``POSTGRES_*``) in the environment."""
    # The package's summary, as when this function lived in the relay's single module.
    description = relay.__doc__.split("\n\n", 1)[0] if relay.__doc__ else None
    parser = argparse.ArgumentParser(prog="python -m consumers.relay", description=description)
    add_arguments(parser)
    arguments = parser.parse_args(argv)
    if not structlog.is_configured():
        structlog.configure(processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ], logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    return run_from_arguments(arguments, os.environ)


if __name__ == "__main__":
    sys.exit(main())
