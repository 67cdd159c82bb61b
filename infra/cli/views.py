"""View subcommands: ``rebuild``, ``stock``, ``trace`` and ``recall``.

Query commands first bring the views up to date with the store (in this process), so what
they print includes every command already accepted.

Times given to ``--as-of`` are ISO 8601: ``2026-03-01T12:00`` (UTC unless an offset is
given) or a bare date ``2026-03-01``, meaning the end of that day (everything that happened
on it included). They are business times (when acts happened in the world, as commands
declared them); ``--recorded`` reads them as recording times instead. For ``stock``, a bare
date is the end of that day in Europe/Paris: the day its states (périmé, à consommer vite)
are measured on. Printed times are in Europe/Paris time, in the run's language
(``07/12/2026 14:30``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    emit_json,
    not_found,
    one_site,
    parse_paris_time,
    parse_time,
    print_table,
    progress_bars,
    store_from_arguments,
)
from infra.cli.words import (
    day,
    euros,
    grams,
    moment,
    number,
    rate,
    seconds,
    t,
    term,
)

if TYPE_CHECKING:
    from infra.cli.support import CommandParser
    from infra.exports.recall_money import RecallMoney
    from infra.projections_wiring import LedgerProjections
    from infra.reader import Reader
    from projections.stock_lines import InTransit, OutletHolding, StockLine
    from projections.trace import TimeBasis
    from projections.trace_records import Reach, TraceEdge, TraceLot


def register(subparsers: Any) -> None:
    """Add the view subcommands."""
    subparsers.add_parser(
        "rebuild", help=t("drop a view and rebuild it from the event store"),
        description=t("Drop a view's tables and replay the event store into it from the "
                      "first event, showing progress and events per second on stderr."),
        build=_rebuild_options)
    subparsers.add_parser(
        "stock", help=t("stock per site, product and lot, with its states"),
        description=t("Stock per site, product and lot: on hand, reserved, available, on the "
                      "road (per delivery: from where, to whom, since when), on hold, "
                      "recalled, expired and expiring soon, measured on the as-of day (today "
                      "in Paris when live); totals per site and product; with --outlets, what "
                      "each outlet holds at that moment."),
        build=_stock_options)
    subparsers.add_parser(
        "trace", help=t("where a lot came from and where it went"),
        description=t("Backward trace (origins: producers, fields, harvest dates, "
                      "certificates, sites) and forward trace (every lot made from it, every "
                      "outlet and channel reached, every loss), through any depth."),
        build=_trace_options)
    subparsers.add_parser(
        "recall", help=t("what a recall of a lot reaches, and the money at stake"),
        description=t("Every lot derived from a lot, every current holder (sites and "
                      "outlets) with quantities, stock in transit, every outlet already "
                      "served, and the money at stake: the transfers paying for those lots "
                      "(deliveries and baskets), pending or posted, with the recalled lots' "
                      "part, in euros."),
        build=_recall_options)


def _rebuild_options(rebuild: CommandParser) -> None:
    # Start-up time: the view names and batch bounds come with the projections' code.
    from infra.projections_wiring import VIEW_NAMES  # noqa: PLC0415
    from projections.runner import BATCH_SIZE_DEFAULT, BATCH_SIZE_MAX  # noqa: PLC0415

    add_store_arguments(rebuild)
    rebuild.add_argument("view", nargs="?", default="all", choices=[*VIEW_NAMES, "all"],
                         help=t("the view to rebuild (default: all)"))
    rebuild.add_argument("--batch-size", type=bounded_int(1, BATCH_SIZE_MAX), default=None,
                         metavar=t("SIZE"),
                         help=t("notifications per batch (default {size})",
                                size=BATCH_SIZE_DEFAULT))
    rebuild.set_defaults(func=run_rebuild, view_names=VIEW_NAMES)


def _stock_options(stock: CommandParser) -> None:
    from projections.stock import EXPIRING_DAYS_DEFAULT  # noqa: PLC0415 - start-up time.

    add_store_arguments(stock)
    stock.add_argument("--site", metavar=t("SITE"), help=t("a site id or name"))
    stock.add_argument("--product", metavar=t("PRODUCT"), help=t("a product name, e.g. carotte"))
    stock.add_argument("--as-of", type=parse_paris_time, metavar=t("TIME"),
                       help=t("stock at a past moment (ISO date-time, or a date: the end of "
                              "that day in Paris)"))
    stock.add_argument("--recorded", action="store_true",
                       help=t("read --as-of as recording time rather than business time"))
    stock.add_argument("--expiring-days", type=bounded_int(0, 3650),
                       default=EXPIRING_DAYS_DEFAULT, metavar=t("DAYS"),
                       help=t("flag lots this close to best-before (default {days})",
                              days=EXPIRING_DAYS_DEFAULT))
    stock.add_argument("--outlets", action="store_true",
                       help=t("also list what outlets hold (delivered, not yet distributed)"))
    stock.add_argument("--json", action="store_true",
                       help=t("JSON output: lines, totals, in_transit and outlet_holdings"))
    stock.set_defaults(func=run_stock)


def _trace_options(trace: CommandParser) -> None:
    add_store_arguments(trace)
    trace.add_argument("lot", metavar=t("LOT"), help=t("a lot code or lot id"))
    direction = trace.add_mutually_exclusive_group()
    direction.add_argument("--backward", action="store_true", help=t("origins only"))
    direction.add_argument("--forward", action="store_true", help=t("destinations only"))
    trace.add_argument("--as-of", type=parse_time, metavar=t("TIME"),
                       help=t("the trace as it stood at a past moment"))
    trace.add_argument("--recorded", action="store_true",
                       help=t("read --as-of as recording time rather than business time"))
    trace.add_argument("--movements", action="store_true",
                       help=t("also list every movement of the lot"))
    trace.add_argument("--json", action="store_true", help=t("JSON output"))
    trace.set_defaults(func=run_trace)


def _recall_options(recall: CommandParser) -> None:
    add_store_arguments(recall)
    recall.add_argument("lot", metavar=t("LOT"), help=t("a lot code or lot id"))
    recall.add_argument("--json", action="store_true", help=t("JSON output"))
    recall.set_defaults(func=run_recall)


def _open(arguments: argparse.Namespace, names: Sequence[str],
          **options: Any) -> tuple[Reader, LedgerProjections]:
    # Start-up time: the store and the views load once a view command runs.
    from infra.projections_wiring import open_projections  # noqa: PLC0415
    from infra.reader import Reader  # noqa: PLC0415

    history = Reader(store_from_arguments(arguments))
    try:
        return history, open_projections(history, names=names, **options)
    except BaseException:
        history.close()
        raise


def _basis(arguments: argparse.Namespace) -> str:
    return t("recorded time") if arguments.recorded else t("business time")


# ------------------------------------------------------------------- rebuild


def run_rebuild(arguments: argparse.Namespace) -> int:
    """Drop and rebuild one view or all of them."""
    names = list(arguments.view_names) if arguments.view == "all" else [arguments.view]
    with progress_bars() as bars:
        tasks: dict[str, Any] = {}

        def progress(name: str, position: int, _: int, applied: int) -> None:
            bars.update(tasks[name], position, applied)

        options: dict[str, Any] = {"on_progress": progress}
        if arguments.batch_size is not None:
            options["batch_size"] = arguments.batch_size
        history, projections = _open(arguments, names, **options)
        lines: list[str] = []
        try:
            head = projections.runner.head()
            for name in names:
                tasks[name] = bars.add(name, head)
                projections.runner.rebuild(name)
                applied, elapsed_s = bars.finish(tasks[name])
                lines.append(t(
                    "{view}: {applied} events applied ({head} in the log) in {elapsed}: "
                    "{rate} events/s ({positions} log positions/s)", view=name,
                    applied=number(applied), head=number(head), elapsed=seconds(elapsed_s),
                    rate=rate(applied / max(elapsed_s, 1e-9)),
                    positions=rate(head / max(elapsed_s, 1e-9))))
        finally:
            projections.close()
            history.close()
    for line in lines:
        print(line)
    return 0


# --------------------------------------------------------------------- stock


def _line_states(line: StockLine) -> str:
    """A lot's states, most serious first."""
    from domain.dates import DATE_KIND_SHORT, DateKind  # noqa: PLC0415 - start-up time.

    states = []
    if line.recalled:
        states.append(t("RECALLED"))
    if line.on_hold:
        states.append(t("ON HOLD ({reason})", reason=line.hold_reason))
    if line.bulk:
        states.append(t("BULK TO SORT"))
    kind = DATE_KIND_SHORT[DateKind(line.date_kind)]
    if line.expiry == "expired":
        states.append(t("{kind} PASSED", kind=kind) if line.blocked_by_date
                      else t("{kind} passed {days} days ago", kind=kind,
                             days=number(-line.days_left)))
    elif line.expiring_soon:
        states.append(t("EXPIRING"))
    return ", ".join(states)


def _dated(line: StockLine | OutletHolding) -> str:
    from domain.dates import DATE_KIND_SHORT, DateKind  # noqa: PLC0415 - start-up time.

    return f"{DATE_KIND_SHORT[DateKind(line.date_kind)]} {day(line.best_before)}"


def _holding_states(holding: OutletHolding) -> str:
    states = [t("RECALLED")] * holding.recalled + [t("ON HOLD")] * holding.on_hold
    if holding.blocked_by_date:
        states.append(t("not to be distributed (date)"))
    elif holding.expiry == "expired":
        states.append(t("past its date"))
    return ", ".join(states)


def _print_transit(transit: Sequence[InTransit]) -> None:
    print_table([t("lot"), t("product"), t("from"), t("to"), t("quantity"), t("left on"),
                 t("delivery")],
                [[line.code, line.product, line.site_name, line.outlet_name,
                  grams(line.quantity_g), moment(line.since), line.delivery_id[:8]]
                 for line in transit], right=(4,), title=t("on the road"))


def run_stock(arguments: argparse.Namespace) -> int:
    """Print stock lines with their states, totals, what is on the road and at outlets."""
    history, projections = _open(arguments, ["stock"])
    try:
        projections.catch_up()
        stock = projections.stock
        site_id = None
        if arguments.site:
            site_id = one_site(stock, arguments.site)
        basis: TimeBasis = "recorded" if arguments.recorded else "business"
        query: dict[str, Any] = {"site_id": site_id, "product": arguments.product,
                                 "as_of": arguments.as_of, "basis": basis,
                                 "expiring_days": arguments.expiring_days}
        lines = stock.lines(**query)
        totals = stock.totals(**query)
        transit = stock.in_transit(site_id=site_id, product=arguments.product,
                                   as_of=arguments.as_of, basis=basis)
        holdings = (stock.outlet_holdings(product=arguments.product, as_of=arguments.as_of,
                                          basis=basis) if arguments.outlets else [])
    finally:
        projections.close()
        history.close()
    if arguments.json:
        emit_json({"as_of": arguments.as_of, "basis": basis, "lines": lines, "totals": totals,
                   "in_transit": transit, "outlet_holdings": holdings})
        return 0
    if arguments.as_of is not None:
        print(t("stock as of {moment} ({basis})", moment=moment(arguments.as_of),
                basis=_basis(arguments)))
    print_table(
        [t("site"), t("product"), t("lot"), t("best before"), t("on hand"), t("reserved"),
         t("available"), t("on the road"), t("states")],
        [[line.site_name or line.site_id, line.product, line.code, _dated(line),
          grams(line.on_hand_g), grams(line.reserved_g),
          grams(line.available_g), grams(line.in_transit_g), _line_states(line)]
         for line in lines], right=(4, 5, 6, 7), empty=t("no stock"))
    print()
    print_table(
        [t("site"), t("product"), t("lots"), t("on hand"), t("reserved"), t("available"),
         t("on the road"), t("on hold"), t("recalled"), t("expired"), t("expiring")],
        [[total.site_name or total.site_id, total.product, number(total.lots),
          grams(total.on_hand_g), grams(total.reserved_g),
          grams(total.available_g), grams(total.in_transit_g),
          grams(total.on_hold_g), grams(total.recalled_g), grams(total.expired_g),
          grams(total.expiring_soon_g)] for total in totals],
        right=tuple(range(2, 11)), title=t("totals per site and product"),
        empty=t("no stock"))
    if transit:
        print()
        _print_transit(transit)
    if arguments.outlets:
        print()
        print_table([t("outlet"), t("product"), t("lot"), t("date"), t("held"), t("states")],
                    [[holding.outlet_name, holding.product, holding.code, _dated(holding),
                      grams(holding.held_g), _holding_states(holding)]
                     for holding in holdings], right=(4,),
                    title=t("held by outlets (delivered, not yet distributed)"),
                    empty=t("nothing held"))
    return 0


# --------------------------------------------------------------------- trace


def _print_lots(title: str, lots: Sequence[TraceLot]) -> None:
    recalled = t("RECALLED")
    print_table([t("depth"), t("lot"), t("product"), t("made by"), t("quantity"),
                 t("producer"), t("harvest"), t("certificate"), t("site"), t("flags")],
                [[lot.depth, lot.code, lot.product, term(lot.process), grams(lot.quantity_g),
                  lot.producer_name, day(lot.harvest_date), lot.organic_certificate,
                  lot.site_name, recalled if lot.recalled else ""] for lot in lots],
                right=(0, 4), title=title)


def _print_edges(edges: Sequence[TraceEdge]) -> None:
    print_table([t("parent"), t("child"), t("process"), t("quantity"), t("when")],
                [[edge.parent_code, edge.child_code, term(edge.process), grams(edge.quantity_g),
                  moment(edge.occurred_at)] for edge in edges], right=(3,),
                title=t("links (parent → child)"), empty=t("none"))


def _print_reaches(title: str, reaches: Sequence[Reach], party: str,
                   with_channel: bool = False) -> None:
    headers = [t("lot"), party, *([t("channel")] if with_channel else []), t("quantity")]
    print_table(headers, [[reach.code, reach.party_name or reach.party_id,
                           *([term(reach.channel) if reach.channel else ""]
                             if with_channel else []),
                           grams(reach.quantity_g)] for reach in reaches],
                right=(len(headers) - 1,), title=title, empty=t("none"))


def _with_trace(arguments: argparse.Namespace,
                body: Callable[[LedgerProjections, str, Reader], int]) -> int:
    from projections.trace import TraceLimitExceeded  # noqa: PLC0415 - start-up time.

    history, projections = _open(arguments, ["trace"])
    try:
        projections.catch_up()
        lot_id = projections.trace.resolve(arguments.lot)
        if lot_id is None:
            raise not_found(t("no lot has the code or id {lot!r}", lot=arguments.lot))
        try:
            return body(projections, lot_id, history)
        except TraceLimitExceeded as error:
            raise not_found(t("trace refused: {error}", error=error)) from None
    finally:
        projections.close()
        history.close()


def run_trace(arguments: argparse.Namespace) -> int:
    """Print a lot's backward and/or forward trace."""
    basis: TimeBasis = "recorded" if arguments.recorded else "business"

    def body(projections: LedgerProjections, lot_id: str, _: Reader) -> int:
        trace = projections.trace
        backward = None if arguments.forward else trace.backward(
            lot_id, as_of=arguments.as_of, basis=basis)
        forward = None if arguments.backward else trace.forward(
            lot_id, as_of=arguments.as_of, basis=basis)
        if backward is None and forward is None:
            raise not_found(t("lot {lot} did not exist at {moment}", lot=arguments.lot,
                              moment=moment(arguments.as_of)))
        movements = (trace.movements([lot_id], as_of=arguments.as_of, basis=basis)
                     if arguments.movements else [])
        if arguments.json:
            emit_json({"backward": backward, "forward": forward, "movements": movements})
            return 0
        if arguments.as_of is not None:
            print(t("as of {moment} ({basis})", moment=moment(arguments.as_of),
                    basis=_basis(arguments)))
            print()
        if backward is not None:
            _print_lots(t("BACKWARD: the lot and its ancestors"),
                        [backward.lot, *backward.ancestors])
            print()
            _print_edges(backward.edges)
            print()
            _print_reaches(t("sites (received or made there)"), backward.sites, t("site"))
            print()
        if forward is not None:
            _print_lots(t("FORWARD: the lot and every lot made from it"),
                        [forward.lot, *forward.descendants])
            print()
            _print_edges(forward.edges)
            print()
            _print_reaches(t("outlets reached (received)"), forward.deliveries, t("outlet"))
            print()
            _print_reaches(t("distributed"), forward.distributions, t("outlet"),
                           with_channel=True)
            print()
            _print_reaches(t("lost"), forward.losses, t("holder"))
            print()
            _print_reaches(t("lost in transit"), forward.transit_losses, t("outlet"))
        if movements:
            print()
            print_table([t("when"), t("kind"), t("site"), t("holder"), t("quantity"),
                         t("note")],
                        [[moment(movement.occurred_at), term(movement.kind),
                          movement.site_name, movement.holder_name,
                          grams(movement.quantity_g),
                          movement.reason or (term(movement.channel) if movement.channel else "")]
                         for movement in movements], right=(4,), title=t("movements"))
        return 0

    return _with_trace(arguments, body)


def run_recall(arguments: argparse.Namespace) -> int:
    """Print what a recall of a lot reaches."""

    def body(projections: LedgerProjections, lot_id: str, history: Reader) -> int:
        import msgspec  # noqa: PLC0415 - start-up time (see above).

        from infra.exports.recall_money import recall_money  # noqa: PLC0415 - start-up time.

        impact = projections.trace.recall_impact(lot_id)
        assert impact is not None
        money = recall_money(history, lot_id)
        if arguments.json:
            emit_json({**msgspec.to_builtins(impact), "money": money})
            return 0
        _print_lots(t("RECALL of {lot}: every lot concerned", lot=impact.lot.code),
                    impact.lots)
        print()
        _print_reaches(t("held at sites now"), impact.site_stock, t("site"))
        print()
        _print_reaches(t("held by outlets now"), impact.outlet_stock, t("outlet"))
        print()
        _print_reaches(t("in transit to outlets"), impact.in_transit, t("outlet"))
        print()
        _print_reaches(t("outlets already served (received)"), impact.outlets_served,
                       t("outlet"))
        print()
        _print_reaches(t("already distributed"), impact.distributed, t("outlet"),
                       with_channel=True)
        print()
        print_recall_money(money)
        return 0

    return _with_trace(arguments, body)


def print_recall_money(money: RecallMoney) -> None:
    """The money a recall puts at stake (``12,30 €``)."""
    print_table(
        [t("payer"), t("who"), t("for"), t("producer"), t("state"), t("amount"), t("paid"),
         t("at stake"), t("transfer")],
        [[term(line.payer_kind), line.payer_name or t("(household, pseudonymous)"),
          f"{term(line.cause)} …{line.cause_id.hex[-8:]}", line.producer_name,
          term(f"transfer_{line.status}"), euros(line.amount_cents), euros(line.posted_cents),
          euros(line.at_stake_cents), str(line.transfer_id)] for line in money.transfers],
        right=(5, 6, 7),
        title=t("MONEY AT STAKE: transfers paying for the recalled lots (deliveries and "
                "baskets)"), empty=t("none"))
    totals = money.totals
    print(t("reserved (pending): {pending}, of which at stake {at_stake}",
            pending=euros(totals.pending_cents), at_stake=euros(totals.at_stake_pending_cents)))
    print(t("paid: {posted}, of which at stake {at_stake}", posted=euros(totals.posted_cents),
            at_stake=euros(totals.at_stake_posted_cents)))
    for kind, part in money.by_payer.items():
        if part.transfers:
            print("  " + t("{payers}: at stake {pending} reserved, {posted} paid ({transfers} "
                           "transfers)", payers=term(f"{kind}s"),
                           pending=euros(part.at_stake_pending_cents),
                           posted=euros(part.at_stake_posted_cents),
                           transfers=number(part.transfers)))
    print(t("{deliveries} deliveries and {baskets} baskets concerned",
            deliveries=number(money.deliveries), baskets=number(money.baskets)))
