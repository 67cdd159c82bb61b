"""Stock view: what each site holds, per product and lot, now or at any past moment.

**Events read**: ``lot.offered``, ``lot.offer_accepted``, ``lot.offer_declined``,
``lot.received``, ``lot.derived``, ``lot.split``, ``lot.merged_into``,
``lot.transformed_into``, ``lot.reserved``, ``lot.reservation_released``,
``lot.dispatched``, ``lot.delivered``, ``lot.lost``, ``lot.distributed``, ``lot.recalled``,
``site.registered``, ``member.registered`` (every stored version of each).

**Tables owned** (prefixed, ``view_`` by default):

- ``stock_lots``: one row per lot: code, product, variety, producer, platform, site, status,
  best-before, on hand, reserved, in transit (dispatched, not yet signed for), and when it was
  recalled (business and recorded time). Available is on hand minus reserved.
- ``stock_outlet_holdings``: what each outlet holds of each lot (delivered, not yet
  distributed or lost). A lot delivered to an outlet leaves the platform's stock and shows
  here instead; rows at zero are deleted.
- ``stock_changes``: one row per event that changed a quantity, with both times: the journal
  that answers as-of queries (sum of the changes up to a moment).
- ``stock_sites``, ``stock_members``: names, for filters and display.

**Position**: the runner stores the last notification id applied in the ``tracking`` table,
in the same transaction as the batch's rows.

**Rebuild from zero**: ``cocagne rebuild stock`` (or ``ProjectionRunner.rebuild("stock")``)
drops these tables, resets the position to 0 and replays the log.

Apply is batch-at-a-time and never reads the view back: lots created in the batch are
inserted whole, quantity changes to older lots are summed per lot and added in bulk
(``UPDATE ... SET on_hand_g = on_hand_g + ?``), holdings upserted with their summed change;
memory is bounded by the batch size, never by history length. Expiring-soon is computed at
query time (it depends on today, not on events), today being the day in Europe/Paris (where
the cooperative's best-before dates are read, whatever the server's clock zone); recalled
comes from ``lot.recalled``. :meth:`StockView.grams_by_site_and_product` sums the lots in
stock per site and product in one aggregate query (the API's ``/metrics`` reads it).

**As-of** uses business time (``context.occurred_at``: when the act happened in the world) by
default, or recorded time (the event's ``timestamp``) on request. Lot attributes never change
after creation (a lot never moves between sites), so the journal's sums are enough.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from domain.base import Event
from domain.lots import Lot
from domain.members import Member
from domain.sites import Site
from projections.runner import View
from projections.view_store import Row, ViewTransaction, execute_in, to_us

TimeBasis = Literal["business", "recorded"]
EXPIRING_DAYS_DEFAULT = 3
"""A lot within three days of its best-before must be distributed first (a platform's weekly
round plus delivery takes about that long)."""
STOCK_LINES_MAX = 100_000  # Rows one stock query returns; a national network holds far fewer.
STOCK_GROUPS_MAX = 100_000
"""(site, product) groups one aggregate returns: a national network has a few hundred sites
and a few dozen products, so this bound is never reached in practice."""
COOPERATIVE_ZONE = ZoneInfo("Europe/Paris")
"""Where best-before dates are read: a lot expires at the end of its day in France."""


def cooperative_today(now: datetime | None = None) -> date:
    """Today's date in Europe/Paris (a server on UTC is a day behind from 22:00 or 23:00)."""
    return (now or datetime.now(tz=COOPERATIVE_ZONE)).astimezone(COOPERATIVE_ZONE).date()

# Column order of a stock_lots row held in memory during a batch.
_ON_HAND, _RESERVED, _IN_TRANSIT = range(9, 12)
_LOT_COLUMNS = ("lot_id", "code", "product", "variety", "producer_id", "platform_id",
                "site_id", "status", "best_before", "on_hand_g", "reserved_g", "in_transit_g",
                "recalled_at_us", "recalled_recorded_us")


class StockLine(msgspec.Struct, frozen=True, kw_only=True):
    """One lot's stock at one site."""

    site_id: str
    site_name: str
    product: str
    lot_id: str
    code: str
    variety: str
    best_before: str
    on_hand_g: int
    reserved_g: int
    available_g: int
    in_transit_g: int
    expiring_soon: bool
    recalled: bool


class StockTotal(msgspec.Struct, frozen=True, kw_only=True):
    """One product's stock at one site."""

    site_id: str
    site_name: str
    product: str
    lots: int
    on_hand_g: int
    reserved_g: int
    available_g: int
    expiring_soon_g: int
    recalled_g: int


class StockGrams(msgspec.Struct, frozen=True, kw_only=True):
    """What one site holds of one product, in grams, split by expiry (for metrics)."""

    site_id: str
    site_name: str
    product: str
    on_hand_g: int
    reserved_g: int
    available_g: int
    expiring_g: int
    """On hand with a best-before from today to ``expiring_days`` days ahead."""
    expired_g: int
    """On hand with a best-before before today."""
    recalled_g: int


class OutletHolding(msgspec.Struct, frozen=True, kw_only=True):
    """What an outlet holds of a lot."""

    outlet_id: str
    outlet_name: str
    lot_id: str
    code: str
    product: str
    held_g: int
    recalled: bool


class StockView(View):
    """Stock per site, product and lot."""

    name: ClassVar[str] = "stock"
    schema_version: ClassVar[int] = 2
    """2: the on-hand index covers the aggregate of the stock metrics (rebuilt once)."""
    event_classes: ClassVar[tuple[type[Event], ...]] = (
        Lot.Offered, Lot.OfferAccepted, Lot.OfferDeclined, Lot.Received, Lot.Derived,
        Lot.Split, Lot.MergedInto, Lot.TransformedInto, Lot.Reserved, Lot.ReservationReleased,
        Lot.Dispatched, Lot.Delivered, Lot.Lost, Lot.Distributed, Lot.Recalled,
        Site.Registered, Member.Registered,
    )
    table_names: ClassVar[tuple[str, ...]] = (
        "stock_lots", "stock_outlet_holdings", "stock_changes", "stock_sites", "stock_members")

    def create_statements(self) -> list[str]:
        """Tables and indexes."""
        without_rowid = " WITHOUT ROWID" if self.database.dialect == "sqlite" else ""
        lots, holdings, changes = (self.table("stock_lots"), self.table("stock_outlet_holdings"),
                                   self.table("stock_changes"))
        return [
            f"CREATE TABLE IF NOT EXISTS {lots} ("
            "lot_id TEXT PRIMARY KEY, code TEXT NOT NULL, product TEXT NOT NULL, "
            "variety TEXT NOT NULL, producer_id TEXT, platform_id TEXT, site_id TEXT, "
            "status TEXT NOT NULL, best_before TEXT NOT NULL, on_hand_g BIGINT NOT NULL, "
            "reserved_g BIGINT NOT NULL, in_transit_g BIGINT NOT NULL, recalled_at_us BIGINT, "
            f"recalled_recorded_us BIGINT){without_rowid}",
            # Lots in stock only; it carries the columns the per-site-and-product aggregate
            # reads (grams_by_site_and_product), so that query never visits the table: six
            # times faster at 100,000 lots on hand (python -m bench.metrics).
            f"CREATE INDEX IF NOT EXISTS {lots}_on_hand ON {lots} (site_id, product, "
            "best_before, on_hand_g, reserved_g, recalled_at_us) WHERE on_hand_g > 0",
            f"CREATE TABLE IF NOT EXISTS {holdings} ("
            "lot_id TEXT NOT NULL, outlet_id TEXT NOT NULL, held_g BIGINT NOT NULL, "
            f"PRIMARY KEY (lot_id, outlet_id)){without_rowid}",
            f"CREATE INDEX IF NOT EXISTS {holdings}_outlet ON {holdings} (outlet_id)",
            f"CREATE TABLE IF NOT EXISTS {changes} ("
            f"position {self.database.integer_key}, lot_id TEXT NOT NULL, outlet_id TEXT, "
            "on_hand_delta_g BIGINT NOT NULL, reserved_delta_g BIGINT NOT NULL, "
            "in_transit_delta_g BIGINT NOT NULL, held_delta_g BIGINT NOT NULL, "
            "occurred_at_us BIGINT NOT NULL, recorded_at_us BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.table('stock_sites')} ("
            "site_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
            "operator_id TEXT NOT NULL, city TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.table('stock_members')} ("
            "member_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL)",
        ]

    # ------------------------------------------------------------------ apply

    def apply(self, transaction: ViewTransaction, events: Sequence[tuple[int, Event]]) -> None:
        """Apply a batch: gather its changes in memory, then write them in bulk."""
        _StockBatch(self, transaction).run(events)

    # ---------------------------------------------------------------- queries

    def lines(self, *, site_id: str | None = None, product: str | None = None,
              today: date | None = None, expiring_days: int = EXPIRING_DAYS_DEFAULT,
              as_of: datetime | None = None, basis: TimeBasis = "business",
              ) -> list[StockLine]:
        """Lots in stock (on hand > 0) per site and product, now or as of a moment."""
        today = today or cooperative_today()
        expiry_limit = (today + timedelta(days=expiring_days)).isoformat()
        lots, sites = self.table("stock_lots"), self.table("stock_sites")
        filters, params = _filters(site_id, product)
        if as_of is None:
            rows = self.database.query(
                f"SELECT l.site_id, COALESCE(s.name, ''), l.product, l.lot_id, l.code, "
                "l.variety, l.best_before, l.on_hand_g, l.reserved_g, l.in_transit_g, "
                f"l.recalled_at_us IS NOT NULL FROM {lots} l "
                f"LEFT JOIN {sites} s ON s.site_id = l.site_id "
                f"WHERE l.on_hand_g > 0{filters} "
                "ORDER BY COALESCE(s.name, ''), l.site_id, l.product, l.best_before, l.code "
                f"LIMIT {STOCK_LINES_MAX}", params)
        else:
            rows = self._lines_as_of(to_us(as_of), basis, filters, params)
        return [StockLine(site_id=row[0], site_name=row[1], product=row[2], lot_id=row[3],
                          code=row[4], variety=row[5], best_before=row[6],
                          on_hand_g=int(row[7]), reserved_g=int(row[8]),
                          available_g=int(row[7]) - int(row[8]), in_transit_g=int(row[9]),
                          expiring_soon=row[6] <= expiry_limit, recalled=bool(row[10]))
                for row in rows]

    def _lines_as_of(self, at_us: int, basis: TimeBasis, filters: str,
                     params: list[Any]) -> list[Row]:
        lots, sites, changes = (self.table("stock_lots"), self.table("stock_sites"),
                                self.table("stock_changes"))
        time_column = "occurred_at_us" if basis == "business" else "recorded_at_us"
        recalled_column = "recalled_at_us" if basis == "business" else "recalled_recorded_us"
        return self.database.query(
            "SELECT l.site_id, COALESCE(s.name, ''), l.product, l.lot_id, l.code, l.variety, "
            "l.best_before, c.on_hand_g, c.reserved_g, c.in_transit_g, "
            f"l.{recalled_column} IS NOT NULL AND l.{recalled_column} <= ? "
            "FROM (SELECT lot_id, SUM(on_hand_delta_g) AS on_hand_g, "
            "SUM(reserved_delta_g) AS reserved_g, SUM(in_transit_delta_g) AS in_transit_g "
            f"FROM {changes} WHERE {time_column} <= ? GROUP BY lot_id) c "
            f"JOIN {lots} l ON l.lot_id = c.lot_id "
            f"LEFT JOIN {sites} s ON s.site_id = l.site_id "
            f"WHERE c.on_hand_g > 0{filters} "
            "ORDER BY COALESCE(s.name, ''), l.site_id, l.product, l.best_before, l.code "
            f"LIMIT {STOCK_LINES_MAX}", [at_us, at_us, *params])

    def totals(self, *, site_id: str | None = None, product: str | None = None,
               today: date | None = None, expiring_days: int = EXPIRING_DAYS_DEFAULT,
               as_of: datetime | None = None, basis: TimeBasis = "business",
               ) -> list[StockTotal]:
        """Stock per site and product (sums of :meth:`lines`)."""
        totals: dict[tuple[str, str], list[Any]] = {}
        for line in self.lines(site_id=site_id, product=product, today=today,
                               expiring_days=expiring_days, as_of=as_of, basis=basis):
            entry = totals.setdefault((line.site_id, line.product),
                                      [line.site_name, 0, 0, 0, 0, 0])
            entry[1] += 1
            entry[2] += line.on_hand_g
            entry[3] += line.reserved_g
            entry[4] += line.on_hand_g if line.expiring_soon else 0
            entry[5] += line.on_hand_g if line.recalled else 0
        return [StockTotal(site_id=site, site_name=entry[0], product=product_name,
                           lots=entry[1], on_hand_g=entry[2], reserved_g=entry[3],
                           available_g=entry[2] - entry[3], expiring_soon_g=entry[4],
                           recalled_g=entry[5])
                for (site, product_name), entry in totals.items()]

    def grams_by_site_and_product(self, *, today: date | None = None,
                                  expiring_days: int = EXPIRING_DAYS_DEFAULT,
                                  ) -> list[StockGrams]:
        """Grams on hand, reserved, expiring, expired and recalled per site and product.

        One aggregate over the lots in stock (the ``on_hand`` partial index holds exactly
        them), so its cost follows what sites hold now, never the length of the history.
        Expiring counts from today to ``today + expiring_days`` inclusive; expired is before
        today; a lot past its date is expired, not expiring.
        """
        today = today or cooperative_today()
        first_day = today.isoformat()
        last_day = (today + timedelta(days=expiring_days)).isoformat()
        lots, sites = self.table("stock_lots"), self.table("stock_sites")
        rows = self.database.query(
            "SELECT l.site_id, COALESCE(MAX(s.name), ''), l.product, SUM(l.on_hand_g), "
            "SUM(l.reserved_g), "
            "SUM(CASE WHEN l.best_before >= ? AND l.best_before <= ? THEN l.on_hand_g "
            "ELSE 0 END), "
            "SUM(CASE WHEN l.best_before < ? THEN l.on_hand_g ELSE 0 END), "
            "SUM(CASE WHEN l.recalled_at_us IS NOT NULL THEN l.on_hand_g ELSE 0 END) "
            f"FROM {lots} l LEFT JOIN {sites} s ON s.site_id = l.site_id "
            "WHERE l.on_hand_g > 0 AND l.site_id IS NOT NULL "
            "GROUP BY l.site_id, l.product ORDER BY l.site_id, l.product "
            f"LIMIT {STOCK_GROUPS_MAX}", (first_day, last_day, first_day))
        return [StockGrams(site_id=row[0], site_name=row[1], product=row[2],
                           on_hand_g=int(row[3]), reserved_g=int(row[4]),
                           available_g=int(row[3]) - int(row[4]), expiring_g=int(row[5]),
                           expired_g=int(row[6]), recalled_g=int(row[7]))
                for row in rows]

    def outlet_holdings(self, *, outlet_id: str | None = None,
                        product: str | None = None) -> list[OutletHolding]:
        """What outlets currently hold (delivered, not yet distributed or lost)."""
        holdings, lots, members = (self.table("stock_outlet_holdings"),
                                   self.table("stock_lots"), self.table("stock_members"))
        clauses, params = [], []
        if outlet_id is not None:
            clauses.append("h.outlet_id = ?")
            params.append(outlet_id)
        if product is not None:
            clauses.append("l.product = ?")
            params.append(product)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        rows = self.database.query(
            "SELECT h.outlet_id, COALESCE(m.name, ''), h.lot_id, l.code, l.product, h.held_g, "
            f"l.recalled_at_us IS NOT NULL FROM {holdings} h "
            f"JOIN {lots} l ON l.lot_id = h.lot_id "
            f"LEFT JOIN {members} m ON m.member_id = h.outlet_id {where}"
            f"ORDER BY COALESCE(m.name, ''), h.outlet_id, l.product, l.code "
            f"LIMIT {STOCK_LINES_MAX}", params)
        return [OutletHolding(outlet_id=row[0], outlet_name=row[1], lot_id=row[2], code=row[3],
                              product=row[4], held_g=int(row[5]), recalled=bool(row[6]))
                for row in rows]

    def find_sites(self, text: str) -> list[tuple[str, str]]:
        """Sites whose id or name is ``text`` (names compared without case)."""
        return [(row[0], row[1]) for row in self.database.query(
            f"SELECT site_id, name FROM {self.table('stock_sites')} "
            "WHERE site_id = ? OR LOWER(name) = LOWER(?) ORDER BY name", (text, text))]


def _filters(site_id: str | None, product: str | None) -> tuple[str, list[Any]]:
    clauses, params = "", []
    if site_id is not None:
        clauses += " AND l.site_id = ?"
        params.append(site_id)
    if product is not None:
        clauses += " AND l.product = ?"
        params.append(product.strip().lower())
    return clauses, params


class _StockBatch:
    """What one batch changes, gathered in memory and written with a few bulk statements.

    Nothing is read back: lots created in the batch are inserted whole (later events of the
    batch change the row in memory first); existing lots get their quantity changes summed
    per lot and added in one ``UPDATE`` each, and their few attribute changes (site, status,
    recall) set the same way; outlet holdings are upserted with their summed change, and
    those that reach zero deleted. Handlers take ``(position, event, lot_id)``: the stream
    id becomes text once per event, other ids through a per-batch memo.
    """

    def __init__(self, view: StockView, transaction: ViewTransaction) -> None:
        self.view = view
        self.transaction = transaction
        self.new: dict[str, list[Any]] = {}
        self.deltas: dict[str, list[int]] = {}
        """Existing lots: summed change of on hand, reserved, in transit."""
        self.attributes: dict[str, list[Any]] = {}
        """Existing lots: platform, site, status, recall times (None: unchanged)."""
        self.holdings: dict[tuple[str, str], int] = {}
        """Summed change of each outlet holding."""
        self.changes: list[tuple[Any, ...]] = []
        self.sites: list[tuple[str, str, str, str, str]] = []
        self.members: list[tuple[str, str, str]] = []
        self._ids: dict[int, str] = {}
        self.handlers: dict[type[Event], Callable[[int, Any, str], None]] = {
            Lot.Offered: self._offered, Lot.OfferAccepted: self._accepted,
            Lot.OfferDeclined: self._declined, Lot.Received: self._received,
            Lot.Derived: self._derived, Lot.Split: self._used, Lot.MergedInto: self._used,
            Lot.TransformedInto: self._used, Lot.Reserved: self._reserved,
            Lot.ReservationReleased: self._released, Lot.Dispatched: self._dispatched,
            Lot.Delivered: self._delivered, Lot.Lost: self._lost,
            Lot.Distributed: self._distributed, Lot.Recalled: self._recalled,
            Site.Registered: self._site, Member.Registered: self._member,
        }

    def text(self, value: UUID) -> str:
        """An id as text, memoised for the batch (keyed by the id's integer: hashing a
        ``UUID`` itself runs Python code, hashing its ``int`` does not)."""
        key = value.int
        text = self._ids.get(key)
        if text is None:
            text = self._ids[key] = str(value)
        return text

    def run(self, events: Sequence[tuple[int, Event]]) -> None:
        """Apply every event in memory, then write."""
        handlers = self.handlers
        text = self.text
        for position, event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(position, event, text(event.originator_id))
        self.write()

    def write(self) -> None:
        """Write the batch's rows and changes."""
        view, transaction = self.view, self.transaction
        lots = view.table("stock_lots")
        if self.new:
            transaction.executemany(
                f"INSERT INTO {lots} ({', '.join(_LOT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_LOT_COLUMNS))})", self.new.values())
        transaction.update_many(
            lots, "lot_id", _ATTRIBUTE_COLUMNS,
            [(*values, lot_id) for lot_id, values in self.attributes.items()])
        transaction.update_many(
            lots, "lot_id", _QUANTITY_COLUMNS,
            [(*values, lot_id) for lot_id, values in self.deltas.items()], add=True)
        if self.holdings:
            holdings = view.table("stock_outlet_holdings")
            transaction.executemany(
                f"INSERT INTO {holdings} (lot_id, outlet_id, held_g) VALUES (?, ?, ?) "
                f"ON CONFLICT (lot_id, outlet_id) DO UPDATE "
                f"SET held_g = {holdings}.held_g + excluded.held_g",
                [(lot_id, outlet_id, held_g)
                 for (lot_id, outlet_id), held_g in self.holdings.items()])
            execute_in(transaction, f"DELETE FROM {holdings} WHERE held_g = 0 AND lot_id IN "
                       "({in_list})", list(dict.fromkeys(lot_id for lot_id, _ in self.holdings)))
        if self.changes:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_changes')} (position, lot_id, outlet_id, "
                "on_hand_delta_g, reserved_delta_g, in_transit_delta_g, held_delta_g, "
                "occurred_at_us, recorded_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.changes)
        if self.sites:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_sites')} (site_id, name, kind, operator_id, "
                "city) VALUES (?, ?, ?, ?, ?) ON CONFLICT (site_id) DO NOTHING", self.sites)
        if self.members:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_members')} (member_id, name, kind) "
                "VALUES (?, ?, ?) ON CONFLICT (member_id) DO NOTHING", self.members)

    # ---------------------------------------------------------------- helpers

    def _add(self, lot_id: str, on_hand_g: int, reserved_g: int, in_transit_g: int) -> None:
        row = self.new.get(lot_id)
        if row is not None:
            row[_ON_HAND] += on_hand_g
            row[_RESERVED] += reserved_g
            row[_IN_TRANSIT] += in_transit_g
            return
        delta = self.deltas.get(lot_id)
        if delta is None:
            self.deltas[lot_id] = [on_hand_g, reserved_g, in_transit_g]
        else:
            delta[0] += on_hand_g
            delta[1] += reserved_g
            delta[2] += in_transit_g

    def _set(self, lot_id: str, **values: Any) -> None:
        row = self.new.get(lot_id)
        if row is not None:
            for column, value in values.items():
                row[_LOT_INDEX[column]] = value
            return
        attributes = self.attributes.setdefault(lot_id, [None] * len(_ATTRIBUTE_COLUMNS))
        for column, value in values.items():
            attributes[_ATTRIBUTE_INDEX[column]] = value

    def _hold(self, lot_id: str, outlet_id: str, held_g: int) -> None:
        key = (lot_id, outlet_id)
        self.holdings[key] = self.holdings.get(key, 0) + held_g

    def _change(self, position: int, event: Event, lot_id: str, outlet_id: str | None,
                on_hand_g: int, reserved_g: int, in_transit_g: int, held_g: int) -> None:
        self.changes.append((position, lot_id, outlet_id, on_hand_g, reserved_g, in_transit_g,
                             held_g, to_us(event.context.occurred_at), to_us(event.timestamp)))

    # --------------------------------------------------------------- handlers

    def _offered(self, _: int, event: Lot.Offered, lot_id: str) -> None:
        self.new[lot_id] = [
            lot_id, event.code, event.product, event.variety, self.text(event.producer_id),
            None, None, "offered", event.best_before.isoformat(), 0, 0, 0, None, None]

    def _accepted(self, _: int, event: Lot.OfferAccepted, lot_id: str) -> None:
        self._set(lot_id, platform_id=self.text(event.platform_id),
                  site_id=self.text(event.site_id), status="accepted")

    def _declined(self, _: int, event: Lot.OfferDeclined, lot_id: str) -> None:
        self._set(lot_id, platform_id=self.text(event.platform_id), status="declined")

    def _received(self, position: int, event: Lot.Received, lot_id: str) -> None:
        self._set(lot_id, site_id=self.text(event.site_id), status="received")
        self._add(lot_id, event.measured_g, 0, 0)
        self._change(position, event, lot_id, None, event.measured_g, 0, 0, 0)

    def _derived(self, position: int, event: Lot.Derived, lot_id: str) -> None:
        self.new[lot_id] = [
            lot_id, event.code, event.product, event.variety,
            None if event.producer_id is None else self.text(event.producer_id),
            self.text(event.platform_id), self.text(event.site_id), "received",
            event.best_before.isoformat(), event.quantity_g, 0, 0, None, None]
        self._change(position, event, lot_id, None, event.quantity_g, 0, 0, 0)

    def _used(self, position: int, event: Lot.Split | Lot.MergedInto | Lot.TransformedInto,
              lot_id: str) -> None:
        self._add(lot_id, -event.used_g, 0, 0)
        self._change(position, event, lot_id, None, -event.used_g, 0, 0, 0)

    def _reserved(self, position: int, event: Lot.Reserved, lot_id: str) -> None:
        self._add(lot_id, 0, event.quantity_g, 0)
        self._change(position, event, lot_id, self.text(event.outlet_id), 0,
                     event.quantity_g, 0, 0)

    def _released(self, position: int, event: Lot.ReservationReleased, lot_id: str) -> None:
        self._add(lot_id, 0, -event.quantity_g, 0)
        self._change(position, event, lot_id, self.text(event.outlet_id), 0,
                     -event.quantity_g, 0, 0)

    def _dispatched(self, position: int, event: Lot.Dispatched, lot_id: str) -> None:
        self._add(lot_id, -event.quantity_g, -event.from_reservation_g, event.quantity_g)
        self._change(position, event, lot_id, self.text(event.outlet_id), -event.quantity_g,
                     -event.from_reservation_g, event.quantity_g, 0)

    def _delivered(self, position: int, event: Lot.Delivered, lot_id: str) -> None:
        outlet_id = self.text(event.outlet_id)
        self._add(lot_id, 0, 0, -event.dispatched_g)
        self._hold(lot_id, outlet_id, event.received_g)
        self._change(position, event, lot_id, outlet_id, 0, 0, -event.dispatched_g,
                     event.received_g)

    def _lost(self, position: int, event: Lot.Lost, lot_id: str) -> None:
        if event.at_outlet:
            outlet_id = self.text(event.holder_id)
            self._hold(lot_id, outlet_id, -event.quantity_g)
            self._change(position, event, lot_id, outlet_id, 0, 0, 0, -event.quantity_g)
        else:
            self._add(lot_id, -event.quantity_g, 0, 0)
            self._change(position, event, lot_id, None, -event.quantity_g, 0, 0, 0)

    def _distributed(self, position: int, event: Lot.Distributed, lot_id: str) -> None:
        outlet_id = self.text(event.outlet_id)
        self._hold(lot_id, outlet_id, -event.quantity_g)
        self._change(position, event, lot_id, outlet_id, 0, 0, 0, -event.quantity_g)

    def _recalled(self, _: int, event: Lot.Recalled, lot_id: str) -> None:
        self._set(lot_id, recalled_at_us=to_us(event.context.occurred_at),
                  recalled_recorded_us=to_us(event.timestamp))

    def _site(self, _: int, event: Site.Registered, site_id: str) -> None:
        self.sites.append((site_id, event.name, str(event.kind), self.text(event.operator_id),
                           event.city))

    def _member(self, _: int, event: Member.Registered, member_id: str) -> None:
        self.members.append((member_id, event.name, str(event.kind)))


_QUANTITY_COLUMNS = ("on_hand_g", "reserved_g", "in_transit_g")
_ATTRIBUTE_COLUMNS = ("platform_id", "site_id", "status", "recalled_at_us",
                      "recalled_recorded_us")
_ATTRIBUTE_INDEX = {column: index for index, column in enumerate(_ATTRIBUTE_COLUMNS)}
_LOT_INDEX = {column: index for index, column in enumerate(_LOT_COLUMNS)}
