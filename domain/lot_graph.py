"""Arithmetic over several lots at once: the inputs of a merge or a transformation, their
mass balance, the recall walk through every lot made from a lot, and how a delivery's lines
draw on each lot's reservations.

These are pure functions over ``Lot`` aggregates (a recall walk loads lots through a
function it is given), so they are tested without a store; handlers in ``infra/ledger`` call
them with the lots of their unit of work.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from domain.errors import InsufficientStock, InvalidCommand, QuantityMismatch
from domain.input_bounds import check_quantity
from domain.lots import Lot
from domain.stock_rules import DEFAULT_STOCK_RULES, SetStockRules

INPUT_LOTS_MAX = 100  # As a split's parts: more inputs than this is a data-entry error.
OUTPUT_LOTS_MAX = 100
RECALL_LOTS_MAX = 10_000  # Lots reached by one recall; a larger graph is a data error.


def check_inputs(act: str, lot_ids: Sequence[UUID]) -> None:
    """A merge or transformation names 1 to ``INPUT_LOTS_MAX`` distinct lots."""
    if not 1 <= len(lot_ids) <= INPUT_LOTS_MAX:
        raise InvalidCommand(f"{act} takes 1 to {INPUT_LOTS_MAX} input lots, got {len(lot_ids)}",
                             reason="input_lots_count", act=act, count=len(lot_ids),
                             maximum=INPUT_LOTS_MAX)
    if len(set(lot_ids)) != len(lot_ids):
        raise InvalidCommand(f"{act} lists a lot twice", reason="lot_listed_twice", act=act)


def check_inputs_available(act: str, parents: Sequence[tuple[Lot, int]]) -> None:
    """Each input has the quantity taken from it available, and all sit at one site."""
    for lot, used_g in parents:
        lot.check_available(act, used_g)
    if len({lot.site_id for lot, _ in parents}) != 1:
        raise InvalidCommand(f"{act} needs every input lot at the same site",
                             reason="inputs_at_several_sites", act=act)


def merged_identity(parents: Sequence[tuple[Lot, int]]) -> tuple[str, str, int]:
    """The product, variety and quantity of the lot a merge makes.

    A merge mixes lots of one product (a transformation combines products); the variety is
    kept when all inputs share it.
    """
    if len(parents) < 2:
        raise InvalidCommand("a merge takes at least two lots", reason="merge_needs_two",
                             count=len(parents))
    products = {lot.product for lot, _ in parents}
    if len(products) != 1:
        raise InvalidCommand(f"a merge mixes one product only, got {sorted(products)}: "
                             "use a transformation to combine products",
                             reason="merge_mixes_products", products=", ".join(sorted(products)))
    varieties = {lot.variety for lot, _ in parents}
    return (products.pop(), varieties.pop() if len(varieties) == 1 else "",
            sum(used_g for _, used_g in parents))


def check_transformation_balance(inputs_g: int, outputs_g: Sequence[int], loss_g: int) -> None:
    """Mass is conserved: the outputs plus the declared loss weigh what went in."""
    if not 1 <= len(outputs_g) <= OUTPUT_LOTS_MAX:
        raise InvalidCommand(f"a transformation makes 1 to {OUTPUT_LOTS_MAX} output lots",
                             reason="output_lots_count", count=len(outputs_g),
                             maximum=OUTPUT_LOTS_MAX)
    for output_g in outputs_g:
        check_quantity("output quantity", output_g)
    total_g = sum(outputs_g)
    if total_g + loss_g != inputs_g:
        raise QuantityMismatch(
            f"transformation refused: outputs {total_g} g + loss {loss_g} g "
            f"= {total_g + loss_g} g, but inputs are {inputs_g} g",
            reason="transformation_balance", outputs_g=total_g, loss_g=loss_g,
            total_g=total_g + loss_g, inputs_g=inputs_g)


def recall_walk(origin: Lot, load: Callable[[UUID], Lot]) -> list[Lot]:
    """The origin and every lot made from it, breadth first, each once.

    ``load`` gives a lot by id (the unit of work's loader). Lots made from several parents
    are reached once however many paths lead to them.
    """
    reached: list[Lot] = []
    seen: set[UUID] = set()
    queue: deque[UUID] = deque([origin.id])
    while queue:
        lot_id = queue.popleft()
        if lot_id in seen:
            continue
        if len(seen) >= RECALL_LOTS_MAX:
            raise InvalidCommand(f"recall reaches more than {RECALL_LOTS_MAX} lots",
                                 reason="recall_too_wide", maximum=RECALL_LOTS_MAX,
                                 lot=origin.code)
        seen.add(lot_id)
        lot = origin if lot_id == origin.id else load(lot_id)
        reached.append(lot)
        queue.extend(lot.children)
    return reached


def dispatch_quantities(stops: Sequence[tuple[UUID, Sequence[tuple[UUID, int]]]]
                        ) -> dict[tuple[UUID, UUID], int]:
    """Grams dispatched per (lot, outlet) from a delivery's stops of (lot, grams) lines."""
    per_lot: dict[tuple[UUID, UUID], int] = {}
    for outlet_id, lines in stops:
        for lot_id, quantity_g in lines:
            per_lot[(lot_id, outlet_id)] = quantity_g
    return per_lot


def check_dispatch_stock(lot: Lot, per_outlet_g: dict[UUID, int],
                         moment: datetime | None = None,
                         rules: SetStockRules = DEFAULT_STOCK_RULES) -> None:
    """A lot feeding several stops: what is beyond each outlet's reservation must be there,
    and (at ``moment``, when given) the lot's hold, recall and date must let it leave.

    Each stop first draws on its outlet's reservation; the rest comes out of the lot's
    available stock, which all stops share.
    """
    for outlet_id, quantity_g in per_outlet_g.items():
        lot.check_dispatch(outlet_id, quantity_g, moment, rules)
    total_g = sum(per_outlet_g.values())
    reserved_g = sum(min(lot.reserved_g.get(outlet_id, 0), quantity_g)
                     for outlet_id, quantity_g in per_outlet_g.items())
    if total_g - reserved_g > lot.available_g:
        raise InsufficientStock(
            f"dispatch refused: the delivery takes {total_g} g of lot {lot.code}, "
            f"beyond its reservations and {lot.available_g} g available",
            reason="dispatch_beyond_stock", quantity_g=total_g, reserved_g=reserved_g,
            available_g=lot.available_g, lot=lot.code)
