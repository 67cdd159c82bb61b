"""Lot stream: the traceability unit, from a producer's offer to the plate.

A lot is offered by a producer, accepted (fully or partly) or declined by a platform,
received at a site (measured, with any discrepancy), possibly split, merged or transformed
into new lots (each child records its parents and quantities), reserved for outlets,
dispatched, delivered, lost, distributed, and possibly recalled. All quantities are grams.

A lot carries one date and its kind (``domain.dates``: a DLC, a DDM or a suggested date for
fresh produce). A reception of a chilled or frozen product records its measured temperature
(tenths of a degree); outside the product's range the platform refuses the lot or accepts
it under hold. A lot can be held (blocked, with a reason and by whom) and released. An
unsorted bulk donation is received by weight and sorted into product lots, its waste
declared. Governed values (shelf lives, grace periods, ranges, remaining life at dispatch)
come in as ``SetStockRules``; the act's business time says which day it is (Europe/Paris).

Invariants held here: on-hand stock is never negative; reservations never exceed on-hand
stock; mass is conserved across splits, merges, transformations and sorting (declared loss
and waste included); a recalled or held lot is never reserved, dispatched, split, merged,
transformed, sorted or distributed; a lot past its DLC is never reserved, dispatched or
distributed, nor dispatched with less than the governed remaining life; a lot past its DDM
only within the governed grace period.

This module holds the stream's events and commands (guard, then record). The guards and the
state they read are ``domain.lot_state``'s; the temperature verdict at reception is
``domain.cold_chain``'s; the bounds on quantities, prices, texts and codes are
``domain.input_bounds``'s; the values the events carry are ``domain.lot_values``'s.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from domain.base import Aggregate, Context, Created, Event, utc_now
from domain.business_time import check_best_before, check_offer_dates
from domain.cold_chain import ColdChain, OutOfRange, check_reception_temperature
from domain.dates import DateKind, paris_day, strictest
from domain.errors import InvalidState
from domain.input_bounds import check_code, check_price_per_kg, check_quantity, check_text
from domain.lot_state import LotState
from domain.lot_values import Channel, ChildShare, Hold, LotStatus, ParentShare, Process
from domain.stock_rules import BULK_PRODUCT, DEFAULT_STOCK_RULES, SetStockRules

__all__ = [
    "Channel",
    "ChildShare",
    "ColdChain",
    "Lot",
    "LotCode",
    "LotStatus",
    "OutOfRange",
    "ParentShare",
    "Process",
    "output_date",
]
"""The stream, and the values its events carry (defined in ``domain.lot_values`` and
``domain.cold_chain``), importable from here beside the events."""


def output_date(rules: SetStockRules, product: str, made_on: date, *,
                date_kind: DateKind | None = None,
                best_before: date | None = None) -> tuple[DateKind, date]:
    """The kind and date of a lot made (cooked, sorted) on ``made_on``: as given, else the
    product's usual kind and its shelf life from that day (a soup has a DLC)."""
    rule = rules.product_rule(product)
    return (date_kind or rule.date_kind,
            best_before or rules.suggested_date(product, made_on))


class Lot(LotState):
    """A traceability lot and the stock it represents: its events and commands (its state
    and the checks guarding each act are ``LotState``'s)."""

    # ----------------------------------------------------------------- events

    # Events that gained fields keep them out of the stored bytes while they hold their
    # default (``omit_defaults``): events stored before the field existed re-encode to the
    # very same bytes, and decode with the default (schema evolution without a new version).

    class Offered(Created, frozen=True, kw_only=True, omit_defaults=True):
        """A producer offered a harvested lot."""

        TOPIC: ClassVar[str] = "lot.offered"
        code: str
        producer_id: UUID
        product: str
        variety: str
        quantity_g: int
        price_cents_per_kg: int
        harvest_date: date
        best_before: date
        organic_certificate: str
        origin: str
        """Field or plot the lot was harvested from."""
        date_kind: DateKind = DateKind.NONE
        """What ``best_before`` is: a DLC, a DDM, or a suggested date (fresh produce)."""

        def apply(self, lot: Lot) -> None:
            lot._init_common(self.code, self.product, self.variety, self.best_before,
                             self.organic_certificate)
            lot.date_kind = self.date_kind
            lot.producer_id = self.producer_id
            lot.price_cents_per_kg = self.price_cents_per_kg
            lot.harvest_date = self.harvest_date
            lot.origin = self.origin
            lot.status = LotStatus.OFFERED
            lot.offered_g = self.quantity_g

    class Derived(Created, frozen=True, kw_only=True, omit_defaults=True):
        """A lot was made from other lots by a split, merge or transformation."""

        TOPIC: ClassVar[str] = "lot.derived"
        code: str
        process: Process
        product: str
        variety: str
        producer_id: UUID | None
        """The producer of all parents, or None when they came from several."""
        platform_id: UUID
        site_id: UUID
        quantity_g: int
        parents: list[ParentShare]
        harvest_date: date | None
        best_before: date
        organic_certificate: str
        date_kind: DateKind = DateKind.NONE

        def apply(self, lot: Lot) -> None:
            lot._init_common(self.code, self.product, self.variety, self.best_before,
                             self.organic_certificate)
            lot.date_kind = self.date_kind
            lot.producer_id = self.producer_id
            lot.harvest_date = self.harvest_date
            lot.status = LotStatus.RECEIVED
            lot.platform_id = self.platform_id
            lot.site_id = self.site_id
            lot.on_hand_g = self.quantity_g
            lot.parents = list(self.parents)

    class OfferAccepted(Event, frozen=True, kw_only=True):
        """A platform accepted all or part of an offer, to be received at a site."""

        TOPIC: ClassVar[str] = "lot.offer_accepted"
        platform_id: UUID
        site_id: UUID
        accepted_g: int

        def apply(self, lot: Lot) -> None:
            lot.status = LotStatus.ACCEPTED
            lot.platform_id = self.platform_id
            lot.site_id = self.site_id
            lot.accepted_g = self.accepted_g

    class OfferDeclined(Event, frozen=True, kw_only=True):
        """A platform declined an offer."""

        TOPIC: ClassVar[str] = "lot.offer_declined"
        platform_id: UUID
        reason: str

        def apply(self, lot: Lot) -> None:
            lot.status = LotStatus.DECLINED
            lot.platform_id = self.platform_id

    class Received(Event, frozen=True, kw_only=True, omit_defaults=True):
        """The lot arrived at a site and was weighed (and its temperature measured)."""

        TOPIC: ClassVar[str] = "lot.received"
        site_id: UUID
        expected_g: int
        measured_g: int
        discrepancy_g: int
        """``measured_g - expected_g``: negative when less arrived than accepted."""
        temperature_dc: int | None = None
        temperature_min_dc: int | None = None
        temperature_max_dc: int | None = None
        """The product's range in force, when it has one."""
        cold_chain: ColdChain = ColdChain.NOT_CHECKED
        best_before: date | None = None
        """The date as the receiver corrected it (None: the offer's date stands)."""
        date_kind: DateKind | None = None
        """The kind as the receiver corrected it (None: the offer's kind stands)."""

        def apply(self, lot: Lot) -> None:
            lot.status = LotStatus.RECEIVED
            lot.site_id = self.site_id
            lot.on_hand_g = self.measured_g
            lot.temperature_dc = self.temperature_dc
            if self.best_before is not None:
                lot.best_before = self.best_before
            if self.date_kind is not None:
                lot.date_kind = self.date_kind

    class ReceptionRefused(Event, frozen=True, kw_only=True):
        """The lot arrived outside its temperature range and the platform refused it."""

        TOPIC: ClassVar[str] = "lot.reception_refused"
        site_id: UUID
        measured_g: int
        temperature_dc: int
        temperature_min_dc: int
        temperature_max_dc: int
        category: str
        reason: str

        def apply(self, lot: Lot) -> None:
            lot.status = LotStatus.REFUSED
            lot.temperature_dc = self.temperature_dc

    class DonationReceived(Created, frozen=True, kw_only=True):
        """An unsorted bulk donation arrived at a site and was weighed as one lot."""

        TOPIC: ClassVar[str] = "lot.donation_received"
        code: str
        donor_id: UUID
        platform_id: UUID
        site_id: UUID
        description: str
        """What the donation holds, as the receiver saw it ("invendus fruits et légumes")."""
        quantity_g: int
        best_before: date
        """The day it should be sorted by (suggested from the bulk shelf life)."""
        organic_certificate: str = ""

        def apply(self, lot: Lot) -> None:
            lot._init_common(self.code, BULK_PRODUCT, self.description, self.best_before,
                             self.organic_certificate)
            lot.status = LotStatus.RECEIVED
            lot.platform_id = self.platform_id
            lot.site_id = self.site_id
            lot.on_hand_g = self.quantity_g
            lot.bulk = True
            lot.donor_id = self.donor_id

    class Sorted(Event, frozen=True, kw_only=True):
        """The bulk donation was sorted into product lots; the waste was declared."""

        TOPIC: ClassVar[str] = "lot.sorted"
        children: list[ChildShare]
        waste_g: int
        used_g: int
        """Children plus waste: the whole donation."""

        def apply(self, lot: Lot) -> None:
            lot.on_hand_g -= self.used_g
            lot.children.extend(child.lot_id for child in self.children)

    class Held(Event, frozen=True, kw_only=True):
        """The lot was blocked: nothing may take from it or pass it on until released."""

        TOPIC: ClassVar[str] = "lot.held"
        reason: str

        def apply(self, lot: Lot) -> None:
            lot.on_hold = Hold(reason=self.reason, held_by=self.context.member_id,
                            since=self.context.occurred_at)

    class HoldReleased(Event, frozen=True, kw_only=True):
        """The lot's hold was lifted (analysis clear, temperature checked…)."""

        TOPIC: ClassVar[str] = "lot.hold_released"
        reason: str

        def apply(self, lot: Lot) -> None:
            lot.on_hold = None

    class Split(Event, frozen=True, kw_only=True):
        """The lot's available stock was divided into new lots at the same site."""

        TOPIC: ClassVar[str] = "lot.split"
        children: list[ChildShare]
        used_g: int

        def apply(self, lot: Lot) -> None:
            lot.on_hand_g -= self.used_g
            lot.children.extend(child.lot_id for child in self.children)

    class MergedInto(Event, frozen=True, kw_only=True):
        """Part of the lot went into a new lot together with other lots."""

        TOPIC: ClassVar[str] = "lot.merged_into"
        child: ChildShare
        used_g: int

        def apply(self, lot: Lot) -> None:
            lot.on_hand_g -= self.used_g
            lot.children.append(self.child.lot_id)

    class TransformedInto(Event, frozen=True, kw_only=True):
        """Part of the lot was transformed (washed, cut, cooked…) into new lots."""

        TOPIC: ClassVar[str] = "lot.transformed_into"
        transformation_id: UUID
        used_g: int
        children: list[ChildShare]
        """All outputs of the transformation, which may have several inputs."""
        inputs_total_g: int
        loss_g: int
        """Mass the whole transformation lost (peelings, water): outputs + loss = inputs."""

        def apply(self, lot: Lot) -> None:
            lot.on_hand_g -= self.used_g
            lot.children.extend(child.lot_id for child in self.children)

    class Reserved(Event, frozen=True, kw_only=True):
        """Stock was set aside for an outlet."""

        TOPIC: ClassVar[str] = "lot.reserved"
        outlet_id: UUID
        quantity_g: int
        round_id: UUID | None = None

        def apply(self, lot: Lot) -> None:
            lot.reserved_g[self.outlet_id] = lot.reserved_g.get(self.outlet_id, 0) + self.quantity_g

    class ReservationReleased(Event, frozen=True, kw_only=True):
        """Stock set aside for an outlet became available again."""

        TOPIC: ClassVar[str] = "lot.reservation_released"
        outlet_id: UUID
        quantity_g: int
        reason: str

        def apply(self, lot: Lot) -> None:
            remaining = lot.reserved_g[self.outlet_id] - self.quantity_g
            if remaining:
                lot.reserved_g[self.outlet_id] = remaining
            else:
                del lot.reserved_g[self.outlet_id]

    class Dispatched(Event, frozen=True, kw_only=True):
        """Stock left the site on a delivery to an outlet."""

        TOPIC: ClassVar[str] = "lot.dispatched"
        delivery_id: UUID
        outlet_id: UUID
        quantity_g: int
        from_reservation_g: int
        """How much of the quantity had been reserved for that outlet."""

        def apply(self, lot: Lot) -> None:
            lot.on_hand_g -= self.quantity_g
            if self.from_reservation_g:
                remaining = lot.reserved_g[self.outlet_id] - self.from_reservation_g
                if remaining:
                    lot.reserved_g[self.outlet_id] = remaining
                else:
                    del lot.reserved_g[self.outlet_id]
            key = (self.delivery_id, self.outlet_id)
            lot.in_transit_g[key] = lot.in_transit_g.get(key, 0) + self.quantity_g

    class Delivered(Event, frozen=True, kw_only=True):
        """An outlet received the lot from a delivery; the rest was lost on the way."""

        TOPIC: ClassVar[str] = "lot.delivered"
        delivery_id: UUID
        outlet_id: UUID
        dispatched_g: int
        received_g: int
        discrepancy_g: int
        """``received_g - dispatched_g`` (never positive): lost in transit."""

        def apply(self, lot: Lot) -> None:
            del lot.in_transit_g[(self.delivery_id, self.outlet_id)]
            if self.received_g:
                # Like reservations, holdings keep no zero entries: an outlet that received
                # nothing of the lot does not hold it.
                lot.held_g[self.outlet_id] = lot.held_g.get(self.outlet_id, 0) + self.received_g

    class Lost(Event, frozen=True, kw_only=True):
        """Stock was lost (spoiled, damaged, stolen) at a site or at an outlet."""

        TOPIC: ClassVar[str] = "lot.lost"
        holder_id: UUID
        """The site operator (platform) or the outlet that held the lost stock."""
        at_outlet: bool
        quantity_g: int
        reason: str

        def apply(self, lot: Lot) -> None:
            if self.at_outlet:
                lot._take_held(self.holder_id, self.quantity_g)
            else:
                lot.on_hand_g -= self.quantity_g

    class Distributed(Event, frozen=True, kw_only=True, omit_defaults=True):
        """An outlet passed food from the lot on to people."""

        TOPIC: ClassVar[str] = "lot.distributed"
        outlet_id: UUID
        quantity_g: int
        channel: Channel
        past_date_days: int = 0
        """Flag: days past its date (a DDM within its grace, or a suggested date)."""

        def apply(self, lot: Lot) -> None:
            lot._take_held(self.outlet_id, self.quantity_g)

    class Recalled(Event, frozen=True, kw_only=True):
        """The lot was recalled: nobody may pass it on any more."""

        TOPIC: ClassVar[str] = "lot.recalled"
        reason: str
        origin_lot_id: UUID
        """The lot whose recall caused this one (itself for the lot first recalled)."""

        def apply(self, lot: Lot) -> None:
            lot.recalled = True

    # ---------------------------------------------------------------- commands

    @classmethod
    def offer(cls, lot_id: UUID, context: Context, *, code: str, producer_id: UUID,
              product: str, variety: str, quantity_g: int, price_cents_per_kg: int,
              harvest_date: date, best_before: date | None, organic_certificate: str,
              origin: str, date_kind: DateKind | None = None,
              rules: SetStockRules = DEFAULT_STOCK_RULES) -> Lot:
        """A producer offers a lot.

        Without a date, the product's shelf life from the harvest suggests one; without a
        kind, the product's usual kind applies (none for fresh produce).
        """
        code = check_code(code)
        check_quantity("offered quantity", quantity_g)
        check_price_per_kg(price_cents_per_kg)
        product = check_text("product", product).lower()
        date_kind, best_before = output_date(rules, product, harvest_date, date_kind=date_kind,
                                             best_before=best_before)
        check_offer_dates(harvest_date=harvest_date, best_before=best_before,
                          offered_at=context.occurred_at)
        return cls._start(cls.Offered(
            originator_id=lot_id, originator_version=1, timestamp=utc_now(), context=context,
            code=code, producer_id=producer_id, product=product,
            variety=check_text("variety", variety, required=False), quantity_g=quantity_g,
            price_cents_per_kg=price_cents_per_kg, harvest_date=harvest_date,
            best_before=best_before,
            organic_certificate=check_text("organic certificate", organic_certificate,
                                           required=False),
            origin=check_text("origin", origin, required=False), date_kind=date_kind))

    @classmethod
    def receive_donation(cls, lot_id: UUID, context: Context, *, code: str, donor_id: UUID,
                         site_id: UUID, description: str, quantity_g: int,
                         best_before: date | None = None, organic_certificate: str = "",
                         rules: SetStockRules = DEFAULT_STOCK_RULES) -> Lot:
        """A platform receives an unsorted bulk donation, weighed as one lot.

        Its date is the day it should be sorted by (the bulk shelf life from today, unless
        given).
        """
        check_quantity("donation quantity", quantity_g)
        received_on = paris_day(context.occurred_at)
        return cls._create(
            cls.DonationReceived, lot_id, context=context, code=check_code(code),
            donor_id=donor_id, platform_id=context.member_id, site_id=site_id,
            description=check_text("description", description), quantity_g=quantity_g,
            best_before=best_before or rules.suggested_date(BULK_PRODUCT, received_on),
            organic_certificate=check_text("organic certificate", organic_certificate,
                                           required=False))

    @classmethod
    def derive(cls, lot_id: UUID, context: Context, *, code: str, process: Process,
               product: str, variety: str, parents: list[tuple[Lot, int]], quantity_g: int,
               best_before: date | None = None, date_kind: DateKind | None = None) -> Lot:
        """Create a lot from parents (callers check the parents' side first).

        Without a date and kind, the child keeps the earliest date of its parents and the
        strictest kind among them (a DLC parent makes a DLC child).
        """
        first = parents[0][0]
        assert first.site_id is not None
        assert first.platform_id is not None
        producers = {parent.producer_id for parent, _ in parents}
        harvests = [parent.harvest_date for parent, _ in parents if parent.harvest_date]
        certificates = {parent.organic_certificate for parent, _ in parents}
        return cls._create(
            cls.Derived, lot_id, context=context, code=check_code(code), process=process,
            product=product, variety=variety,
            producer_id=producers.pop() if len(producers) == 1 else None,
            platform_id=first.platform_id, site_id=first.site_id, quantity_g=quantity_g,
            parents=[ParentShare(parent.id, used_g) for parent, used_g in parents],
            harvest_date=min(harvests) if harvests else None,
            best_before=best_before or min(parent.best_before for parent, _ in parents),
            # A child is organic only if every parent is: with mixed certificates, none.
            organic_certificate=certificates.pop() if len(certificates) == 1 else "",
            date_kind=date_kind or strictest([parent.date_kind for parent, _ in parents]),
        )

    def accept(self, context: Context, *, site_id: UUID, accepted_g: int) -> None:
        """A platform accepts all or part of the offer."""
        self.check_accept(accepted_g)
        self._trigger(self.OfferAccepted, context=context, platform_id=context.member_id,
                      site_id=site_id, accepted_g=accepted_g)

    def decline(self, context: Context, *, reason: str) -> None:
        """A platform declines the offer."""
        self.check_status(LotStatus.OFFERED, "decline the offer of")
        self._trigger(self.OfferDeclined, context=context, platform_id=context.member_id,
                      reason=check_text("reason", reason))

    def receive(self, context: Context, *, site_id: UUID, measured_g: int,
                temperature_dc: int | None = None, if_out_of_range: OutOfRange | None = None,
                best_before: date | None = None, date_kind: DateKind | None = None,
                rules: SetStockRules = DEFAULT_STOCK_RULES) -> None:
        """The accepted lot arrives at its site, is weighed, and measured if chilled.

        The receiver may correct the lot's date and kind (a suggested date is only a
        suggestion). A chilled or frozen product must come with its temperature; outside
        the range in force, the reception is refused unless the platform says what it does:
        refuse the lot (recorded, never in stock) or accept it under hold.
        """
        self.check_reception(site_id, measured_g, context.occurred_at)
        corrected = best_before if best_before != self.best_before else None
        if corrected is not None and self.harvest_date:
            check_best_before(harvest_date=self.harvest_date, best_before=corrected)
        kind = date_kind if date_kind != self.date_kind else None
        measured = check_reception_temperature(self.code, self.product, temperature_dc,
                                               if_out_of_range, rules)
        if measured is None:
            self._trigger(self.Received, context=context, site_id=site_id,
                          expected_g=self.accepted_g, measured_g=measured_g,
                          discrepancy_g=measured_g - self.accepted_g,
                          temperature_dc=temperature_dc, best_before=corrected,
                          date_kind=kind)
            return
        if not measured.within and if_out_of_range == OutOfRange.REFUSE:
            self._trigger(self.ReceptionRefused, context=context, site_id=site_id,
                          measured_g=measured_g, temperature_dc=measured.temperature_dc,
                          temperature_min_dc=measured.low_dc, temperature_max_dc=measured.high_dc,
                          category=measured.category, reason=measured.reason)
            return
        self._trigger(self.Received, context=context, site_id=site_id,
                      expected_g=self.accepted_g, measured_g=measured_g,
                      discrepancy_g=measured_g - self.accepted_g,
                      temperature_dc=measured.temperature_dc,
                      temperature_min_dc=measured.low_dc, temperature_max_dc=measured.high_dc,
                      cold_chain=ColdChain.IN_RANGE if measured.within else ColdChain.HELD,
                      best_before=corrected, date_kind=kind)
        if not measured.within:
            self._trigger(self.Held, context=context, reason=measured.reason)

    def split(self, context: Context, children: list[ChildShare]) -> None:
        """Record the split of the available stock into ``children``."""
        self.check_split([child.quantity_g for child in children])
        self._trigger(self.Split, context=context, children=children,
                      used_g=sum(child.quantity_g for child in children))

    def sort(self, context: Context, children: list[ChildShare], waste_g: int) -> None:
        """Record the sorting of the bulk donation into ``children`` and waste."""
        self.check_sort([child.quantity_g for child in children], waste_g)
        self._trigger(self.Sorted, context=context, children=children, waste_g=waste_g,
                      used_g=sum(child.quantity_g for child in children) + waste_g)

    def merge_into(self, context: Context, child: ChildShare, used_g: int) -> None:
        """Record that ``used_g`` of this lot went into the merged lot ``child``."""
        self.check_available("merge", used_g)
        self._trigger(self.MergedInto, context=context, child=child, used_g=used_g)

    def transform_into(self, context: Context, *, transformation_id: UUID, used_g: int,
                       children: list[ChildShare], inputs_total_g: int, loss_g: int) -> None:
        """Record that ``used_g`` of this lot went into a transformation."""
        self.check_available("transform", used_g)
        self._trigger(self.TransformedInto, context=context,
                      transformation_id=transformation_id, used_g=used_g, children=children,
                      inputs_total_g=inputs_total_g, loss_g=loss_g)

    def reserve(self, context: Context, *, outlet_id: UUID, quantity_g: int,
                round_id: UUID | None = None,
                rules: SetStockRules = DEFAULT_STOCK_RULES) -> None:
        """Set stock aside for an outlet."""
        self.check_reserve(quantity_g, context.occurred_at, rules)
        self._trigger(self.Reserved, context=context, outlet_id=outlet_id,
                      quantity_g=quantity_g, round_id=round_id)

    def release(self, context: Context, *, outlet_id: UUID, quantity_g: int,
                reason: str) -> None:
        """Give back stock set aside for an outlet."""
        self.check_release(outlet_id, quantity_g)
        self._trigger(self.ReservationReleased, context=context, outlet_id=outlet_id,
                      quantity_g=quantity_g, reason=check_text("reason", reason))

    def dispatch(self, context: Context, *, delivery_id: UUID, outlet_id: UUID,
                 quantity_g: int, rules: SetStockRules = DEFAULT_STOCK_RULES) -> None:
        """Stock leaves the site for an outlet."""
        from_reservation_g = self.check_dispatch(outlet_id, quantity_g, context.occurred_at,
                                                 rules)
        self._trigger(self.Dispatched, context=context, delivery_id=delivery_id,
                      outlet_id=outlet_id, quantity_g=quantity_g,
                      from_reservation_g=from_reservation_g)

    def deliver(self, context: Context, *, delivery_id: UUID, outlet_id: UUID,
                received_g: int) -> None:
        """An outlet receives the lot; any shortfall is lost in transit."""
        dispatched_g = self.check_delivery(delivery_id, outlet_id, received_g)
        self._trigger(self.Delivered, context=context, delivery_id=delivery_id,
                      outlet_id=outlet_id, dispatched_g=dispatched_g, received_g=received_g,
                      discrepancy_g=received_g - dispatched_g)

    def lose(self, context: Context, *, holder_id: UUID, at_outlet: bool, quantity_g: int,
             reason: str) -> None:
        """Record a loss at the site (from available stock) or at an outlet."""
        reason = check_text("reason", reason)
        self.check_loss(holder_id, at_outlet=at_outlet, quantity_g=quantity_g)
        self._trigger(self.Lost, context=context, holder_id=holder_id, at_outlet=at_outlet,
                      quantity_g=quantity_g, reason=reason)

    def distribute(self, context: Context, *, outlet_id: UUID, quantity_g: int,
                   channel: Channel, rules: SetStockRules = DEFAULT_STOCK_RULES) -> None:
        """An outlet hands food from the lot to people (flagged when past a DDM or a
        suggested date, refused past a DLC or beyond a DDM's grace)."""
        past_date_days = self.check_distribution(outlet_id, quantity_g, context.occurred_at,
                                                 rules)
        self._trigger(self.Distributed, context=context, outlet_id=outlet_id,
                      quantity_g=quantity_g, channel=channel, past_date_days=past_date_days)

    def hold(self, context: Context, *, reason: str) -> None:
        """Block the lot (pending an analysis, a check…), saying why."""
        reason = check_text("reason", reason)
        self.check_holdable()
        self._trigger(self.Held, context=context, reason=reason)

    def release_hold(self, context: Context, *, reason: str) -> None:
        """Lift the lot's hold, saying why (a recall is never lifted)."""
        reason = check_text("reason", reason)
        if self.on_hold is None:
            raise InvalidState(f"lot {self.code} is not held", reason="lot_not_on_hold",
                               lot=self.code)
        self._trigger(self.HoldReleased, context=context, reason=reason)

    def recall(self, context: Context, *, reason: str, origin_lot_id: UUID) -> None:
        """Mark the lot recalled (callers recall every lot made from it too)."""
        if self.recalled:
            raise InvalidState(f"lot {self.code} is already recalled",
                               reason="already_recalled", lot=self.code)
        self._trigger(self.Recalled, context=context, reason=check_text("reason", reason),
                      origin_lot_id=origin_lot_id)


Lot.Offered.AGGREGATE = Lot
Lot.Derived.AGGREGATE = Lot
Lot.DonationReceived.AGGREGATE = Lot


class LotCode(Aggregate):
    """Index stream that reserves a lot code, so no two lots share one.

    Its id is derived from the code (``name_id("lot-code", code)``): a second lot claiming
    the same code collides on the store's unique key and is refused.
    """

    code: str
    lot_id: UUID

    class Claimed(Created, frozen=True, kw_only=True):
        """A lot code was taken by a lot."""

        TOPIC: ClassVar[str] = "lot_code.claimed"
        code: str
        lot_id: UUID

        def apply(self, index: LotCode) -> None:
            index.code = self.code
            index.lot_id = self.lot_id

    @classmethod
    def claim(cls, index_id: UUID, context: Context, code: str, lot_id: UUID) -> LotCode:
        """Claim ``code`` for ``lot_id``."""
        return cls._start(cls.Claimed(originator_id=index_id, originator_version=1,
                                      timestamp=utc_now(), context=context, code=code,
                                      lot_id=lot_id))


LotCode.Claimed.AGGREGATE = LotCode
