"""How the ``cocagne`` command fails: one line on stderr and an exit code, never a traceback.

============  ====================================================================
exit code     meaning
============  ====================================================================
0             done
1             refused or not found: a domain refusal, an unknown lot, site, member
              or proposal, a recount or a verification that does not match
2             usage: a bad option or value, a missing database or folder, a bad URL
3             unavailable: PostgreSQL, the Kafka broker or a file cannot be reached
              (connection refused, permission denied, disk full, port in use)
70            internal error (a bug): one line, the traceback with --log-level debug
130           interrupted (Ctrl-C)
141           the reader of the output went away (``cocagne stock | head``): silent
============  ====================================================================

``explain`` turns any exception into that line and code. It only tests against classes of
modules already loaded (``sys.modules``), so a command that never loaded psycopg or the
Kafka client pays nothing for knowing their errors.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

from domain.errors import DomainError
from infra.cli.words import language, t
from infra.store import StoreConfigurationError

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_INTERNAL = 70  # sysexits.h EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shells report it


class CliError(Exception):
    """A user error the command explains in one line (already in the run's language)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def one_line(text: object) -> str:
    """Any message on one line (drivers' messages often span several)."""
    return " ".join(str(text).split())


def _loaded(module: str, *names: str) -> tuple[type[BaseException], ...]:
    """Exception classes of ``module`` if something already imported it, else none."""
    found: Any = sys.modules.get(module)
    if found is None:
        return ()
    return tuple(getattr(found, name) for name in names if hasattr(found, name))


def _root(error: BaseException) -> BaseException:
    """The innermost cause (eventsourcing wraps the drivers' errors)."""
    seen = 0
    # A chain of causes is a few links long; 20 guards against a cycle.
    while error.__cause__ is not None and seen < 20:
        error = error.__cause__
        seen += 1
    return error


def refusal_text(error: DomainError) -> str:
    """A refusal's message in the run's language: in French, the work pages' catalogue
    (its reason's sentence with the numbers in French formats, else its code's sentence and
    the domain's English detail)."""
    if language() != "fr":
        return error.message
    # Start-up time: only a refusal loads the catalogue (and the API package around it).
    from infra.api.pages.refusals import french_message  # noqa: PLC0415

    return french_message(error.code, error.message, error.reason, error.facts)


def explain(error: BaseException) -> tuple[str, int]:
    """The one line and exit code for ``error``."""
    if isinstance(error, CliError):
        return error.message, error.code
    if isinstance(error, DomainError):
        return t("refused ({code}): {message}", code=error.code,
                 message=one_line(refusal_text(error))), EXIT_REFUSED
    if isinstance(error, StoreConfigurationError):
        return t("configuration error: {error}", error=one_line(error)), EXIT_USAGE
    root = _root(error)
    kafka_errors = _loaded("kafka.errors", "KafkaError")
    if kafka_errors and isinstance(root, kafka_errors):
        return t("Kafka broker unreachable: {error}", error=one_line(root)), EXIT_UNAVAILABLE
    postgres_errors = _loaded("psycopg", "OperationalError", "InterfaceError")
    if postgres_errors and isinstance(root, postgres_errors):
        return t("PostgreSQL unreachable: {error}", error=one_line(root)), EXIT_UNAVAILABLE
    if isinstance(root, sqlite3.Error):
        return t("SQLite database error: {error}", error=one_line(root)), EXIT_UNAVAILABLE
    store_errors = _loaded("eventsourcing.persistence", "PersistenceError")
    if store_errors and isinstance(root, store_errors):
        return t("event store unavailable: {error}", error=one_line(root)), EXIT_UNAVAILABLE
    if isinstance(root, PermissionError):
        return t("permission denied: {path}", path=root.filename or one_line(root)), \
            EXIT_UNAVAILABLE
    if isinstance(root, FileNotFoundError):
        return t("no such file or folder: {path}", path=root.filename or one_line(root)), \
            EXIT_USAGE
    if isinstance(root, OSError):
        where = f" ({root.filename})" if root.filename else ""
        return t("system error: {error}{where}", error=root.strerror or one_line(root),
                 where=where), EXIT_UNAVAILABLE
    return t("internal error ({kind}: {error}); run again with --log-level debug for the "
             "traceback", kind=type(error).__name__, error=one_line(error)), EXIT_INTERNAL
