"""French formats for what people read in the reports: ``1 234,5 kg``, ``12,30 €``,
``12,5 %``, ``07/12/2026``, ``07/12/2026 09:30`` (Europe/Paris), ``mars 2026``.

Numbers come from Babel through ``infra.formats`` (CLDR's French: a narrow no-break space
groups thousands, a comma marks decimals). Quantities arrive as integer grams, money as
integer cents and shares as basis points; they become kilograms, euros and percents only
here, exactly, through ``Decimal``.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from infra import formats

PARIS = ZoneInfo("Europe/Paris")
LOCALE = "fr_FR"
NO_BREAK_SPACE = "\u00a0"


def kilograms(grams: int, *, unit: bool = True) -> str:
    """``1 234,5 kg`` from 1 234 500 g (to the gram, no decimal forced)."""
    text = formats.kilograms_exact_figure(grams, LOCALE)
    return f"{text}{NO_BREAK_SPACE}kg" if unit else text


def euros(cents: int, *, unit: bool = True) -> str:
    """``1 234,50 €`` from 123 450 cents."""
    text = formats.euros_figure(cents, LOCALE)
    return f"{text}{NO_BREAK_SPACE}€" if unit else text


def percent(share_bp: int) -> str:
    """``12,5 %`` from 1 250 basis points (one decimal at most)."""
    return f"{formats.percent_figure(share_bp, LOCALE)}{NO_BREAK_SPACE}%"


def integer(value: int) -> str:
    """``25 500``."""
    return formats.number(value, LOCALE)


def day(value: date) -> str:
    """``07/12/2026``."""
    return f"{value:%d/%m/%Y}"


def paris(moment: datetime) -> datetime:
    """The moment in Europe/Paris."""
    return moment.astimezone(PARIS)


def paris_day(moment: datetime) -> date:
    """The day of ``moment`` in Europe/Paris."""
    return paris(moment).date()


def moment(value: datetime) -> str:
    """``07/12/2026 09:30``, in Europe/Paris."""
    return f"{paris(value):%d/%m/%Y %H:%M}"


def month(value: date) -> str:
    """``mars 2026``."""
    return formats.month(value, LOCALE)
