"""View subcommands: ``rebuild``, ``stock``, ``trace`` and ``recall``.

Query commands first bring the views up to date with the store (in this process), so what
they print includes every command already accepted.

Times given to ``--as-of`` are ISO 8601: ``2026-03-01T12:00`` (UTC unless an offset is
given) or a bare date ``2026-03-01``, meaning the end of that day (everything that happened
on it included). They are business times (when acts happened in the world, as commands
declared them); ``--recorded`` reads them as recording times instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import msgspec

from infra.cli.support import add_store_arguments, parse_time, print_table, store_from_arguments
from infra.projections_wiring import VIEW_NAMES, LedgerProjections, open_projections
from infra.reader import Reader
from projections.runner import BATCH_SIZE_DEFAULT, BATCH_SIZE_MAX
from projections.stock import EXPIRING_DAYS_DEFAULT
from projections.trace import Reach, TimeBasis, TraceEdge, TraceLimitExceeded, TraceLot

PROGRESS_INTERVAL_S = 0.2  # Redraw the progress bar at most five times a second.
PROGRESS_BAR_WIDTH = 30


def register(subparsers: Any) -> None:
    """Add the view subcommands."""

    rebuild = subparsers.add_parser(
        "rebuild", help="drop a view and rebuild it from the event store",
        description="Drop a view's tables and replay the event store into it from the first "
                    "event, showing progress and events per second on stderr.")
    add_store_arguments(rebuild)
    rebuild.add_argument("view", nargs="?", default="all", choices=[*VIEW_NAMES, "all"],
                         help="the view to rebuild (default: all)")
    rebuild.add_argument("--batch-size", type=batch_size, default=None,
                         help=f"notifications per batch (default {BATCH_SIZE_DEFAULT})")
    rebuild.set_defaults(func=run_rebuild)

    stock = subparsers.add_parser(
        "stock", help="stock per site, product and lot",
        description="Stock on hand, reserved and available per site, product and lot, with "
                    "expiring-soon and recalled flags; totals per site and product.")
    add_store_arguments(stock)
    stock.add_argument("--site", help="a site id or name")
    stock.add_argument("--product", help="a product name, e.g. carrot")
    stock.add_argument("--as-of", type=parse_time, metavar="TIME",
                       help="stock at a past moment (ISO date or date-time)")
    stock.add_argument("--recorded", action="store_true",
                       help="read --as-of as recording time rather than business time")
    stock.add_argument("--expiring-days", type=int, default=EXPIRING_DAYS_DEFAULT,
                       help=f"flag lots this close to best-before (default "
                            f"{EXPIRING_DAYS_DEFAULT})")
    stock.add_argument("--outlets", action="store_true",
                       help="also list what outlets hold (delivered, not yet distributed)")
    stock.add_argument("--json", action="store_true", help="JSON output")
    stock.set_defaults(func=run_stock)

    trace = subparsers.add_parser(
        "trace", help="where a lot came from and where it went",
        description="Backward trace (origins: producers, fields, harvest dates, "
                    "certificates, sites) and forward trace (every lot made from it, every "
                    "outlet and channel reached, every loss), through any depth.")
    add_store_arguments(trace)
    trace.add_argument("lot", metavar="LOT", help="a lot code or lot id")
    direction = trace.add_mutually_exclusive_group()
    direction.add_argument("--backward", action="store_true", help="origins only")
    direction.add_argument("--forward", action="store_true", help="destinations only")
    trace.add_argument("--as-of", type=parse_time, metavar="TIME",
                       help="the trace as it stood at a past moment")
    trace.add_argument("--recorded", action="store_true",
                       help="read --as-of as recording time rather than business time")
    trace.add_argument("--movements", action="store_true",
                       help="also list every movement of the lot")
    trace.add_argument("--json", action="store_true", help="JSON output")
    trace.set_defaults(func=run_trace)

    recall = subparsers.add_parser(
        "recall", help="what a recall of a lot reaches",
        description="Every lot derived from a lot, every current holder (sites and outlets) "
                    "with quantities, stock in transit, and every outlet already served.")
    add_store_arguments(recall)
    recall.add_argument("lot", metavar="LOT", help="a lot code or lot id")
    recall.add_argument("--json", action="store_true", help="JSON output")
    recall.set_defaults(func=run_recall)


def batch_size(text: str) -> int:
    """A batch size within the runner's bounds."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= BATCH_SIZE_MAX:
        raise argparse.ArgumentTypeError(f"a batch holds 1 to {BATCH_SIZE_MAX} notifications")
    return value


def _open(arguments: argparse.Namespace, names: Sequence[str],
          **options: Any) -> tuple[Reader, LedgerProjections]:
    history = Reader(store_from_arguments(arguments))
    return history, open_projections(history, names=names, **options)


# ------------------------------------------------------------------- rebuild


class ProgressBar:
    """A one-line progress bar with events per second, redrawn on a terminal.

    Off a terminal (a log file, a pipe) it is drawn once, finished, to keep logs clean.
    """

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.started = time.perf_counter()
        self.drawn_at = 0.0
        self.applied = 0

    def update(self, position: int, applied: int, *, force: bool = False) -> None:
        """Record progress; redraw if enough time passed."""
        self.applied += applied
        now = time.perf_counter()
        if not force and (not self.live or now - self.drawn_at < PROGRESS_INTERVAL_S):
            return
        self.drawn_at = now
        fraction = min(position / self.total, 1.0)
        filled = int(fraction * PROGRESS_BAR_WIDTH)
        rate = self.applied / max(now - self.started, 1e-9)
        bar = "#" * filled + "." * (PROGRESS_BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label:<9} [{bar}] {fraction:6.1%} "
                          f"{position:>11,}/{self.total:,}  {rate:>10,.0f} events/s")
        self.stream.flush()

    def finish(self) -> float:
        """End the line; return the elapsed seconds."""
        self.update(self.total, 0, force=True)
        self.stream.write("\n")
        return time.perf_counter() - self.started


def run_rebuild(arguments: argparse.Namespace) -> int:
    """Drop and rebuild one view or all of them."""
    names = list(VIEW_NAMES) if arguments.view == "all" else [arguments.view]
    bars: dict[str, ProgressBar] = {}

    def progress(name: str, position: int, _: int, applied: int) -> None:
        bars[name].update(position, applied)

    options: dict[str, Any] = {"on_progress": progress}
    if arguments.batch_size is not None:
        options["batch_size"] = arguments.batch_size
    ledger, projections = _open(arguments, names, **options)
    try:
        head = projections.runner.head()
        for name in names:
            bars[name] = ProgressBar(name, head)
            projections.runner.rebuild(name)
            elapsed_s = bars[name].finish()
            applied = bars[name].applied
            print(f"{name}: {applied:,} events applied ({head:,} in the log) in "
                  f"{elapsed_s:.2f} s: {applied / max(elapsed_s, 1e-9):,.0f} events/s "
                  f"({head / max(elapsed_s, 1e-9):,.0f} log positions/s)")
    finally:
        projections.close()
        ledger.close()
    return 0


# --------------------------------------------------------------------- stock


def _grams(quantity_g: int) -> str:
    return f"{quantity_g:,} g"


def _emit_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def run_stock(arguments: argparse.Namespace) -> int:
    """Print stock lines and totals."""
    ledger, projections = _open(arguments, ["stock"])
    try:
        projections.catch_up()
        stock = projections.stock
        site_id = None
        if arguments.site:
            sites = stock.find_sites(arguments.site)
            if len(sites) != 1:
                found = ", ".join(name for _, name in sites) or "none"
                print(f"site {arguments.site!r} matches {len(sites)} sites ({found})",
                      file=sys.stderr)
                return 1
            site_id = sites[0][0]
        basis = "recorded" if arguments.recorded else "business"
        query: dict[str, Any] = {"site_id": site_id, "product": arguments.product,
                                 "as_of": arguments.as_of, "basis": basis,
                                 "expiring_days": arguments.expiring_days}
        lines = stock.lines(**query)
        totals = stock.totals(**query)
        holdings = stock.outlet_holdings(product=arguments.product) if arguments.outlets else []
        if arguments.json:
            _emit_json({"lines": lines, "totals": totals, "outlet_holdings": holdings})
            return 0
        if arguments.as_of is not None:
            print(f"stock as of {arguments.as_of.isoformat()} ({basis} time)")
        print_table(
            ["site", "product", "lot", "best before", "on hand", "reserved", "available",
             "flags"],
            [[line.site_name or line.site_id, line.product, line.code, line.best_before,
              _grams(line.on_hand_g), _grams(line.reserved_g), _grams(line.available_g),
              " ".join(flag for flag, on in (("EXPIRING", line.expiring_soon),
                                             ("RECALLED", line.recalled)) if on)]
             for line in lines], right=(4, 5, 6))
        print()
        print_table(
            ["site", "product", "lots", "on hand", "reserved", "available", "expiring",
             "recalled"],
            [[total.site_name or total.site_id, total.product, total.lots,
              _grams(total.on_hand_g), _grams(total.reserved_g), _grams(total.available_g),
              _grams(total.expiring_soon_g), _grams(total.recalled_g)] for total in totals],
            right=(2, 3, 4, 5, 6, 7))
        if arguments.outlets:
            print()
            print_table(["outlet", "product", "lot", "held", "flags"],
                         [[holding.outlet_name, holding.product, holding.code,
                           _grams(holding.held_g), "RECALLED" if holding.recalled else ""]
                          for holding in holdings], right=(3,))
    finally:
        projections.close()
        ledger.close()
    return 0


# --------------------------------------------------------------------- trace


def _print_lots(title: str, lots: Sequence[TraceLot]) -> None:
    print(title)
    print_table(["depth", "lot", "product", "made by", "quantity", "producer", "harvest",
                  "certificate", "site", "flags"],
                 [[lot.depth, lot.code, lot.product, lot.process, _grams(lot.quantity_g),
                   lot.producer_name, lot.harvest_date or "", lot.organic_certificate,
                   lot.site_name, "RECALLED" if lot.recalled else ""] for lot in lots],
                 right=(0, 4))


def _print_edges(edges: Sequence[TraceEdge]) -> None:
    print("links (parent → child)")
    print_table(["parent", "child", "process", "quantity", "when"],
                 [[edge.parent_code, edge.child_code, edge.process, _grams(edge.quantity_g),
                   edge.occurred_at.isoformat()] for edge in edges], right=(3,))


def _print_reaches(title: str, reaches: Sequence[Reach], party: str,
                   with_channel: bool = False) -> None:
    print(title)
    headers = ["lot", party, *(["channel"] if with_channel else []), "quantity"]
    print_table(headers, [[reach.code, reach.party_name or reach.party_id,
                            *([reach.channel or ""] if with_channel else []),
                            _grams(reach.quantity_g)] for reach in reaches],
                 right=(len(headers) - 1,))


def _with_trace(arguments: argparse.Namespace,
                body: Callable[[LedgerProjections, str], int]) -> int:
    ledger, projections = _open(arguments, ["trace"])
    try:
        projections.catch_up()
        lot_id = projections.trace.resolve(arguments.lot)
        if lot_id is None:
            print(f"no lot has the code or id {arguments.lot!r}", file=sys.stderr)
            return 1
        try:
            return body(projections, lot_id)
        except TraceLimitExceeded as error:
            print(f"trace refused: {error}", file=sys.stderr)
            return 1
    finally:
        projections.close()
        ledger.close()


def run_trace(arguments: argparse.Namespace) -> int:
    """Print a lot's backward and/or forward trace."""
    basis: TimeBasis = "recorded" if arguments.recorded else "business"

    def body(projections: LedgerProjections, lot_id: str) -> int:
        trace = projections.trace
        backward = None if arguments.forward else trace.backward(
            lot_id, as_of=arguments.as_of, basis=basis)
        forward = None if arguments.backward else trace.forward(
            lot_id, as_of=arguments.as_of, basis=basis)
        if backward is None and forward is None:
            print(f"lot {arguments.lot} did not exist at {arguments.as_of}", file=sys.stderr)
            return 1
        movements = (trace.movements([lot_id], as_of=arguments.as_of, basis=basis)
                     if arguments.movements else [])
        if arguments.json:
            _emit_json({"backward": backward, "forward": forward, "movements": movements})
            return 0
        if arguments.as_of is not None:
            print(f"as of {arguments.as_of.isoformat()} ({basis} time)\n")
        if backward is not None:
            _print_lots("BACKWARD: the lot and its ancestors", [backward.lot,
                                                                *backward.ancestors])
            print()
            _print_edges(backward.edges)
            print()
            _print_reaches("sites (received or made there)", backward.sites, "site")
            print()
        if forward is not None:
            _print_lots("FORWARD: the lot and every lot made from it",
                        [forward.lot, *forward.descendants])
            print()
            _print_edges(forward.edges)
            print()
            _print_reaches("outlets reached (received)", forward.deliveries, "outlet")
            print()
            _print_reaches("distributed", forward.distributions, "outlet", with_channel=True)
            print()
            _print_reaches("lost", forward.losses, "holder")
            print()
            _print_reaches("lost in transit", forward.transit_losses, "outlet")
        if movements:
            print()
            print_table(["when", "kind", "site", "holder", "quantity", "note"],
                         [[movement.occurred_at.isoformat(), movement.kind,
                           movement.site_name, movement.holder_name,
                           _grams(movement.quantity_g),
                           movement.reason or movement.channel or ""]
                          for movement in movements], right=(4,))
        return 0

    return _with_trace(arguments, body)


def run_recall(arguments: argparse.Namespace) -> int:
    """Print what a recall of a lot reaches."""

    def body(projections: LedgerProjections, lot_id: str) -> int:
        impact = projections.trace.recall_impact(lot_id)
        assert impact is not None
        if arguments.json:
            _emit_json(impact)
            return 0
        _print_lots(f"RECALL of {impact.lot.code}: every lot concerned", impact.lots)
        print()
        _print_reaches("held at sites now", impact.site_stock, "site")
        print()
        _print_reaches("held by outlets now", impact.outlet_stock, "outlet")
        print()
        _print_reaches("in transit to outlets", impact.in_transit, "outlet")
        print()
        _print_reaches("outlets already served (received)", impact.outlets_served, "outlet")
        print()
        _print_reaches("already distributed", impact.distributed, "outlet", with_channel=True)
        return 0

    return _with_trace(arguments, body)
