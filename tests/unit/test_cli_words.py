"""The command line's words: every message has its French text, the language follows
``--lang`` then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, figures follow the locale (Babel), and
every failure is explained in one line with its exit code.
"""

from __future__ import annotations

import argparse
import ast
import sqlite3
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.errors import DomainError, InsufficientStock
from infra import formats
from infra.cli import words
from infra.cli.errors import (
    EXIT_INTERNAL,
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    CliError,
    explain,
)
from infra.cli.support import ARGPARSE_MESSAGES, argparse_message
from infra.cli.words import FRENCH, t, term, use_language

CLI = Path(__file__).resolve().parents[2] / "infra" / "cli"
NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"


@pytest.fixture(autouse=True)
def french_afterwards() -> Iterator[None]:
    """Each test leaves the words in French, as a run without locale variables has them."""
    yield
    use_language("fr", {})


def literal_first_arguments(folder: Path, callee: str) -> dict[str, str]:
    """Every literal first argument of a call to ``callee`` in ``folder``'s modules
    (``t("...")``, ``HistoryError("...")``), with the file that says it."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == callee and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, path.name)
    return found


def messages_in_code() -> dict[str, str]:
    """Every literal ``t("...")`` in ``infra/cli``, with the file that says it."""
    return literal_first_arguments(CLI, "t")


def placeholders(template: str) -> set[str]:
    """The ``{names}`` of a format template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_of_the_command_line_has_its_french_text() -> None:
    """A message without a French entry would reach French readers in English."""
    missing = {text: where for text, where in messages_in_code().items() if text not in FRENCH}
    assert missing == {}


def test_argparse_and_relay_messages_have_their_french_text() -> None:
    """argparse's own errors and the relay module's option help are translated too."""
    from consumers import relay  # noqa: PLC0415 - only this test needs the Kafka client.

    parser = argparse.ArgumentParser()
    relay.add_arguments(parser)
    helps = [action.help for action in parser._actions[1:] if action.help]
    templates = [template for _, template in ARGPARSE_MESSAGES]
    assert [text for text in [*templates, *helps] if text not in FRENCH] == []


def test_french_texts_keep_the_placeholders_of_the_english_ones() -> None:
    """``{lot}`` in English is ``{lot}`` in French, nothing more, nothing less."""
    differing = {text: french for text, french in FRENCH.items()
                 if placeholders(text) != placeholders(french)}
    assert differing == {}


@pytest.mark.parametrize(("environ", "language", "locale"), [
    ({}, "fr", "fr_FR"),
    ({"LANG": "C.UTF-8"}, "fr", "fr_FR"),
    ({"LANG": "fr_FR.UTF-8"}, "fr", "fr_FR"),
    ({"LANG": "en_GB.UTF-8"}, "en", "en_GB"),
    ({"LANG": "en_US.UTF-8"}, "en", "en_US"),
    ({"LANG": "en"}, "en", "en_GB"),
    ({"LANG": "de_DE.UTF-8"}, "fr", "fr_FR"),
    ({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, "fr", "fr_FR"),
    ({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en", "en_GB"),
])
def test_the_language_follows_the_locale_variables(environ: dict[str, str], language: str,
                                                   locale: str) -> None:
    """LC_ALL, then LC_MESSAGES, then LANG (the first set wins); French unless English."""
    assert use_language(None, environ) == language
    assert words.locale() == locale


def test_lang_option_wins_over_the_environment() -> None:
    """``--lang fr`` in an English environment speaks French, and the other way round."""
    assert words.requested_language(["--lang", "fr", "stock"]) == "fr"
    assert words.requested_language(["--log-level", "debug", "--lang=en", "stock"]) == "en"
    assert words.requested_language(["--log-json", "--lang", "en", "stock"]) == "en"
    assert words.requested_language(["--lang", "de", "stock"]) is None
    assert words.requested_language(["export", "trace", "L-1", "--lang", "en"]) is None
    assert use_language("fr", {"LANG": "en_GB.UTF-8"}) == "fr"
    assert words.locale() == "fr_FR"
    assert use_language("en", {"LANG": "fr_FR.UTF-8"}) == "en"
    assert words.locale() == "en_GB"


def test_french_figures_come_from_babel() -> None:
    """Grouping with a narrow no-break space, decimal comma, euro after the figure."""
    french = {
        "grams": formats.grams(13_701),
        "kilograms": formats.kilograms(1_234_500),
        "euros": formats.euros(6_304_657),
        "debt": formats.euros(-450),
        "percent": formats.percent(1_250),
        "day": formats.day(date(2026, 12, 7)),
        "winter": formats.moment(datetime(2026, 12, 7, 13, 30, tzinfo=UTC)),
        "summer": formats.moment(datetime(2026, 7, 7, 13, 30, tzinfo=UTC)),
    }
    assert {name: text.replace(NARROW_NO_BREAK_SPACE, " ").replace(NO_BREAK_SPACE, " ")
            for name, text in french.items()} == {
        "grams": "13 701 g", "kilograms": "1 234,5 kg", "euros": "63 046,57 €",
        "debt": "-4,50 €", "percent": "12,5 %", "day": "07/12/2026",
        "winter": "07/12/2026 14:30", "summer": "07/07/2026 15:30"}
    assert french["grams"] == f"13{NARROW_NO_BREAK_SPACE}701{NARROW_NO_BREAK_SPACE}g"


def test_english_figures_come_from_babel() -> None:
    """en_GB: comma grouping, decimal point, euro sign first; still Paris time."""
    english = formats.ENGLISH
    assert [formats.grams(13_701, english), formats.kilograms(1_234_500, english),
            formats.euros(6_304_657, english), formats.percent(1_250, english),
            formats.day(date(2026, 12, 7), english),
            formats.moment(datetime(2026, 12, 7, 13, 30, tzinfo=UTC), english)] == [
        "13,701 g", "1,234.5 kg", "€63,046.57", "12.5%", "07/12/2026", "07/12/2026, 14:30"]


def test_words_and_terms_in_both_languages() -> None:
    """A message, a word of the vocabulary, and a value the vocabulary does not know."""
    use_language("fr", {})
    assert t("no lot has the code or id {lot!r}", lot="X") == \
        "aucun lot n'a le code ou l'identifiant 'X'"
    assert [term("food_aid"), term("funder_budget"), term("Paniers Solidaires")] == [
        "aide alimentaire", "budget de financeur", "Paniers Solidaires"]
    use_language("en", {})
    assert t("no lot has the code or id {lot!r}", lot="X") == "no lot has the code or id 'X'"
    assert [term("food_aid"), term("funder_budget"), term("Paniers Solidaires")] == [
        "food aid", "funder budget", "Paniers Solidaires"]


def test_argparse_errors_are_translated() -> None:
    """argparse's English sentences become French ones, nested ones included."""
    assert argparse_message("the following arguments are required: LOT") == \
        "arguments obligatoires manquants : LOT"
    assert argparse_message("argument --as-of: invalid choice: 'x' (choose from 'a', 'b')") \
        == "argument --as-of : choix invalide : 'x' (choisir parmi 'a', 'b')"


def test_every_failure_is_one_line_with_its_exit_code() -> None:
    """Refusals, user errors, unreachable servers and bugs each get one line and a code."""
    import psycopg  # noqa: PLC0415
    from eventsourcing.persistence import OperationalError  # noqa: PLC0415
    from kafka.errors import KafkaTimeoutError  # noqa: PLC0415

    wrapped = OperationalError("couldn't get a connection")
    wrapped.__cause__ = psycopg.OperationalError("connection refused\n\tIs the server running?")
    refusal = InsufficientStock(
        "reserve 12000 g refused: lot L-1 has 8000 g available\n(8000 g on hand)",
        reason="not_available", quantity_g=12_000, lot="L-1", available_g=8_000,
        on_hand_g=8_000, reserved_g=0)
    cases = {
        "cli": CliError("no such lot", EXIT_REFUSED),
        "refusal": refusal,
        "postgres": wrapped,
        "kafka": KafkaTimeoutError("Unable to bootstrap from ['127.0.0.1:1']"),
        "sqlite": sqlite3.DatabaseError("file is not a database"),
        "permission": PermissionError(13, "Permission denied", "/var/cocagne.db"),
        "missing": FileNotFoundError(2, "No such file or directory", "key.pem"),
        "port": OSError(98, "Address already in use"),
        "bug": TypeError("unhashable type: 'list'"),
    }
    explained = {name: explain(error) for name, error in cases.items()}
    assert all("\n" not in line for line, _ in explained.values())
    assert {name: code for name, (_, code) in explained.items()} == {
        "cli": EXIT_REFUSED, "refusal": EXIT_REFUSED, "postgres": EXIT_UNAVAILABLE,
        "kafka": EXIT_UNAVAILABLE, "sqlite": EXIT_UNAVAILABLE, "permission": EXIT_UNAVAILABLE,
        "missing": EXIT_USAGE, "port": EXIT_UNAVAILABLE, "bug": EXIT_INTERNAL}
    assert explained["refusal"][0].startswith("refusé (insufficient_stock) : 12 kg refusés : "
                                              "le lot L-1 n\u2019a que 8 kg disponibles")
    unexplained = DomainError("reserve refused:\nno reason given")
    assert explain(unexplained)[0] == ("refusé (refused) : Acte refusé — détail : reserve "
                                       "refused: no reason given")
    use_language("en", {})
    assert explain(refusal)[0] == ("refused (insufficient_stock): reserve 12000 g refused: "
                                   "lot L-1 has 8000 g available (8000 g on hand)")
    assert explained["postgres"][0] == ("PostgreSQL injoignable : connection refused Is the "
                                        "server running?")
    assert explained["permission"][0] == "accès refusé : /var/cocagne.db"
    assert explained["bug"][0].startswith("erreur interne (TypeError : unhashable type")
