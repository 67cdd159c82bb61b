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
- ``proposal.submitted``: the proposals, newest first.

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
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.allocations import AllocationRound
from domain.baskets import Basket, BasketProgramme, Household
from domain.deliveries import Delivery
from domain.members import Member
from domain.proposals import Proposal
from domain.sites import Site

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


class Directory:
    """Names and per-role indexes, following the store (see the module docstring)."""

    TOPICS = (
        Member.Registered.TOPIC, Member.RoleGranted.TOPIC, Member.RoleRevoked.TOPIC,
        Member.Suspended.TOPIC, Site.Registered.TOPIC, BasketProgramme.Opened.TOPIC,
        Household.Enrolled.TOPIC, Household.Erased.TOPIC, AllocationRound.Opened.TOPIC,
        AllocationRound.Computed.TOPIC, AllocationRound.Confirmed.TOPIC,
        Delivery.Planned.TOPIC, Delivery.Dispatched.TOPIC, Delivery.StopReceived.TOPIC,
        Delivery.Cancelled.TOPIC, Basket.Prepared.TOPIC, Basket.Collected.TOPIC,
        Basket.Cancelled.TOPIC, Proposal.Submitted.TOPIC,
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
        self._lock = threading.Lock()
        self._topics = list(self.TOPICS)


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
            self.proposal_ids.append(stream_id)

    # ------------------------------------------------------------------ names

    def name(self, party_id: UUID | str | None) -> str:
        """A member's or site's name, a household's reference, or a short neutral label."""
        if party_id is None or party_id == "":
            return ""
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
