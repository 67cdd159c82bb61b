"""structlog, configured once: JSON lines in production, readable lines in a terminal.

structlog loads with the first line logged, not with this module nor with ``get_logger``: a
command that logs nothing (``cocagne recall``) starts without it. An entry point states its
settings with ``choose_logging``; they apply when the first line is logged.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import structlog

_configured = False
_chosen: tuple[str | None, bool | None] = (None, None)
"""The entry point's level and format (``choose_logging``), used when structlog loads."""
_generation = 0
"""Bumped by every ``configure_logging``: cached loggers rebind when it moves."""
LOG_FORMAT_VARIABLE = "COCAGNE_LOG_FORMAT"  # "json" or "console"; default: console on a tty.
LOG_LEVEL_VARIABLE = "COCAGNE_LOG_LEVEL"


def choose_logging(level: str | None = None, *, json_lines: bool | None = None) -> None:
    """Settings for the loggers of this process: applied now if structlog is loaded, else
    with the first line logged."""
    global _chosen, _configured  # noqa: PLW0603 - structlog's configuration is process-wide.
    _chosen = (level, json_lines)
    if "structlog" in sys.modules:
        configure_logging(level, json_lines=json_lines)
    else:
        _configured = False


def configure_logging(level: str | None = None, *, json_lines: bool | None = None) -> None:
    """Configure structlog (idempotent; later calls change the level and format)."""
    global _configured, _generation  # noqa: PLW0603 - structlog's configuration is process-wide.
    import structlog  # noqa: PLC0415 - start-up time: loaded with the first line logged.

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
    _generation += 1


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


class _CachedLogger:
    """A named logger bound once per configuration.

    structlog's lazy proxy binds a new logger on every call (``cache_logger_on_first_use``
    would freeze the first configuration, and ``configure_logging`` changes it later), which
    cost a tenth of a command's time on the write path; this binds again only after a
    reconfiguration, and a filtered level stays a no-op call.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._bound: Any = None
        self._bound_generation = -1

    def _logger(self) -> Any:
        if not _configured:
            level, json_lines = _chosen
            configure_logging(level, json_lines=json_lines)
        if self._bound_generation != _generation:
            import structlog  # noqa: PLC0415 - start-up time: loaded with the first line logged.

            self._bound = structlog.get_logger(self._name).bind()
            self._bound_generation = _generation
        return self._bound

    def is_enabled_for(self, level: int) -> bool:
        """Whether a line at ``level`` would be written (so its values are worth making)."""
        return bool(self._logger().is_enabled_for(level))

    def bind(self, **values: Any) -> Any:
        """A logger carrying ``values`` on every line."""
        return self._logger().bind(**values)

    def debug(self, event: str, **values: Any) -> None:
        """A debug line."""
        self._logger().debug(event, **values)

    def info(self, event: str, **values: Any) -> None:
        """An info line."""
        self._logger().info(event, **values)

    def warning(self, event: str, **values: Any) -> None:
        """A warning line."""
        self._logger().warning(event, **values)

    def error(self, event: str, **values: Any) -> None:
        """An error line."""
        self._logger().error(event, **values)

    def exception(self, event: str, **values: Any) -> None:
        """An error line with the current exception."""
        self._logger().exception(event, **values)


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger; logging is configured (``choose_logging``'s settings) at its first line."""
    # Duck-typed: the methods the project calls, with structlog's own signatures.
    return cast("structlog.typing.FilteringBoundLogger", _CachedLogger(name))
