"""The bounds a lot's inputs are checked against: grams, prices, free text and lot codes.

Other streams that take a quantity or a free text (donations, workshops, quality labels)
check it here too, so a field reads the same everywhere; ``domain.fields`` states the same
bounds at the edge.
"""

from __future__ import annotations

from domain.errors import InvalidCommand

QUANTITY_G_MAX = 50_000_000
"""50 tonnes: far above any single lot a garden or a food bank handles; larger is a typo."""
PRICE_CENTS_PER_KG_MAX = 100_000  # 1,000 EUR/kg: beyond any vegetable, so surely a typo.
CODE_LENGTH_MAX = 64  # GS1 batch/lot numbers are at most 20 characters; leave room for suffixes.
TEXT_LENGTH_MAX = 200


def check_quantity(name: str, quantity_g: int, *, allow_zero: bool = False) -> None:
    """Refuse quantities that are negative, zero (unless allowed) or absurdly large."""
    low = 0 if allow_zero else 1
    if not low <= quantity_g <= QUANTITY_G_MAX:
        raise InvalidCommand(f"{name} must be between {low} g and {QUANTITY_G_MAX} g, "
                             f"got {quantity_g} g", reason="quantity_range", field=name,
                             quantity_g=quantity_g, minimum_g=low, maximum_g=QUANTITY_G_MAX)


def check_price_per_kg(price_cents_per_kg: int) -> None:
    """Refuse a negative price, or one beyond any vegetable's."""
    if not 0 <= price_cents_per_kg <= PRICE_CENTS_PER_KG_MAX:
        raise InvalidCommand(f"price must be between 0 and {PRICE_CENTS_PER_KG_MAX} "
                             f"cents/kg, got {price_cents_per_kg}", reason="price_range",
                             price_cents=price_cents_per_kg,
                             maximum_cents=PRICE_CENTS_PER_KG_MAX)


def check_text(name: str, value: str, *, required: bool = True) -> str:
    """Strip and bound a free-text field."""
    value = value.strip()
    if required and not value:
        raise InvalidCommand(f"{name} must not be empty", reason="text_missing", field=name)
    if len(value) > TEXT_LENGTH_MAX:
        raise InvalidCommand(f"{name} is longer than {TEXT_LENGTH_MAX} characters",
                             reason="text_length", field=name, length=len(value),
                             maximum=TEXT_LENGTH_MAX)
    return value


def check_code(code: str) -> str:
    """A lot code: printable, no spaces, bounded."""
    code = code.strip()
    if not code or len(code) > CODE_LENGTH_MAX or len(code.split()) != 1:
        raise InvalidCommand(f"lot code {code!r} must be 1 to {CODE_LENGTH_MAX} characters "
                             "without spaces", reason="lot_code_format", code_text=code[:80],
                             maximum=CODE_LENGTH_MAX)
    return code
