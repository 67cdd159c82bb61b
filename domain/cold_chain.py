"""The cold chain at reception: a product's temperature range against the measured one.

A chilled or frozen product must come with its measured temperature (tenths of a degree).
Outside the range in force, the platform says what it does: refuse the lot at the dock, or
accept it under hold with the temperature as the reason. ``Lot.receive`` records the
verdict this module gives.
"""

from __future__ import annotations

import enum

import msgspec

from domain.errors import TemperatureOutOfRange, TemperatureRequired
from domain.stock_rules import CATEGORY_LABELS, SetStockRules


class ColdChain(enum.StrEnum):
    """What a reception found of the cold chain (the event says which)."""

    NOT_CHECKED = "not_checked"
    """The product has no temperature range (fresh produce, dry groceries)."""
    IN_RANGE = "in_range"
    HELD = "held"
    """Outside the range, accepted under hold (a ``Held`` event follows)."""


class OutOfRange(enum.StrEnum):
    """What the platform does with a lot received outside its temperature range."""

    REFUSE = "refuse"
    """The lot is refused at the dock: recorded, never in stock."""
    HOLD = "hold"
    """The lot is accepted under hold, with the temperature as the reason."""


class Measured(msgspec.Struct, frozen=True, kw_only=True):
    """A reception's temperature against the range of its product's category."""

    temperature_dc: int
    category: str
    low_dc: int
    high_dc: int

    @property
    def within(self) -> bool:
        """Whether the temperature is inside the range (bounds included)."""
        return self.low_dc <= self.temperature_dc <= self.high_dc

    @property
    def reason(self) -> str:
        """Why the lot is refused or held, as the hold and the refusal record it (French)."""
        return (f"chaîne du froid : {celsius(self.temperature_dc)} mesurés à la réception, "
                f"hors plage {celsius(self.low_dc)} à {celsius(self.high_dc)}")


def celsius(temperature_dc: int) -> str:
    """``-18,0 °C`` from ``-180`` (tenths of a degree), as French screens write it."""
    sign = "-" if temperature_dc < 0 else ""
    return f"{sign}{abs(temperature_dc) // 10},{abs(temperature_dc) % 10} °C"


def check_reception_temperature(code: str, product: str, temperature_dc: int | None,
                                if_out_of_range: OutOfRange | None,
                                rules: SetStockRules) -> Measured | None:
    """The temperature of lot ``code`` against its product's range (None: it has none).

    Refused when the product has a range and no temperature was measured, or when the
    temperature is outside it and the platform did not say what it does.
    """
    temperature_range = rules.temperature_range(product)
    if temperature_range is None:
        return None
    category, low_dc, high_dc = temperature_range
    shown = (f"{celsius(low_dc)} to {celsius(high_dc)} for "
             f"{CATEGORY_LABELS.get(category, category)}")
    facts: dict[str, str | int] = {
        "lot": code, "temperature_min_dc": low_dc, "temperature_max_dc": high_dc,
        "category": category}
    if temperature_dc is None:
        raise TemperatureRequired(
            f"receive refused: lot {code} ({product}) needs its measured "
            f"temperature (range {shown})", reason="temperature_required", **facts)
    measured = Measured(temperature_dc=temperature_dc, category=category, low_dc=low_dc,
                        high_dc=high_dc)
    if not measured.within and if_out_of_range is None:
        raise TemperatureOutOfRange(
            f"receive refused: lot {code} ({product}) measured "
            f"{celsius(temperature_dc)}, outside {shown}; refuse the lot or accept it "
            "under hold", reason="temperature_out_of_range", temperature_dc=temperature_dc,
            **facts)
    return measured
