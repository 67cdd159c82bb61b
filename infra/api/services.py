"""What the API's handlers share: the ledger, the token store, the views, the live feed."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from infra.api.auth import TokenStore
from infra.application import Ledger
from infra.store import StoreLocation

READ_YOUR_WRITES_TIMEOUT_S = 5.0
"""How long a query with ``?after=N`` waits for the views to reach notification N: a batch
applies in well under a second; longer means the views are stuck, which /readyz reports."""


@dataclass
class Views:
    """The projections the API reads, kept current by one in-process runner."""

    runner: Any
    """A ``projections.runner.ProjectionRunner`` (or the wiring's equivalent)."""
    by_name: dict[str, Any] = field(default_factory=dict)
    owns_runner: bool = True

    def get(self, name: str) -> Any | None:
        """The view of that name, if this build has it."""
        return self.by_name.get(name)

    def wait_for(self, notification_id: int | None, timeout_s: float = READ_YOUR_WRITES_TIMEOUT_S,
                 names: list[str] | None = None) -> bool:
        """Read-your-writes: wait until the views have applied ``notification_id``."""
        if notification_id is None or self.runner is None:
            return True
        wanted = [name for name in (names or list(self.by_name)) if name in self.by_name]
        result: bool = self.runner.wait_for(notification_id, timeout_s, names=wanted or None)
        return result

    def position(self, name: str) -> int:
        """A view's position (0 if unknown)."""
        if self.runner is None or name not in self.by_name:
            return 0
        return int(self.runner.positions().get(name, 0))

    def status(self) -> dict[str, dict[str, Any]]:
        """Position and lag of each view."""
        if self.runner is None:
            return {}
        status: dict[str, dict[str, Any]] = self.runner.status()
        return status

    def wake(self) -> None:
        """Tell the runner there is something new."""
        if self.runner is not None and hasattr(self.runner, "wake"):
            self.runner.wake()

    def start(self) -> None:
        """Follow the store in the background."""
        if self.runner is not None and self.owns_runner:
            self.runner.catch_up()
            self.runner.start()

    def stop(self) -> None:
        """Stop following and close the view database."""
        if self.runner is not None and self.owns_runner:
            self.runner.stop()
            database = getattr(self.runner, "database", None)
            if database is not None:
                database.close()


def open_views(ledger: Ledger, location: StoreLocation) -> Views:
    """The views of the store (``infra.projections_wiring``), not yet following."""
    del location  # The wiring reads it from the ledger.
    wiring = _optional_module("infra.projections_wiring")
    if wiring is None:
        return Views(runner=None)
    projections = wiring.open_projections(ledger, follow=False)
    runner = projections.runner
    return Views(runner=runner, by_name=dict(runner.views))


def _optional_module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


@dataclass
class Services:
    """Everything a request handler may need."""

    location: StoreLocation
    ledger: Ledger
    tokens: TokenStore
    views: Views
    feed: Any
    """The live feed (``infra.api.live.LiveFeed``)."""
    owns_ledger: bool = True
    extras: dict[str, Any] = field(default_factory=dict)
