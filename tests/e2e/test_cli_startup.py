"""``cocagne`` starts light: ``--help`` loads no store, web, Kafka, cryptography, spreadsheet
or logging code, and a query (``recall``, ``stock``) loads only what reading needs — never
the write application. Checked in a fresh interpreter, by the modules it ends up holding
(times are measured by ``bench/startup.py``, not asserted here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.ledger.ledger import Ledger
from infra.store import StoreLocation
from tests.integration.test_projections_trace import build_graph

HEAVY = ("kafka", "litestar", "uvicorn", "openpyxl", "cryptography", "psycopg", "structlog",
         "prometheus_client", "reportlab", "infra.ledger", "infra.api", "infra.demo",
         "infra.audit", "consumers")
"""Packages a query has no use for (``infra.ledger`` is the write application; ``recall``
reads the money at stake through ``infra.exports.recall_money``)."""
PROBE = """
import json, sys
from infra.cli.main import main
code = main(sys.argv[1:])
sys.stdout.flush()
loaded = sorted({name.split(".")[0] if not name.startswith("infra.") else
                 ".".join(name.split(".")[:2]) for name in sys.modules})
print("\\n" + json.dumps({"code": code, "loaded": loaded}))
"""


def loaded_by(*arguments: str) -> tuple[int, set[str]]:
    """Run ``cocagne ARGUMENTS`` in a fresh interpreter: exit code and top packages loaded."""
    finished = subprocess.run([sys.executable, "-c", PROBE, *arguments], capture_output=True,
                              text=True, timeout=120, check=False)
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    return report["code"], set(report["loaded"])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built traceability graph in an SQLite file."""
    path = tmp_path_factory.mktemp("startup") / "ledger.db"
    ledger = Ledger(StoreLocation(kind="sqlite", sqlite_path=path))
    build_graph(ledger)
    ledger.close()
    return path


def test_help_loads_nothing_heavy() -> None:
    """``cocagne --help`` and a subcommand's help: no heavy package, no table library."""
    for arguments in (["--help"], ["recall", "--help"], ["vote", "--help"]):
        code, loaded = loaded_by(*arguments)
        assert code == 0
        assert loaded & {*HEAVY, "rich", "eventsourcing"} == set(), arguments


def test_queries_load_only_what_reading_needs(store: Path) -> None:
    """``recall``, ``stock --json`` and ``balances`` read without the write application
    (once the views are built: building them also reports to the Prometheus gauges)."""
    assert loaded_by("rebuild", "--db", str(store))[0] == 0
    for arguments in (["recall", "B"], ["stock", "--json"], ["balances"], ["rules"]):
        code, loaded = loaded_by(*arguments, "--db", str(store))
        assert code == 0, arguments
        assert loaded & set(HEAVY) == set(), arguments
