"""A store written before the service layer moved still loads and answers the same.

The fixture (``tests/fixtures/store_before_service_layer``) was written and answered by the
code of commit 713efed. Today's code must read every stored event (TOPICs unchanged), rebuild
the views and give the same stock quantities, trace, recall, balances and rules. Answers may
gain fields over time; every field the old code gave must still be there with its value.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from domain.base import registered_event_classes
from domain.codec import split_stored_topic
from infra.cli.main import main
from infra.reader import Reader
from infra.store import sqlite_location

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store_before_service_layer"


@pytest.fixture(scope="module")
def old_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The old store, unpacked into a fresh folder (views are rebuilt from it)."""
    path = tmp_path_factory.mktemp("old") / "store.db"
    with gzip.open(FIXTURE / "store.db.gz") as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    return path


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    """What the old code answered."""
    answers: dict[str, Any] = json.loads((FIXTURE / "answers.json").read_text())
    return answers


def answer(capsys: pytest.CaptureFixture[str], store: Path, *arguments: str) -> Any:
    """Run a read-only subcommand with ``--json`` on the store; its decoded answer."""
    code = main([*arguments, "--json", "--db", str(store)])
    assert code == 0, f"cocagne {' '.join(arguments)} exited {code}"
    return json.loads(capsys.readouterr().out)


def assert_contains(expected: Any, actual: Any, where: str = "answer") -> None:
    """Every field of ``expected`` is in ``actual`` with the same value (lists item by item)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}: {key!r} is missing"
            assert_contains(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r:.200}"
        assert len(actual) == len(expected), (
            f"{where}: expected {len(expected)} items, got {len(actual)}")
        for index, (old, new) in enumerate(zip(expected, actual, strict=True)):
            assert_contains(old, new, f"{where}[{index}]")
    else:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"


def quantities(stock: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """On-hand and reserved grams per lot held at a site."""
    return {line["lot_id"]: (line["on_hand_g"], line["reserved_g"])
            for line in stock["lines"] if line["on_hand_g"] > 0}


def test_every_stored_event_still_decodes(old_store: Path) -> None:
    """Every stored TOPIC is still a registered event class, and every event decodes."""
    reader = Reader(sqlite_location(old_store))
    try:
        notifications = reader.recorder.select_notifications(1, 100_000)
        assert len(notifications) > 4_000
        known = registered_event_classes()
        for notification in notifications:
            assert split_stored_topic(notification.topic)[0] in known
            reader.mapper.to_domain_event(notification)
    finally:
        reader.close()


def test_stock_quantities_are_the_same(capsys: pytest.CaptureFixture[str], old_store: Path,
                                       expected: dict[str, Any]) -> None:
    """Every lot holds the same grams on hand and reserved, now and as of a past day."""
    answers = expected["answers"]
    assert quantities(answer(capsys, old_store, "stock")) == quantities(answers["stock"])
    as_of = answer(capsys, old_store, "stock", "--as-of", "2026-01-08")
    assert quantities(as_of) == quantities(answers["stock_as_of"])


def test_trace_recall_balances_and_rules_are_the_same(
        capsys: pytest.CaptureFixture[str], old_store: Path, expected: dict[str, Any]) -> None:
    """The recalled lot's trace and recall impact, every balance and the rules in force."""
    answers, lot = expected["answers"], expected["recalled_lot"]
    assert_contains(answers["trace"], answer(capsys, old_store, "trace", lot), "trace")
    assert_contains(answers["recall"], answer(capsys, old_store, "recall", lot), "recall")
    assert_contains(answers["balances"], answer(capsys, old_store, "balances"), "balances")
    assert_contains(answers["balances_fold"], answer(capsys, old_store, "balances", "--fold"),
                    "balances --fold")
    assert_contains(answers["rules"], answer(capsys, old_store, "rules", "--as-of",
                                             "2026-01-12"), "rules")
