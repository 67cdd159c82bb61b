"""The one table where a command meets its handler.

Each command type (``domain.commands``, ``domain.governance_commands``,
``domain.reporting_commands``) maps to a plain
function ``(command, unit_of_work) -> list[UUID]`` (the streams it changed, the main one
first). The ledger, the API's command routes and the documentation read this table; nothing
else registers, wraps or replaces a handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec

from domain import commands as c
from domain import governance_commands as g
from domain import reporting_commands as r
from infra.ledger import (
    allocations,
    baskets,
    deliveries,
    donations,
    funding,
    governance,
    labels,
    lots,
    members,
    preferences,
    workshops,
)
from infra.ledger.unit_of_work import UnitOfWork

Handler = Callable[[Any, UnitOfWork], list[UUID]]
"""A command handler; ``Any`` because each takes its own command type."""

HANDLERS: dict[type[msgspec.Struct], Handler] = {
    # members and sites
    c.FoundCooperative: members.found_cooperative,
    c.RegisterMember: members.register_member,
    c.GrantRole: members.grant_role,
    c.RevokeRole: members.revoke_role,
    c.SuspendMember: members.suspend_member,
    c.RegisterSite: members.register_site,
    # lots
    c.OfferLot: lots.offer_lot,
    c.AcceptOffer: lots.accept_offer,
    c.DeclineOffer: lots.decline_offer,
    c.ReceiveLot: lots.receive_lot,
    c.SplitLot: lots.split_lot,
    c.MergeLots: lots.merge_lots,
    c.TransformLots: lots.transform_lots,
    c.ReserveLot: lots.reserve_lot,
    c.ReleaseReservation: lots.release_reservation,
    c.RecordLoss: lots.record_loss,
    c.RecordDistribution: lots.record_distribution,
    c.RecallLot: lots.recall_lot,
    c.ReceiveDonation: lots.receive_donation,
    c.SortDonation: lots.sort_donation,
    c.HoldLot: lots.hold_lot,
    c.ReleaseHold: lots.release_hold,
    # allocation rounds
    c.OpenRound: allocations.open_round,
    c.DeclareNeed: allocations.declare_need,
    c.ComputeRound: allocations.compute_round,
    c.AdjustRound: allocations.adjust_round,
    c.ConfirmRound: allocations.confirm_round,
    # deliveries (and their settlement)
    c.PlanDelivery: deliveries.plan_delivery,
    c.DispatchDelivery: deliveries.dispatch_delivery,
    c.ReceiveDelivery: deliveries.receive_delivery,
    c.CancelDelivery: deliveries.cancel_delivery,
    # governance
    g.ConstituteColleges: governance.constitute_colleges,
    g.SeatMember: governance.seat_member,
    g.UnseatMember: governance.unseat_member,
    g.SubmitProposal: governance.submit_proposal,
    g.CastVote: governance.cast_vote,
    g.CloseProposal: governance.close_proposal,
    # funding and transfers
    g.CommitBudget: funding.commit_budget,
    g.OpenAccount: funding.open_account,
    g.TransferFunds: funding.transfer_funds,
    g.PostTransfer: funding.post_transfer,
    g.VoidTransfer: funding.void_transfer,
    # baskets
    g.OpenBasketProgramme: baskets.open_basket_programme,
    g.EnrolHousehold: baskets.enrol_household,
    g.EraseHousehold: baskets.erase_household,
    g.PrepareBasket: baskets.prepare_basket,
    g.CollectBasket: baskets.collect_basket,
    g.CancelBasket: baskets.cancel_basket,
    g.StateBasketPreferences: preferences.state_basket_preferences,
    # what the reports count beyond the flow of lots: donations, labels, workshops
    r.RecordDonation: donations.record_donation,
    r.CancelDonation: donations.cancel_donation,
    r.DeclareQualityLabel: labels.declare_quality_label,
    r.WithdrawQualityLabel: labels.withdraw_quality_label,
    r.RecordWorkshop: workshops.record_workshop,
    r.CancelWorkshop: workshops.cancel_workshop,
}


def command_name(command_type: type[msgspec.Struct]) -> str:
    """The command's name in routes, logs and command records (its ``NAME``)."""
    name: str = getattr(command_type, "NAME", "")
    return name or command_type.__name__
