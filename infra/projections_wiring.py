"""Wiring of the views: where their tables live for a store, and the runner that feeds them.

On the embedded default (an SQLite store), views live in a file beside the store
(``var/cocagne.db`` → ``var/cocagne.views.db``, see ``projections.view_store`` for why) and
the runner runs in-process: ``LedgerProjections.start()`` follows the store in a background
thread, and ``wait_for(result.notification_id, timeout_s)`` gives read-your-writes to a query
made right after a command. On PostgreSQL the views are ``view_*`` tables of the store's
database; the same runner follows it by polling (in-process, or in any process that wires
the same store: runners coordinate through the tracking rows).

The runner reports each view's position and lag to the Prometheus gauges after every batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.logs import get_logger
from infra.store import APPLICATION_NAME, POSTGRES_CONNECT_TIMEOUT_S, StoreLocation
from projections.balances import BalancesView
from projections.runner import BATCH_SIZE_DEFAULT, POLL_INTERVAL_S_DEFAULT, ProjectionRunner, View
from projections.stock import StockView
from projections.trace import TraceView
from projections.view_store import (
    DEFAULT_PREFIX,
    PostgresViewDatabase,
    SQLiteViewDatabase,
    ViewDatabase,
)

VIEW_NAMES = ("stock", "trace", "balances")
VIEWS_FILE_SUFFIX = ".views.db"
WAIT_TIMEOUT_S_DEFAULT = 5.0
"""Read-your-writes wait: a batch applies in well under a second; five seconds means the
runner is stuck or far behind, and the caller should say so rather than hang."""

log = get_logger("cocagne.projections")


def views_path(store_path: Path) -> Path:
    """The SQLite file holding the views of the store file ``store_path``."""
    return store_path.with_name(store_path.stem + VIEWS_FILE_SUFFIX)


def postgres_conninfo(location: StoreLocation) -> str:
    """A psycopg connection string for a PostgreSQL store location."""
    from psycopg.conninfo import make_conninfo  # noqa: PLC0415 - start-up time: SQLite stores.

    return make_conninfo(host=location.postgres_host, port=location.postgres_port,
                         user=location.postgres_user,
                         password=location.postgres_password or None,
                         dbname=location.postgres_dbname)


def view_database_for(location: StoreLocation, prefix: str = DEFAULT_PREFIX) -> ViewDatabase:
    """The database holding the views of a store."""
    if location.kind == "sqlite":
        assert location.sqlite_path is not None
        return SQLiteViewDatabase(views_path(location.sqlite_path), prefix=prefix)
    return PostgresViewDatabase(postgres_conninfo(location), prefix=prefix,
                                connect_timeout_s=POSTGRES_CONNECT_TIMEOUT_S)


def _report_progress(name: str, position: int, head: int, _: int) -> None:
    # Start-up time: a one-shot query (the CLI) loads prometheus-client once a batch applies.
    from infra.metrics import PROJECTION_LAG, PROJECTION_POSITION  # noqa: PLC0415

    PROJECTION_POSITION.labels(name).set(position)
    PROJECTION_LAG.labels(name).set(max(head - position, 0))


def _report_error(name: str, error: BaseException) -> None:
    log.error("projection batch failed", projection=name, error=f"{type(error).__name__}: "
              f"{error}")


class LedgerProjections:
    """The views of one store and the runner that keeps them up to date."""

    def __init__(self, recorder: Any, database: ViewDatabase, *,
                 names: Sequence[str] = VIEW_NAMES, batch_size: int = BATCH_SIZE_DEFAULT,
                 poll_interval_s: float = POLL_INTERVAL_S_DEFAULT,
                 **runner_options: Any) -> None:
        unknown = set(names) - set(VIEW_NAMES)
        if unknown:
            raise ValueError(f"unknown views {sorted(unknown)}: choose from {VIEW_NAMES}")
        self.database = database
        self.stock = StockView(database)
        self.trace = TraceView(database)
        self.balances = BalancesView(database)
        chosen: list[View] = [view for view in (self.stock, self.trace, self.balances)
                              if view.name in names]
        runner_options.setdefault("on_progress", _report_progress)
        runner_options.setdefault("on_error", _report_error)
        self.runner = ProjectionRunner(recorder, database, chosen,
                                       application_name=APPLICATION_NAME,
                                       batch_size=batch_size, poll_interval_s=poll_interval_s,
                                       **runner_options)

    def start(self) -> None:
        """Follow the store in a background thread (the in-process runner)."""
        self.runner.start()

    def stop(self) -> None:
        """Stop following after the batch in progress."""
        self.runner.stop()

    def catch_up(self, names: Sequence[str] | None = None) -> int:
        """Apply every event not yet applied, in the caller's thread."""
        return self.runner.catch_up(names)

    def wait_for(self, notification_id: int | None,
                 timeout_s: float = WAIT_TIMEOUT_S_DEFAULT,
                 names: Sequence[str] | None = None) -> bool:
        """Wait until the views include ``notification_id`` (a command's result)."""
        return self.runner.wait_for(notification_id, timeout_s, names)

    @contextmanager
    def snapshot(self, names: Sequence[str] | None = None) -> Iterator[dict[str, int]]:
        """Read the views at one moment: yields each view's stored position, and every query
        of this thread inside the block answers exactly the events up to that position,
        however many batches the runner (here or in another process) commits meanwhile."""
        with self.database.snapshot():
            yield {name: self.runner.stored_position(name) or 0
                   for name in names or self.runner.views}

    def rebuild(self, name: str) -> int:
        """Drop one view and rebuild it from the first event."""
        return self.runner.rebuild(name)

    def close(self) -> None:
        """Stop the runner and close the view database."""
        if self.runner.following:
            self.runner.stop()
        self.database.close()


def open_projections(ledger: Any, *, names: Sequence[str] = VIEW_NAMES, follow: bool = False,
                     database: ViewDatabase | None = None,
                     **options: Any) -> LedgerProjections:
    """The views of ``ledger``'s store, optionally followed by an in-process runner.

    ``ledger`` is the ``Ledger`` application (its ``recorder`` and ``location`` are used).
    """
    location: StoreLocation | None = getattr(ledger, "location", None)
    if database is None:
        if location is None:
            raise ValueError("the ledger has no store location: pass a view database")
        database = view_database_for(location)
    projections = LedgerProjections(ledger.recorder, database, names=names, **options)
    if follow:
        projections.start()
    return projections
