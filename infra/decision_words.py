"""The French words and figures of decisions as members read them: what-if simulations,
participation per college, the history of the rules, households' preferences.

One place for the CLI (``cocagne simulate``, ``cocagne rules --history``) and the HTML fragment
of a proposal's page (``infra.api.whatif_html``), so that both say the same thing the same
way. Figures follow French typography: ``1 234,5 kg``, ``12,30 €``, ``07/12/2026``, ``30 %``,
groups of thousands separated by a narrow no-break space, a no-break space before the unit.
(When the CLI's shared Babel formats land, ``kg``, ``euros`` and ``percent`` can delegate to
them; the strings stay the same.)
"""

# ruff: noqa: RUF001, RUF002 - French typography: apostrophe U+2019, minus U+2212, en dash.

from __future__ import annotations

from datetime import date

from domain.governance import College
from domain.preferences import BasketSize
from domain.rules import RuleKind
from domain.whatif import Measure, Note, Simulation, Unit

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
MINUS = "\u2212"

KINDS: dict[str, str] = {
    RuleKind.ALLOCATION_KEY: "Clé de répartition",
    RuleKind.PRICE_GRID: "Grille de prix",
    RuleKind.BASKET_TERMS: "Conditions des paniers",
    RuleKind.REPLAY_WEEKS: "Semaines rejouées par les simulations",
    RuleKind.REFERENCE_PRICES: "Prix de référence des dons",
}
MEASURES: dict[str, str] = {
    Measure.OUTLET_ALLOCATED_G: "Kilos attribués par structure",
    Measure.PRODUCER_PAID_CENTS: "Payé aux producteurs",
    Measure.FUNDER_SPENT_CENTS: "Dépensé par les financeurs",
    Measure.OUTLET_PAID_CENTS: "Part payée par les structures",
    Measure.HOUSEHOLDS_PAID_CENTS: "Part payée par les foyers (total du programme)",
    Measure.BASKETS_COLLECTED: "Paniers retirés",
    Measure.HOUSEHOLDS_SERVED: "Foyers servis",
}
COLUMNS = ("Ce qui s’est passé", "Rejoué, règles en vigueur", "Avec la proposition", "Écart")
COLLEGES: dict[str, str] = {
    College.PRODUCERS: "Producteurs",
    College.OUTLETS: "Structures",
    College.HOUSEHOLDS: "Foyers",
    College.FUNDERS: "Financeurs",
    College.EMPLOYEES: "Salariés",
}
SIZES = {BasketSize.SMALL: "petit", BasketSize.MEDIUM: "moyen", BasketSize.LARGE: "grand"}
ACT_KINDS = {
    "allocation_round.computed": "tours d’attribution calculés",
    "allocation_round.confirmed": "tours d’attribution confirmés",
    "delivery_settlement.priced": "livraisons tarifées",
    "delivery_settlement.stop_settled": "réceptions payées",
    "basket.prepared": "paniers préparés",
    "donation.recorded": "dons valorisés",
}
SEASONS = {"spring": "printemps", "summer": "été", "autumn": "automne", "winter": "hiver"}


def _grouped(whole: int) -> str:
    return f"{whole:,}".replace(",", NARROW_NBSP)


def kg(grams: int, *, signed: bool = False) -> str:
    """``1 234,5 kg`` (to the 100 g, as platforms weigh); ``+``/``−`` when ``signed``."""
    sign = MINUS if grams < 0 else ("+" if signed and grams > 0 else "")
    tenths = (abs(grams) + 50) // 100
    whole, tenth = divmod(tenths, 10)
    decimals = f",{tenth}" if tenth else ""
    return f"{sign}{_grouped(whole)}{decimals}{NBSP}kg"


def euros(cents: int, *, signed: bool = False) -> str:
    """``1 234,50 €``; ``+``/``−`` when ``signed``."""
    sign = MINUS if cents < 0 else ("+" if signed and cents > 0 else "")
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{_grouped(whole)},{rest:02d}{NBSP}€"


def count(value: int, *, signed: bool = False) -> str:
    """``1 234``; ``+``/``−`` when ``signed``."""
    sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}{_grouped(abs(value))}"


def percent(basis_points: int) -> str:
    """``30 %`` or ``12,5 %``."""
    whole, rest = divmod(basis_points, 100)
    decimals = f",{rest:02d}".rstrip("0") if rest else ""
    return f"{whole}{decimals}{NBSP}%"


def day(value: date) -> str:
    """``07/12/2026``."""
    return value.strftime("%d/%m/%Y")


def figure(unit: Unit, value: int, *, signed: bool = False) -> str:
    """A figure in its unit."""
    if unit == Unit.GRAMS:
        return kg(value, signed=signed)
    if unit == Unit.CENTS:
        return euros(value, signed=signed)
    return count(value, signed=signed)


def season(label: str) -> str:
    """``printemps 2026`` from ``2026-spring`` (``hiver 2026–2027`` for a winter)."""
    year, _, name = label.partition("-")
    if name == "winter" and year.isdigit():
        return f"hiver {year}–{int(year) + 1}"
    return f"{SEASONS.get(name, name)} {year}"


def window(simulation: Simulation) -> str:
    """``8 semaines, du 08/12/2025 au 01/02/2026 (2025-W50 à 2026-W05)``."""
    weeks = simulation.window.weeks
    plural = "s" if len(weeks) > 1 else ""
    return (f"{len(weeks)} semaine{plural}, du {day(simulation.window.first_day)} au "
            f"{day(simulation.window.last_day)} ({weeks[0]} à {weeks[-1]})")


def notes(simulation: Simulation) -> list[str]:
    """What the simulation could not know, in words."""
    words = {
        Note.ADJUSTED_ROUNDS: f"{simulation.adjusted_rounds} tour(s) ajusté(s) à la main après "
                              "calcul comptent tels que calculés : un ajustement n’est pas "
                              "l’effet d’une règle.",
        Note.BUDGETS_NOT_CHECKED: "Les budgets des financeurs ne sont pas vérifiés : avec une "
                                  "grille plus chère, un envoi aurait pu être refusé faute de "
                                  "budget.",
        Note.COLLECTED_AS_RECORDED: "Chaque panier est compté retiré ou non comme il l’a "
                                    "vraiment été.",
        Note.NOT_CONSISTENT: "ATTENTION : rejouer les règles en vigueur ne redonne pas ce qui "
                             "a été enregistré (voir les lignes où les deux colonnes "
                             "diffèrent).",
    }
    return [words[note] for note in simulation.notes]


def consistency(simulation: Simulation) -> str:
    """The consistency check, in one sentence."""
    if simulation.consistent:
        return ("Contrôle : rejouer les règles qui étaient en vigueur redonne exactement ce qui "
                "s’est passé.")
    return ("Contrôle ÉCHOUÉ : rejouer les règles qui étaient en vigueur ne redonne pas ce qui "
            "s’est passé.")


def acts(simulation: Simulation) -> str:
    """How many acts were replayed."""
    what = {RuleKind.ALLOCATION_KEY: "tour(s) d’attribution",
            RuleKind.PRICE_GRID: "livraison(s)",
            RuleKind.BASKET_TERMS: "panier(s)"}.get(simulation.kind, "acte(s)")
    return f"{count(simulation.acts)} {what} rejoué(s)"
