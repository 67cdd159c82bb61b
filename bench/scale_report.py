"""``bench.scale``'s results as curves: a table over the sizes with the growth between the
last two sizes beside the ideal, and a PNG of the same curves (matplotlib)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Getter = Callable[[dict[str, Any]], float | None]


def _get(*keys: str) -> Getter:
    def getter(result: dict[str, Any]) -> float | None:
        value: Any = result
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return float(value)
    return getter


# (group, label, getter, unit). Every figure is per operation or per event, so the ideal
# growth from one size to the next is 1.0: flat, whatever the history.
FIGURES: list[tuple[str, str, Getter, str]] = [
    *[("commands", f"{kind} p{q}", _get("commands", kind, f"p{q}_ms"), "ms")
      for kind in ("offer", "reception", "vote", "transfer") for q in (50, 99)],
    *[("rebuilds", f"{view} rebuild", _get("rebuilds", view, "rebuild_events_per_s"), "ev/s")
      for view in ("stock", "trace", "balances")],
    *[("rebuilds", f"{view} ceiling", _get("rebuilds", view, "ceiling_events_per_s"), "ev/s")
      for view in ("stock", "trace", "balances")],
    *[("rebuilds", f"{view} rebuild/ceiling", _get("rebuilds", view, "ratio"), "")
      for view in ("stock", "trace", "balances")],
    *[("rebuilds", f"{view} rebuild/ceiling, CPU", _get("rebuilds", view, "ratio_cpu"), "")
      for view in ("stock", "trace", "balances")],
    *[("memory", f"{view} rebuild peak RSS", _get("rebuilds", view, "rebuild_peak_rss_mib"),
       "MiB") for view in ("stock", "trace", "balances")],
    *[("queries", f"{kind} p99", _get("queries", kind, "p99_ms"), "ms")
      for kind in ("backward", "forward", "recall", "stock_as_of")],
    *[("queries", f"{kind} p99, best of 3", _get("queries", kind, "best_p99_ms"), "ms")
      for kind in ("backward", "forward", "recall", "stock_as_of")],
    ("kafka", "relay", _get("kafka", "relay_events_per_s"), "ev/s"),
    *[("kafka", f"stock from topic, {count} proc.",
       _get("kafka", "consumers", str(count), "events_per_s"), "ev/s") for count in (1, 2, 3)],
    ("disk", "events table + indexes", _get("disk", "events_bytes_per_event"), "B/ev"),
    ("disk", "hash chain", _get("disk", "chain_bytes_per_event"), "B/ev"),
    *[("disk", f"{view} view", _get("disk", "views_bytes_per_event", view), "B/ev")
      for view in ("stock", "trace", "balances")],
    ("disk", "topic payload", _get("kafka", "topic_payload_bytes_per_event"), "B/ev"),
    ("generation", "generator", _get("generation_events_per_s"), "ev/s"),
]


def ordered(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The sizes, smallest first."""
    return sorted(results.items(), key=lambda item: item[1].get("events", 0))


def _format(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1_000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def print_curves(results: dict[str, Any], *, markdown: bool = False) -> None:
    """One line per figure: its value at each size, then last / previous beside 1.0
    (a Markdown table with ``markdown``)."""
    sizes = ordered(results)
    if not sizes:
        print("no results yet")
        return
    labels = [label for label, _ in sizes]
    growth_label = f"{labels[-1]} / {labels[-2]}" if len(labels) >= 2 else "growth"
    rows: list[tuple[str, str, list[str], str]] = [
        ("events", "", [f"{result.get('events', 0):,}" for _, result in sizes], "")]
    for figure_group, name, getter, unit in FIGURES:
        values = [getter(result) for _, result in sizes]
        if all(value is None for value in values):
            continue
        growth = ""
        if len(values) >= 2 and values[-1] is not None and values[-2]:
            growth = f"{values[-1] / values[-2]:.2f}"
        rows.append((f"{figure_group}: {name}", unit, [_format(value) for value in values],
                     growth))
    if markdown:
        print("| figure | unit | " + " | ".join(labels) + f" | {growth_label} | ideal |")
        print("|---|---|" + "---|" * len(labels) + "---|---|")
        for name, unit, cells, growth in rows:
            print(f"| {name} | {unit} | " + " | ".join(cells)
                  + f" | {growth} | {'1.00' if growth else ''} |")
        return
    print(f"{'figure':<44}{'unit':>6}" + "".join(f"{label:>12}" for label in labels)
          + f"{'growth':>9}{'ideal':>7}")
    for name, unit, cells, growth in rows:
        print(f"{name:<44}{unit:>6}" + "".join(f"{cell:>12}" for cell in cells)
              + f"{growth:>9}{'1.00' if growth else '':>7}")
    if len(sizes) >= 2:
        times = sizes[-1][1].get("events", 0) / max(1, sizes[-2][1].get("events", 1))
        print(f"growth: {growth_label} ({times:.1f}x the events); every figure is per "
              "command, per query or per event, so the ideal growth is 1.00")


def plot(results: dict[str, Any], path: Path) -> None:
    """The curves on log-scaled sizes, one panel per group."""
    import matplotlib  # noqa: PLC0415 - the bench's only plotting, loaded when drawing.

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    sizes = ordered(results)
    events = [result.get("events", 0) for _, result in sizes]
    panels: list[tuple[str, str, Callable[[str], bool]]] = [
              ("commands (p99, ms)", "commands", lambda name: name.endswith("p99")),
              ("queries (p99, ms)", "queries", lambda _name: True),
              ("rebuilds (events/s)", "rebuilds", lambda name: "/" not in name),
              ("rebuild / read-and-decode ceiling", "rebuilds", lambda name: "/" in name),
              ("rebuild peak RSS (MiB)", "memory", lambda _name: True),
              ("Kafka (events/s)", "kafka", lambda _name: True),
              ("bytes on disk per event", "disk", lambda _name: True)]
    figure, axes = plt.subplots(2, 4, figsize=(18, 8.5))
    for axis, (title, group, keep) in zip(axes.flat, panels, strict=False):
        for figure_group, name, getter, _ in FIGURES:
            if figure_group != group or not keep(name):
                continue
            points = [(count, value) for count, value in
                      zip(events, (getter(result) for _, result in sizes), strict=True)
                      if value is not None]
            if points:
                axis.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                          label=name)
        if title.startswith("rebuild / "):
            axis.axhline(0.5, color="grey", linestyle="--", label="target 0.5")
        if title.startswith("queries"):
            axis.axhline(5, color="grey", linestyle="--", label="target 5 ms")
        axis.set_xscale("log")
        axis.set_ylim(bottom=0)
        axis.set_title(title)
        axis.set_xlabel("events in the store")
        axis.legend(fontsize=7)
        axis.grid(True, which="both", alpha=0.3)
    axes.flat[-1].axis("off")
    figure.suptitle("cocagne-ledger: cost curves of a national network's store (PostgreSQL)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
