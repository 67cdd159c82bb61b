"""The report commands on the story of ``tests.reports_story``, on an SQLite file:
``cocagne export casf-register|donation-attestation|activity|funder-report`` write their
documents, and ``cocagne recall`` says what money is at stake, in French."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest

from infra.cli.main import main
from infra.exports.recall_money import recall_money
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import sqlite_location
from tests.reports_story import Story, tell


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Story]]:
    """The story in an SQLite file."""
    path = tmp_path_factory.mktemp("reports") / "ledger.db"
    ledger = Ledger(sqlite_location(path))
    try:
        yield path, tell(ledger)
    finally:
        ledger.close()


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """``main`` points the logs at the captured stderr; point them back afterwards."""
    yield
    configure_logging("warning")


def pdf_text(path: Path) -> str:
    """The text of a PDF file, words separated by single spaces."""
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        text = " ".join(document[index].get_textpage().get_text_range()
                        for index in range(len(document)))
    finally:
        document.close()
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.mark.parametrize(("arguments", "expected"), [
    (["casf-register", "--member", "Banque Alimentaire du Doubs", "--from", "2026-01-01",
      "--to", "2026-12-31"], "Registre de traçabilité (CASF art. L266-2)"),
    (["donation-attestation", "--donor", "Jardin des Dons", "--year", "2026"],
     "Attestation de dons en nature — année 2026"),
    (["activity", "--year", "2026", "--programme", "Paniers Solidaires"],
     "Rapport d'activité 2026 — Paniers Solidaires"),
    (["funder-report", "--funder", "Fondation du Doubs", "--from", "2026-01-01", "--to",
      "2026-12-31", "--format", "pdf"], "Rapport financeur — Fondation du Doubs"),
])
def test_each_report_command_writes_its_pdf(told: tuple[Path, Story], tmp_path: Path,
                                            arguments: list[str], expected: str) -> None:
    """The PDF is written to --out and reads back with its French title."""
    path, _ = told
    out = tmp_path / "report.pdf"
    assert main(["--log-level", "warning", "export", *arguments, "--db", str(path),
                 "--out", str(out)]) == 0
    assert expected in pdf_text(out)


def test_an_unknown_member_is_an_error_that_says_why(told: tuple[Path, Story],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Exit code 2 and the reason on stderr."""
    path, _ = told
    assert main(["--log-level", "warning", "export", "casf-register", "--member", "Personne",
                 "--from", "2026-01-01", "--to", "2026-12-31", "--db", str(path)]) == 2
    assert "aucun membre ne s'appelle 'Personne'" in capsys.readouterr().err


def test_recall_prints_the_money_at_stake(told: tuple[Path, Story],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """In text, in French with euros; in JSON, the same totals as the ledger's events."""
    path, story = told
    code = str(story.lots["L"])
    assert main(["--log-level", "warning", "recall", code, "--db", str(path)]) == 0
    out = capsys.readouterr().out.replace("\u202f", " ").replace("\u00a0", " ")
    assert "ARGENT EN JEU" in out
    assert "versé : 82,00 €, dont en jeu 60,00 €" in out
    assert main(["--log-level", "warning", "recall", code, "--json", "--db", str(path)]) == 0
    answer = json.loads(capsys.readouterr().out)
    expected = recall_money(story.ledger, code)
    assert answer["money"]["totals"]["posted_cents"] == expected.totals.posted_cents == 8_200
    assert answer["lots"]
