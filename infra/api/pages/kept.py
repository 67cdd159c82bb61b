"""What the pages compute from the store, kept until the store moves: tables, figures and
lists of choices that cost milliseconds each, valid for one *stamp* — the store's head, each
view's position, the directory's position and the day (Paris).

People read far more than they write: a page reloaded while nothing was written reuses them.
Any new event, anywhere, moves the head, and the next page computes afresh; so does a view
or the directory catching up, and midnight. A value is computed from what the views and the
directory hold when it is computed, which is at least what its stamp says (they only move
forward, and the stamp is read before anything kept is computed): a page that waited for
its own act (``?apres=N``) always shows it. Only the latest stamp's values are kept.

Kept values are shared between requests' threads: they must be immutable (``Markup``,
tuples of ``Option``…) and never changed once kept. Nothing that depends on the time of day
(a vote's closing, a default moment in a form) or on more of the caller than its key says
may be kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar

T = TypeVar("T")

KEPT_MAX = 512
"""Values kept for one stamp: a few per page, and the downloads of each member who looked."""

Stamp = tuple[int, int, int, int, int, date]
"""Head, stock, trace and balances positions, directory position, day."""


class Kept:
    """Values of the latest stamp, by key (see the module)."""

    def __init__(self) -> None:
        self._stamp: Stamp | None = None
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, stamp: Stamp, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept under ``key`` for ``stamp``, computed (and kept) if absent."""
        with self._lock:
            if stamp == self._stamp and key in self._values:
                found: T = self._values[key]
                return found
        value = compute()
        with self._lock:
            if stamp != self._stamp:
                self._stamp, self._values = stamp, {}
            if len(self._values) >= KEPT_MAX:
                self._values.clear()
            self._values[key] = value
        return value


def kept_of(extras: dict[str, Any]) -> Kept:
    """The app's kept values, created on first use (in the services' extras)."""
    kept = extras.get("page_kept")
    if kept is None:
        kept = extras.setdefault("page_kept", Kept())
    assert isinstance(kept, Kept)
    return kept
