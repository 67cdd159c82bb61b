"""The ledger application: one method per command, each atomic and idempotent.

A command runs in a unit of work: the aggregates it touches are loaded once, checked, then
changed, and all their new events are saved in one transaction together with a command
record (see ``domain.command_records``). A refused command raises a ``DomainError`` before
anything is saved. A conflict with a concurrent writer is retried a bounded number of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Mapper

from domain import commands as c
from domain.allocation_keys import PROPORTIONAL_TO_NEEDS, Line, LotAvailability, Need, allocate
from domain.allocations import AllocationRound
from domain.base import Aggregate, Context, Role, utc_now
from domain.codec import StructMapper
from domain.command_records import CommandRecord, Cooperative, command_digest, command_record_id
from domain.deliveries import Delivery, DeliveryLine, ReceivedLine, Stop
from domain.errors import (
    AlreadyExists,
    CommandIdReused,
    ConcurrencyConflict,
    DomainError,
    InsufficientStock,
    InvalidCommand,
    InvalidState,
    NotFound,
    QuantityMismatch,
    RoleRequired,
)
from domain.ids import name_id, uuid7
from domain.lots import ChildShare, Lot, LotCode, LotStatus, Process, check_quantity
from domain.members import Member, MemberKind
from domain.sites import Site
from infra.logs import get_logger
from infra.metrics import COMMAND_LATENCY, COMMANDS, EVENTS_APPENDED
from infra.site_index import SiteLotsIndex
from infra.store import APPLICATION_NAME, StoreLocation

COMMAND_ATTEMPTS_MAX = 5
"""Optimistic-concurrency retries: two writers on one lot rarely collide more than twice;
five attempts absorb bursts without hiding a livelock."""
BATCH_COMMANDS_MAX = 10_000  # One transaction; bounds memory of a batch's unit of work.
RECALL_DEPTH_MAX = 10_000  # Lots reached by one recall; a larger graph is a data error.

T = TypeVar("T", bound=Aggregate)
AnyCommand = msgspec.Struct
Handler = Callable[["UnitOfWork", Any], list[UUID]]

log = get_logger("cocagne.ledger")


class _StartAgainWithLookups(Exception):
    """A replayed command's handler changed streams before being refused: start again."""


class UnitOfWork:
    """Aggregates loaded and changed by one command (or one atomic batch of commands)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._aggregates: dict[UUID, Aggregate] = {}
        self._missing: set[UUID] = set()
        self._baseline: dict[UUID, int] = {}
        self.context: Context | None = None

    def begin_command(self) -> None:
        """Start counting the events of the next command of the unit of work."""
        self._baseline = {}
        self.context = None

    def events_of_command(self) -> int:
        """Events the current command triggered so far."""
        return sum(len(self._aggregates[aggregate_id].pending_events) - baseline
                   for aggregate_id, baseline in self._baseline.items())

    def get(self, cls: type[T], aggregate_id: UUID, what: str) -> T:
        """Load a stream (once per unit of work); refuse if absent or of another kind."""
        aggregate = self.find(aggregate_id)
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what} {aggregate_id} does not exist")
        return aggregate

    def find(self, aggregate_id: UUID) -> Aggregate | None:
        """Load a stream, or None if it does not exist."""
        aggregate = self._aggregates.get(aggregate_id)
        if aggregate is not None:
            self._baseline.setdefault(aggregate_id, len(aggregate.pending_events))
            return aggregate
        if aggregate_id in self._missing:
            return None
        try:
            loaded = cast(Aggregate, self._ledger.repository.get(
                aggregate_id, projector_func=project_events))
        except AggregateNotFoundError:
            self._missing.add(aggregate_id)
            return None
        self._aggregates[aggregate_id] = loaded
        self._baseline.setdefault(aggregate_id, 0)
        return loaded

    def add(self, aggregate: Aggregate) -> None:
        """Track a new stream."""
        self._missing.discard(aggregate.id)
        self._aggregates[aggregate.id] = aggregate
        self._baseline.setdefault(aggregate.id, 0)

    def pending_count(self) -> int:
        """Events triggered and not yet saved."""
        return sum(len(aggregate.pending_events) for aggregate in self._aggregates.values())

    def changed(self) -> list[Aggregate]:
        """Aggregates with events to save."""
        return [aggregate for aggregate in self._aggregates.values() if aggregate.pending_events]


class Ledger(Application[UUID]):
    """The cooperative's ledger."""

    name = APPLICATION_NAME

    def __init__(self, location: StoreLocation | None = None,
                 env: dict[str, str] | None = None) -> None:
        full_env: dict[str, str] = {}
        if location is not None:
            full_env.update(location.eventsourcing_env())
        full_env.update(env or {})
        self.location = location
        super().__init__(env=full_env)
        self.site_index = SiteLotsIndex(self.recorder, self.mapper)
        self._handlers: dict[type[Any], tuple[str, Handler]] = {
            c.FoundCooperative: ("found_cooperative", self._found_cooperative),
            c.RegisterMember: ("register_member", self._register_member),
            c.GrantRole: ("grant_role", self._grant_role),
            c.RevokeRole: ("revoke_role", self._revoke_role),
            c.SuspendMember: ("suspend_member", self._suspend_member),
            c.RegisterSite: ("register_site", self._register_site),
            c.OfferLot: ("offer_lot", self._offer_lot),
            c.AcceptOffer: ("accept_offer", self._accept_offer),
            c.DeclineOffer: ("decline_offer", self._decline_offer),
            c.ReceiveLot: ("receive_lot", self._receive_lot),
            c.SplitLot: ("split_lot", self._split_lot),
            c.MergeLots: ("merge_lots", self._merge_lots),
            c.TransformLots: ("transform_lots", self._transform_lots),
            c.ReserveLot: ("reserve_lot", self._reserve_lot),
            c.ReleaseReservation: ("release_reservation", self._release_reservation),
            c.RecordLoss: ("record_loss", self._record_loss),
            c.RecordDistribution: ("record_distribution", self._record_distribution),
            c.RecallLot: ("recall_lot", self._recall_lot),
            c.OpenRound: ("open_round", self._open_round),
            c.DeclareNeed: ("declare_need", self._declare_need),
            c.ComputeRound: ("compute_round", self._compute_round),
            c.AdjustRound: ("adjust_round", self._adjust_round),
            c.ConfirmRound: ("confirm_round", self._confirm_round),
            c.PlanDelivery: ("plan_delivery", self._plan_delivery),
            c.DispatchDelivery: ("dispatch_delivery", self._dispatch_delivery),
            c.ReceiveDelivery: ("receive_delivery", self._receive_delivery),
            c.CancelDelivery: ("cancel_delivery", self._cancel_delivery),
        }
        # Governance, funding and baskets add their commands and wrap the delivery ones.
        from infra.governance_app import install  # noqa: PLC0415 - it imports this module.

        install(self)

    def construct_mapper(self) -> Mapper[UUID]:
        """Store events as msgspec MessagePack (see ``domain.codec``)."""
        return StructMapper()

    # ------------------------------------------------------------- execution

    def register_handler(self, command_type: type[Any], name: str, handler: Handler) -> None:
        """Let another module (governance, baskets…) add commands."""
        self._handlers[command_type] = (name, handler)

    def handler(self, command_type: type[Any]) -> tuple[str, Handler]:
        """The name and handler registered for ``command_type`` (to wrap it)."""
        try:
            return self._handlers[command_type]
        except KeyError:
            raise InvalidCommand(f"unknown command type {command_type.__name__}") from None

    def act(self, uow: UnitOfWork, command: c.Command, *roles: Role,
            decision_id: UUID | None = None) -> tuple[Context, Member]:
        """The context of an act by the command's actor (for handlers of other modules)."""
        return self._act(uow, command, *roles, decision_id=decision_id)

    def command_types(self) -> dict[type[Any], str]:
        """Every command this ledger handles, by type, with its name."""
        return {command_type: name for command_type, (name, _) in self._handlers.items()}

    def execute(self, command: AnyCommand) -> c.CommandResult:
        """Run one command atomically and idempotently."""
        return self.execute_batch([command])[0]

    def execute_batch(self, commands: Sequence[AnyCommand]) -> list[c.CommandResult]:
        """Run several commands in one transaction: all take effect, or none.

        A refused command refuses the whole batch (the error names its position).
        """
        if not 1 <= len(commands) <= BATCH_COMMANDS_MAX:
            raise InvalidCommand(f"a batch holds 1 to {BATCH_COMMANDS_MAX} commands, "
                                 f"got {len(commands)}")
        started = time.perf_counter()
        names = [self._handler_for(command)[0] for command in commands]
        try:
            results = self._execute_with_retries(commands)
        except DomainError as error:
            for name in names:
                COMMANDS.labels(name, error.code).inc()
            log.info("command refused", commands=names[:10], code=error.code,
                     reason=error.message, **_identity(commands[0]))
            raise
        elapsed_s = time.perf_counter() - started
        for name, result in zip(names, results, strict=True):
            COMMANDS.labels(name, "replayed" if result.replayed else "accepted").inc()
            COMMAND_LATENCY.labels(name).observe(elapsed_s / len(commands))
        if len(commands) == 1:
            log.info("command", command=names[0], outcome="replayed" if results[0].replayed
                     else "accepted", events=results[0].events_written,
                     stream_id=str(results[0].stream_id), duration_ms=round(elapsed_s * 1000, 2),
                     **_identity(commands[0]))
        else:
            log.info("command batch", commands=len(commands),
                     events=sum(result.events_written for result in results),
                     duration_ms=round(elapsed_s * 1000, 2))
        return results

    def _handler_for(self, command: AnyCommand) -> tuple[str, Handler]:
        try:
            return self._handlers[type(command)]
        except KeyError:
            raise InvalidCommand(f"unknown command type {type(command).__name__}") from None

    def _execute_with_retries(self, commands: Sequence[AnyCommand]) -> list[c.CommandResult]:
        """Run the commands, save, and retry the whole unit of work on a conflict.

        The first attempt does not look for earlier records of the commands: a replayed
        command either is refused by its aggregate (then its record is looked up) or
        collides on its record's unique key when saved (then the retry looks it up). This
        saves one read per command on the common path.
        """
        for attempt in range(1, COMMAND_ATTEMPTS_MAX + 1):
            uow = UnitOfWork(self)
            records: dict[UUID, CommandRecord] = {}
            results = []
            try:
                for position, command in enumerate(commands, start=1):
                    try:
                        results.append(self._run_one(uow, command, records,
                                                     look_up_record=attempt > 1))
                    except DomainError as error:
                        if len(commands) > 1:
                            _name_batch_position(error, position, len(commands), command)
                        raise
            except _StartAgainWithLookups:
                continue
            if uow.pending_count() == 0:
                return results
            try:
                recordings = self._save_units(uow.changed())
            except IntegrityError:
                # A replayed command collides on its record's key on the first attempt by
                # design (see the docstring); a concurrent writer collides on a stream.
                log.debug("command collided on save, retrying with record lookups",
                          attempt=attempt,
                         **_identity(commands[0]))
                continue
            EVENTS_APPENDED.inc(len(recordings))
            last_id = recordings[-1].notification.id if recordings else None
            return [
                result if result.replayed
                else msgspec.structs.replace(result, notification_id=last_id)
                for result in results
            ]
        raise ConcurrencyConflict(
            f"command {_identity(commands[0]).get('command_id')} gave up after "
            f"{COMMAND_ATTEMPTS_MAX} attempts: other writers kept changing the same streams")

    def _save_units(self, aggregates: list[Aggregate]) -> list[Any]:
        """Save the aggregates' new events in one transaction.

        Same as ``Application.save`` without its per-object runtime Protocol checks, which
        cost a sixth of a batched command's time here.
        """
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _replay(self, uow: UnitOfWork, records: dict[UUID, CommandRecord], name: str,
                command_id: str, digest: str) -> c.CommandResult | None:
        """The answer of an earlier run of this command id, or None if there was none."""
        record_id = command_record_id(command_id)
        existing = records.get(record_id) or uow.find(record_id)
        if existing is None:
            return None
        assert isinstance(existing, CommandRecord)
        if existing.digest != digest or existing.command_type != name:
            raise CommandIdReused(
                f"command id {command_id!r} was already used for a different "
                f"{existing.command_type} command")
        return c.CommandResult(
            command_id=command_id, command_type=name, stream_id=existing.stream_ids[0],
            stream_ids=existing.stream_ids, events_written=existing.events_written,
            replayed=True)

    def _run_one(self, uow: UnitOfWork, command: AnyCommand,
                 records: dict[UUID, CommandRecord], *, look_up_record: bool) -> c.CommandResult:
        name, handler = self._handler_for(command)
        command_id: str = command.command_id  # type: ignore[attr-defined]
        digest = command_digest(command)
        if look_up_record or command_record_id(command_id) in records:
            replayed = self._replay(uow, records, name, command_id, digest)
            if replayed is not None:
                return replayed
        uow.begin_command()
        try:
            stream_ids = handler(uow, command)
        except DomainError:
            # Refused now; but if the same command ran before, answer as it did then.
            replayed = self._replay(uow, records, name, command_id, digest)
            if replayed is not None:
                if uow.events_of_command():
                    # The handler changed streams before it was refused: start the unit of
                    # work again, looking records up first, so none of that gets saved.
                    raise _StartAgainWithLookups from None
                return replayed
            raise
        events_written = uow.events_of_command()
        assert uow.context is not None
        record = CommandRecord.handled(uow.context, command_type=name, digest=digest,
                                       stream_ids=stream_ids, events_written=events_written)
        records[record.id] = record
        uow.add(record)
        return c.CommandResult(command_id=command_id, command_type=name,
                               stream_id=stream_ids[0], stream_ids=stream_ids,
                               events_written=events_written)

    # ----------------------------------------------------------------- actors

    def _act(self, uow: UnitOfWork, command: c.Command, *roles: Role,
             decision_id: UUID | None = None) -> tuple[Context, Member]:
        """The context of an act by ``command.actor_id`` in the first of ``roles`` it holds."""
        member = uow.get(Member, command.actor_id, "member")
        if member.suspended:
            raise RoleRequired(f"member {member.name} is suspended and may not act")
        role = next((role for role in roles if role in member.roles), None)
        if role is None:
            wanted = " or ".join(str(role) for role in roles)
            held = ", ".join(sorted(member.roles)) or "none"
            act = type(command).NAME.replace("_", " ")
            raise RoleRequired(f"member {member.name} may not {act}: it takes the role "
                               f"{wanted} (holds: {held})")
        context = Context(
            member_id=member.id, role=role, command_id=command.command_id,
            correlation_id=command.correlation_id or command.command_id,
            causation_id=command.causation_id or command.command_id,
            occurred_at=_aware(command.occurred_at) if command.occurred_at else utc_now(),
            decision_id=decision_id)
        uow.context = context
        return context, member

    def _operated_site(self, uow: UnitOfWork, site_id: UUID, operator: Member) -> Site:
        site = uow.get(Site, site_id, "site")
        if site.operator_id != operator.id:
            raise RoleRequired(f"site {site.name} is not operated by {operator.name}")
        return site

    def _held_lot(self, uow: UnitOfWork, lot_id: UUID, platform: Member) -> Lot:
        """A lot held at a site of ``platform`` (the platform's own stock)."""
        lot = uow.get(Lot, lot_id, "lot")
        if lot.platform_id is not None and lot.platform_id != platform.id:
            raise RoleRequired(f"lot {lot.code} is handled by another platform")
        return lot

    def _outlet(self, uow: UnitOfWork, outlet_id: UUID) -> Member:
        outlet = uow.get(Member, outlet_id, "outlet")
        if Role.OUTLET not in outlet.roles:
            raise InvalidCommand(f"member {outlet.name} is not an outlet")
        return outlet

    # ---------------------------------------------------------------- members

    def _found_cooperative(self, uow: UnitOfWork, command: c.FoundCooperative) -> list[UUID]:
        if uow.find(Cooperative.ID) is not None:
            raise AlreadyExists("the cooperative is already founded")
        founder_id = uuid7()
        context = Context(member_id=founder_id, role=Role.COORDINATOR,
                          command_id=command.command_id,
                          correlation_id=command.correlation_id or command.command_id,
                          causation_id=command.command_id,
                          occurred_at=(_aware(command.occurred_at) if command.occurred_at
                                       else utc_now()))
        uow.context = context
        founder = Member.register(founder_id, context, command.coordinator_name,
                                  MemberKind.NETWORK)
        cooperative = Cooperative.found(context, name=command.name, founder_id=founder_id)
        uow.add(founder)
        uow.add(cooperative)
        return [founder_id, Cooperative.ID]

    def _register_member(self, uow: UnitOfWork, command: c.RegisterMember) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        member = Member.register(uuid7(), context, command.name, command.kind, command.roles,
                                 command.households_served)
        uow.add(member)
        return [member.id]

    def _grant_role(self, uow: UnitOfWork, command: c.GrantRole) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        member = uow.get(Member, command.member_id, "member")
        member.grant_role(context, command.role)
        return [member.id]

    def _revoke_role(self, uow: UnitOfWork, command: c.RevokeRole) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        member = uow.get(Member, command.member_id, "member")
        member.revoke_role(context, command.role, command.reason)
        return [member.id]

    def _suspend_member(self, uow: UnitOfWork, command: c.SuspendMember) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        member = uow.get(Member, command.member_id, "member")
        member.suspend(context, command.reason)
        return [member.id]

    def _register_site(self, uow: UnitOfWork, command: c.RegisterSite) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        uow.get(Member, command.operator_id, "operator")
        site = Site.register(uuid7(), context, command.name, command.kind, command.operator_id,
                             command.city)
        uow.add(site)
        return [site.id]

    # ------------------------------------------------------------------- lots

    def _claim_code(self, uow: UnitOfWork, context: Context, code: str, lot_id: UUID, *,
                    generated: bool = False) -> None:
        """Reserve a lot code.

        A code the client chose is checked first, to refuse it clearly. A generated code
        embeds the new lot's time-ordered id, so it is not looked up: in the unlikely event
        of a collision the save fails on the index's unique key and the retry generates a
        fresh id and code.
        """
        index_id = name_id("lot-code", code)
        if not generated and uow.find(index_id) is not None:
            raise AlreadyExists(f"lot code {code} is already used by another lot")
        uow.add(LotCode.claim(index_id, context, code, lot_id))

    def _offer_lot(self, uow: UnitOfWork, command: c.OfferLot) -> list[UUID]:
        context, producer = self._act(uow, command, Role.PRODUCER)
        lot_id = uuid7()
        code = command.code or f"L{command.harvest_date:%y%m%d}-{lot_id.hex[-8:].upper()}"
        lot = Lot.offer(
            lot_id, context, code=code, producer_id=producer.id, product=command.product,
            variety=command.variety, quantity_g=command.quantity_g,
            price_cents_per_kg=command.price_cents_per_kg, harvest_date=command.harvest_date,
            best_before=command.best_before, organic_certificate=command.organic_certificate,
            origin=command.origin)
        self._claim_code(uow, context, lot.code, lot_id, generated=not command.code)
        uow.add(lot)
        return [lot_id]

    def _accept_offer(self, uow: UnitOfWork, command: c.AcceptOffer) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        self._operated_site(uow, command.site_id, platform)
        lot = uow.get(Lot, command.lot_id, "lot")
        lot.accept(context, site_id=command.site_id, accepted_g=command.accepted_g)
        return [lot.id]

    def _decline_offer(self, uow: UnitOfWork, command: c.DeclineOffer) -> list[UUID]:
        context, _ = self._act(uow, command, Role.PLATFORM)
        lot = uow.get(Lot, command.lot_id, "lot")
        lot.decline(context, reason=command.reason)
        return [lot.id]

    def _receive_lot(self, uow: UnitOfWork, command: c.ReceiveLot) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        self._operated_site(uow, command.site_id, platform)
        lot = self._held_lot(uow, command.lot_id, platform)
        lot.receive(context, site_id=command.site_id, measured_g=command.measured_g)
        return [lot.id]

    def _split_lot(self, uow: UnitOfWork, command: c.SplitLot) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        parent = self._held_lot(uow, command.lot_id, platform)
        parent.check_split(list(command.parts_g))
        first_index = len(parent.children) + 1
        children = [
            ChildShare(uuid7(), f"{parent.code}-{first_index + index}", quantity_g)
            for index, quantity_g in enumerate(command.parts_g)
        ]
        for child in children:
            self._claim_code(uow, context, child.code, child.lot_id)
        parent.split(context, children)
        for child in children:
            uow.add(Lot.derive(child.lot_id, context, code=child.code, process=Process.SPLIT,
                               product=parent.product, variety=parent.variety,
                               parents=[(parent, child.quantity_g)],
                               quantity_g=child.quantity_g))
        return [parent.id, *(child.lot_id for child in children)]

    def _parents(self, uow: UnitOfWork, platform: Member, parts: Sequence[c.ParentPart],
                 act: str) -> list[tuple[Lot, int]]:
        if not 1 <= len(parts) <= 100:
            raise InvalidCommand(f"{act} takes 1 to 100 input lots, got {len(parts)}")
        if len({part.lot_id for part in parts}) != len(parts):
            raise InvalidCommand(f"{act} lists a lot twice")
        parents = []
        for part in parts:
            lot = self._held_lot(uow, part.lot_id, platform)
            lot.check_available(act, part.quantity_g)
            parents.append((lot, part.quantity_g))
        sites = {lot.site_id for lot, _ in parents}
        if len(sites) != 1:
            raise InvalidCommand(f"{act} needs every input lot at the same site")
        return parents

    def _merge_lots(self, uow: UnitOfWork, command: c.MergeLots) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        if len(command.parents) < 2:
            raise InvalidCommand("a merge takes at least two lots")
        parents = self._parents(uow, platform, command.parents, "merge")
        products = {lot.product for lot, _ in parents}
        if len(products) != 1:
            raise InvalidCommand(f"a merge mixes one product only, got {sorted(products)}: "
                                 "use a transformation to combine products")
        child_id = uuid7()
        total_g = sum(used_g for _, used_g in parents)
        code = command.code or f"M{context.occurred_at:%y%m%d}-{child_id.hex[-8:].upper()}"
        self._claim_code(uow, context, code, child_id, generated=not command.code)
        share = ChildShare(child_id, code, total_g)
        for lot, used_g in parents:
            lot.merge_into(context, share, used_g)
        varieties = {lot.variety for lot, _ in parents}
        uow.add(Lot.derive(child_id, context, code=code, process=Process.MERGE,
                           product=products.pop(),
                           variety=varieties.pop() if len(varieties) == 1 else "",
                           parents=parents, quantity_g=total_g))
        return [child_id, *(lot.id for lot, _ in parents)]

    def _transform_lots(self, uow: UnitOfWork, command: c.TransformLots) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        parents = self._parents(uow, platform, command.inputs, "transform")
        if not 1 <= len(command.outputs) <= 100:
            raise InvalidCommand("a transformation makes 1 to 100 output lots")
        for output in command.outputs:
            check_quantity("output quantity", output.quantity_g)
        inputs_g = sum(used_g for _, used_g in parents)
        outputs_g = sum(output.quantity_g for output in command.outputs)
        if outputs_g + command.loss_g != inputs_g:
            raise QuantityMismatch(
                f"transformation refused: outputs {outputs_g} g + loss {command.loss_g} g "
                f"= {outputs_g + command.loss_g} g, but inputs are {inputs_g} g")
        transformation_id = uuid7()
        children = []
        for index, output in enumerate(command.outputs, start=1):
            child_id = uuid7()
            code = (f"T{context.occurred_at:%y%m%d}-{transformation_id.hex[-8:].upper()}"
                    f"-{index}")
            self._claim_code(uow, context, code, child_id, generated=True)
            children.append(ChildShare(child_id, code, output.quantity_g))
        for lot, used_g in parents:
            lot.transform_into(context, transformation_id=transformation_id, used_g=used_g,
                               children=children, inputs_total_g=inputs_g,
                               loss_g=command.loss_g)
        for child, output in zip(children, command.outputs, strict=True):
            # Each output's parents are every input, in proportion to the output's share;
            # the exact split of inputs among outputs is not known, so the graph records
            # each input's full used quantity on the transformation's events and links
            # each output to every input.
            uow.add(Lot.derive(child.lot_id, context, code=child.code,
                               process=Process.TRANSFORM, product=output.product.lower(),
                               variety=output.variety, parents=parents,
                               quantity_g=output.quantity_g, best_before=output.best_before))
        return [child.lot_id for child in children] + [lot.id for lot, _ in parents]

    def _reserve_lot(self, uow: UnitOfWork, command: c.ReserveLot) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        self._outlet(uow, command.outlet_id)
        lot = self._held_lot(uow, command.lot_id, platform)
        lot.reserve(context, outlet_id=command.outlet_id, quantity_g=command.quantity_g)
        return [lot.id]

    def _release_reservation(self, uow: UnitOfWork,
                             command: c.ReleaseReservation) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        lot = self._held_lot(uow, command.lot_id, platform)
        lot.release(context, outlet_id=command.outlet_id, quantity_g=command.quantity_g,
                    reason=command.reason)
        return [lot.id]

    def _record_loss(self, uow: UnitOfWork, command: c.RecordLoss) -> list[UUID]:
        context, holder = self._act(uow, command, Role.PLATFORM, Role.OUTLET)
        lot = uow.get(Lot, command.lot_id, "lot")
        at_outlet = context.role == Role.OUTLET
        if not at_outlet and lot.platform_id != holder.id:
            raise RoleRequired(f"lot {lot.code} is not held by {holder.name}")
        lot.lose(context, holder_id=holder.id, at_outlet=at_outlet,
                 quantity_g=command.quantity_g, reason=command.reason)
        return [lot.id]

    def _record_distribution(self, uow: UnitOfWork,
                             command: c.RecordDistribution) -> list[UUID]:
        context, outlet = self._act(uow, command, Role.OUTLET)
        lot = uow.get(Lot, command.lot_id, "lot")
        lot.distribute(context, outlet_id=outlet.id, quantity_g=command.quantity_g,
                       channel=command.channel)
        return [lot.id]

    def _recall_lot(self, uow: UnitOfWork, command: c.RecallLot) -> list[UUID]:
        context, actor = self._act(uow, command, Role.COORDINATOR, Role.PLATFORM, Role.PRODUCER)
        origin = uow.get(Lot, command.lot_id, "lot")
        if context.role == Role.PRODUCER and origin.producer_id != actor.id:
            raise RoleRequired(f"producer {actor.name} may only recall its own lots")
        if origin.recalled:
            raise InvalidState(f"lot {origin.code} is already recalled")
        recalled: list[UUID] = []
        queue = [origin.id]
        seen: set[UUID] = set()
        while queue:
            if len(seen) >= RECALL_DEPTH_MAX:
                raise InvalidCommand(f"recall reaches more than {RECALL_DEPTH_MAX} lots")
            lot = uow.get(Lot, queue.pop(0), "lot")
            if lot.id in seen:
                continue
            seen.add(lot.id)
            if not lot.recalled:
                lot.recall(context, reason=command.reason, origin_lot_id=origin.id)
                recalled.append(lot.id)
            queue.extend(lot.children)
        return recalled

    # ------------------------------------------------------------ allocations

    def _open_round(self, uow: UnitOfWork, command: c.OpenRound) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        self._operated_site(uow, command.site_id, platform)
        allocation = AllocationRound.open(uuid7(), context, site_id=command.site_id,
                                          week=command.week)
        uow.add(allocation)
        return [allocation.id]

    def _declare_need(self, uow: UnitOfWork, command: c.DeclareNeed) -> list[UUID]:
        context, outlet = self._act(uow, command, Role.OUTLET)
        allocation = uow.get(AllocationRound, command.round_id, "allocation round")
        allocation.declare_need(context, Need(outlet.id, command.product.strip().lower(),
                                              command.quantity_g, outlet.households_served))
        return [allocation.id]

    def allocation_rule(self, at: date) -> tuple[str, dict[str, int], UUID | None]:
        """The allocation key in force at ``at``: name, parameters, deciding proposal.

        The governance module replaces this; until a key is voted, the default applies.
        """
        del at
        return PROPORTIONAL_TO_NEEDS, {}, None

    def _compute_round(self, uow: UnitOfWork, command: c.ComputeRound) -> list[UUID]:
        allocation = uow.get(AllocationRound, command.round_id, "allocation round")
        occurred = command.occurred_at or utc_now()
        key, parameters, decision_id = self.allocation_rule(occurred.date())
        context, platform = self._act(uow, command, Role.PLATFORM, decision_id=decision_id)
        if allocation.platform_id != platform.id:
            raise RoleRequired(f"round {allocation.week} belongs to another platform")
        products = {need.product for need in allocation.needs.values()}
        lots: list[LotAvailability] = []
        for lot_id in self.lots_at_site(allocation.site_id):
            lot = uow.get(Lot, lot_id, "lot")
            if (lot.product in products and lot.status == LotStatus.RECEIVED
                    and not lot.recalled and lot.available_g > 0):
                lots.append(LotAvailability(lot.id, lot.product, lot.available_g,
                                            lot.best_before.isoformat()))
        needs = list(allocation.needs.values())
        lines = allocate(needs, lots,
                         weight_of="households" if parameters.get("by_households") else "need",
                         minimum_share_bp=parameters.get("minimum_share_bp", 0))
        allocation.record_computation(context, key=key, key_parameters=parameters,
                                      decision_id=decision_id, lots=lots, lines=lines)
        return [allocation.id]

    def lots_at_site(self, site_id: UUID) -> list[UUID]:
        """Lots currently at a site, from the site-lots index kept by this application."""
        return self.site_index.lots_at(site_id)

    def _adjust_round(self, uow: UnitOfWork, command: c.AdjustRound) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        allocation = uow.get(AllocationRound, command.round_id, "allocation round")
        if allocation.platform_id != platform.id:
            raise RoleRequired(f"round {allocation.week} belongs to another platform")
        allocation.adjust(context, lines=[Line(line.lot_id, line.outlet_id, line.quantity_g)
                                          for line in command.lines], reason=command.reason)
        return [allocation.id]

    def _confirm_round(self, uow: UnitOfWork, command: c.ConfirmRound) -> list[UUID]:
        allocation = uow.get(AllocationRound, command.round_id, "allocation round")
        context, platform = self._act(uow, command, Role.PLATFORM,
                                      decision_id=allocation.decision_id)
        if allocation.platform_id != platform.id:
            raise RoleRequired(f"round {allocation.week} belongs to another platform")
        allocation.check_confirmable()
        # Check every line before reserving any: a round whose stock moved since it was
        # computed is refused whole (adjust it, then confirm).
        wanted: dict[UUID, int] = {}
        for line in allocation.lines:
            wanted[line.lot_id] = wanted.get(line.lot_id, 0) + line.quantity_g
            self._outlet(uow, line.outlet_id)
        for lot_id, quantity_g in wanted.items():
            self._held_lot(uow, lot_id, platform).check_available("reserve", quantity_g)
        allocation.confirm(context)
        changed = [allocation.id]
        for line in allocation.lines:
            lot = uow.get(Lot, line.lot_id, "lot")
            lot.reserve(context, outlet_id=line.outlet_id, quantity_g=line.quantity_g,
                        round_id=allocation.id)
            changed.append(lot.id)
        return list(dict.fromkeys(changed))

    # ------------------------------------------------------------- deliveries

    def _plan_delivery(self, uow: UnitOfWork, command: c.PlanDelivery) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        self._operated_site(uow, command.from_site_id, platform)
        stops = []
        for stop in command.stops:
            self._outlet(uow, stop.outlet_id)
            for line in stop.lines:
                lot = self._held_lot(uow, line.lot_id, platform)
                lot.check_in_stock("deliver")
                if lot.site_id != command.from_site_id:
                    raise InvalidCommand(f"lot {lot.code} is not at the delivery's site")
                lot.check_dispatch(stop.outlet_id, line.quantity_g)
            stops.append(Stop(stop.outlet_id, [DeliveryLine(line.lot_id, line.quantity_g)
                                               for line in stop.lines]))
        delivery = Delivery.plan(uuid7(), context, from_site_id=command.from_site_id,
                                 planned_for=command.planned_for, stops=stops)
        uow.add(delivery)
        return [delivery.id]

    def _dispatch_delivery(self, uow: UnitOfWork, command: c.DispatchDelivery) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        delivery = uow.get(Delivery, command.delivery_id, "delivery")
        if delivery.platform_id != platform.id:
            raise RoleRequired("this delivery belongs to another platform")
        delivery.check_dispatch()
        # Check every line first (a lot may feed several stops), then record.
        per_lot: dict[tuple[UUID, UUID], int] = {}
        for stop in delivery.stops:
            for line in stop.lines:
                per_lot[(line.lot_id, stop.outlet_id)] = line.quantity_g
        totals: dict[UUID, int] = {}
        for (lot_id, outlet_id), quantity_g in per_lot.items():
            lot = uow.get(Lot, lot_id, "lot")
            lot.check_dispatch(outlet_id, quantity_g)
            totals[lot_id] = totals.get(lot_id, 0) + quantity_g
        for lot_id, total_g in totals.items():
            lot = uow.get(Lot, lot_id, "lot")
            reserved_for_stops = sum(min(lot.reserved_g.get(outlet_id, 0), quantity_g)
                                     for (other, outlet_id), quantity_g in per_lot.items()
                                     if other == lot_id)
            if total_g - reserved_for_stops > lot.available_g:
                raise InsufficientStock(
                    f"dispatch refused: the delivery takes {total_g} g of lot {lot.code}, "
                    f"beyond its reservations and {lot.available_g} g available")
        delivery.dispatch(context)
        for (lot_id, outlet_id), quantity_g in per_lot.items():
            uow.get(Lot, lot_id, "lot").dispatch(context, delivery_id=delivery.id,
                                                 outlet_id=outlet_id, quantity_g=quantity_g)
        return [delivery.id, *totals]

    def _receive_delivery(self, uow: UnitOfWork, command: c.ReceiveDelivery) -> list[UUID]:
        context, outlet = self._act(uow, command, Role.OUTLET)
        delivery = uow.get(Delivery, command.delivery_id, "delivery")
        delivery.check_receive_stop(outlet.id, command.signer)
        stop = delivery.stop_for(outlet.id)
        planned = {line.lot_id: line.quantity_g for line in stop.lines}
        received = {line.lot_id: line.received_g for line in command.lines}
        unknown = set(received) - set(planned)
        if unknown:
            raise InvalidCommand(f"receipt lists lots not on this stop: "
                                 f"{', '.join(sorted(map(str, unknown)))}")
        lines = []
        for lot_id, dispatched_g in planned.items():
            received_g = received.get(lot_id, 0)
            uow.get(Lot, lot_id, "lot").check_delivery(delivery.id, outlet.id, received_g)
            lines.append(ReceivedLine(lot_id, dispatched_g, received_g, received_g - dispatched_g))
        delivery.receive_stop(context, outlet_id=outlet.id, lines=lines, signer=command.signer)
        for line in lines:
            uow.get(Lot, line.lot_id, "lot").deliver(context, delivery_id=delivery.id,
                                                     outlet_id=outlet.id,
                                                     received_g=line.received_g)
        return [delivery.id, *planned]

    def _cancel_delivery(self, uow: UnitOfWork, command: c.CancelDelivery) -> list[UUID]:
        context, platform = self._act(uow, command, Role.PLATFORM)
        delivery = uow.get(Delivery, command.delivery_id, "delivery")
        if delivery.platform_id != platform.id:
            raise RoleRequired("this delivery belongs to another platform")
        delivery.cancel(context, reason=command.reason)
        return [delivery.id]


def _aware(moment: datetime) -> datetime:
    """A business time with its zone: a naive one is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def project_events(aggregate: Any, events: Iterable[Any]) -> Any:
    """Fold events into an aggregate.

    eventsourcing's default projector checks each event against a runtime Protocol, which
    cost 40 % of command time here; our events are all ``domain.base.Event``.
    """
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _name_batch_position(error: DomainError, position: int, count: int,
                         command: AnyCommand) -> None:
    """Prefix a refusal inside a batch with the refused command's position and id."""
    command_id = getattr(command, "command_id", "")
    error.message = f"batch command {position} of {count} ({command_id}): {error.message}"
    error.args = (error.message,)


def _identity(command: AnyCommand) -> dict[str, str]:
    """The ids a log line about a command carries."""
    fields: dict[str, str] = {"command_id": getattr(command, "command_id", "")}
    actor = getattr(command, "actor_id", None)
    if actor is not None:
        fields["actor_id"] = str(actor)
    fields["correlation_id"] = getattr(command, "correlation_id", "") or fields["command_id"]
    return fields


def iter_events(ledger: Ledger, start: int = 1, batch_size: int = 1_000) -> Iterable[Any]:
    """Every event in notification order (a helper for tools and tests)."""
    position = start
    while True:
        notifications = ledger.recorder.select_notifications(position, batch_size)
        if not notifications:
            return
        for notification in notifications:
            yield ledger.mapper.to_domain_event(notification)
        position = notifications[-1].id + 1
