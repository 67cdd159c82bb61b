"""What the work pages need to name things and find a role's streams, kept in memory.

Pages show members by name and households by their pseudonymous reference, never a raw id,
and list a platform's rounds and deliveries, an outlet's stops and baskets. The views
(stock, trace, balances) do not index those, so this small in-memory index follows the
notifications of a few topics (about 1 % of a history) and answers from memory:

- ``member.registered``, ``site.registered``: names; ``member.role_granted``,
  ``member.role_revoked``, ``member.suspended``: members' roles and suspension;
- ``basket_programme.opened``, ``household.enrolled``, ``household.erased``: programmes and
  households (reference only: personal data stays sealed outside the events);
- ``allocation_round.*`` (opened, computed, confirmed), ``delivery.*`` (planned, dispatched,
  stop received, cancelled), ``basket.*`` (prepared, collected, cancelled): status of each;
- ``proposal.submitted``, ``proposal.adopted``, ``proposal.rejected``: the proposals,
  newest first, when each vote closes and which are closed;
- ``donation.*``, ``lot_label.*``, ``workshop.*`` (recorded or declared or held, cancelled or
  withdrawn): what a platform may cancel, a lot's labels, the workshops a member recorded.

``refresh()`` reads what was stored since the last call (one indexed query when nothing is
new), under a lock, so every page sees a directory at least as recent as the store was when
the request started. Readers take a snapshot (``list(d.values())``, one step in CPython)
before iterating, so a refresh in another request's thread never changes what they walk.
Rebuilt from zero at start-up by reading those topics from the first notification: nothing
here is stored, so there is nothing to migrate.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.allocations import AllocationRound
from domain.baskets import Basket, BasketProgramme, Household
from domain.deliveries import Delivery
from domain.donations import Donation
from domain.members import Member
from domain.proposals import Proposal
from domain.quality_labels import LotLabel
from domain.sites import Site
from domain.workshops import Workshop

if TYPE_CHECKING:
    from infra.api.services import Services

PAGE_SIZE = 2_000  # Notifications per select while following the topics.
PAGES_PER_REFRESH_MAX = 10_000  # 20 M notifications of these topics: beyond any history.


@dataclass
class RoundEntry:
    """An allocation round and where it is."""

    round_id: UUID
    platform_id: UUID
    site_id: UUID
    week: str
    status: str = "open"
    position: int = 0


@dataclass
class DeliveryEntry:
    """A delivery, its outlets and where it is."""

    delivery_id: UUID
    platform_id: UUID
    site_id: UUID
    planned_for: date
    outlet_ids: list[UUID]
    status: str = "planned"
    received_outlets: set[UUID] = field(default_factory=set)
    position: int = 0


@dataclass
class BasketEntry:
    """A household's basket of a week."""

    basket_id: UUID
    household_id: UUID
    programme_id: UUID
    collection_point_id: UUID
    week: str
    price_cents: int
    household_cents: int
    status: str = "prepared"


@dataclass
class HouseholdEntry:
    """An enrolled household, by reference only."""

    household_id: UUID
    reference: str
    programme_id: UUID
    referrer_id: UUID
    erased: bool = False


@dataclass
class ProgrammeEntry:
    """A basket programme."""

    programme_id: UUID
    name: str
    producer_id: UUID
    collection_point_ids: list[UUID]


@dataclass
class DonationEntry:
    """A donation recorded by a platform (one per lot)."""

    lot_id: UUID
    lot_code: str
    donor_id: UUID
    organisation_id: UUID
    quantity_g: int
    value_cents: int
    donated_on: date
    cancelled: bool = False


@dataclass
class LabelEntry:
    """A quality label declared on a lot, and who declared it."""

    lot_id: UUID
    label: str
    declared_by: UUID
    withdrawn: bool = False


@dataclass
class WorkshopEntry:
    """A workshop a member recorded."""

    workshop_id: UUID
    organiser_id: UUID
    programme_id: UUID | None
    kind: str
    held_on: date
    attendance_count: int
    title: str
    cancelled: bool = False


class Directory:
    """Names and per-role indexes, following the store (see the module docstring)."""

    TOPICS = (
        Member.Registered.TOPIC, Member.RoleGranted.TOPIC, Member.RoleRevoked.TOPIC,
        Member.Suspended.TOPIC, Site.Registered.TOPIC, BasketProgramme.Opened.TOPIC,
        Household.Enrolled.TOPIC, Household.Erased.TOPIC, AllocationRound.Opened.TOPIC,
        AllocationRound.Computed.TOPIC, AllocationRound.Confirmed.TOPIC,
        Delivery.Planned.TOPIC, Delivery.Dispatched.TOPIC, Delivery.StopReceived.TOPIC,
        Delivery.Cancelled.TOPIC, Basket.Prepared.TOPIC, Basket.Collected.TOPIC,
        Basket.Cancelled.TOPIC, Proposal.Submitted.TOPIC, Proposal.Adopted.TOPIC,
        Proposal.Rejected.TOPIC, Donation.Recorded.TOPIC,
        Donation.Cancelled.TOPIC, LotLabel.Declared.TOPIC, LotLabel.Withdrawn.TOPIC,
        Workshop.Held.TOPIC, Workshop.Cancelled.TOPIC,
    )

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self.position = 0
        self.members: dict[UUID, tuple[str, str]] = {}
        self.roles: dict[UUID, frozenset[str]] = {}
        self.suspended: set[UUID] = set()
        self.sites: dict[UUID, tuple[str, str, UUID, str]] = {}
        self.programmes: dict[UUID, ProgrammeEntry] = {}
        self.households: dict[UUID, HouseholdEntry] = {}
        self.rounds: dict[UUID, RoundEntry] = {}
        self.deliveries: dict[UUID, DeliveryEntry] = {}
        self.baskets: dict[UUID, BasketEntry] = {}
        self.proposal_ids: list[UUID] = []
        self.proposal_closes: dict[UUID, datetime] = {}
        self.proposals_closed: set[UUID] = set()
        self.donations: dict[UUID, DonationEntry] = {}
        self.labels: dict[UUID, LabelEntry] = {}
        self.workshops: dict[UUID, WorkshopEntry] = {}
        self._lock = threading.Lock()
        self._topics = list(self.TOPICS)
        self._names: dict[UUID | str, str] = {}
        """Names already looked up (a page names hundreds of rows); replaced by a new dict
        after a refresh applies anything, so a name is never older than the directory."""


    # ------------------------------------------------------------------ following

    def refresh(self) -> None:
        """Apply what was stored since the last refresh."""
        with self._lock:
            recorder = self.ledger.recorder
            for _ in range(PAGES_PER_REFRESH_MAX):
                page = recorder.select_notifications(self.position + 1, PAGE_SIZE,
                                                     topics=self._topics)
                for notification in page:
                    self._apply(self.ledger.mapper.to_domain_event(notification),
                                notification.id)
                if page:
                    self.position = page[-1].id
                    self._names = {}
                if len(page) < PAGE_SIZE:
                    break

    def _apply(self, event: Any, position: int) -> None:
        stream_id: UUID = event.originator_id
        if isinstance(event, Member.Registered):
            self.members[stream_id] = (event.name, str(event.kind))
            self.roles[stream_id] = frozenset(str(role) for role in event.roles)
        elif isinstance(event, Member.RoleGranted | Member.RoleRevoked):
            held = self.roles.get(stream_id, frozenset())
            # A new frozenset each time: readers in other threads keep the one they took.
            self.roles[stream_id] = (held | {str(event.role)}
                                     if isinstance(event, Member.RoleGranted)
                                     else held - {str(event.role)})
        elif isinstance(event, Member.Suspended):
            self.suspended.add(stream_id)
        elif isinstance(event, Site.Registered):
            self.sites[stream_id] = (event.name, str(event.kind), event.operator_id,
                                     event.city)
        elif isinstance(event, BasketProgramme.Opened):
            self.programmes[stream_id] = ProgrammeEntry(stream_id, event.name, event.producer_id,
                                                        list(event.collection_point_ids))
        elif isinstance(event, Household.Enrolled):
            self.households[stream_id] = HouseholdEntry(stream_id, event.reference,
                                                        event.programme_id, event.referrer_id)
        elif isinstance(event, Household.Erased):
            if stream_id in self.households:
                self.households[stream_id].erased = True
        elif isinstance(event, AllocationRound.Opened):
            self.rounds[stream_id] = RoundEntry(stream_id, event.platform_id, event.site_id,
                                                event.week, position=position)
        elif isinstance(event, AllocationRound.Computed | AllocationRound.Confirmed):
            entry = self.rounds.get(stream_id)
            if entry is not None:
                entry.status = ("confirmed" if isinstance(event, AllocationRound.Confirmed)
                                else "computed")
        else:
            self._apply_movement(event, stream_id, position)

    def _apply_movement(self, event: Any, stream_id: UUID, position: int) -> None:
        if isinstance(event, Delivery.Planned):
            self.deliveries[stream_id] = DeliveryEntry(
                stream_id, event.platform_id, event.from_site_id, event.planned_for,
                [stop.outlet_id for stop in event.stops], position=position)
        elif isinstance(event, Delivery.Dispatched | Delivery.Cancelled):
            entry = self.deliveries.get(stream_id)
            if entry is not None:
                entry.status = ("dispatched" if isinstance(event, Delivery.Dispatched)
                                else "cancelled")
        elif isinstance(event, Delivery.StopReceived):
            delivery = self.deliveries.get(stream_id)
            if delivery is not None:
                delivery.received_outlets.add(event.outlet_id)
                if delivery.received_outlets >= set(delivery.outlet_ids):
                    delivery.status = "completed"
        elif isinstance(event, Basket.Prepared):
            self.baskets[stream_id] = BasketEntry(
                stream_id, event.household_id, event.programme_id, event.collection_point_id,
                event.week, event.price_cents, event.household_cents)
        elif isinstance(event, Basket.Collected | Basket.Cancelled):
            basket = self.baskets.get(stream_id)
            if basket is not None:
                basket.status = ("collected" if isinstance(event, Basket.Collected)
                                 else "cancelled")
        elif isinstance(event, Proposal.Submitted):
            closes_at = event.closes_at
            self.proposal_closes[stream_id] = (closes_at if closes_at.tzinfo
                                               else closes_at.replace(tzinfo=UTC))
            self.proposal_ids.append(stream_id)
        elif isinstance(event, Proposal.Adopted | Proposal.Rejected):
            self.proposals_closed.add(stream_id)
        else:
            self._apply_report(event, stream_id)

    def _apply_report(self, event: Any, stream_id: UUID) -> None:
        """Donations, quality labels and workshops (what the reports count)."""
        if isinstance(event, Donation.Recorded):
            self.donations[stream_id] = DonationEntry(
                event.lot_id, event.lot_code, event.donor_id, event.organisation_id,
                event.quantity_g, event.value_cents, event.donated_on)
        elif isinstance(event, LotLabel.Declared):
            self.labels[stream_id] = LabelEntry(event.lot_id, str(event.label),
                                                event.context.member_id)
        elif isinstance(event, Workshop.Held):
            self.workshops[stream_id] = WorkshopEntry(
                stream_id, event.organiser_id, event.programme_id, str(event.kind),
                event.held_on, event.attendance_count, event.title)
        elif isinstance(event, Donation.Cancelled | LotLabel.Withdrawn | Workshop.Cancelled):
            entry = (self.donations.get(stream_id) or self.labels.get(stream_id)
                     or self.workshops.get(stream_id))
            if isinstance(entry, LabelEntry):
                entry.withdrawn = True
            elif entry is not None:
                entry.cancelled = True

    # ------------------------------------------------------------------ names

    def name(self, party_id: UUID | str | None) -> str:
        """A member's or site's name, a household's reference, or a short neutral label."""
        if party_id is None or party_id == "":
            return ""
        names = self._names  # Taken first: a refresh meanwhile replaces it, unchanged.
        found = names.get(party_id)
        if found is None:
            found = names[party_id] = self._name(party_id)
        return found

    def _name(self, party_id: UUID | str) -> str:
        key = party_id if isinstance(party_id, UUID) else UUID(str(party_id))
        if key in self.members:
            return self.members[key][0]
        if key in self.sites:
            return self.sites[key][0]
        if key in self.households:
            return f"Foyer {self.households[key].reference}"
        if key in self.programmes:
            return self.programmes[key].name
        return "(inconnu)"

    def proposals_to_close(self, now: datetime) -> int:
        """Proposals still open whose vote has ended (the secretariat may close them)."""
        return sum(1 for proposal_id, closes_at in list(self.proposal_closes.items())
                   if now >= closes_at and proposal_id not in self.proposals_closed)

    def members_of_kind(self, *kinds: str) -> list[tuple[UUID, str]]:
        """Members of some kinds, by name."""
        return sorted(((member_id, name) for member_id, (name, kind)
                       in list(self.members.items()) if kind in kinds),
                      key=lambda item: item[1].lower())

    def sites_of(self, operator_id: UUID | None = None) -> list[tuple[UUID, str]]:
        """Sites (of one operator), by name."""
        return sorted(((site_id, site[0]) for site_id, site in list(self.sites.items())
                       if operator_id is None or site[2] == operator_id),
                      key=lambda item: item[1].lower())


def directory_of(services: Services) -> Directory:
    """The app's directory, created on first use and refreshed on each use."""
    directory = services.extras.get("page_directory")
    if directory is None:
        directory = services.extras["page_directory"] = Directory(services.ledger)
    directory.refresh()
    assert isinstance(directory, Directory)
    return directory
