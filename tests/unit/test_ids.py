"""Stream ids: name-based ids never change, time-ordered ids keep their order."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from domain.ids import LEDGER_NAMESPACE, name_id, uuid7


@given(st.text(max_size=40), st.text(max_size=80))
def test_name_ids_are_exactly_uuid5(kind: str, name: str) -> None:
    """Stored index streams depend on it: the fast build equals ``uuid.uuid5``."""
    made = name_id(kind, name)
    expected = uuid.uuid5(LEDGER_NAMESPACE, f"{kind}:{name}")
    assert made == expected
    assert hash(made) == hash(expected)
    assert str(made) == str(expected)
    assert made.version == 5


def test_time_ordered_ids_are_version_7_unique_and_increasing() -> None:
    """Ten thousand ids made in a row come out in creation order, none twice."""
    made = [uuid7() for _ in range(10_000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert {(one.version, one.variant) for one in made} == {(7, uuid.RFC_4122)}
