"""What the command-line modules share: the parser class, the store arguments (checked
before use), value parsing, tables, progress bars and JSON output.

Everything here loads quickly: rich loads with the first table or progress bar
(``infra.cli.output``, ``infra.cli.progress``), psycopg with the first PostgreSQL store.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

import msgspec

from infra.cli.errors import EXIT_REFUSED, EXIT_UNAVAILABLE, EXIT_USAGE, CliError, one_line
from infra.cli.words import t
from infra.store import (
    DATABASE_URL_VARIABLE,
    DEFAULT_SQLITE_PATH,
    POSTGRES_CONNECT_TIMEOUT_S,
    StoreLocation,
    location_from_environment,
    parse_database_url,
    sqlite_location,
)

if TYPE_CHECKING:
    from infra.cli.progress import ProgressBars
    from projections.stock import StockView

_Namespace = TypeVar("_Namespace")

# ----------------------------------------------------------------------------- parser

ARGPARSE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template) for pattern, template in (
        (r"the following arguments are required: (?P<names>.*)",
         "the following arguments are required: {names}"),
        (r"unrecognized arguments: (?P<names>.*)", "unrecognized arguments: {names}"),
        (r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)",
         "invalid choice: {value} (choose from {choices})"),
        (r"invalid \S+ value: (?P<value>.*)", "invalid value: {value}"),
        (r"expected one argument", "expected one value"),
        (r"expected at least one argument", "expected at least one value"),
        (r"expected at most one argument", "expected at most one value"),
        (r"expected (?P<count>\d+) arguments?", "expected {count} values"),
        (r"not allowed with argument (?P<name>.*)", "not allowed with {name}"),
        (r"one of the arguments (?P<names>.*) is required",
         "one of the arguments {names} is required"),
        (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)",
         "ambiguous option: {option} could match {matches}"),
        (r"ignored explicit argument (?P<value>.*)", "ignored explicit value {value}"),
    ))
"""argparse's own messages (Python 3.11) and the catalogue's English text for each."""


def argparse_message(message: str) -> str:
    """An argparse error message in the run's language."""
    found = re.fullmatch(r"argument (?P<name>.+?): (?P<message>.*)", message, flags=re.DOTALL)
    if found:
        return t("argument {name}: {message}", name=found["name"],
                 message=argparse_message(found["message"]))
    for pattern, template in ARGPARSE_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            return t(template, **found.groupdict())
    return message


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout with the usage line in the run's language."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any,
                  prefix: str | None = None) -> None:
        """The usage line, prefixed ``utilisation :`` in French."""
        super().add_usage(usage, actions, groups, t("usage: ") if prefix is None else prefix)


class CommandParser(argparse.ArgumentParser):
    """The ``cocagne`` parser and its subcommands' parsers.

    - Its headings, help option and errors speak the run's language; a usage error is one
      line on stderr and exit code 2.
    - ``build``: a function adding the subcommand's options, called only when that
      subcommand is parsed or its help shown. Building every subcommand's options would
      import what their defaults come from (the projections, the Kafka client, the
      spreadsheet writer) on every start, even for ``cocagne --help``.
    """

    def __init__(self, *args: Any, build: Callable[[CommandParser], None] | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = t("arguments")
        self._optionals.title = t("options")
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=t("show this help and exit"))
        self._build = build

    def build_options(self) -> None:
        """Add the subcommand's options if not done yet."""
        if self._build is not None:
            build, self._build = self._build, None
            build(self)

    @overload
    def parse_known_args(self, args: Iterable[str] | None = None,
                         namespace: None = None) -> tuple[argparse.Namespace, list[str]]: ...

    @overload
    def parse_known_args(self, args: Iterable[str] | None,
                         namespace: _Namespace) -> tuple[_Namespace, list[str]]: ...

    @overload
    def parse_known_args(self, *, namespace: _Namespace) -> tuple[_Namespace, list[str]]: ...

    def parse_known_args(self, args: Iterable[str] | None = None,
                         namespace: Any = None) -> tuple[Any, list[str]]:
        """Build the options first, then parse; what is left over is an error here, so it
        names the subcommand that refused it (global options come before the subcommand)."""
        self.build_options()
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def format_usage(self) -> str:
        """Build the options first, then describe them."""
        self.build_options()
        return super().format_usage()

    def format_help(self) -> str:
        """Build the options first, then describe them."""
        self.build_options()
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        """One line on stderr, exit code 2."""
        self.exit(EXIT_USAGE, t("{prog}: {message} (see {prog} --help)", prog=self.prog,
                                message=one_line(argparse_message(message))) + "\n")


# ------------------------------------------------------------------------------ store


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--db FILE`` or ``--database-url URL`` (default: $COCAGNE_DATABASE_URL, else
    var/cocagne.db)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--db", type=Path, metavar=t("FILE"),
                       help=t("SQLite file (default {path})", path=DEFAULT_SQLITE_PATH))
    group.add_argument("--database-url", metavar="URL",
                       help=t("sqlite:///FILE or postgresql://USER@HOST:PORT/DB (default "
                              "${variable})", variable=DATABASE_URL_VARIABLE))


def store_from_arguments(arguments: argparse.Namespace, *,
                         create: bool = False) -> StoreLocation:
    """The store named on the command line, else by the environment, checked first.

    An SQLite file must exist unless ``create`` (only ``demo`` and ``serve`` make one: a
    query on a mistyped path must say so, not answer from a new empty store); its folder
    must exist in any case. A PostgreSQL server is tried once, so an unreachable server or a
    missing database is one clear line at once rather than a connection pool's timeout.
    """
    if getattr(arguments, "db", None):
        location = sqlite_location(arguments.db)
    elif getattr(arguments, "database_url", None):
        location = parse_database_url(arguments.database_url)
    else:
        location = location_from_environment()
    if location.kind == "sqlite":
        assert location.sqlite_path is not None
        check_sqlite_file(location.sqlite_path, create=create)
    else:
        check_postgres_server(location)
    return location


def check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse a missing file (unless ``create``), a missing folder or a folder as file."""
    if path.is_dir():
        raise CliError(t("{path} is a folder, not an SQLite database file", path=path))
    if path.exists():
        return
    if not create:
        raise CliError(t("no event store at {path} (a query never creates one: check --db, "
                         "or create the demo with `cocagne demo --db {path}`)", path=path))
    if not path.parent.is_dir():
        raise CliError(t("the folder {folder} does not exist (for {path})",
                         folder=path.parent, path=path))


def check_postgres_server(location: StoreLocation) -> None:
    """Connect once to the store's PostgreSQL database, or explain why it cannot."""
    import psycopg  # noqa: PLC0415 - start-up time: only PostgreSQL stores load the driver.

    try:
        connection = psycopg.connect(
            host=location.postgres_host, port=location.postgres_port,
            user=location.postgres_user, password=location.postgres_password or None,
            dbname=location.postgres_dbname, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S)
    except psycopg.Error as error:
        reason = one_line(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise CliError(t("PostgreSQL unreachable at {url}: {reason}", url=location.url,
                         reason=reason), EXIT_UNAVAILABLE) from None
    connection.close()


def not_found(message: str) -> CliError:
    """A "not found" error (exit code 1) with its message."""
    return CliError(message, EXIT_REFUSED)


def one_site(stock: StockView, text: str) -> str:
    """The id of the one site whose id or name is ``text``; else a "not found" error that
    names the sites there are (none matched) or those that matched (several)."""
    sites = stock.find_sites(text)
    if len(sites) == 1:
        return sites[0][0]
    if not sites:
        known = stock.site_names()
        raise not_found(t("no site is named or has the id {site!r} (known sites: {known})",
                          site=text, known=", ".join(known) or t("none")))
    raise not_found(t("site {site!r} matches {count} sites ({found}): give the id of one",
                      site=text, count=len(sites),
                      found=", ".join(f"{name} {site_id}" for site_id, name in sites)))


# ------------------------------------------------------------------------------ values


def parse_time(text: str) -> datetime:
    """An ISO date-time (UTC unless an offset is given); a bare date means its end, in UTC."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), day_time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            t("{text!r} is not an ISO date (2026-03-01) or date-time (2026-03-01T12:00)",
              text=text)) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_paris_time(text: str) -> datetime:
    """As :func:`parse_time`, but a bare date means the end of that day in Europe/Paris (the
    day a French warehouse means: its stock states are measured on that day)."""
    if len(text) != 10:
        return parse_time(text)
    # Start-up time: the time zone loads only when a date is parsed.
    from domain.dates import PARIS  # noqa: PLC0415

    return datetime.combine(parse_date(text), day_time.max, tzinfo=PARIS)


def parse_date(text: str) -> date:
    """An ISO date (2026-03-01)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            t("{text!r} is not an ISO date (2026-03-01)", text=text)) from None


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                t("{text!r} is not a whole number from {low} to {high}", text=text,
                  low=low, high=high))
        return value
    return parse


# ------------------------------------------------------------------------------ output


def emit_json(value: Any) -> None:
    """``value`` as one line of JSON on stdout (msgspec: structs, dates, UUIDs)."""
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
                right: Sequence[int] = (), *, title: str | None = None,
                empty: str | None = None) -> None:
    """Print rows under headers in aligned columns (``right``: right-aligned column indexes).

    ``title`` is printed above the table; with no rows, ``empty`` (if given) is printed
    instead of the headers. Drawn by rich (``infra.cli.output``).
    """
    from infra.cli import output  # noqa: PLC0415 - start-up time: rich loads with output.

    output.print_table(headers, rows, right, title=title, empty=empty)


def progress_bars() -> AbstractContextManager[ProgressBars]:
    """rich progress bars on stderr (``infra.cli.progress.ProgressBars``)."""
    from infra.cli import progress  # noqa: PLC0415 - start-up time: rich loads with output.

    return progress.progress_bars()
