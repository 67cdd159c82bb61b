"""Core subcommands: ``demo``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from infra.cli.errors import CliError
from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    parse_date,
    print_table,
    store_from_arguments,
)
from infra.cli.words import day, kilograms, moment, number, rate, seconds, t, term

if TYPE_CHECKING:
    from infra.cli.support import CommandParser
    from infra.demo.territory import DemoSummary

WEEKS_MAX = 520  # infra.demo.territory.WEEKS_MAX (checked by the tests): ten years.
SCALE_MAX = 10_000  # infra.demo.territory.SCALE_MAX (checked by the tests).


def register(subparsers: Any) -> None:
    """Add the core subcommands."""
    subparsers.add_parser(
        "demo", help=t("generate the seeded demo territory and print a summary"),
        description=t("Generate a realistic, seeded scenario up to the current week: one "
                      "food-bank warehouse, six market gardens, a dairy farm, a partner shop, "
                      "twelve outlets, three funders; weeks of offers, receptions (cold chain "
                      "included), splits, merges, soups, allocation rounds, deliveries, "
                      "losses and distributions; then a sorted bulk donation, a refused warm "
                      "delivery, a recall, a held lot and a delivery still on the road."),
        build=_demo_options)


def _demo_options(demo: CommandParser) -> None:
    add_store_arguments(demo)
    demo.add_argument("--weeks", type=bounded_int(1, WEEKS_MAX), default=12, metavar=t("WEEKS"),
                      help=t("weeks of history (default 12)"))
    demo.add_argument("--seed", type=int, default=7, metavar=t("SEED"),
                      help=t("random seed (default 7)"))
    demo.add_argument("--end", type=parse_date, default=None, metavar=t("DATE"),
                      help=t("the demo's last day (it ends at 18:00 in Paris that day; default: "
                             "now); the same --seed and --end give the same lot codes"))
    demo.add_argument("--scale", type=bounded_int(1, SCALE_MAX), default=1, metavar="N",
                      help=t("multiply actors: N platforms, each with its gardens and outlets"))
    demo.add_argument("--fresh", action="store_true",
                      help=t("delete the SQLite file first (refused for PostgreSQL)"))
    demo.set_defaults(func=run_demo)


def run_demo(arguments: argparse.Namespace) -> int:
    """Generate the demo into the chosen store."""
    # Start-up time: the write application and the demo generator load for `demo` only.
    from infra.demo.territory import generate_demo  # noqa: PLC0415
    from infra.ledger.ledger import Ledger  # noqa: PLC0415
    from infra.projections_wiring import views_path  # noqa: PLC0415

    if arguments.db is not None and not arguments.db.is_dir():
        # The demo makes its folder (var/ on a fresh clone).
        arguments.db.parent.mkdir(parents=True, exist_ok=True)
    location = store_from_arguments(arguments, create=True)
    if location.kind == "sqlite":
        assert location.sqlite_path is not None
        if arguments.fresh:
            # The views file beside the store goes too: it describes the old history.
            for path in (location.sqlite_path, views_path(location.sqlite_path)):
                for suffix in ("", "-wal", "-shm"):
                    path.with_name(path.name + suffix).unlink(missing_ok=True)
    elif arguments.fresh:
        raise CliError(t("--fresh only deletes SQLite files; drop the PostgreSQL database "
                         "yourself"))
    ledger = Ledger(location)
    try:
        if ledger.recorder.max_notification_id():
            raise CliError(t("the store {url} already holds events: use --fresh or another "
                             "--db", url=location.url))
        print(t("writing the demo territory into {url} …", url=location.url), file=sys.stderr)
        summary = generate_demo(
            ledger, weeks=arguments.weeks, seed=arguments.seed, scale=arguments.scale,
            end=arguments.end, progress=lambda week, weeks, events: print(
                t("week {week}/{weeks}: {events} events", week=week, weeks=weeks,
                  events=number(events)), file=sys.stderr))
        print_summary(summary)
    finally:
        ledger.close()
    return 0


def print_summary(summary: DemoSummary) -> None:
    """What the demo wrote, every programme counted, in the run's language."""
    from infra.demo.territory import SUPPLY_CHAIN  # noqa: PLC0415 - start-up time (see above).

    print(t("events written: {events} by {commands} commands ({stored} stored with the "
            "command records; {elapsed}, {rate} events/s)",
            events=number(summary.events_written), commands=number(summary.commands),
            stored=number(summary.events_stored), elapsed=seconds(summary.seconds),
            rate=rate(summary.events_stored / summary.seconds if summary.seconds else 0.0)))
    # The supply chain first, then each basket programme by name.
    programmes = sorted(summary.programmes.items(),
                        key=lambda item: (item[0] != SUPPLY_CHAIN, item[0]))
    print(t("lots offered: {lots} ({detail})", lots=number(summary.lots),
            detail=", ".join(t("{name}: {value}", name=term(name), value=number(figures.lots))
                             for name, figures in programmes)))
    print(t("received: {quantity} ({detail})", quantity=kilograms(summary.received_g),
            detail=", ".join(t("{name}: {value}", name=term(name),
                               value=kilograms(figures.received_g))
                             for name, figures in programmes)))
    channels = sorted(summary.distributed_g_by_channel.items())
    print(t("distributed: {quantity} ({detail})",
            quantity=kilograms(sum(summary.distributed_g_by_channel.values())),
            detail=", ".join(t("{name}: {value}", name=term(channel), value=kilograms(grams))
                             for channel, grams in channels)))
    if summary.baskets_prepared:
        print(t("baskets: {prepared} prepared, {collected} collected, {cancelled} not "
                "collected, for {households} households",
                prepared=number(summary.baskets_prepared),
                collected=number(summary.baskets_collected),
                cancelled=number(summary.baskets_cancelled),
                households=number(summary.households)))
    if summary.donations or summary.workshops:
        print(t("donations in kind: {donations}; workshops: {workshops}",
                donations=number(summary.donations), workshops=number(summary.workshops)))
    if summary.start is not None and summary.end is not None:
        print(t("weeks from {start} to {end}", start=day(summary.start),
                end=moment(summary.end)))
    if summary.cleared_out_g:
        print(t("cleared out past their date: {quantity}",
                quantity=kilograms(summary.cleared_out_g)))
    if summary.recalled_lot_codes:
        print(t("recalled: {codes}", codes=", ".join(summary.recalled_lot_codes)))
    if summary.held_lot_codes:
        print(t("held: {codes}", codes=", ".join(summary.held_lot_codes)))
    if summary.refused_lot_codes:
        print(t("refused at reception (too warm): {codes}",
                codes=", ".join(summary.refused_lot_codes)))
    if summary.donation_lot_codes:
        print(t("bulk donations sorted: {codes}", codes=", ".join(summary.donation_lot_codes)))
    if summary.merged_lot_codes:
        print(t("lots merged: {count}", count=number(len(summary.merged_lot_codes))))
    if summary.in_transit_delivery_ids:
        print(t("deliveries on the road: {count}",
                count=number(len(summary.in_transit_delivery_ids))))
    print()
    print_table([t("outlet"), t("distributed")],
                [[name, kilograms(grams)]
                 for name, grams in sorted(summary.distributed_g_by_outlet.items())],
                right=(1,), title=t("distributed per outlet:"))
