"""French formats for the work pages, from Babel's CLDR data (through ``infra.formats``):
``1 234,5 kg``, ``12,30 €``, ``07/12/2026``, ``07/12/2026 14:30`` (Europe/Paris), ``30 %``.

Quantities are integers in grams and money integers in cents everywhere in the ledger; these
functions are the only place they become text for people. The grouping separator is the
narrow no-break space CLDR prescribes for French (U+202F), as the browser's
``Intl.NumberFormat('fr-FR')`` writes it, so figures rendered by the server and by the page's
script look the same.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from infra import formats

LOCALE = "fr_FR"
PARIS = ZoneInfo("Europe/Paris")
GRAMS_PER_KG = 1_000
GROUP, DECIMAL, MINUS = formats.number_symbols(LOCALE)
"""CLDR's French symbols, read from Babel once: a page writes hundreds of quantities, and
writing grams as kilograms with them is exact integer arithmetic, twenty times faster than
formatting each as a decimal (tests/unit/test_pages_french.py checks both agree)."""
CENTS_PER_EURO = 100
EURO_SUFFIX = formats.euros(0, LOCALE).removeprefix(f"0{DECIMAL}00")
"""What follows the figure in CLDR's French currency pattern (a no-break space and ``€``),
read from Babel once, as the symbols are."""


def kg(grams: int) -> str:
    """``1 234,5 kg``: to the gram, trailing zeros dropped (a refusal quotes exact figures)."""
    return f"{kg_number(grams)}\u00a0kg"


def kg_number(grams: int) -> str:
    """The figure of :func:`kg` without its unit (table cells under a "kg" heading): what
    Babel writes for ``#,##0.###`` in French, from the integer grams."""
    whole, rest = divmod(abs(grams), GRAMS_PER_KG)
    text = f"{whole:,}".replace(",", GROUP)
    if rest:
        text += DECIMAL + f"{rest:03d}".rstrip("0")
    return MINUS + text if grams < 0 else text


def euros(cents: int) -> str:
    """``12,30 €``; negative amounts keep their sign (``-4,50 €``): what Babel writes, from
    the integer cents (an auditor's page writes thousands of amounts; Babel takes 0.2 ms
    for each)."""
    whole, rest = divmod(abs(cents), CENTS_PER_EURO)
    text = f"{whole:,}".replace(",", GROUP) + f"{DECIMAL}{rest:02d}{EURO_SUFFIX}"
    return MINUS + text if cents < 0 else text


def percent(basis_points: int) -> str:
    """``30 %`` or ``12,5 %`` from basis points."""
    return formats.percent(basis_points, LOCALE)


def day(value: date | datetime | str | None) -> str:
    """``07/12/2026`` (a moment is first brought to Paris time); empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = paris(value).date()
    return value.strftime("%d/%m/%Y")  # CLDR's dd/MM/yyyy, without a pattern to parse.


def moment(value: datetime | None) -> str:
    """``07/12/2026 14:30`` in Paris time; empty for None."""
    return formats.moment(value, LOCALE)


def paris(value: datetime) -> datetime:
    """A moment in Paris time (naive moments are read as UTC, as the ledger stores them)."""
    return formats.paris(value)


def iso_week_fr(week: str) -> str:
    """``2026-W07`` as ``semaine 7 de 2026``."""
    year, _, number = week.partition("-W")
    if not year.isdigit() or not number.isdigit():
        return week
    return f"semaine {int(number)} de {year}"


def count(number: int) -> str:
    """An integer with French grouping (``12 345``)."""
    text = f"{abs(number):,}".replace(",", GROUP)
    return MINUS + text if number < 0 else text


def plural(number: int, singular: str, several: str = "") -> str:
    """A count and its noun agreeing in French: ``1 structure``, ``0 structure``,
    ``4 structures`` (``several``: the plural when it is not the noun plus « s »)."""
    word = singular if abs(number) < 2 else several or f"{singular}s"
    return f"{count(number)} {word}"
