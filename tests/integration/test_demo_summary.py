"""The demo's summary counts every programme: the food banks' supply chain and the
"Paniers Solidaires" basket programme, from what the store holds afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from domain.lots import Lot
from infra.cli.main import main
from infra.cli.words import use_language
from infra.demo.governance import BASKET_PRODUCTS
from infra.demo.territory import SUPPLY_CHAIN, DemoSummary, generate_demo
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import StoreLocation
from projections.runner import stored_topics
from tests.builders import DEMO_END

WEEKS = 2
DEMO_SATURDAY = DEMO_END + timedelta(days=2)
"""The demo ends at a moment; ending on a Saturday, each of its weeks has had its baskets."""
HOUSEHOLDS = 40  # seed_governance's default roll


@pytest.fixture
def demo(sqlite_store: StoreLocation) -> Iterator[tuple[Ledger, DemoSummary]]:
    """A two-week demo and its summary."""
    ledger = Ledger(sqlite_store)
    try:
        yield ledger, generate_demo(ledger, weeks=WEEKS, seed=7, end=DEMO_SATURDAY)
    finally:
        ledger.close()


def test_the_basket_programme_is_counted(demo: tuple[Ledger, DemoSummary]) -> None:
    """Each week's basket lots and their kilograms are in the totals, under their programme."""
    ledger, summary = demo
    baskets = summary.programmes["Paniers Solidaires"]
    assert baskets.lots == len(BASKET_PRODUCTS) * WEEKS
    assert baskets.received_g == sum(grams for _, grams in BASKET_PRODUCTS) * HOUSEHOLDS * WEEKS
    supply = summary.programmes[SUPPLY_CHAIN]
    assert summary.lots == supply.lots + baskets.lots
    assert summary.received_g == supply.received_g + baskets.received_g
    offered = ledger.recorder.select_notifications(1, 100_000,
                                                   topics=stored_topics(Lot.Offered))
    assert summary.lots == len(offered)
    assert summary.distributed_g_by_channel["basket"] == baskets.received_g
    assert summary.baskets_prepared == HOUSEHOLDS * WEEKS
    assert summary.baskets_collected + summary.baskets_cancelled == summary.baskets_prepared
    assert summary.households == HOUSEHOLDS
    assert sum(summary.distributed_g_by_outlet.values()) == \
        sum(summary.distributed_g_by_channel.values())
    assert summary.events_written + summary.commands == summary.events_stored


def test_the_summary_is_printed_in_french(sqlite_store: StoreLocation,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """``cocagne demo`` names both programmes with their lots and kilograms, in French."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    try:
        code = main(["demo", "--weeks", str(WEEKS), "--end", DEMO_SATURDAY.isoformat(),
                     "--db", str(sqlite_store.sqlite_path)])
    finally:
        use_language("fr", {})
        configure_logging("warning")
    out = capsys.readouterr().out.replace("\u202f", " ").replace("\u00a0", " ")
    assert code == 0
    lines = out.splitlines()
    offered = next(line for line in lines if line.startswith("lots proposés : "))
    assert f"Paniers Solidaires : {len(BASKET_PRODUCTS) * WEEKS})" in offered
    assert "filière des banques alimentaires : " in offered
    received = next(line for line in lines if line.startswith("reçu : "))
    assert "Paniers Solidaires : 224 kg" in received
    assert "paniers : 80 préparés" in out
    assert "Point relais — Centre social des Pentes" in out
