"""The view commands on the hand-built graph: ``cocagne rebuild``, ``stock``, ``trace`` and
``recall`` print what the views hold, in text (French, as by default) and JSON (SQLite file,
and PostgreSQL through ``--database-url``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.cli.main import main
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import StoreLocation
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.integration.test_projections_trace import build_graph


@pytest.fixture(scope="module")
def store_arguments(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``--db FILE`` of an SQLite store holding the graph (views not built yet)."""
    path = tmp_path_factory.mktemp("cli") / "ledger.db"
    ledger = Ledger(StoreLocation(kind="sqlite", sqlite_path=path))
    build_graph(ledger)
    ledger.close()
    return ["--db", str(path)]


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command speaks French: no locale variable asks for another language."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def plain(text: str) -> str:
    """French figures with ordinary spaces (Babel writes U+202F and U+00A0)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """``main`` points the logs at the captured stderr; point them back afterwards."""
    yield
    configure_logging("warning")


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    """Run the CLI; its exit code, stdout and stderr."""
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, plain(captured.out), plain(captured.err)


def test_rebuild_all_shows_progress_and_rates(store_arguments: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Each view is rebuilt with a progress bar on stderr and its events/s on stdout."""
    code, out, err = run(capsys, "rebuild", *store_arguments)
    assert code == 0
    for name in ("stock", "trace", "balances"):
        assert f"{name} : " in out
    assert out.count("événements/s") == 3
    assert err.count("100 %") == 3
    code, out, _ = run(capsys, "rebuild", "stock", "--batch-size", "7", *store_arguments)
    assert code == 0
    assert out.startswith("stock : ")


def test_stock_lists_lines_and_totals(store_arguments: list[str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Filtered by site name and product, with grams (French grouping), what is on the road
    and the outlets."""
    code, out, _ = run(capsys, "stock", "--site", "Entrepôt de Thise", "--product", "carrot",
                       "--outlets", *store_arguments)
    assert code == 0
    lines = out.splitlines()
    a1 = next(line for line in lines if " A-1 " in line)
    assert "25 000 g" in a1
    assert any("en route" in line for line in lines)
    assert any("carrot" in line and "60 000 g" in line for line in lines)
    assert any("Épicerie solidaire Planoise" in line and "5 000 g" in line
               for line in lines)


def test_stock_as_of_and_json(store_arguments: list[str],
                              capsys: pytest.CaptureFixture[str]) -> None:
    """A bare date means the end of that day; JSON carries the same figures."""
    code, out, _ = run(capsys, "stock", "--as-of", "2026-11-03", "--json", *store_arguments)
    assert code == 0
    answer = json.loads(out)
    assert {(line["code"], line["on_hand_g"]) for line in answer["lines"]} == {
        ("A-1", 60_000), ("A-2", 38_000), ("B", 50_000)}
    code, out, err = run(capsys, "stock", "--site", "nowhere", *store_arguments)
    assert code == 1
    assert "aucun site ne porte le nom ou l'identifiant 'nowhere' (sites connus : " in err


def test_trace_backward_and_forward(store_arguments: list[str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """M goes back to both producers; A goes forward to five lots and two outlets."""
    code, out, _ = run(capsys, "trace", "M", "--backward", *store_arguments)
    assert code == 0
    assert "Jardin de Cocagne de Vesoul" in out
    assert "Ferme du Haut-Doubs" in out
    assert "FORWARD" not in out
    code, out, _ = run(capsys, "trace", "A", "--forward", "--json", *store_arguments)
    assert code == 0
    answer = json.loads(out)
    assert answer["backward"] is None
    assert len(answer["forward"]["descendants"]) == 5
    assert [(reach["code"][0], reach["quantity_g"])
            for reach in answer["forward"]["deliveries"]] == [("M", 24_000), ("T", 10_000)]
    code, out, _ = run(capsys, "trace", "A", "--as-of", "2026-11-04", "--movements",
                       *store_arguments)
    assert code == 0
    assert "au 05/11/2026 00:59, heure de Paris (moment des faits)" in out
    assert "division" in out


def test_recall_lists_holders_and_outlets(store_arguments: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """B's recall reaches M, T1, T2: stock at the warehouse and two outlets served."""
    code, out, _ = run(capsys, "recall", "B", *store_arguments)
    assert code == 0
    assert "RAPPEL de B" in out
    assert "Restos du Cœur Besançon" in out
    assert "4 000 g" in out
    code, _, err = run(capsys, "recall", "Z-404", *store_arguments)
    assert code == 1
    assert err == "aucun lot n'a le code ou l'identifiant 'Z-404'\n"


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A PostgreSQL store holding the graph, as a URL."""
    del tmp_path
    location = create_postgres_database()
    try:
        ledger = Ledger(location)
        build_graph(ledger)
        ledger.close()
        yield (f"postgresql://{location.postgres_user}@{location.postgres_host}:"
               f"{location.postgres_port}/{location.postgres_dbname}")
    finally:
        drop_postgres_database(location)


def test_commands_work_on_postgresql(postgres_url: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The same commands against the store's PostgreSQL database."""
    code, out, _ = run(capsys, "recall", "B", "--json", "--database-url", postgres_url)
    assert code == 0
    assert {reach["party_name"] for reach in json.loads(out)["outlets_served"]} == {
        "Épicerie solidaire Planoise", "Restos du Cœur Besançon"}
    code, out, _ = run(capsys, "rebuild", "trace", "--database-url", postgres_url)
    assert code == 0
    assert out.startswith("trace : ")
