"""structlog, configured once: JSON lines in production, readable lines in a terminal.

structlog loads with the first logger a module asks for (``get_logger``), not with this
module: a command that logs nothing (``cocagne recall``) starts without it. An entry point
states its settings with ``choose_logging``; they apply to that first logger.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import structlog

_configured = False
_chosen: tuple[str | None, bool | None] = (None, None)
LOG_FORMAT_VARIABLE = "COCAGNE_LOG_FORMAT"  # "json" or "console"; default: console on a tty.
LOG_LEVEL_VARIABLE = "COCAGNE_LOG_LEVEL"


def choose_logging(level: str | None = None, *, json_lines: bool | None = None) -> None:
    """Settings for the loggers of this process: applied now if structlog is loaded, else
    by the first ``get_logger``."""
    global _chosen, _configured  # noqa: PLW0603 - structlog's configuration is process-wide.
    _chosen = (level, json_lines)
    if "structlog" in sys.modules:
        configure_logging(level, json_lines=json_lines)
    else:
        _configured = False


def configure_logging(level: str | None = None, *, json_lines: bool | None = None) -> None:
    """Configure structlog (idempotent; later calls change the level and format)."""
    global _configured  # noqa: PLW0603 - structlog's configuration is process-wide anyway.
    import structlog  # noqa: PLC0415 - start-up time: loaded with the first logger.

    chosen_level = (level or os.environ.get(LOG_LEVEL_VARIABLE) or "info").upper()
    if json_lines is None:
        wanted = os.environ.get(LOG_FORMAT_VARIABLE, "")
        json_lines = wanted == "json" or (wanted != "console" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[chosen_level]),
        logger_factory=_stderr_logger_factory,
        cache_logger_on_first_use=False,
    )
    _configured = True


class _StderrLogger:
    """Writes each line to whatever ``sys.stderr`` is at that moment.

    structlog's PrintLogger binds the stream it was given; under pytest's capture, or after
    a daemon re-points its streams, that stream may be closed by the time a line is logged.
    """

    def msg(self, message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def _stderr_logger_factory(*_: object) -> _StderrLogger:
    return _StderrLogger()


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger; configures logging on first use (``choose_logging``'s settings)."""
    import structlog  # noqa: PLC0415 - start-up time: loaded with the first logger.

    if not _configured:
        level, json_lines = _chosen
        configure_logging(level, json_lines=json_lines)
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
