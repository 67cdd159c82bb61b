"""French on the work pages: formats from Babel, and a French sentence for every refusal.

Every refusal code the domain can answer has a French sentence, every reason a raise site
names has a French template, and each template is filled with the facts in French formats.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

import domain
from domain.errors import DomainError, InsufficientStock
from infra.api.pages import french
from infra.api.pages.refusals import CODE_MESSAGES, REASON_MESSAGES, french_message

NARROW, NBSP = "\u202f", "\u00a0"
DOMAIN = Path(domain.__file__).parent
REASON_AT_RAISE = re.compile(r'reason="([a-z_]+)"')


def test_quantities_money_and_dates_are_written_the_french_way() -> None:
    """1 234,5 kg, 12,30 €, 30 %, 07/12/2026, and 14:30 in Paris for 13:30 UTC in winter."""
    assert french.kg(1_234_500) == f"1{NARROW}234,5{NBSP}kg"
    assert french.kg(12_000) == f"12{NBSP}kg"
    assert french.euros(1_230) == f"12,30{NBSP}€"
    assert french.percent(3_000) == f"30{NBSP}%"
    assert french.percent(1_250) == f"12,5{NBSP}%"
    assert french.day(date(2026, 12, 7)) == "07/12/2026"
    assert french.moment(datetime(2026, 12, 7, 13, 30, tzinfo=UTC)) == "07/12/2026 14:30"
    assert french.iso_week_fr("2026-W07") == "semaine 7 de 2026"


@given(st.integers(min_value=-10**13, max_value=10**13))
def test_kilograms_and_counts_are_written_as_babel_writes_them(grams: int) -> None:
    """The integer arithmetic of kg_number and count gives exactly Babel's French."""
    assert french.kg_number(grams) == format_decimal(
        Decimal(grams) / 1_000, format="#,##0.###", locale="fr_FR")
    assert french.count(grams) == format_decimal(grams, format="#,##0", locale="fr_FR")


@given(st.integers(min_value=-10**13, max_value=10**13))
def test_euros_are_written_as_babel_writes_them(cents: int) -> None:
    """The integer arithmetic of euros gives exactly Babel's French currency."""
    assert french.euros(cents) == format_currency(Decimal(cents) / 100, "EUR", locale="fr_FR")


def test_every_refusal_code_has_a_french_sentence() -> None:
    """Each DomainError subclass's code (after importing every domain module) is covered."""
    for module in pkgutil.iter_modules([str(DOMAIN)]):
        importlib.import_module(f"domain.{module.name}")
    codes, pending = set(), [DomainError]
    while pending:
        error_type = pending.pop()
        codes.add(error_type.code)
        pending.extend(error_type.__subclasses__())
    assert sorted(codes - set(CODE_MESSAGES) - {"refused"}) == []


def test_every_reason_named_at_a_raise_site_has_a_french_template() -> None:
    """A reason key in domain/ or the service layer without a template would fall back to
    the code's sentence."""
    sources = [*DOMAIN.glob("*.py"), *(DOMAIN.parent / "infra" / "ledger").glob("*.py")]
    named = {reason for path in sources
             for reason in REASON_AT_RAISE.findall(path.read_text(encoding="utf-8"))}
    assert named
    assert sorted(named - set(REASON_MESSAGES)) == []


def test_a_template_is_filled_with_the_facts_in_french_formats() -> None:
    """Grams become kilograms, with the lot's code, as the English message's numbers."""
    error = InsufficientStock("reserve 12000 g refused", reason="not_available",
                              quantity_g=12_000, lot="L260302-4F2A", available_g=8_000,
                              on_hand_g=8_000, reserved_g=0)
    message = french_message(error.code, error.message, error.reason, error.facts)
    assert message == (f"12{NBSP}kg refusés : le lot L260302-4F2A n’a que 8{NBSP}kg "
                       f"disponibles (8{NBSP}kg en stock, 0{NBSP}kg réservés).")


def test_without_facts_the_code_sentence_keeps_the_detail() -> None:
    """A raise site that names no reason still answers in French, with the English detail."""
    message = french_message("invalid_state", "cannot do that", "", {})
    assert message == "Cet acte n’est pas possible dans l’état actuel — détail : cannot do that"


def test_codes_and_ids_in_facts_become_french_words_and_names() -> None:
    """Roles, fields and acts in French; a member's id by its name where a directory names
    it (the API), as it is otherwise (the CLI); the first letter up."""
    message = french_message("forbidden", "", "role_for_command", {
        "member": "Épicerie solidaire", "command": "recall_lot",
        "roles": "coordinator platform producer", "held": "outlet voter"})
    assert message == ("Épicerie solidaire ne peut pas rappeler un lot : il faut le rôle "
                       "coordination ou plateforme ou producteur (rôles détenus : structure, "
                       "membre d’un collège).")
    message = french_message("invalid", "", "quantity_range", {
        "field": "measured quantity", "quantity_g": 0, "minimum_g": 1,
        "maximum_g": 100_000_000})
    assert message.startswith("Quantité refusée (poids mesuré) : 0")
    stop = french_message("invalid_state", "", "stop_already_received", {
        "outlet_id": "0190c6b2-0000-7000-8000-000000000001", "delivery_date": "2026-01-22"},
        names=lambda _: "Épicerie du Port")
    assert stop == "Épicerie du Port a déjà signé la réception de la livraison du 22/01/2026."
    unnamed = french_message("not_found", "", "not_seated", {"member_id": "0190-abc"})
    assert unnamed == "0190-abc ne siège dans aucun collège."  # The CLI has no directory.
