"""The domain's catalogue of stream modules is complete: a consumer that imports it knows
every event type the ledger writes."""

from __future__ import annotations

from pathlib import Path

import domain
from domain.catalogue import STREAM_MODULES, event_classes


def test_every_module_defining_an_event_is_in_the_catalogue() -> None:
    """Each ``domain`` module declaring a ``TOPIC`` is imported by ``domain.catalogue``."""
    folder = Path(domain.__file__).parent
    defining = {path.stem for path in folder.glob("*.py")
                if "TOPIC: ClassVar" in path.read_text() and path.stem != "base"}
    assert defining == {module.__name__.rsplit(".", 1)[1] for module in STREAM_MODULES}


def test_the_catalogue_knows_the_records_and_the_lots() -> None:
    """Command records and lot offers, among the rest, are known by topic."""
    known = event_classes()
    assert {"command.handled", "lot.offered", "cooperative.founded"} <= set(known)
