"""French formats for printouts: quantities, dates, temperatures, date kinds, states."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal

from domain.dates import DATE_KIND_LABELS, PARIS, DateKind

NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"


def kilograms(grams: int) -> str:
    """``1 234,5 kg`` from 1 234 500 g (to the hundred grams, as a warehouse weighs)."""
    return f"{format_decimal(Decimal(grams) / 1000, format='#,##0.#', locale='fr_FR')} kg"


def day(value: date) -> str:
    """``07/12/2026``."""
    return f"{value:%d/%m/%Y}"


def moment(value: datetime) -> str:
    """``07/12/2026 à 09:30`` in Europe/Paris."""
    local = value.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def dated(kind: DateKind, value: date) -> str:
    """``DLC (à consommer jusqu'au) : 12/12/2026``."""
    return f"{DATE_KIND_LABELS[kind]} : {day(value)}"


def for_pdf(text: str) -> str:
    """Text the standard PDF fonts can draw: Babel's narrow no-break space (outside the
    fonts' WinAnsi encoding) becomes an ordinary no-break space."""
    return text.replace(NARROW_NO_BREAK_SPACE, NO_BREAK_SPACE)
