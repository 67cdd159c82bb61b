"""What the pages keep: a value is reused only for the stamp it was computed for, and only
the latest stamp's values are kept."""

from __future__ import annotations

from datetime import date

from infra.api.pages.kept import Kept, Stamp

DAY = date(2026, 12, 7)


def stamp(head: int, day: date = DAY) -> Stamp:
    """A stamp whose head and positions are all ``head``."""
    return (head, head, head, head, head, day)


def test_a_value_is_reused_for_its_stamp_only() -> None:
    """Same stamp: the kept value, not computed again; a moved head or a new day: afresh."""
    kept, calls = Kept(), []

    def compute(label: str) -> str:
        calls.append(label)
        return label

    assert kept.get(stamp(1), "page", lambda: compute("a")) == "a"
    assert kept.get(stamp(1), "page", lambda: compute("b")) == "a"
    assert kept.get(stamp(1), "other", lambda: compute("c")) == "c"
    assert kept.get(stamp(2), "page", lambda: compute("d")) == "d"
    assert kept.get(stamp(2), "page", lambda: compute("e")) == "d"
    assert kept.get(stamp(2, date(2026, 12, 8)), "page", lambda: compute("f")) == "f"
    assert calls == ["a", "c", "d", "f"]


def test_an_older_stamp_never_gets_a_newer_value_nor_keeps_the_old_ones() -> None:
    """A request that read an older stamp computes its own; values of other stamps go."""
    kept = Kept()
    kept.get(stamp(5), "page", lambda: "new")
    kept.get(stamp(5), "other", lambda: "other")
    assert kept.get(stamp(4), "page", lambda: "old") == "old"
    assert kept.get(stamp(4), "other", lambda: "other-old") == "other-old"
    assert kept.get(stamp(5), "page", lambda: "again") == "again"
