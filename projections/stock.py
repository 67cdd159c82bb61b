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
in parallel builds the same view. The batch lives in ``projections/stock_batch.py``.

**States**, computed at query time for the as-of day (today in Europe/Paris when live; the
as-of moment's day otherwise). Each gram on hand at a site is in exactly one of: recalled,
on hold, expired (its date has passed), expiring soon (its date falls within the window),
or fresh. Available is on hand minus reserved, and nothing at all for a recalled, held or
unsorted bulk lot, nor for a lot its date forbids passing on (past a DLC, or past a DDM
beyond its category's grace); a DDM or a suggested date within grace stays available,
expired and flagged. In transit is listed per delivery line (from which site, to which
outlet, since when). The answers and the states of a line are in
``projections/stock_lines.py``.

:meth:`StockView.grams_by_site_and_product` sums the lots in stock per site and product in
one aggregate query (the API's ``/metrics`` reads it).

**As-of** uses business time (``context.occurred_at``: when the act happened in the world) by
default, or recorded time (the event's ``timestamp``) on request; every part of an answer
honours it: quantities, holds, recalls, transit and outlet holdings. A lot never moves
between sites; its date may be corrected once, at reception, before it is on hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from domain.base import Event
from domain.dates import DateKind, expiry, paris_day
from domain.lots import Lot
from domain.members import Member
from domain.rules import Enactment, RuleBook, RuleKind, stock_rules_at
from domain.sites import Site
from domain.stock_rules import SetStockRules
from projections.runner import View
from projections.stock_batch import StockBatch
from projections.stock_lines import (
    Hold,
    InTransit,
    OutletHolding,
    StockGrams,
    StockLine,
    StockTotal,
    blocked_by_date,
    stock_line,
    totals_of,
)
from projections.view_store import Row, ViewTransaction, from_us, to_us

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
        StockBatch(self, transaction).run(events)

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
        return [stock_line(row, holds.get(row[3]), rules, day, expiring_days) for row in rows]

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
               basis: TimeBasis) -> dict[str, Hold]:
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
        found: dict[str, Hold] = {}
        for lot_id, reason, since_us in self.database.query_in(
                f"SELECT lot_id, reason, {held} FROM {holds} "
                f"WHERE lot_id IN ({{in_list}}) AND {condition} ORDER BY position",
                list(dict.fromkeys(lot_ids)), params_after=params):
            found[lot_id] = Hold(reason, int(since_us))
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

    def site_names(self) -> list[str]:
        """Every known site's name, in order (to say which exist when none is found)."""
        return [row[0] for row in self.database.query(
            f"SELECT name FROM {self.table('stock_sites')} ORDER BY name", ())]


def _day(today: date | None, as_of: datetime | None) -> date:
    """The day states are measured on: given, else the as-of moment's, else today (Paris)."""
    if today is not None:
        return today
    return paris_day(as_of) if as_of is not None else cooperative_today()


def _filters(site_id: str | None, product: str | None) -> tuple[str, list[Any]]:
    clauses, params = "", []
    if site_id is not None:
        clauses += " AND l.site_id = ?"
        params.append(site_id)
    if product is not None:
        clauses += " AND l.product = ?"
        params.append(product.strip().lower())
    return clauses, params
