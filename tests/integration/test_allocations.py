"""Allocation rounds: a platform opens a week, outlets declare needs, lines are computed with
the key in force (every input recorded), adjusted by hand if need be, then confirmed, which
reserves the stock. Each command's success and refusals, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from uuid import UUID

from domain import commands as c
from domain.allocation_keys import PROPORTIONAL_TO_NEEDS, Line, LotAvailability, Need
from domain.allocations import AllocationRound, RoundStatus
from domain.errors import (
    InsufficientStock,
    InvalidCommand,
    InvalidState,
    NotFound,
    RoleRequired,
)
from domain.lots import Lot
from domain.members import MemberKind
from infra.ledger.ledger import Ledger
from tests.builders import (
    BEST_BEFORE,
    WEEK,
    Territory,
    assert_refused,
    events_of_stream,
    found_territory,
)

UNKNOWN_ID = UUID("00000000-0000-7000-8000-000000000003")


def open_round(territory: Territory, site_id: UUID | None = None,
               actor_id: UUID | None = None) -> UUID:
    """The platform opens this week's round at its site; the round id."""
    return territory.ledger.execute(c.OpenRound(
        command_id=territory.command_id("open"), actor_id=actor_id or territory.platform_id,
        site_id=site_id or territory.site_id, week=WEEK)).stream_id


def declare(territory: Territory, round_id: UUID, outlet_id: UUID, quantity_g: int,
            product: str = "carrot") -> c.CommandResult:
    """An outlet declares a need."""
    return territory.ledger.execute(c.DeclareNeed(
        command_id=territory.command_id("need"), actor_id=outlet_id, round_id=round_id,
        product=product, quantity_g=quantity_g))


def compute(territory: Territory, round_id: UUID) -> c.CommandResult:
    """The platform computes the round."""
    return territory.ledger.execute(c.ComputeRound(
        command_id=territory.command_id("compute"), actor_id=territory.platform_id,
        round_id=round_id))


def confirm_command(territory: Territory, round_id: UUID) -> c.ConfirmRound:
    """The platform's confirmation of a round."""
    return c.ConfirmRound(command_id=territory.command_id("confirm"),
                          actor_id=territory.platform_id, round_id=round_id)


def allocation(territory: Territory, round_id: UUID) -> AllocationRound:
    """The current state of a round."""
    found = territory.ledger.repository.get(round_id)
    assert isinstance(found, AllocationRound)
    return found


def computed_round(territory: Territory) -> tuple[UUID, UUID]:
    """A lot of 89 kg and a round where both outlets need 60 kg, computed: (round, lot)."""
    lot_id = territory.stocked_lot(89_000)
    round_id = open_round(territory)
    for outlet_id in territory.outlet_ids:
        declare(territory, round_id, outlet_id, 60_000)
    compute(territory, round_id)
    return round_id, lot_id


# --------------------------------------------------------------- open round


def test_open_round_for_a_week_at_the_platform_site(ledger: Ledger) -> None:
    """A platform opens an empty round for an ISO week at a site it operates."""
    territory = found_territory(ledger)
    round_id = open_round(territory)
    opened = allocation(territory, round_id)
    assert (opened.platform_id, opened.site_id, opened.week, opened.status) == (
        territory.platform_id, territory.site_id, WEEK, RoundStatus.OPEN)
    assert (opened.needs, opened.lines) == ({}, [])


def test_open_round_refusals(ledger: Ledger) -> None:
    """Rounds need a platform, a site it operates, and an ISO week."""
    territory = found_territory(ledger)
    _, other_site_id = territory.add_platform()

    def open_command(site_id: UUID = territory.site_id, week: str = WEEK,
                     actor_id: UUID = territory.platform_id) -> c.OpenRound:
        return c.OpenRound(command_id=territory.command_id("open"), actor_id=actor_id,
                           site_id=site_id, week=week)

    assert_refused(ledger, open_command(actor_id=territory.outlet_id), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, open_command(site_id=other_site_id), RoleRequired,
                   "is not operated by")
    assert_refused(ledger, open_command(site_id=UNKNOWN_ID), NotFound, "site")
    for week in ("2026-45", "2026-W54", "2026-W00", "semaine 45"):
        assert_refused(ledger, open_command(week=week), InvalidCommand,
                       "is not an ISO week like 2026-W07")


# ------------------------------------------------------------- declare need


def test_declaring_again_replaces_the_need(ledger: Ledger) -> None:
    """An outlet's need per product is the last one declared, with its households served."""
    territory = found_territory(ledger)
    round_id = open_round(territory)
    declare(territory, round_id, territory.outlet_id, 10_000, product=" Carrot ")
    declare(territory, round_id, territory.outlet_id, 25_000)
    declare(territory, round_id, territory.outlet_id, 5_000, product="leek")
    needs = allocation(territory, round_id).needs
    assert needs == {
        (territory.outlet_id, "carrot"): Need(territory.outlet_id, "carrot", 25_000, 120),
        (territory.outlet_id, "leek"): Need(territory.outlet_id, "leek", 5_000, 120)}


def test_declare_need_refusals(ledger: Ledger) -> None:
    """Needs come from outlets, into an existing round still open, never negative."""
    territory = found_territory(ledger)
    round_id, _ = computed_round(territory)
    open_id = open_round(territory)

    def need(round_id: UUID, quantity_g: int = 1_000,
             actor_id: UUID = territory.outlet_id) -> c.DeclareNeed:
        return c.DeclareNeed(command_id=territory.command_id("need"), actor_id=actor_id,
                             round_id=round_id, product="carrot", quantity_g=quantity_g)

    assert_refused(ledger, need(open_id, actor_id=territory.platform_id), RoleRequired,
                   "takes the role outlet")
    assert_refused(ledger, need(UNKNOWN_ID), NotFound, "allocation round")
    assert_refused(ledger, need(open_id, quantity_g=-1), InvalidCommand, "must not be negative")
    assert_refused(ledger, need(round_id), InvalidState, "is computed: needs can no longer")


# ------------------------------------------------------------ compute round


def test_compute_shares_in_proportion_to_needs_and_records_its_inputs(
        ledger: Ledger) -> None:
    """89 kg for two needs of 60 kg: 44.5 kg each, with key, needs and lots recorded."""
    territory = found_territory(ledger)
    round_id, lot_id = computed_round(territory)
    first, second = territory.outlet_ids
    computed = allocation(territory, round_id)
    assert computed.status == RoundStatus.COMPUTED
    assert computed.lines == [Line(lot_id, outlet_id, 44_500)
                              for outlet_id in sorted((first, second), key=str)]
    event = events_of_stream(ledger, round_id)[-1]
    assert isinstance(event, AllocationRound.Computed)
    assert (event.key, event.key_parameters, event.decision_id) == (
        PROPORTIONAL_TO_NEEDS, {}, None)
    assert event.lots == [LotAvailability(lot_id, "carrot", 89_000, BEST_BEFORE.isoformat())]
    assert sorted(need.quantity_g for need in event.needs) == [60_000, 60_000]
    # Computing reserves nothing: confirmation does.
    assert territory.lot(lot_id).reserved_g == {}


def test_compute_leaves_out_recalled_reserved_and_other_sites_stock(ledger: Ledger) -> None:
    """Only available, unrecalled stock of the round's site and products is shared."""
    territory = found_territory(ledger)
    annex_id = territory.register_site("Annexe", territory.platform_id)
    kept = territory.stocked_lot(50_000)
    territory.reserve(kept, 20_000, territory.outlet_ids[1])
    recalled = territory.stocked_lot(50_000)
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.platform_id,
                               lot_id=recalled, reason="moisissure"))
    territory.stocked_lot(50_000, site_id=annex_id)
    territory.stocked_lot(50_000, product="Leek")
    round_id = open_round(territory)
    declare(territory, round_id, territory.outlet_id, 100_000)
    compute(territory, round_id)
    assert allocation(territory, round_id).lines == [Line(kept, territory.outlet_id, 30_000)]


def test_compute_may_run_again_before_confirmation(ledger: Ledger) -> None:
    """Recomputing after stock arrived replaces the lines."""
    territory = found_territory(ledger)
    round_id, first_lot = computed_round(territory)
    second_lot = territory.stocked_lot(31_000)
    compute(territory, round_id)
    lines = allocation(territory, round_id).lines
    assert sum(line.quantity_g for line in lines) == 120_000
    assert {line.lot_id for line in lines} == {first_lot, second_lot}


def test_compute_round_refusals(ledger: Ledger) -> None:
    """Computing needs the round's own platform, declared needs and a round not confirmed."""
    territory = found_territory(ledger)
    other_platform_id, other_site_id = territory.add_platform()
    empty_id = open_round(territory)
    round_id, _ = computed_round(territory)
    other_round_id = open_round(territory, other_site_id, other_platform_id)
    declare(territory, other_round_id, territory.outlet_id, 1_000)

    def compute_command(round_id: UUID,
                        actor_id: UUID = territory.platform_id) -> c.ComputeRound:
        return c.ComputeRound(command_id=territory.command_id("compute"), actor_id=actor_id,
                              round_id=round_id)

    assert_refused(ledger, compute_command(empty_id), InvalidState, "has no declared needs")
    assert_refused(ledger, compute_command(other_round_id), RoleRequired,
                   "belongs to another platform")
    assert_refused(ledger, compute_command(round_id, territory.outlet_id), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, compute_command(UNKNOWN_ID), NotFound, "allocation round")
    ledger.execute(confirm_command(territory, round_id))
    assert_refused(ledger, compute_command(round_id), InvalidState, "already confirmed")


# ------------------------------------------------------------- adjust round


def test_adjust_replaces_the_lines_and_says_why(ledger: Ledger) -> None:
    """An adjustment replaces the computed lines; its reason is recorded."""
    territory = found_territory(ledger)
    round_id, lot_id = computed_round(territory)
    ledger.execute(c.AdjustRound(
        command_id="adjust", actor_id=territory.platform_id, round_id=round_id,
        lines=[c.AdjustedLine(lot_id, territory.outlet_ids[1], 89_000)],
        reason=" l'épicerie est fermée cette semaine "))
    assert allocation(territory, round_id).lines == [Line(lot_id, territory.outlet_ids[1],
                                                          89_000)]
    adjusted = events_of_stream(ledger, round_id)[-1]
    assert isinstance(adjusted, AllocationRound.Adjusted)
    assert adjusted.reason == "l'épicerie est fermée cette semaine"


def test_adjust_round_refusals(ledger: Ledger) -> None:
    """Adjusting needs a computed round of one's own, a reason and lines above 0 g."""
    territory = found_territory(ledger)
    other_platform_id, _ = territory.add_platform()
    open_id = open_round(territory)
    round_id, lot_id = computed_round(territory)

    def adjust(round_id: UUID = round_id, quantity_g: int = 1_000, reason: str = "météo",
               actor_id: UUID = territory.platform_id) -> c.AdjustRound:
        return c.AdjustRound(command_id=territory.command_id("adjust"), actor_id=actor_id,
                             round_id=round_id, reason=reason,
                             lines=[c.AdjustedLine(lot_id, territory.outlet_id, quantity_g)])

    assert_refused(ledger, adjust(open_id), InvalidState, "only computed lines")
    assert_refused(ledger, adjust(reason="  "), InvalidCommand, "must say why")
    assert_refused(ledger, adjust(quantity_g=0), InvalidCommand, "must be > 0 g")
    assert_refused(ledger, adjust(actor_id=other_platform_id), RoleRequired,
                   "belongs to another platform")
    assert_refused(ledger, adjust(actor_id=territory.producer_id), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, adjust(UNKNOWN_ID), NotFound, "allocation round")


# ------------------------------------------------------------ confirm round


def test_confirm_reserves_every_line(ledger: Ledger) -> None:
    """Confirmation reserves each line's grams for its outlet, tagged with the round."""
    territory = found_territory(ledger)
    round_id, lot_id = computed_round(territory)
    result = ledger.execute(confirm_command(territory, round_id))
    assert result.stream_ids == [round_id, lot_id]
    assert allocation(territory, round_id).status == RoundStatus.CONFIRMED
    lot = territory.lot(lot_id)
    assert lot.reserved_g == dict.fromkeys(territory.outlet_ids, 44_500)
    assert lot.available_g == 0
    reserved = [event for event in events_of_stream(ledger, lot_id)
                if isinstance(event, Lot.Reserved)]
    assert [event.round_id for event in reserved] == [round_id, round_id]


def test_confirm_round_refusals(ledger: Ledger) -> None:
    """Confirmation needs a computed round whose stock is still there, to real outlets."""
    territory = found_territory(ledger)
    open_id = open_round(territory)
    round_id, lot_id = computed_round(territory)
    assert_refused(ledger, confirm_command(territory, open_id), InvalidState,
                   "compute it before confirming")
    # Stock moved since the round was computed: the whole round is refused, nothing reserved.
    ledger.execute(c.RecordLoss(command_id="loss", actor_id=territory.platform_id,
                                lot_id=lot_id, quantity_g=1_000, reason="gel"))
    assert_refused(ledger, confirm_command(territory, round_id), InsufficientStock,
                   "reserve 89000 g refused: lot .* has 88000 g available")
    assert territory.lot(lot_id).reserved_g == {}
    funder_id = territory.register_member("Fondation", MemberKind.FUNDER)
    ledger.execute(c.AdjustRound(command_id="adjust", actor_id=territory.platform_id,
                                 round_id=round_id, reason="erreur de saisie",
                                 lines=[c.AdjustedLine(lot_id, funder_id, 1_000)]))
    assert_refused(ledger, confirm_command(territory, round_id), InvalidCommand,
                   "is not an outlet")
    ledger.execute(c.AdjustRound(command_id="adjust-2", actor_id=territory.platform_id,
                                 round_id=round_id, reason="corrigé",
                                 lines=[c.AdjustedLine(lot_id, territory.outlet_id, 88_000)]))
    ledger.execute(confirm_command(territory, round_id))
    assert_refused(ledger, confirm_command(territory, round_id), InvalidState,
                   "is confirmed: compute it before confirming")


def test_confirm_refuses_lines_on_another_platform_s_lot(ledger: Ledger) -> None:
    """An adjusted line naming a lot of another platform cannot be confirmed."""
    territory = found_territory(ledger)
    other_platform_id, other_site_id = territory.add_platform()
    foreign_lot = territory.stocked_lot(10_000, site_id=other_site_id,
                                        platform_id=other_platform_id)
    round_id, _ = computed_round(territory)
    ledger.execute(c.AdjustRound(command_id="adjust", actor_id=territory.platform_id,
                                 round_id=round_id, reason="échange",
                                 lines=[c.AdjustedLine(foreign_lot, territory.outlet_id, 500)]))
    assert_refused(ledger, confirm_command(territory, round_id), RoleRequired,
                   "handled by another platform")
