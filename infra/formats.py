"""Numbers, quantities, money, dates and times for people, from Babel's CLDR data.

Quantities are integers in grams and money integers in cents everywhere in the ledger; these
functions are where they become text for a reader, in a given locale (French by default):

==============  =====================  =====================
function        ``fr_FR``              ``en_GB``
==============  =====================  =====================
``grams``       ``13 701 g``           ``13,701 g``
``kilograms``   ``1 234,5 kg``         ``1,234.5 kg``
``euros``       ``63 046,57 €``        ``€63,046.57``
``percent``     ``12,5 %``             ``12.5%``
``day``         ``07/12/2026``         ``07/12/2026``
``moment``      ``07/12/2026 14:30``   ``07/12/2026, 14:30``
==============  =====================  =====================

Moments are shown in Europe/Paris time, where the cooperative works, whatever the machine's
zone (naive moments are read as UTC, as the ledger stores them). The French grouping
separator is the narrow no-break space CLDR prescribes (U+202F), and a no-break space ties a
figure to its unit, so ``13 701 g`` never breaks across lines.

Nothing here knows about the command line or the API: both call these with their locale.
This is the one module that calls Babel: the work pages (``infra.api.pages.french``), the
reports (``infra.exports.french``) and the printouts (``infra.printing.french``) write their
figures through it, in their own conventions (``kilograms_figure``, ``kilograms_exact_figure``,
``euros_figure``, ``percent_figure``, ``month``, ``number_symbols``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)
from babel.units import format_unit

FRENCH = "fr_FR"
ENGLISH = "en_GB"
DEFAULT_LOCALE = FRENCH
PARIS = ZoneInfo("Europe/Paris")
GRAMS_PER_KG = 1_000
CENTS_PER_EURO = 100
BASIS_POINTS_PER_UNIT = 10_000
KILOGRAM_PATTERN = "#,##0.#"
"""One decimal at most: the platforms' scales weigh to 100 g."""
EXACT_KILOGRAM_PATTERN = "#,##0.###"
"""To the gram, trailing zeros dropped: a report or a refusal quotes exact figures."""
NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"


def locale_for(tag: str | None, fallback: str = DEFAULT_LOCALE) -> str:
    """A Babel locale id for a POSIX locale name (``en_US.UTF-8`` → ``en_US``), or
    ``fallback`` when Babel does not know it (``C``, ``POSIX``, empty)."""
    name = (tag or "").split(".")[0].split("@")[0]
    if not name or name in {"C", "POSIX"}:
        return fallback
    try:
        return str(Locale.parse(name))
    except (UnknownLocaleError, ValueError):
        return fallback


def number(value: int | Decimal, locale: str = DEFAULT_LOCALE) -> str:
    """``12 345`` (French grouping) or ``12,345``; decimals as given."""
    return str(format_decimal(value, locale=locale, decimal_quantization=False))


def grams(quantity_g: int, locale: str = DEFAULT_LOCALE) -> str:
    """``13 701 g``."""
    return str(format_unit(quantity_g, "mass-gram", length="short", locale=locale))


def kilograms(quantity_g: int, locale: str = DEFAULT_LOCALE) -> str:
    """``1 234,5 kg`` from 1 234 500 g (one decimal at most, none forced)."""
    return str(format_unit(Decimal(quantity_g) / GRAMS_PER_KG, "mass-kilogram", length="short",
                           format=KILOGRAM_PATTERN, locale=locale))


def kilograms_figure(quantity_g: int, locale: str = DEFAULT_LOCALE) -> str:
    """``1 234,5`` from 1 234 500 g: the figure of ``kilograms``, without its unit."""
    return str(format_decimal(Decimal(quantity_g) / GRAMS_PER_KG, format=KILOGRAM_PATTERN,
                              locale=locale))


def kilograms_exact_figure(quantity_g: int, locale: str = DEFAULT_LOCALE) -> str:
    """``1 234,567`` from 1 234 567 g: kilograms to the gram, no decimal forced, no unit."""
    return str(format_decimal(Decimal(quantity_g).scaleb(-3), format=EXACT_KILOGRAM_PATTERN,
                              locale=locale))


def euros(cents: int, locale: str = DEFAULT_LOCALE) -> str:
    """``63 046,57 €``; negative amounts keep their sign (``-4,50 €``)."""
    return str(format_currency(Decimal(cents) / CENTS_PER_EURO, "EUR", locale=locale))


def euros_figure(cents: int, locale: str = DEFAULT_LOCALE) -> str:
    """``1 234,50`` from 123 450 cents: always two decimals, no currency sign."""
    return str(format_decimal(Decimal(cents).scaleb(-2), format="#,##0.00", locale=locale))


def percent(basis_points: int, locale: str = DEFAULT_LOCALE) -> str:
    """``30 %`` or ``12,5 %`` from basis points (hundredths of a percent)."""
    return str(format_percent(Decimal(basis_points) / BASIS_POINTS_PER_UNIT, locale=locale,
                              decimal_quantization=False))


def percent_figure(basis_points: int, locale: str = DEFAULT_LOCALE) -> str:
    """``12,5`` from 1 250 basis points: a percentage to one decimal at most, no sign."""
    return str(format_decimal(Decimal(basis_points).scaleb(-2), format="#,##0.#",
                              locale=locale))


def fraction(value: float, locale: str = DEFAULT_LOCALE) -> str:
    """A share from 0 to 1 as a whole percentage (``42 %``), for progress."""
    return str(format_percent(value, locale=locale))


def rate(per_second: float, locale: str = DEFAULT_LOCALE) -> str:
    """A rate rounded to a whole number (``25 746``)."""
    return str(format_decimal(round(per_second), locale=locale))


def seconds(value_s: float, locale: str = DEFAULT_LOCALE) -> str:
    """A duration in seconds with two decimals (``1,25 s``)."""
    figure = format_decimal(value_s, format="#,##0.00", locale=locale)
    return str(format_unit(figure, "duration-second", length="short", locale=locale))


def number_symbols(locale: str = DEFAULT_LOCALE) -> tuple[str, str, str]:
    """The locale's grouping separator, decimal mark and minus sign (``fr_FR``: U+202F, a
    comma, a hyphen-minus), for code that writes figures from integers itself."""
    return (get_group_symbol(locale), get_decimal_symbol(locale),
            get_minus_sign_symbol(locale))


def paris(value: datetime) -> datetime:
    """A moment in Paris time (a naive moment is read as UTC, as the ledger stores them)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(PARIS)


def day(value: date | datetime | str | None, locale: str = DEFAULT_LOCALE) -> str:
    """``07/12/2026`` (a moment is first brought to Paris time); empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = paris(value).date()
    return str(format_date(value, "short", locale=locale))


def moment(value: datetime | str | None, locale: str = DEFAULT_LOCALE) -> str:
    """``07/12/2026 14:30`` in Paris time; empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return str(format_datetime(paris(value), "short", tzinfo=PARIS, locale=locale))


def month(value: date, locale: str = DEFAULT_LOCALE) -> str:
    """``mars 2026`` (``March 2026`` in English)."""
    return str(format_date(value, "LLLL yyyy", locale=locale))


def for_pdf(text: str) -> str:
    """Text the standard PDF fonts can draw: Babel's narrow no-break space (outside their
    WinAnsi encoding) becomes an ordinary no-break space."""
    return text.replace(NARROW_NO_BREAK_SPACE, NO_BREAK_SPACE)
