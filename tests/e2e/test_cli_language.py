"""The command line speaks French by default and English when the locale asks for it.

On a two-week demo territory (a real SQLite file): ``cocagne stock`` and ``cocagne balances``
write French figures (``13 701 g``, ``63 046,57 €``, ``07/12/2026``) with French headers;
under ``LANG=en_GB.UTF-8`` (or ``--lang en``) the same figures in English; ``--json`` is the
same in both. The figures are checked against the JSON answer, line by line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import formats
from infra.cli.main import main
from infra.cli.words import use_language
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import sqlite_location
from tests.builders import DEMO_END

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
COCAGNE = Path(sys.executable).with_name("cocagne")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-week demo territory (stock at the warehouse, balances with funders)."""
    path = tmp_path_factory.mktemp("language") / "demo.db"
    ledger = Ledger(sqlite_location(path))
    try:
        generate_demo(ledger, weeks=2, seed=7, end=DEMO_END)
    finally:
        ledger.close()
    return path


@pytest.fixture(autouse=True)
def no_locale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No locale variable set: each test says which one it wants; French afterwards."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    use_language("fr", {})
    configure_logging("warning")


def cocagne(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    """Run the command in this process; its standard output (it must succeed)."""
    code = main(["--log-level", "warning", *arguments])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def rows(out: str) -> list[str]:
    """The table lines of an answer."""
    return out.splitlines()


def line_of(out: str, *cells: str) -> str:
    """The one line holding every cell."""
    [found] = [line for line in rows(out) if all(cell in line for cell in cells)]
    return found


def stock_json(capsys: pytest.CaptureFixture[str], store: Path) -> dict[str, Any]:
    """The stock answer as JSON."""
    answer: dict[str, Any] = json.loads(cocagne(capsys, "stock", "--db", str(store), "--json"))
    return answer


def balances_json(capsys: pytest.CaptureFixture[str], store: Path) -> dict[str, Any]:
    """The balances answer as JSON."""
    answer: dict[str, Any] = json.loads(cocagne(capsys, "balances", "--db", str(store),
                                                "--json"))
    return answer


def test_stock_is_written_in_french_by_default(store: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """French headers; every lot's grams with French grouping and its date as dd/mm/yyyy."""
    answer = stock_json(capsys, store)
    out = cocagne(capsys, "stock", "--db", str(store))
    header = rows(out)[0]
    for word in ("site", "produit", "date limite", "présent", "réservé", "disponible"):
        assert word in header
    big = [line for line in answer["lines"] if line["on_hand_g"] >= 10_000]
    assert big, "the demo holds lots of more than ten kilograms"
    for line in big:
        # The stock table comes first (a lot on the road shows again in the transit table).
        shown = next(row for row in rows(out) if line["code"] + " " in row)
        assert formats.grams(line["on_hand_g"]) in shown
        day = line["best_before"]
        assert f"{day[8:10]}/{day[5:7]}/{day[0:4]}" in shown
    first = formats.grams(big[0]["on_hand_g"])
    assert "\u202f" in first, "thousands grouped by a narrow no-break space"
    assert "," not in first
    assert "totaux par site et produit" in out


def test_balances_are_written_in_french_euros(store: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``63 046,57 €`` per account, and the sum of all balances, zero, as ``0,00 €``."""
    answer = balances_json(capsys, store)
    out = cocagne(capsys, "balances", "--db", str(store))
    assert all(word in rows(out)[0] for word in ("type", "titulaire", "solde"))
    large = [account for account in answer["accounts"] if abs(account["balance_cents"]) >= 100_000]
    assert large, "funders' budgets hold more than a thousand euros"
    for account in large:
        amount = formats.euros(account["balance_cents"])
        assert amount in line_of(out, account["owner"] + " ", amount)
        assert amount.endswith("\u00a0€")
        assert f",{abs(account['balance_cents']) % 100:02d}" in amount
    assert f"somme des {len(answer['accounts'])} soldes : 0,00\u00a0€ (toujours nulle)" in out


def test_english_under_an_english_locale(store: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """LANG=en_GB.UTF-8: English headers, ``13,701 g``, ``€63,046.57``, same figures."""
    stock = stock_json(capsys, store)
    balances = balances_json(capsys, store)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    out = cocagne(capsys, "stock", "--db", str(store))
    assert all(word in rows(out)[0] for word in ("product", "best before", "on hand"))
    line = max(stock["lines"], key=lambda line: line["on_hand_g"])
    assert f"{line['on_hand_g']:,} g" in line_of(out, line["code"] + " ")
    out = cocagne(capsys, "balances", "--db", str(store))
    account = max(balances["accounts"], key=lambda account: abs(account["balance_cents"]))
    cents = account["balance_cents"]
    sign = "-" if cents < 0 else ""
    assert f"{sign}€{abs(cents) // 100:,}.{abs(cents) % 100:02d}" in out
    assert f"sum of all {len(balances['accounts'])} balances: €0.00 (always zero)" in out


def test_json_is_the_same_in_both_languages(store: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``--json`` is for programs: the same bytes whatever the language."""
    french = [cocagne(capsys, name, "--db", str(store), "--json")
              for name in ("stock", "balances", "rules")]
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert [cocagne(capsys, name, "--db", str(store), "--json")
            for name in ("stock", "balances", "rules")] == french


def test_lang_option_and_lc_all_choose_the_language(store: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``--lang`` beats the environment; LC_ALL beats LANG."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert "somme des" in cocagne(capsys, "--lang", "fr", "balances", "--db", str(store))
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    assert "somme des" in cocagne(capsys, "balances", "--db", str(store))
    monkeypatch.delenv("LC_ALL")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert "sum of all" in cocagne(capsys, "--lang", "en", "balances", "--db", str(store))


def test_the_installed_command_follows_lang(store: Path) -> None:
    """The real ``cocagne`` process: French help and figures by default, English under
    LANG=en_GB.UTF-8."""
    environ = {name: value for name, value in os.environ.items()
               if name not in LOCALE_VARIABLES}
    french = subprocess.run([str(COCAGNE), "balances", "--db", str(store)], env=environ,
                            capture_output=True, text=True, timeout=60, check=True)
    assert "somme des" in french.stdout
    helped = subprocess.run([str(COCAGNE), "--help"], env=environ, capture_output=True,
                            text=True, timeout=60, check=True)
    assert helped.stdout.startswith("utilisation : cocagne")
    assert "stock par site, produit et lot" in helped.stdout
    english = subprocess.run([str(COCAGNE), "balances", "--db", str(store)],
                             env={**environ, "LANG": "en_GB.UTF-8"}, capture_output=True,
                             text=True, timeout=60, check=True)
    assert "sum of all" in english.stdout
    assert "€0.00" in english.stdout
