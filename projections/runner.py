"""Following the event store: a polling runner that applies events to views in batches.

eventsourcing's ``ProjectionRunner`` needs the recorder's ``subscribe()``, which its SQLite
recorder does not have. This runner polls the notification log instead, the same way on
SQLite and PostgreSQL:

1. read the head (``max_notification_id``);
2. select up to ``batch_size`` notifications after the view's position, up to the head,
   of the view's topics only (the recorder filters in SQL, so a view never decodes events it
   ignores);
3. decode them, let the view apply them, and write the view's new position, all in one
   transaction of the view database. The new position is the last notification read or, when
   fewer than a batch matched, the head: positions move over events a view ignores, so lag is
   exact and a caller can wait for any notification id.

Each batch first locks the view's tracking row and checks it still holds the position the
batch started from; if another runner (another process, or a ``cocagne rebuild``) moved it,
the batch is rolled back and the runner resumes from the stored position. No event is
applied twice or skipped, whatever crashes and wherever.

The log is totally ordered and gap-free once committed on both stores: SQLite has one writer,
and eventsourcing's PostgreSQL recorder inserts under an exclusive table lock, so a
notification id is never committed after a larger one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.persistence import ApplicationRecorder

from domain.base import Event
from domain.codec import VERSION_SEPARATOR, decode_event
from projections.view_store import Row, ViewDatabase, ViewTransaction

BATCH_SIZE_DEFAULT = 5_000
"""Notifications per select and per view transaction: large enough that per-batch costs
(a round trip, a commit, loading the batch's rows) are spread thin, small enough that a batch
holds a few megabytes and commits in well under a second, so queries see fresh data."""
BATCH_SIZE_MAX = 100_000  # Beyond this a batch's memory, not the per-batch cost, dominates.
CATCH_UP_BATCHES_MAX = 1_000_000
"""Loop guard: a billion notifications at the smallest default batch, beyond any history."""
POLL_INTERVAL_S_DEFAULT = 0.1
"""Idle wait between polls when following: the dashboard's one-second freshness target with
room to spare, at a cost of ten ``MAX(id)`` lookups per second."""
ANALYZE_AFTER_EVENTS = 50_000
"""A catch-up that applied this many events to a view changed its tables enough that the
query planner's statistics are refreshed at its end: PostgreSQL's autovacuum would do it
within a minute or so, but until then recall queries ran 10x slower at the 99th percentile
(measured on a rebuilt million-event history: 143 ms before ANALYZE, 17 ms after)."""
ERROR_BACKOFF_S_MAX = 5.0  # A failing view retries at most this far apart (and never spins).
STOP_TIMEOUT_S = 10.0  # A batch takes well under a second; a thread slower than this is stuck.

ProgressCallback = Callable[[str, int, int, int], None]
"""``(view name, position, head, events applied in the batch)``, after each commit."""
BeforeCommit = Callable[[str, int], None]
"""``(view name, new position)``, inside the transaction after the view's writes (tests use it
to crash a batch)."""


def stored_topics(*event_classes: type[Event]) -> tuple[str, ...]:
    """Every topic under which events of these classes may be stored (all versions)."""
    topics: list[str] = []
    for event_class in event_classes:
        topics.append(event_class.TOPIC)
        for version in range(2, event_class.class_version + 1):
            topics.append(f"{event_class.TOPIC}{VERSION_SEPARATOR}{version}")
    return tuple(dict.fromkeys(topics))


class View(ABC):
    """A projection: tables derived from some events, rebuilt from zero at will.

    Subclasses name their events (``event_classes``), create their tables, and apply a batch
    of ``(notification id, event)`` pairs inside a transaction. They never commit: the runner
    (or a Kafka consumer) commits the view's writes with its own position.
    """

    name: ClassVar[str]
    schema_version: ClassVar[int]
    """Bump when the tables change shape: the runner then rebuilds the view from zero."""
    event_classes: ClassVar[tuple[type[Event], ...]]
    table_names: ClassVar[tuple[str, ...]]
    """Unprefixed names of the tables the view owns."""

    def __init__(self, database: ViewDatabase) -> None:
        self.database = database

    @property
    def topics(self) -> tuple[str, ...]:
        """Stored topics this view reads."""
        return stored_topics(*self.event_classes)

    def table(self, name: str) -> str:
        """A table's full (prefixed) name."""
        return self.database.table(name)

    @abstractmethod
    def create_statements(self) -> list[str]:
        """DDL creating the view's tables and indexes (``IF NOT EXISTS``)."""

    @abstractmethod
    def apply(self, transaction: ViewTransaction, events: Sequence[tuple[int, Event]]) -> None:
        """Apply events, in notification order, inside ``transaction``."""

    def create(self, transaction: ViewTransaction) -> None:
        """Create the view's tables."""
        for statement in self.create_statements():
            transaction.execute(statement)

    def drop(self, transaction: ViewTransaction) -> None:
        """Drop the view's tables."""
        for name in self.table_names:
            transaction.execute(f"DROP TABLE IF EXISTS {self.table(name)}")

    def analyze(self, transaction: ViewTransaction) -> None:
        """Refresh the query planner's statistics of the view's tables."""
        for name in self.table_names:
            transaction.execute(f"ANALYZE {self.table(name)}")

    def dump(self) -> dict[str, list[Row]]:
        """Every row of every table, in a stable order (to compare two builds)."""
        return {name: sorted(self.database.query(f"SELECT * FROM {self.table(name)}"),
                             key=repr)
                for name in self.table_names}


@dataclass
class ViewState:
    """What the runner knows about one view."""

    view: View
    position: int = 0
    batches: int = 0
    events_applied: int = 0
    last_error: str | None = None


class _PositionMoved(Exception):
    """Another writer moved the view's position: this batch is void."""


class ProjectionRunner:
    """Applies the notification log to views, in catch-up or follow mode."""

    def __init__(self, recorder: ApplicationRecorder, database: ViewDatabase,
                 views: Sequence[View], *, application_name: str = "Ledger",
                 batch_size: int = BATCH_SIZE_DEFAULT,
                 poll_interval_s: float = POLL_INTERVAL_S_DEFAULT,
                 on_progress: ProgressCallback | None = None,
                 before_commit: BeforeCommit | None = None,
                 on_error: Callable[[str, BaseException], None] | None = None) -> None:
        if not 1 <= batch_size <= BATCH_SIZE_MAX:
            raise ValueError(f"batch size must be 1 to {BATCH_SIZE_MAX}, got {batch_size}")
        self.recorder = recorder
        self.database = database
        self.application_name = application_name
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.on_progress = on_progress
        self.before_commit = before_commit
        self.on_error = on_error
        self._states = {view.name: ViewState(view) for view in views}
        self._tracking = database.table("tracking")
        self._lock = threading.RLock()
        self._advanced = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.setup()

    # ------------------------------------------------------------------ state

    @property
    def views(self) -> dict[str, View]:
        """The views this runner feeds, by name."""
        return {name: state.view for name, state in self._states.items()}

    def state(self, name: str) -> ViewState:
        """The runner's state for one view."""
        return self._states[name]

    def head(self) -> int:
        """The last notification id in the store (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def positions(self) -> dict[str, int]:
        """Each view's position: the last notification id it has taken into account."""
        return {name: state.position for name, state in self._states.items()}

    def lags(self) -> dict[str, int]:
        """Notifications each view has not yet taken into account."""
        head = self.head()
        return {name: max(head - state.position, 0) for name, state in self._states.items()}

    def stored_position(self, name: str) -> int | None:
        """The position recorded in the view database (None if the view was never set up)."""
        rows = self.database.query(f"SELECT notification_id FROM {self._tracking} WHERE view = ?",
                                   (name,))
        return int(rows[0][0]) if rows else None

    # ------------------------------------------------------------------ setup

    def setup(self) -> None:
        """Create missing views; rebuild from zero any whose schema version or store changed.

        A view remembers a fingerprint of the store's first event: a view database left over
        from another store (a demo regenerated with ``--fresh``) is rebuilt, not trusted.
        """
        fingerprint = self.store_fingerprint()
        with self._lock:
            with self.database.transaction() as transaction:
                transaction.execute(
                    f"CREATE TABLE IF NOT EXISTS {self._tracking} ("
                    "view TEXT PRIMARY KEY, application_name TEXT NOT NULL, "
                    "notification_id BIGINT NOT NULL, schema_version INTEGER NOT NULL, "
                    "store_fingerprint TEXT NOT NULL)")
            for state in self._states.values():
                with self.database.transaction() as transaction:
                    rows = transaction.query(
                        f"SELECT notification_id, schema_version, store_fingerprint "
                        f"FROM {self._tracking} WHERE view = ?", (state.view.name,))
                    if rows and rows[0][1] == state.view.schema_version and (
                            rows[0][2] == fingerprint or int(rows[0][0]) == 0):
                        state.position = int(rows[0][0])
                        continue
                    self._reset(transaction, state)

    def store_fingerprint(self) -> str:
        """A digest of the store's first event ("" while the store is empty)."""
        first = self.recorder.select_notifications(1, 1)
        if not first:
            return ""
        digest = hashlib.sha256(first[0].topic.encode())
        digest.update(first[0].state)
        return digest.hexdigest()[:32]

    def _reset(self, transaction: ViewTransaction, state: ViewState) -> None:
        state.view.drop(transaction)
        state.view.create(transaction)
        transaction.execute(f"DELETE FROM {self._tracking} WHERE view = ?", (state.view.name,))
        transaction.execute(
            f"INSERT INTO {self._tracking} (view, application_name, notification_id, "
            "schema_version, store_fingerprint) VALUES (?, ?, 0, ?, '')",
            (state.view.name, self.application_name, state.view.schema_version))
        state.position = 0
        state.batches = 0
        state.events_applied = 0

    def reset(self, name: str) -> None:
        """Drop a view's tables and position and recreate them empty (start of a rebuild)."""
        with self._lock, self.database.transaction() as transaction:
            self._reset(transaction, self._states[name])

    # ---------------------------------------------------------------- batches

    def process_batch(self, name: str, stop_at: int | None = None) -> int | None:
        """Apply the next batch to one view.

        Returns the number of events applied, or None when the view had nothing to do
        (already at the head, or at ``stop_at``).
        """
        with self._lock:
            state = self._states[name]
            head = self.head()
            if stop_at is not None:
                head = min(head, stop_at)
            if head <= state.position:
                return None
            view = state.view
            start = state.position
            notifications = self.recorder.select_notifications(
                start + 1, self.batch_size, stop=head, topics=view.topics,
            ) if view.topics else []
            full = len(notifications) == self.batch_size
            new_position = notifications[-1].id if full else head
            events = [(notification.id, decode_event(notification.topic, notification.state))
                      for notification in notifications]
            try:
                with self.database.transaction() as transaction:
                    self._check_position(transaction, name, start)
                    view.apply(transaction, events)
                    transaction.execute(
                        f"UPDATE {self._tracking} SET notification_id = ? WHERE view = ?",
                        (new_position, name))
                    if start == 0:
                        transaction.execute(
                            f"UPDATE {self._tracking} SET store_fingerprint = ? WHERE view = ?",
                            (self.store_fingerprint(), name))
                    if self.before_commit is not None:
                        self.before_commit(name, new_position)
            except _PositionMoved:
                stored = self.stored_position(name)
                state.position = stored if stored is not None else 0
                if stored is None:
                    self.setup()
                return 0
            state.position = new_position
            state.batches += 1
            state.events_applied += len(events)
            state.last_error = None
        with self._advanced:
            self._advanced.notify_all()
        if self.on_progress is not None:
            self.on_progress(name, new_position, self.head(), len(events))
        return len(events)

    def _check_position(self, transaction: ViewTransaction, name: str, expected: int) -> None:
        lock = " FOR UPDATE" if self.database.dialect == "postgres" else ""
        rows = transaction.query(
            f"SELECT notification_id FROM {self._tracking} WHERE view = ?{lock}", (name,))
        if not rows or int(rows[0][0]) != expected:
            raise _PositionMoved

    def catch_up(self, names: Sequence[str] | None = None, *, stop_at: int | None = None,
                 batches_max: int = CATCH_UP_BATCHES_MAX) -> int:
        """Apply batches until each named view reaches the head (or ``stop_at``).

        Returns the number of events applied. ``batches_max`` bounds the batches per view
        (tests use it to stop a runner part-way).
        """
        applied = 0
        for name in names or list(self._states):
            applied_to_view = 0
            for _ in range(batches_max):
                count = self.process_batch(name, stop_at=stop_at)
                if count is None:
                    break
                applied_to_view += count
            if applied_to_view >= ANALYZE_AFTER_EVENTS:
                self.analyze(name)
            applied += applied_to_view
        return applied

    def analyze(self, name: str) -> None:
        """Refresh the planner's statistics of one view's tables."""
        with self._lock, self.database.transaction() as transaction:
            self._states[name].view.analyze(transaction)

    def rebuild(self, name: str) -> int:
        """Drop a view and rebuild it from the first event; returns events applied."""
        self.reset(name)
        applied = self.catch_up([name])
        if applied < ANALYZE_AFTER_EVENTS:
            self.analyze(name)
        return applied

    # ----------------------------------------------------------------- follow

    def start(self) -> None:
        """Follow the store in a background thread until :meth:`stop`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._follow, name="projection-runner",
                                        daemon=True)
        self._thread.start()

    @property
    def following(self) -> bool:
        """Whether the background thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop following after the batch in progress commits."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                raise TimeoutError(f"projection runner did not stop within {timeout_s} s")
            self._thread = None

    def _follow(self) -> None:
        backoff_s = self.poll_interval_s
        while not self._stop.is_set():
            progressed = False
            failed = False
            for name, state in self._states.items():
                if self._stop.is_set():
                    return
                try:
                    progressed = self.process_batch(name) is not None or progressed
                except Exception as error:  # A failing view must not stop the others.
                    failed = True
                    state.last_error = f"{type(error).__name__}: {error}"
                    if self.on_error is not None:
                        self.on_error(name, error)
            if failed:
                backoff_s = min(backoff_s * 2, ERROR_BACKOFF_S_MAX)
                self._stop.wait(backoff_s)
                continue
            backoff_s = self.poll_interval_s
            if not progressed:
                self._wake.wait(self.poll_interval_s)
                self._wake.clear()

    def wake(self) -> None:
        """Poll now rather than at the end of the idle wait."""
        self._wake.set()

    def wait_for(self, notification_id: int | None, timeout_s: float,
                 names: Sequence[str] | None = None) -> bool:
        """Wait until the views have taken ``notification_id`` into account.

        Read-your-writes: pass a command's ``notification_id``. When no background thread
        follows the store, the caller's thread catches up instead. Returns False on timeout.
        """
        if notification_id is None:
            return True
        wanted = list(names or self._states)

        def reached() -> bool:
            return all(self._states[name].position >= notification_id for name in wanted)

        if reached():
            return True
        if not self.following:
            deadline = time.monotonic() + timeout_s
            for _ in range(CATCH_UP_BATCHES_MAX):
                self.catch_up(wanted)
                remaining_s = deadline - time.monotonic()
                if reached() or remaining_s <= 0:
                    break
                # Caught up, yet short of the id: it is not committed (or visible) yet.
                time.sleep(min(self.poll_interval_s, remaining_s))
            return reached()
        self._wake.set()
        with self._advanced:
            return self._advanced.wait_for(reached, timeout_s)

    def status(self) -> dict[str, dict[str, Any]]:
        """Position, lag, batches and last error of each view (for health checks)."""
        head = self.head()
        return {name: {"position": state.position, "lag": max(head - state.position, 0),
                       "batches": state.batches, "events_applied": state.events_applied,
                       "last_error": state.last_error}
                for name, state in self._states.items()}
