"""What the API's handlers share: the ledger, the token store, the views, the live feed."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from infra.api.auth import TokenStore
from infra.ledger.ledger import Ledger
from infra.projections_wiring import LedgerProjections, open_projections
from infra.store import StoreLocation
from projections.balances import BalancesView
from projections.runner import ProjectionRunner
from projections.stock import StockView
from projections.trace import TraceView

READ_YOUR_WRITES_TIMEOUT_S = 5.0
"""How long a query with ``?after=N`` waits for the views to reach notification N: a batch
applies in well under a second; longer means the views are stuck, which /readyz reports."""


@dataclass
class Views:
    """The projections the API reads, kept current by one in-process runner."""

    projections: LedgerProjections
    owns_runner: bool = True

    @property
    def stock(self) -> StockView:
        """Stock per site, product and lot, now or as of a moment."""
        return self.projections.stock

    @property
    def trace(self) -> TraceView:
        """Lots' genealogy and movements, backward and forward."""
        return self.projections.trace

    @property
    def balances(self) -> BalancesView:
        """Accounts and transfers."""
        return self.projections.balances

    @property
    def runner(self) -> ProjectionRunner:
        """The runner that applies events to the views."""
        return self.projections.runner

    def wait_for(self, notification_id: int | None, timeout_s: float = READ_YOUR_WRITES_TIMEOUT_S,
                 names: list[str] | None = None) -> bool:
        """Read-your-writes: wait until the views have applied ``notification_id``."""
        if notification_id is None:
            return True
        return self.projections.wait_for(notification_id, timeout_s, names=names)

    def snapshot(self, names: list[str]) -> AbstractContextManager[dict[str, int]]:
        """Read the named views at one moment: their stored positions, and queries of this
        thread inside the block that answer exactly the events up to them."""
        return self.projections.snapshot(names)

    def position(self, name: str) -> int:
        """A view's position (0 if unknown)."""
        return int(self.runner.positions().get(name, 0))

    def status(self) -> dict[str, dict[str, Any]]:
        """Position and lag of each view."""
        status: dict[str, dict[str, Any]] = self.runner.status()
        return status

    def wake(self) -> None:
        """Tell the runner there is something new."""
        self.runner.wake()

    def start(self) -> None:
        """Follow the store in the background."""
        if self.owns_runner:
            self.projections.catch_up()
            self.projections.start()

    def stop(self) -> None:
        """Stop following and close the view database."""
        if self.owns_runner:
            self.projections.close()


def open_views(ledger: Ledger) -> Views:
    """The views of the ledger's store, not yet following."""
    return Views(open_projections(ledger, follow=False))


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
