"""What printouts show, read from the ledger's streams and views (never written).

``lot_labels`` builds labels for lots (their product, date, producer or donor, certificate,
stock and state, and the address their QR code leads to); ``delivery_pick_list`` builds the
pick list of a planned delivery at its picking moment. Both take a ``StreamReader`` (the
API's ledger or a read-only ``Reader``) and the stock and trace views.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.dates import paris_day
from domain.deliveries import Delivery, DeliveryStatus
from domain.lots import Lot, LotStatus
from domain.members import Member
from domain.picking import leaving_moment, pick_list
from domain.rules import stock_rules_at
from domain.sites import Site
from domain.stock_rules import SetStockRules
from infra.printing.labels import LabelData, lot_address
from infra.printing.picklists import PickListData, pick_list_data
from infra.reader import StreamReader, find_stream, rule_book
from projections.stock import StockView
from projections.trace import TraceView
from projections.trace_records import DONATION

SITE_LOTS_MAX = 2_000  # Lots one site's labels or substitutes look at: a warehouse's stock.


class PrintoutError(LookupError):
    """What a printout was asked for does not exist (a delivery, a lot)."""


class NotPlanned(PrintoutError):
    """A pick list of a delivery that already left, or was cancelled: nothing to pick."""


def rules_on(reader: StreamReader, moment: datetime) -> SetStockRules:
    """The stock rules in force on the day of ``moment``."""
    book = rule_book(reader)
    return stock_rules_at([] if book is None else book.enactments, paris_day(moment))[0]


def _name(reader: StreamReader, stream_id: UUID | None) -> str:
    found = None if stream_id is None else find_stream(reader, stream_id)
    return found.name if isinstance(found, Member | Site) else ""


def _lot(reader: StreamReader, lot_id: UUID) -> Lot:
    found = find_stream(reader, lot_id)
    if not isinstance(found, Lot):
        raise PrintoutError(f"lot {lot_id} does not exist")
    return found


def _producer(trace: TraceView, lot_id: str) -> str:
    """Who the lot comes from: its producers, or ``don : shop`` for a sorted donation."""
    backward = trace.backward(lot_id)
    if backward is None:
        return ""
    origins = backward.origins or [backward.lot]
    names = dict.fromkeys(f"don : {origin.producer_name}" if origin.process == DONATION
                          else origin.producer_name for origin in origins)
    return ", ".join(name for name in names if name)


def _state(lot: Lot) -> str:
    if lot.recalled:
        return "RAPPELÉ — ne pas distribuer"
    if lot.on_hold is not None:
        return f"BLOQUÉ — {lot.on_hold.reason}"
    return ""


def lot_labels(reader: StreamReader, trace: TraceView, lot_ids: Sequence[UUID], *,
               base_url: str, moment: datetime) -> list[LabelData]:
    """A label per lot, in the order given."""
    rules = rules_on(reader, moment)
    labels = []
    for lot_id in lot_ids[:SITE_LOTS_MAX]:
        lot = _lot(reader, lot_id)
        labels.append(LabelData(
            lot_id=str(lot.id), code=lot.code, product=lot.product, variety=lot.variety,
            best_before=lot.best_before, date_kind=lot.date_kind,
            producer=_producer(trace, str(lot.id)),
            organic_certificate=lot.organic_certificate, quantity_g=lot.on_hand_g,
            site=_name(reader, lot.site_id),
            address=lot_address(base_url, lot.code, rules.product_rule(lot.product).gtin),
            state=_state(lot)))
    return labels


def site_lot_ids(stock: StockView, site_id: str) -> list[UUID]:
    """Lots with stock at a site now, in the stock view's order (product, date, code)."""
    return [UUID(line.lot_id) for line in stock.lines(site_id=site_id)[:SITE_LOTS_MAX]
            if line.on_hand_g > 0]


def delivery_pick_list(reader: StreamReader, stock: StockView, delivery_id: UUID,
                       now: datetime) -> PickListData:
    """The pick list of a delivery as it would be picked: on the morning of its planned day
    (or now, if that is later)."""
    delivery = find_stream(reader, delivery_id)
    if not isinstance(delivery, Delivery):
        raise PrintoutError(f"delivery {delivery_id} does not exist")
    if delivery.status != DeliveryStatus.PLANNED:
        raise NotPlanned(f"delivery {delivery_id} is {delivery.status}: only a planned "
                         "delivery is picked")
    moment = leaving_moment(delivery.planned_for, now)
    lots = {line.lot_id: _lot(reader, line.lot_id)
            for stop in delivery.stops for line in stop.lines}
    site_lots = [lots.get(lot_id) or _lot(reader, lot_id)
                 for lot_id in site_lot_ids(stock, str(delivery.from_site_id))]
    picked = pick_list(delivery_id=delivery.id, site_id=delivery.from_site_id,
                       planned_for=delivery.planned_for, stops=delivery.stops, lots=lots,
                       site_lots=[lot for lot in site_lots if lot.status == LotStatus.RECEIVED],
                       moment=moment, rules=rules_on(reader, moment))
    return pick_list_data(picked, site=_name(reader, delivery.from_site_id),
                          outlet_names={stop.outlet_id: _name(reader, stop.outlet_id)
                                        for stop in delivery.stops})
