"""French formats for printouts: quantities, dates, temperatures, date kinds, states."""

from __future__ import annotations

from datetime import date, datetime

from domain.dates import DATE_KIND_LABELS, PARIS, DateKind
from infra import formats


def kilograms(grams: int) -> str:
    """``1 234,5 kg`` from 1 234 500 g (to the hundred grams, as a warehouse weighs)."""
    return f"{formats.kilograms_figure(grams, 'fr_FR')} kg"


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
