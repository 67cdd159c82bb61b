"""Stock view: what each site holds, per product and lot, and in which state, now or at any
past moment; what is on the road; what each outlet holds.

**Events read**: ``lot.offered``, ``lot.offer_accepted``, ``lot.offer_declined``,
``lot.received``, ``lot.reception_refused``, ``lot.donation_received``, ``lot.derived``,
``lot.split``, ``lot.merged_into``, ``lot.transformed_into``, ``lot.sorted``,
``lot.reserved``, ``lot.reservation_released``, ``lot.dispatched``, ``lot.delivered``,
``lot.lost``, ``lot.distributed``, ``lot.recalled``, ``lot.held``, ``lot.hold_released``,
``rule_book.rule_enacted`` (stock rules only), ``site.registered``, ``member.registered``
(every stored version of each).

**Tables owned** (prefixed, ``view_`` by default):

- ``stock_lots``: one row per lot: code, product, variety, producer (or donor), platform,
  site, status, its date and the kind of date, whether it is an unsorted bulk donation, on
  hand, reserved, in transit (dispatched, not yet signed for), and when it was recalled
  (business and recorded time).
- ``stock_holds``: one row per hold: lot, reason, by whom, when it started and when it was
  released (both times each): the lot is on hold at a moment between the two.
- ``stock_transit``: one row per lot line dispatched on a delivery to an outlet: quantity,
  when it left and when the outlet signed for it. On the road at a moment between the two.
- ``stock_outlet_holdings``: what each outlet holds of each lot now; rows at zero deleted.
- ``stock_changes``: one row per event that changed a quantity, with both times: the journal
  that answers as-of queries (sums of the changes up to a moment), outlet holdings included.
- ``stock_rules``: the stock rules enacted by decisions (shelf lives, DDM grace per
  category), to tell which lots past a DDM may still be passed on, on the as-of day.
- ``stock_sites``, ``stock_members``: names, for filters and display.

**Position**: the runner stores the last notification id applied in the ``tracking`` table,
in the same transaction as the batch's rows.

**Rebuild from zero**: ``cocagne rebuild stock`` (or ``ProjectionRunner.rebuild("stock")``)
drops these tables, resets the position to 0 and replays the log.

Apply is batch-at-a-time and never reads the view back: lots created in the batch are
inserted whole, quantity changes to older lots are summed per lot and added in bulk
(``UPDATE ... SET on_hand_g = on_hand_g + ?``), holdings upserted with their summed change;
a delivery or a hold release closes its row in memory when the batch opened it, else by one
keyed update. Memory is bounded by the batch size, never by history length. Every fact comes
from the lot's own stream (or a rule's, or a name's), so a Kafka consumer applying streams
in parallel builds the same view.

**States**, computed at query time for the as-of day (today in Europe/Paris when live; the
as-of moment's day otherwise). Each gram on hand at a site is in exactly one of: recalled,
on hold, expired (its date has passed), expiring soon (its date falls within the window),
or fresh. Available is on hand minus reserved, and nothing at all for a recalled, held or
unsorted bulk lot, nor for a lot its date forbids passing on (past a DLC, or past a DDM
beyond its category's grace); a DDM or a suggested date within grace stays available,
expired and flagged. In transit is listed per delivery line (from which site, to which
outlet, since when).

:meth:`StockView.grams_by_site_and_product` sums the lots in stock per site and product in
one aggregate query (the API's ``/metrics`` reads it).

**As-of** uses business time (``context.occurred_at``: when the act happened in the world) by
default, or recorded time (the event's ``timestamp``) on request; every part of an answer
honours it: quantities, holds, recalls, transit and outlet holdings. A lot never moves
between sites; its date may be corrected once, at reception, before it is on hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from domain.base import Event
from domain.dates import DateKind, Expiry, days_past, expiry, paris_day
from domain.lots import Lot
from domain.members import Member
from domain.rules import Enactment, RuleBook, RuleKind, stock_rules_at
from domain.sites import Site
from domain.stock_rules import SetStockRules
from projections.runner import View
from projections.view_store import Row, ViewTransaction, execute_in, from_us, to_us

TimeBasis = Literal["business", "recorded"]
EXPIRING_DAYS_DEFAULT = 3
"""A lot within three days of its date must be distributed first (a platform's weekly
round plus delivery takes about that long)."""
STOCK_LINES_MAX = 100_000  # Rows one stock query returns; a national network holds far fewer.
RULE_ENACTMENTS_MAX = 10_000  # Same bound as the rule book's.
STOCK_GROUPS_MAX = 100_000
"""(site, product) groups one aggregate returns: a national network has a few hundred sites
and a few dozen products, so this bound is never reached in practice."""
COOPERATIVE_ZONE = ZoneInfo("Europe/Paris")
"""Where best-before dates are read: a lot expires at the end of its day in France."""


def cooperative_today(now: datetime | None = None) -> date:
    """Today's date in Europe/Paris (a server on UTC is a day behind from 22:00 or 23:00)."""
    return (now or datetime.now(tz=COOPERATIVE_ZONE)).astimezone(COOPERATIVE_ZONE).date()

# Column order of a stock_lots row held in memory during a batch.
_LOT_COLUMNS = ("lot_id", "code", "product", "variety", "producer_id", "platform_id",
                "site_id", "status", "best_before", "date_kind", "bulk", "on_hand_g",
                "reserved_g", "in_transit_g", "recalled_at_us", "recalled_recorded_us")
_LOT_INDEX = {column: index for index, column in enumerate(_LOT_COLUMNS)}
_ON_HAND, _RESERVED, _IN_TRANSIT = (_LOT_INDEX[name]
                                    for name in ("on_hand_g", "reserved_g", "in_transit_g"))
_TRANSIT_COLUMNS = ("transit_key", "lot_id", "delivery_id", "outlet_id", "quantity_g",
                    "dispatched_at_us", "dispatched_recorded_us", "arrived_at_us",
                    "arrived_recorded_us")
_HOLD_COLUMNS = ("position", "lot_id", "reason", "held_by", "held_at_us", "held_recorded_us",
                 "released_at_us", "released_recorded_us", "release_reason")


class StockLine(msgspec.Struct, frozen=True, kw_only=True):
    """One lot's stock at one site, and its state."""

    site_id: str
    site_name: str
    product: str
    lot_id: str
    code: str
    variety: str
    best_before: str
    date_kind: str
    """``dlc``, ``ddm`` or ``none`` (a suggested date)."""
    on_hand_g: int
    reserved_g: int
    available_g: int
    in_transit_g: int
    on_hold_g: int
    recalled_g: int
    expired_g: int
    expiring_soon_g: int
    expiry: str
    """``fresh``, ``expiring_soon`` or ``expired`` on the as-of day (whatever the holds)."""
    days_left: int
    """Days from the as-of day to the date (negative once past)."""
    blocked_by_date: bool
    """Past its DLC, or past its DDM beyond the grace period: it may not be passed on."""
    expiring_soon: bool
    """On hand, neither recalled nor held nor expired, and its date within the window."""
    recalled: bool
    on_hold: bool
    hold_reason: str
    held_since: str
    bulk: bool
    """An unsorted bulk donation (to sort before anything else)."""


class StockTotal(msgspec.Struct, frozen=True, kw_only=True):
    """One product's stock at one site (sums of its lines)."""

    site_id: str
    site_name: str
    product: str
    lots: int
    on_hand_g: int
    reserved_g: int
    available_g: int
    in_transit_g: int
    on_hold_g: int
    recalled_g: int
    expired_g: int
    expiring_soon_g: int


class InTransit(msgspec.Struct, frozen=True, kw_only=True):
    """A lot line on the road: from which site, to which outlet, on which delivery, since
    when."""

    lot_id: str
    code: str
    product: str
    site_id: str
    site_name: str
    outlet_id: str
    outlet_name: str
    delivery_id: str
    quantity_g: int
    since: datetime
    recalled: bool
    on_hold: bool


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
    """What an outlet holds of a lot, and its state."""

    outlet_id: str
    outlet_name: str
    lot_id: str
    code: str
    product: str
    held_g: int
    """Grams the outlet holds (delivered, not yet distributed or lost)."""
    best_before: str
    date_kind: str
    expiry: str
    blocked_by_date: bool
    recalled: bool
    on_hold: bool


class _Hold(msgspec.Struct, frozen=True):
    reason: str
    since_us: int


class StockView(View):
    """Stock per site, product and lot, in transit, and at outlets."""

    name: ClassVar[str] = "stock"
    schema_version: ClassVar[int] = 3
    """2: the on-hand index covers the aggregate of the stock metrics; 3: states (holds,
    transit per delivery, dates and their kinds, stock rules). Each rebuilds once."""
    event_classes: ClassVar[tuple[type[Event], ...]] = (
        Lot.Offered, Lot.OfferAccepted, Lot.OfferDeclined, Lot.Received, Lot.ReceptionRefused,
        Lot.DonationReceived, Lot.Derived, Lot.Split, Lot.MergedInto, Lot.TransformedInto,
        Lot.Sorted, Lot.Reserved, Lot.ReservationReleased, Lot.Dispatched, Lot.Delivered,
        Lot.Lost, Lot.Distributed, Lot.Recalled, Lot.Held, Lot.HoldReleased,
        RuleBook.RuleEnacted, Site.Registered, Member.Registered,
    )
    table_names: ClassVar[tuple[str, ...]] = (
        "stock_lots", "stock_holds", "stock_transit", "stock_outlet_holdings", "stock_changes",
        "stock_rules", "stock_sites", "stock_members")

    def create_statements(self) -> list[str]:
        """Tables and indexes."""
        without_rowid = " WITHOUT ROWID" if self.database.dialect == "sqlite" else ""
        lots, holds, transit, holdings, changes = (
            self.table(name) for name in ("stock_lots", "stock_holds", "stock_transit",
                                          "stock_outlet_holdings", "stock_changes"))
        return [
            f"CREATE TABLE IF NOT EXISTS {lots} ("
            "lot_id TEXT PRIMARY KEY, code TEXT NOT NULL, product TEXT NOT NULL, "
            "variety TEXT NOT NULL, producer_id TEXT, platform_id TEXT, site_id TEXT, "
            "status TEXT NOT NULL, best_before TEXT NOT NULL, date_kind TEXT NOT NULL, "
            "bulk INTEGER NOT NULL, on_hand_g BIGINT NOT NULL, reserved_g BIGINT NOT NULL, "
            "in_transit_g BIGINT NOT NULL, recalled_at_us BIGINT, "
            f"recalled_recorded_us BIGINT){without_rowid}",
            # Lots in stock only; it carries the columns the per-site-and-product aggregate
            # reads (grams_by_site_and_product), so that query never visits the table: six
            # times faster at 100,000 lots on hand (python -m bench.metrics).
            f"CREATE INDEX IF NOT EXISTS {lots}_on_hand ON {lots} (site_id, product, "
            "best_before, on_hand_g, reserved_g, recalled_at_us) WHERE on_hand_g > 0",
            # Lots with stock at their site or on the road: what a live query reads.
            f"CREATE INDEX IF NOT EXISTS {lots}_stocked ON {lots} (site_id, product) "
            "WHERE on_hand_g > 0 OR in_transit_g > 0",
            f"CREATE TABLE IF NOT EXISTS {holds} ("
            "position BIGINT PRIMARY KEY, lot_id TEXT NOT NULL, reason TEXT NOT NULL, "
            "held_by TEXT NOT NULL, held_at_us BIGINT NOT NULL, "
            "held_recorded_us BIGINT NOT NULL, released_at_us BIGINT, "
            "released_recorded_us BIGINT, release_reason TEXT)",
            f"CREATE INDEX IF NOT EXISTS {holds}_lot ON {holds} (lot_id)",
            f"CREATE TABLE IF NOT EXISTS {transit} ("
            "transit_key TEXT PRIMARY KEY, lot_id TEXT NOT NULL, delivery_id TEXT NOT NULL, "
            "outlet_id TEXT NOT NULL, quantity_g BIGINT NOT NULL, "
            "dispatched_at_us BIGINT NOT NULL, dispatched_recorded_us BIGINT NOT NULL, "
            f"arrived_at_us BIGINT, arrived_recorded_us BIGINT){without_rowid}",
            f"CREATE INDEX IF NOT EXISTS {transit}_open ON {transit} (lot_id) "
            "WHERE arrived_recorded_us IS NULL",
            f"CREATE TABLE IF NOT EXISTS {holdings} ("
            "lot_id TEXT NOT NULL, outlet_id TEXT NOT NULL, held_g BIGINT NOT NULL, "
            f"PRIMARY KEY (lot_id, outlet_id)){without_rowid}",
            f"CREATE INDEX IF NOT EXISTS {holdings}_outlet ON {holdings} (outlet_id)",
            f"CREATE TABLE IF NOT EXISTS {changes} ("
            f"position {self.database.integer_key}, lot_id TEXT NOT NULL, outlet_id TEXT, "
            "on_hand_delta_g BIGINT NOT NULL, reserved_delta_g BIGINT NOT NULL, "
            "in_transit_delta_g BIGINT NOT NULL, held_delta_g BIGINT NOT NULL, "
            "occurred_at_us BIGINT NOT NULL, recorded_at_us BIGINT NOT NULL)",
            # A site's (or product's) stock as of a moment sums its lots' changes only.
            f"CREATE INDEX IF NOT EXISTS {changes}_lot ON {changes} (lot_id)",
            f"CREATE INDEX IF NOT EXISTS {lots}_site ON {lots} (site_id, product)",
            f"CREATE TABLE IF NOT EXISTS {self.table('stock_rules')} ("
            "position BIGINT PRIMARY KEY, sequence BIGINT NOT NULL, "
            "effective_from TEXT NOT NULL, decision_id TEXT NOT NULL, rule TEXT NOT NULL)",
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
        """Lots with stock at a site or on the road, per site and product, with their
        states on the as-of day, now or as of a moment."""
        day = _day(today, as_of)
        lots, sites = self.table("stock_lots"), self.table("stock_sites")
        filters, params = _filters(site_id, product)
        if as_of is None:
            rows = self.database.query(
                "SELECT l.site_id, COALESCE(s.name, ''), l.product, l.lot_id, l.code, "
                "l.variety, l.best_before, l.date_kind, l.bulk, l.on_hand_g, l.reserved_g, "
                f"l.in_transit_g, l.recalled_at_us IS NOT NULL FROM {lots} l "
                f"LEFT JOIN {sites} s ON s.site_id = l.site_id "
                f"WHERE (l.on_hand_g > 0 OR l.in_transit_g > 0){filters} "
                "ORDER BY COALESCE(s.name, ''), l.site_id, l.product, l.best_before, l.code "
                f"LIMIT {STOCK_LINES_MAX}", params)
        else:
            rows = self._lines_as_of(to_us(as_of), basis, filters, params)
        holds = self._holds([row[3] for row in rows], as_of, basis)
        rules = self._rules(day)
        return [_line(row, holds.get(row[3]), rules, day, expiring_days) for row in rows]

    def _lines_as_of(self, at_us: int, basis: TimeBasis, filters: str,
                     params: list[Any]) -> list[Row]:
        lots, sites, changes = (self.table("stock_lots"), self.table("stock_sites"),
                                self.table("stock_changes"))
        time_column = "occurred_at_us" if basis == "business" else "recorded_at_us"
        recalled_column = "recalled_at_us" if basis == "business" else "recalled_recorded_us"
        # With a site or product, only the changes of that site's or product's lots are
        # summed (by the changes' lot index): the cost follows the site's lots, not the
        # whole history (python -m bench.scale).
        only = (f" AND lot_id IN (SELECT l.lot_id FROM {lots} l WHERE TRUE{filters})"
                if filters else "")
        return self.database.query(
            "SELECT l.site_id, COALESCE(s.name, ''), l.product, l.lot_id, l.code, l.variety, "
            "l.best_before, l.date_kind, l.bulk, c.on_hand_g, c.reserved_g, c.in_transit_g, "
            f"l.{recalled_column} IS NOT NULL AND l.{recalled_column} <= ? "
            "FROM (SELECT lot_id, SUM(on_hand_delta_g) AS on_hand_g, "
            "SUM(reserved_delta_g) AS reserved_g, SUM(in_transit_delta_g) AS in_transit_g "
            f"FROM {changes} WHERE {time_column} <= ?{only} GROUP BY lot_id) c "
            f"JOIN {lots} l ON l.lot_id = c.lot_id "
            f"LEFT JOIN {sites} s ON s.site_id = l.site_id "
            f"WHERE (c.on_hand_g > 0 OR c.in_transit_g > 0){filters} "
            "ORDER BY COALESCE(s.name, ''), l.site_id, l.product, l.best_before, l.code "
            f"LIMIT {STOCK_LINES_MAX}", [at_us, at_us, *(params if filters else []), *params])

    def _holds(self, lot_ids: Sequence[str], as_of: datetime | None,
               basis: TimeBasis) -> dict[str, _Hold]:
        """The hold on each of the lots at the moment (now when ``as_of`` is None)."""
        holds = self.table("stock_holds")
        held, released = (("held_at_us", "released_at_us") if basis == "business"
                          else ("held_recorded_us", "released_recorded_us"))
        if as_of is None:
            condition, params = "released_recorded_us IS NULL", []
        else:
            at_us = to_us(as_of)
            condition = f"{held} <= ? AND ({released} IS NULL OR {released} > ?)"
            params = [at_us, at_us]
        found: dict[str, _Hold] = {}
        for lot_id, reason, since_us in self.database.query_in(
                f"SELECT lot_id, reason, {held} FROM {holds} "
                f"WHERE lot_id IN ({{in_list}}) AND {condition} ORDER BY position",
                list(dict.fromkeys(lot_ids)), params_after=params):
            found[lot_id] = _Hold(reason, int(since_us))
        return found

    def _rules(self, day: date) -> SetStockRules:
        """The stock rules in force on ``day`` (the defaults until a decision)."""
        rows = self.database.query(
            f"SELECT sequence, effective_from, decision_id, rule "
            f"FROM {self.table('stock_rules')} ORDER BY position LIMIT {RULE_ENACTMENTS_MAX}")
        enactments = [Enactment(sequence=int(row[0]), kind=RuleKind.STOCK_RULES, scope_id=None,
                                rule=msgspec.json.decode(row[3], type=SetStockRules),
                                effective_from=date.fromisoformat(row[1]),
                                decision_id=UUID(row[2]), title="")
                      for row in rows]
        return stock_rules_at(enactments, day)[0]

    def totals(self, *, site_id: str | None = None, product: str | None = None,
               today: date | None = None, expiring_days: int = EXPIRING_DAYS_DEFAULT,
               as_of: datetime | None = None, basis: TimeBasis = "business",
               ) -> list[StockTotal]:
        """Stock per site and product (sums of :meth:`lines`)."""
        return totals_of(self.lines(site_id=site_id, product=product, today=today,
                                    expiring_days=expiring_days, as_of=as_of, basis=basis))

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

    def in_transit(self, *, site_id: str | None = None, product: str | None = None,
                   as_of: datetime | None = None, basis: TimeBasis = "business",
                   ) -> list[InTransit]:
        """Lot lines on the road, per delivery: from where, to whom, since when."""
        transit, lots, sites, members = (
            self.table("stock_transit"), self.table("stock_lots"), self.table("stock_sites"),
            self.table("stock_members"))
        filters, params = _filters(site_id, product)
        left, arrived = (("t.dispatched_at_us", "t.arrived_at_us") if basis == "business"
                         else ("t.dispatched_recorded_us", "t.arrived_recorded_us"))
        recalled = "l.recalled_at_us" if basis == "business" else "l.recalled_recorded_us"
        if as_of is None:
            condition, recalled_now = "t.arrived_recorded_us IS NULL", f"{recalled} IS NOT NULL"
            moment: list[Any] = []
        else:
            at_us = to_us(as_of)
            condition = f"{left} <= ? AND ({arrived} IS NULL OR {arrived} > ?)"
            recalled_now = f"{recalled} IS NOT NULL AND {recalled} <= ?"
            moment = [at_us, at_us, at_us]  # Recalled by then; left by then; not yet arrived.
        rows = self.database.query(
            "SELECT t.lot_id, l.code, l.product, l.site_id, COALESCE(s.name, ''), t.outlet_id, "
            f"COALESCE(m.name, ''), t.delivery_id, t.quantity_g, {left}, {recalled_now} "
            f"FROM {transit} t JOIN {lots} l ON l.lot_id = t.lot_id "
            f"LEFT JOIN {sites} s ON s.site_id = l.site_id "
            f"LEFT JOIN {members} m ON m.member_id = t.outlet_id "
            f"WHERE {condition}{filters} "
            f"ORDER BY {left}, COALESCE(m.name, ''), l.code LIMIT {STOCK_LINES_MAX}",
            [*moment, *params])
        holds = self._holds([row[0] for row in rows], as_of, basis)
        return [InTransit(lot_id=row[0], code=row[1], product=row[2], site_id=row[3],
                          site_name=row[4], outlet_id=row[5], outlet_name=row[6],
                          delivery_id=row[7], quantity_g=int(row[8]),
                          since=from_us(int(row[9])), recalled=bool(row[10]),
                          on_hold=row[0] in holds)
                for row in rows]

    def outlet_holdings(self, *, outlet_id: str | None = None, product: str | None = None,
                        as_of: datetime | None = None, basis: TimeBasis = "business",
                        today: date | None = None) -> list[OutletHolding]:
        """What outlets hold (delivered, not yet distributed or lost), now or as of a
        moment, with each lot's state on that day."""
        day = _day(today, as_of)
        lots, members = self.table("stock_lots"), self.table("stock_members")
        clauses, params = [], []
        if outlet_id is not None:
            clauses.append("h.outlet_id = ?")
            params.append(outlet_id)
        if product is not None:
            clauses.append("l.product = ?")
            params.append(product.strip().lower())
        recalled = "l.recalled_at_us" if basis == "business" else "l.recalled_recorded_us"
        if as_of is None:
            holdings = f"{self.table('stock_outlet_holdings')} h"
            recalled_now = f"{recalled} IS NOT NULL"
            moment: list[Any] = []
        else:
            at_us = to_us(as_of)
            time_column = "occurred_at_us" if basis == "business" else "recorded_at_us"
            holdings = (f"(SELECT lot_id, outlet_id, SUM(held_delta_g) AS held_g "
                        f"FROM {self.table('stock_changes')} WHERE held_delta_g <> 0 "
                        f"AND {time_column} <= ? GROUP BY lot_id, outlet_id) h")
            clauses.append("h.held_g > 0")
            recalled_now = f"{recalled} IS NOT NULL AND {recalled} <= ?"
            moment = [at_us, at_us]  # Recalled by then (in the select list); held by then.
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        rows = self.database.query(
            "SELECT h.outlet_id, COALESCE(m.name, ''), h.lot_id, l.code, l.product, h.held_g, "
            f"l.best_before, l.date_kind, {recalled_now} FROM {holdings} "
            f"JOIN {lots} l ON l.lot_id = h.lot_id "
            f"LEFT JOIN {members} m ON m.member_id = h.outlet_id {where}"
            f"ORDER BY COALESCE(m.name, ''), h.outlet_id, l.product, l.code "
            f"LIMIT {STOCK_LINES_MAX}", [*moment, *params])
        holds = self._holds([row[2] for row in rows], as_of, basis)
        rules = self._rules(day)
        answer = []
        for row in rows:
            best_before = date.fromisoformat(row[6])
            kind = DateKind(row[7])
            answer.append(OutletHolding(
                outlet_id=row[0], outlet_name=row[1], lot_id=row[2], code=row[3],
                product=row[4], held_g=int(row[5]), best_before=row[6], date_kind=row[7],
                expiry=str(expiry(best_before, day, 0)),
                blocked_by_date=blocked_by_date(kind, best_before, day, rules, row[4]),
                recalled=bool(row[8]), on_hold=row[2] in holds))
        return answer

    def find_sites(self, text: str) -> list[tuple[str, str]]:
        """Sites whose id or name is ``text`` (names compared without case)."""
        return [(row[0], row[1]) for row in self.database.query(
            f"SELECT site_id, name FROM {self.table('stock_sites')} "
            "WHERE site_id = ? OR LOWER(name) = LOWER(?) ORDER BY name", (text, text))]


def blocked_by_date(kind: DateKind, best_before: date, day: date, rules: SetStockRules,
                    product: str) -> bool:
    """Whether the lot's date forbids passing it on on ``day`` (as ``Lot.check_date``)."""
    past_days = days_past(best_before, day)
    if kind == DateKind.USE_BY:
        return past_days > 0
    if kind == DateKind.BEST_BEFORE:
        return past_days > rules.grace_days(product)
    return False


def totals_of(lines: Sequence[StockLine]) -> list[StockTotal]:
    """Sums of lines per site and product, in the lines' order."""
    totals: dict[tuple[str, str], list[Any]] = {}
    for line in lines:
        entry = totals.setdefault((line.site_id, line.product),
                                  [line.site_name, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        entry[1] += 1
        for index, value in enumerate(
                (line.on_hand_g, line.reserved_g, line.available_g, line.in_transit_g,
                 line.on_hold_g, line.recalled_g, line.expired_g, line.expiring_soon_g),
                start=2):
            entry[index] += value
    return [StockTotal(site_id=site, site_name=entry[0], product=product_name, lots=entry[1],
                       on_hand_g=entry[2], reserved_g=entry[3], available_g=entry[4],
                       in_transit_g=entry[5], on_hold_g=entry[6], recalled_g=entry[7],
                       expired_g=entry[8], expiring_soon_g=entry[9])
            for (site, product_name), entry in totals.items()]


def _day(today: date | None, as_of: datetime | None) -> date:
    """The day states are measured on: given, else the as-of moment's, else today (Paris)."""
    if today is not None:
        return today
    return paris_day(as_of) if as_of is not None else cooperative_today()


def _line(row: Row, hold: _Hold | None, rules: SetStockRules, day: date,
          expiring_days: int) -> StockLine:
    """A stock line from a row ``(site, site name, product, lot, code, variety, date, kind,
    bulk, on hand, reserved, in transit, recalled)`` and the lot's hold."""
    product, on_hand_g, reserved_g = row[2], int(row[9]), int(row[10])
    best_before, kind, recalled, bulk = date.fromisoformat(row[6]), DateKind(row[7]), \
        bool(row[12]), bool(row[8])
    state = expiry(best_before, day, expiring_days)
    blocked = blocked_by_date(kind, best_before, day, rules, product)
    on_hold = hold is not None
    # Each gram on hand in one bucket: recalled, else on hold, else by its date.
    recalled_g = on_hand_g if recalled else 0
    on_hold_g = on_hand_g if on_hold and not recalled else 0
    dated_g = on_hand_g - recalled_g - on_hold_g
    usable = not (recalled or on_hold or bulk or blocked)
    return StockLine(
        site_id=row[0], site_name=row[1], product=product, lot_id=row[3], code=row[4],
        variety=row[5], best_before=row[6], date_kind=row[7], on_hand_g=on_hand_g,
        reserved_g=reserved_g, available_g=on_hand_g - reserved_g if usable else 0,
        in_transit_g=int(row[11]), on_hold_g=on_hold_g, recalled_g=recalled_g,
        expired_g=dated_g if state == Expiry.EXPIRED else 0,
        expiring_soon_g=dated_g if state == Expiry.EXPIRING_SOON else 0,
        expiry=str(state), days_left=(best_before - day).days, blocked_by_date=blocked,
        expiring_soon=bool(dated_g) and state == Expiry.EXPIRING_SOON, recalled=recalled,
        on_hold=on_hold, hold_reason=hold.reason if hold else "",
        held_since=from_us(hold.since_us).isoformat() if hold else "", bulk=bulk)


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
    date, recall) set the same way; outlet holdings are upserted with their summed change,
    and those that reach zero deleted; transit lines and holds opened in the batch are
    closed in memory, older ones by keyed updates. Handlers take ``(position, event,
    lot_id)``: the stream id becomes text once per event, other ids through a per-batch memo.
    """

    def __init__(self, view: StockView, transaction: ViewTransaction) -> None:
        self.view = view
        self.transaction = transaction
        self.new: dict[str, list[Any]] = {}
        self.deltas: dict[str, list[int]] = {}
        """Existing lots: summed change of on hand, reserved, in transit."""
        self.attributes: dict[str, list[Any]] = {}
        """Existing lots: platform, site, status, date, kind, recall times (None: unchanged)."""
        self.holdings: dict[tuple[str, str], int] = {}
        """Summed change of each outlet holding."""
        self.changes: list[tuple[Any, ...]] = []
        self.transit: dict[str, list[Any]] = {}
        """Transit lines dispatched in the batch, by key."""
        self.arrivals: dict[str, list[Any]] = {}
        """Older transit lines the batch closes: arrival times by key."""
        self.holds: list[list[Any]] = []
        self.open_holds: dict[str, list[Any]] = {}
        """Holds opened in the batch and still open, by lot."""
        self.releases: list[tuple[Any, ...]] = []
        """Older holds the batch releases: (times, reason, lot)."""
        self.rules: list[tuple[int, int, str, str, str]] = []
        self.sites: list[tuple[str, str, str, str, str]] = []
        self.members: list[tuple[str, str, str]] = []
        self._ids: dict[int, str] = {}
        self.handlers: dict[type[Event], Callable[[int, Any, str], None]] = {
            Lot.Offered: self._offered, Lot.OfferAccepted: self._accepted,
            Lot.OfferDeclined: self._declined, Lot.Received: self._received,
            Lot.ReceptionRefused: self._refused, Lot.DonationReceived: self._donation,
            Lot.Derived: self._derived, Lot.Split: self._used, Lot.MergedInto: self._used,
            Lot.TransformedInto: self._used, Lot.Sorted: self._used,
            Lot.Reserved: self._reserved, Lot.ReservationReleased: self._released,
            Lot.Dispatched: self._dispatched, Lot.Delivered: self._delivered,
            Lot.Lost: self._lost, Lot.Distributed: self._distributed,
            Lot.Recalled: self._recalled, Lot.Held: self._held,
            Lot.HoldReleased: self._hold_released, RuleBook.RuleEnacted: self._rule,
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
        self._write_transit_and_holds()
        if self.rules:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_rules')} (position, sequence, effective_from, "
                "decision_id, rule) VALUES (?, ?, ?, ?, ?)", self.rules)
        if self.sites:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_sites')} (site_id, name, kind, operator_id, "
                "city) VALUES (?, ?, ?, ?, ?) ON CONFLICT (site_id) DO NOTHING", self.sites)
        if self.members:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_members')} (member_id, name, kind) "
                "VALUES (?, ?, ?) ON CONFLICT (member_id) DO NOTHING", self.members)

    def _write_transit_and_holds(self) -> None:
        view, transaction = self.view, self.transaction
        if self.transit:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_transit')} ({', '.join(_TRANSIT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_TRANSIT_COLUMNS))})", self.transit.values())
        transaction.update_many(
            view.table("stock_transit"), "transit_key", ("arrived_at_us", "arrived_recorded_us"),
            [(*times, key) for key, times in self.arrivals.items()])
        if self.holds:
            transaction.executemany(
                f"INSERT INTO {view.table('stock_holds')} ({', '.join(_HOLD_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_HOLD_COLUMNS))})", self.holds)
        if self.releases:
            # Rare (a few holds a week): one statement each is cheap enough.
            transaction.executemany(
                f"UPDATE {view.table('stock_holds')} SET released_at_us = ?, "
                "released_recorded_us = ?, release_reason = ? "
                "WHERE lot_id = ? AND released_recorded_us IS NULL", self.releases)

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
            None, None, "offered", event.best_before.isoformat(), str(event.date_kind), 0,
            0, 0, 0, None, None]

    def _accepted(self, _: int, event: Lot.OfferAccepted, lot_id: str) -> None:
        self._set(lot_id, platform_id=self.text(event.platform_id),
                  site_id=self.text(event.site_id), status="accepted")

    def _declined(self, _: int, event: Lot.OfferDeclined, lot_id: str) -> None:
        self._set(lot_id, platform_id=self.text(event.platform_id), status="declined")

    def _received(self, position: int, event: Lot.Received, lot_id: str) -> None:
        corrections: dict[str, str] = {}
        if event.best_before is not None:
            corrections["best_before"] = event.best_before.isoformat()
        if event.date_kind is not None:
            corrections["date_kind"] = str(event.date_kind)
        self._set(lot_id, site_id=self.text(event.site_id), status="received", **corrections)
        self._add(lot_id, event.measured_g, 0, 0)
        self._change(position, event, lot_id, None, event.measured_g, 0, 0, 0)

    def _refused(self, _: int, event: Lot.ReceptionRefused, lot_id: str) -> None:
        self._set(lot_id, site_id=self.text(event.site_id), status="refused")

    def _donation(self, position: int, event: Lot.DonationReceived, lot_id: str) -> None:
        self.new[lot_id] = [
            lot_id, event.code, "vrac", event.description, self.text(event.donor_id),
            self.text(event.platform_id), self.text(event.site_id), "received",
            event.best_before.isoformat(), str(DateKind.NONE), 1, event.quantity_g, 0, 0,
            None, None]
        self._change(position, event, lot_id, None, event.quantity_g, 0, 0, 0)

    def _derived(self, position: int, event: Lot.Derived, lot_id: str) -> None:
        self.new[lot_id] = [
            lot_id, event.code, event.product, event.variety,
            None if event.producer_id is None else self.text(event.producer_id),
            self.text(event.platform_id), self.text(event.site_id), "received",
            event.best_before.isoformat(), str(event.date_kind), 0, event.quantity_g, 0, 0,
            None, None]
        self._change(position, event, lot_id, None, event.quantity_g, 0, 0, 0)

    def _used(self, position: int,
              event: Lot.Split | Lot.MergedInto | Lot.TransformedInto | Lot.Sorted,
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
        outlet_id, delivery_id = self.text(event.outlet_id), self.text(event.delivery_id)
        self._add(lot_id, -event.quantity_g, -event.from_reservation_g, event.quantity_g)
        self._change(position, event, lot_id, outlet_id, -event.quantity_g,
                     -event.from_reservation_g, event.quantity_g, 0)
        key = f"{lot_id}/{delivery_id}/{outlet_id}"
        occurred_us, recorded_us = self.changes[-1][7:9]  # The times _change just converted.
        self.transit[key] = [key, lot_id, delivery_id, outlet_id, event.quantity_g,
                             occurred_us, recorded_us, None, None]

    def _delivered(self, position: int, event: Lot.Delivered, lot_id: str) -> None:
        outlet_id = self.text(event.outlet_id)
        self._add(lot_id, 0, 0, -event.dispatched_g)
        self._hold(lot_id, outlet_id, event.received_g)
        self._change(position, event, lot_id, outlet_id, 0, 0, -event.dispatched_g,
                     event.received_g)
        key = f"{lot_id}/{self.text(event.delivery_id)}/{outlet_id}"
        times = list(self.changes[-1][7:9])
        row = self.transit.get(key)
        if row is not None:
            row[7:9] = times
        else:
            self.arrivals[key] = times

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

    def _held(self, position: int, event: Lot.Held, lot_id: str) -> None:
        row = [position, lot_id, event.reason, self.text(event.context.member_id),
               to_us(event.context.occurred_at), to_us(event.timestamp), None, None, None]
        self.holds.append(row)
        self.open_holds[lot_id] = row

    def _hold_released(self, _: int, event: Lot.HoldReleased, lot_id: str) -> None:
        times = (to_us(event.context.occurred_at), to_us(event.timestamp))
        row = self.open_holds.pop(lot_id, None)
        if row is not None:
            row[6:9] = [*times, event.reason]
        else:
            self.releases.append((*times, event.reason, lot_id))

    def _rule(self, position: int, event: RuleBook.RuleEnacted, _: str) -> None:
        enactment = event.enactment
        if enactment.kind == RuleKind.STOCK_RULES:
            self.rules.append((position, enactment.sequence,
                               enactment.effective_from.isoformat(),
                               self.text(enactment.decision_id),
                               msgspec.json.encode(enactment.rule).decode()))

    def _site(self, _: int, event: Site.Registered, site_id: str) -> None:
        self.sites.append((site_id, event.name, str(event.kind), self.text(event.operator_id),
                           event.city))

    def _member(self, _: int, event: Member.Registered, member_id: str) -> None:
        self.members.append((member_id, event.name, str(event.kind)))


_QUANTITY_COLUMNS = ("on_hand_g", "reserved_g", "in_transit_g")
_ATTRIBUTE_COLUMNS = ("platform_id", "site_id", "status", "best_before", "date_kind",
                      "recalled_at_us", "recalled_recorded_us")
_ATTRIBUTE_INDEX = {column: index for index, column in enumerate(_ATTRIBUTE_COLUMNS)}
