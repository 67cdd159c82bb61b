"""French formats for what people read in the reports: ``1 234,5 kg``, ``12,30 €``,
``12,5 %``, ``07/12/2026``, ``07/12/2026 09:30`` (Europe/Paris), ``mars 2026``.

Numbers come from Babel (CLDR's French: a narrow no-break space groups thousands, a comma
marks decimals). Quantities arrive as integer grams, money as integer cents and shares as
basis points; they become kilograms, euros and percents only here, exactly, through
``Decimal``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

PARIS = ZoneInfo("Europe/Paris")
LOCALE = "fr_FR"
NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"


def kilograms(grams: int, *, unit: bool = True) -> str:
    """``1 234,5 kg`` from 1 234 500 g (to the gram, no decimal forced)."""
    text = format_decimal(Decimal(grams).scaleb(-3), format="#,##0.###", locale=LOCALE)
    return f"{text}{NO_BREAK_SPACE}kg" if unit else text


def euros(cents: int, *, unit: bool = True) -> str:
    """``1 234,50 €`` from 123 450 cents."""
    text = format_decimal(Decimal(cents).scaleb(-2), format="#,##0.00", locale=LOCALE)
    return f"{text}{NO_BREAK_SPACE}€" if unit else text


def percent(share_bp: int) -> str:
    """``12,5 %`` from 1 250 basis points (one decimal at most)."""
    text = format_decimal(Decimal(share_bp).scaleb(-2), format="#,##0.#", locale=LOCALE)
    return f"{text}{NO_BREAK_SPACE}%"


def integer(value: int) -> str:
    """``25 500``."""
    return format_decimal(value, format="#,##0", locale=LOCALE)


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
    return format_date(value, "LLLL yyyy", locale=LOCALE)


def for_pdf(text: str) -> str:
    """Text the standard PDF fonts can draw: Babel's narrow no-break space (outside their
    WinAnsi encoding) becomes an ordinary no-break space."""
    return text.replace(NARROW_NO_BREAK_SPACE, NO_BREAK_SPACE)
