"""``cocagne stock --json --as-of`` tells the truth: at random moments of the demo (and at
moments with deliveries on the road), every lot, site total, outlet holding and line in
transit equals a recount folded from the stored events alone (``tests/stock_recount.py``,
which shares nothing with the stock view). On an SQLite file and on PostgreSQL.

Also: the demo ends at the week of ``--end`` with a working warehouse (lots on hold,
recalled, expired, expiring soon and on the road), and the same ``--seed`` and ``--end``
give the same lot codes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.lots import Lot
from infra.cli.main import main
from infra.demo.territory import DemoSummary, generate_demo
from infra.ledger.ledger import Ledger, iter_events
from infra.logs import configure_logging
from infra.store import StoreLocation, sqlite_location
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.stock_recount import recount

DEMO_END = date(2026, 12, 10)
"""A Thursday: the end falls after the week's deliveries have left."""
DEMO_WEEKS = 4
RANDOM_MOMENTS = 10  # Besides the fixed ones; each costs a CLI run and a recount.


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[StoreLocation, list[str], DemoSummary, list[Any]]]:
    """A demo written into a fresh store: its location, the CLI's store arguments, the
    demo's summary and every stored event."""
    if request.param == "sqlite":
        location = sqlite_location(tmp_path_factory.mktemp("demo") / "ledger.db")
        arguments = ["--db", str(location.sqlite_path)]
    else:
        location = create_postgres_database()
        arguments = ["--database-url", location.url]
    try:
        ledger = Ledger(location)
        summary = generate_demo(ledger, weeks=DEMO_WEEKS, seed=5, end=DEMO_END)
        events = list(iter_events(ledger))
        ledger.close()
        yield location, arguments, summary, events
    finally:
        if request.param == "postgres":
            drop_postgres_database(location)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """``main`` points the logs at the captured stderr; point them back afterwards."""
    yield
    configure_logging("warning")


def stock_json(capsys: pytest.CaptureFixture[str], arguments: list[str],
               moment: datetime) -> dict[str, Any]:
    """``cocagne stock --json --outlets --as-of MOMENT``."""
    code = main(["stock", "--json", "--outlets", "--as-of", moment.isoformat(), *arguments])
    out = capsys.readouterr().out
    assert code == 0
    answer: dict[str, Any] = json.loads(out)
    return answer


def moments_of(summary: DemoSummary, events: list[Any]) -> list[datetime]:
    """Random moments of the demo, each Thursday between dispatch and receipt (vans on the
    road), and the end."""
    assert summary.start is not None
    assert summary.end is not None
    start = datetime.combine(summary.start, datetime.min.time(), tzinfo=UTC)
    span_s = int((summary.end - start).total_seconds())
    rng = random.Random(2026)
    moments = [start + timedelta(seconds=rng.randrange(span_s)) for _ in range(RANDOM_MOMENTS)]
    dispatched = sorted({event.context.occurred_at for event in events
                         if isinstance(event, Lot.Dispatched)})
    moments += [moment + timedelta(hours=1) for moment in dispatched]
    return sorted({*moments, summary.end})


def compare(answer: dict[str, Any], events: list[Any], moment: datetime) -> int:
    """Assert the CLI's answer equals the recount at ``moment``; grams on the road."""
    counted = recount(events, moment)
    lines = {UUID(line["lot_id"]): {
        key: line[key] for key in (
            "site_id", "product", "code", "on_hand_g", "reserved_g", "available_g",
            "in_transit_g", "on_hold_g", "recalled_g", "expired_g", "expiring_soon_g",
            "blocked_by_date", "recalled", "on_hold")} for line in answer["lines"]}
    assert lines == counted.lot_states(), moment
    totals = {(total["site_id"], total["product"]): {
        key: total[key] for key in (
            "lots", "on_hand_g", "reserved_g", "available_g", "in_transit_g", "on_hold_g",
            "recalled_g", "expired_g", "expiring_soon_g")} for total in answer["totals"]}
    assert totals == counted.site_totals(), moment
    assert {(holding["outlet_id"], holding["lot_id"]): holding["held_g"]
            for holding in answer["outlet_holdings"]} == counted.outlet_holdings(), moment
    transit = {(line["lot_id"], line["delivery_id"], line["outlet_id"]): (
        line["quantity_g"], datetime.fromisoformat(line["since"]))
        for line in answer["in_transit"]}
    assert transit == counted.in_transit(), moment
    return sum(grams for grams, _ in transit.values())


def test_stock_equals_a_recount_at_every_moment(
        demo_store: tuple[StoreLocation, list[str], DemoSummary, list[Any]],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Lots, totals, outlets and transit equal the recount at each moment, some of them
    with vans on the road."""
    _, arguments, summary, events = demo_store
    on_the_road = [compare(stock_json(capsys, arguments, moment), events, moment)
                   for moment in moments_of(summary, events)]
    assert sum(1 for grams in on_the_road if grams) >= 3, "too few moments with transit"


def test_the_demo_ends_with_a_working_warehouse(
        demo_store: tuple[StoreLocation, list[str], DemoSummary, list[Any]],
        capsys: pytest.CaptureFixture[str]) -> None:
    """At its end: lots expiring soon, a few expired, one held, one recalled, some in
    transit; nothing dated after the end."""
    _, arguments, summary, events = demo_store
    assert summary.end is not None
    assert max(event.context.occurred_at for event in events) <= summary.end
    answer = stock_json(capsys, arguments, summary.end)
    lines = answer["lines"]
    assert sum(1 for line in lines if line["expiring_soon"]) >= 1
    assert 1 <= sum(1 for line in lines if line["expiry"] == "expired") <= 5
    assert sum(1 for line in lines if line["on_hold"]) == 1
    assert sum(1 for line in lines if line["recalled"]) >= 1
    assert answer["in_transit"]
    assert summary.held_lot_codes
    assert summary.recalled_lot_codes
    assert summary.refused_lot_codes
    assert summary.donation_lot_codes
    assert summary.merged_lot_codes


def lot_codes(location: StoreLocation) -> list[str]:
    """Every lot code of a store, in log order."""
    ledger = Ledger(location)
    try:
        return [event.code for event in iter_events(ledger)
                if isinstance(event, Lot.Offered | Lot.Derived | Lot.DonationReceived)]
    finally:
        ledger.close()


def test_the_same_seed_and_end_give_the_same_lot_codes(tmp_path: Path) -> None:
    """Two runs, same seed and end: the same codes; another end: other harvest days."""
    codes = []
    for name, end in (("a", DEMO_END), ("b", DEMO_END), ("c", DEMO_END + timedelta(weeks=1))):
        location = sqlite_location(tmp_path / f"{name}.db")
        ledger = Ledger(location)
        generate_demo(ledger, weeks=2, seed=9, end=end, with_governance=False)
        ledger.close()
        codes.append(lot_codes(location))
    assert codes[0] == codes[1]
    assert len(codes[0]) >= 40
    assert codes[0] != codes[2]
