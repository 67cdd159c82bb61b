"""The demo lives its simulated weeks at their own time.

The business-time rule (``domain.business_time``) refuses acts dated more than the
back-dating window before now. The demo writes weeks of a cooperative's life that begin on a
fixed Monday, long before the day it runs, so its batches run in the ledger's ``lived``
mode: each at the latest business time its commands give, as if recorded while it happened,
which is what the demo pretends. The founding and lot-date plausibility apply in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain import commands as c
from infra.ledger.ledger import Ledger


def execute_lived(ledger: Ledger, commands: Sequence[Any]) -> list[c.CommandResult]:
    """Execute ``commands`` in one batch in the ledger's ``lived`` mode, then restore it."""
    previous = ledger.lived
    ledger.lived = True
    try:
        return ledger.execute_batch(commands)
    finally:
        ledger.lived = previous
