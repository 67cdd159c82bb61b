"""Grafana dashboards: well-formed files, valid PromQL, and every metric they name exported.

Grafana loads every JSON file of ``infra/grafana/dashboards`` at start (the provider of
``infra/grafana/provisioning/dashboards``; ``tests/e2e/test_compose.py`` checks the mounts).

- **Structure**: unique uids and titles, panels on the 24-column grid without overlap, each
  panel and template variable on the provisioned Prometheus data source, targets with unique
  ``refId`` and an expression, titles in French.
- **Queries**: every panel target and every template variable (``label_values(...)``) is
  read; Grafana's variables are replaced as Grafana does before sending a query
  (``$__rate_interval`` by a duration, ``$site`` by a regular expression); each expression is
  parsed by promql-parser to name its metrics (through functions, aggregations, binary
  operators, ``rate(x_total[5m])``, ``histogram_quantile(0.95, sum by (le) (rate(x_bucket
  [5m])))``, label matchers) and checked by ``promtool check rules``, i.e. Prometheus' own
  parser.
- **Exported**: the two-week demo is written into an SQLite store. The API serves it (uvicorn
  in this process, one live-feed client connected); ``cocagne relay`` and ``cocagne consume
  stock`` run as real processes against a Tansu broker, each serving its own registry on
  ``$COCAGNE_METRICS_PORT`` exactly as ``docker-compose.yml`` runs them (Prometheus scrapes
  those three kinds of target). Every metric a dashboard names must have samples in one of
  the three ``/metrics`` texts, under its exported name (``_total``, ``_bucket``, ``_sum``,
  ``_count`` included): the API exports commands, HTTP, views, stock and live feed; the relay
  its position and lag; the consumer its lag. ``up`` is the one exception: Prometheus writes
  it itself for each target it scrapes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import pytest
import uvicorn
import yaml
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families

from infra.api import create_app
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import sqlite_location
from tests.builders import DEMO_END
from tests.e2e.api.conftest import free_port
from tests.e2e.api.sse import frames
from tests.kafka_broker import TansuBroker

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = REPOSITORY_ROOT / "infra" / "grafana" / "dashboards"
DATASOURCES = REPOSITORY_ROOT / "infra" / "grafana" / "provisioning" / "datasources"
GRID_COLUMNS = 24  # Grafana's dashboard grid.
PANEL_TYPES = frozenset({"row", "stat", "timeseries", "table", "bargauge", "gauge"})
PROMETHEUS_OWN_METRICS = frozenset({"up"})
"""Written by Prometheus for every scrape target, never by a process of the ledger."""
GRAFANA_DURATIONS = {"__rate_interval": "1m", "__interval": "15s", "__range": "6h"}
"""What Grafana puts in place of its built-in interval variables (any duration will do)."""
ENGLISH_WORDS = frozenset({"by", "per", "rate", "requests", "commands", "latency", "lag",
                           "expired", "expiring", "available", "reserved", "events",
                           "outcome", "the", "of", "and"})
"""Words that give away an English title (the operators read French); words both languages
share, such as "stock", "clients" or "position", are not among them."""
PROMTOOL_TIMEOUT_S = 30
WORKER_START_TIMEOUT_S = 120
"""A worker's first metrics: process start (about a second), then for the consumer joining
its group, which Tansu can take 3 to 23 s to settle (see tests/kafka_broker.py)."""
WORKER_STOP_TIMEOUT_S = 15
SCRAPE_TIMEOUT_S = 5
POLL_INTERVAL_S = 0.2
SSE_FRAME_TIMEOUT_S = 20  # The client's read timeout: a feed silent this long fails the test.
SSE_FRAMES_MAX = 100  # Frames read before a stock message must have come (a few arrive).
REPLAYED_NOTIFICATIONS = 300
"""How far back the live-feed client resumes: enough to replay some stock messages."""


# --------------------------------------------------------------------------- the files


@cache
def dashboards() -> dict[str, dict[str, Any]]:
    """Every dashboard file's JSON, by file name."""
    loaded = {path.name: json.loads(path.read_text(encoding="utf-8"))
              for path in sorted(DASHBOARDS.glob("*.json"))}
    assert loaded, f"no dashboard in {DASHBOARDS}"
    return loaded


@cache
def datasource_uid() -> str:
    """The uid of the provisioned Prometheus data source."""
    [source] = yaml.safe_load((DATASOURCES / "prometheus.yml").read_text())["datasources"]
    assert source["type"] == "prometheus"
    uid: str = source["uid"]
    return uid


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' collapsed panels included."""
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


@dataclass(frozen=True)
class Query:
    """One PromQL expression of a dashboard, and where it is."""

    where: str
    expression: str


def queries() -> list[Query]:
    """Every panel target's expression and every query variable's metric selector."""
    found: list[Query] = []
    for file_name, dashboard in dashboards().items():
        for panel in panels(dashboard):
            for target in panel.get("targets", []):
                found.append(Query(f"{file_name}: « {panel['title']} » {target['refId']}",
                                   target["expr"]))
        for variable in dashboard["templating"]["list"]:
            if variable["type"] != "query":
                continue
            query = variable["query"]
            text = query["query"] if isinstance(query, dict) else query
            found.append(Query(f"{file_name}: variable ${variable['name']}",
                               variable_expression(text)))
    return found


def variable_expression(text: str) -> str:
    """The PromQL inside a Grafana variable query: ``label_values(SELECTOR, LABEL)`` gives
    SELECTOR, ``query_result(EXPR)`` gives EXPR (other forms are not used here)."""
    label_values = re.fullmatch(r"\s*label_values\((.+),\s*\w+\s*\)\s*", text, re.DOTALL)
    if label_values:
        return label_values.group(1)
    query_result = re.fullmatch(r"\s*query_result\((.+)\)\s*", text, re.DOTALL)
    assert query_result, f"unexpected variable query {text!r}"
    return query_result.group(1)


def as_prometheus_receives(expression: str) -> str:
    """The expression with Grafana's variables replaced, as Grafana sends it: interval
    variables become durations, dashboard variables (``$site``, ``${product}``, always used
    inside a regex matcher here) a regular expression matching everything."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return GRAFANA_DURATIONS.get(name, ".*")

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", replace, expression)


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects, found by walking its syntax tree."""
    names: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            else:  # {__name__="x"}: the name is a matcher.
                names.update(matcher.value for matcher in node.matchers.matchers
                             if matcher.name == "__name__")
        return True

    promql_parser.walk(promql_parser.parse(as_prometheus_receives(expression)), visit)
    return names


def names_by_query() -> dict[Query, set[str]]:
    """Every query and the metrics it names."""
    return {query: metric_names(query.expression) for query in queries()}


# --------------------------------------------------------------------------- structure


def test_the_metric_name_extraction_sees_through_promql() -> None:
    """Functions, aggregations, ranges, matchers, subqueries and variables yield the names."""
    assert metric_names('histogram_quantile(0.95, sum by (le, command) (rate('
                        'x_seconds_bucket{command=~"$command"}[$__rate_interval])))') == {
        "x_seconds_bucket"}
    assert metric_names("sum(rate(a_seconds_sum[5m])) / sum(rate(a_seconds_count[5m]))") == {
        "a_seconds_sum", "a_seconds_count"}
    assert metric_names('max_over_time(b_total{job="api"}[1h:5m]) - -c_grams offset 1d '
                        '+ on () group_left sum({__name__="d_events"})') == {
        "b_total", "c_grams", "d_events"}
    assert metric_names('sort_desc(sum by (le) (e_grams{site=~"${site}"}) / 1000) > 0') == {
        "e_grams"}
    assert variable_expression('label_values(f_grams{site=~"$site"}, product)') == (
        'f_grams{site=~"$site"}')


def test_dashboards_are_well_formed() -> None:
    """Unique uids and titles; every panel on the grid, on the data source, with targets."""
    uids = [dashboard["uid"] for dashboard in dashboards().values()]
    titles = [dashboard["title"] for dashboard in dashboards().values()]
    assert len(set(uids)) == len(uids)
    assert len(set(titles)) == len(titles)
    source = {"type": "prometheus", "uid": datasource_uid()}
    for file_name, dashboard in dashboards().items():
        assert re.fullmatch(r"[a-z0-9-]{1,40}", dashboard["uid"]), file_name
        assert isinstance(dashboard["schemaVersion"], int), file_name
        assert dashboard["editable"] is False, f"{file_name}: provisioned, edited in git"
        ids = [panel["id"] for panel in panels(dashboard)]
        assert len(set(ids)) == len(ids), f"{file_name}: panel ids repeat"
        for panel in panels(dashboard):
            where = f"{file_name}: « {panel.get('title')} »"
            assert panel["type"] in PANEL_TYPES, where
            assert panel["title"].strip(), where
            grid = panel["gridPos"]
            assert min(grid["w"], grid["h"]) >= 1, where
            assert min(grid["x"], grid["y"]) >= 0, where
            assert grid["x"] + grid["w"] <= GRID_COLUMNS, where
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == source, where
            assert panel["targets"], where
            references = [target["refId"] for target in panel["targets"]]
            assert len(set(references)) == len(references), where
            for target in panel["targets"]:
                assert target["datasource"] == source, where
                assert target["expr"].strip(), where
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                assert variable["datasource"] == source, f"{file_name}: ${variable['name']}"


def test_panels_do_not_overlap() -> None:
    """No two panels of a dashboard share a grid cell."""
    for file_name, dashboard in dashboards().items():
        taken: dict[tuple[int, int], str] = {}
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    assert (x, y) not in taken, (
                        f"{file_name}: « {panel['title']} » overlaps « {taken[(x, y)]} »")
                    taken[(x, y)] = panel["title"]


def test_titles_and_descriptions_are_in_french() -> None:
    """No dashboard, panel or variable speaks English to the cooperative's operators."""
    texts = []
    for dashboard in dashboards().values():
        texts += [dashboard["title"], dashboard.get("description", "")]
        texts += [panel["title"] for panel in panels(dashboard)]
        texts += [panel.get("description", "") for panel in panels(dashboard)]
        texts += [variable.get("label", "") for variable in dashboard["templating"]["list"]]
    for text in texts:
        words = set(re.findall(r"[a-zà-ÿ]+", text.lower()))
        assert not words & ENGLISH_WORDS, f"English in {text!r}: {words & ENGLISH_WORDS}"


def test_every_topic_of_the_issue_has_a_panel() -> None:
    """Stock by site and product, expiring and expired, commands with latency, lags, SSE."""
    named = set().union(*names_by_query().values())
    assert {"cocagne_stock_on_hand_grams", "cocagne_stock_available_grams",
            "cocagne_stock_reserved_grams", "cocagne_stock_expiring_grams",
            "cocagne_stock_expired_grams", "cocagne_commands_total",
            "cocagne_command_duration_seconds_bucket", "cocagne_projection_lag_events",
            "cocagne_relay_lag_events", "cocagne_consumer_lag_messages",
            "cocagne_sse_clients"} <= named


def test_prometheus_parses_every_query(tmp_path: Path) -> None:
    """``promtool check rules`` accepts every expression (as recording rules)."""
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: apt-get install -y prometheus"
    all_queries = queries()
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:query_{index}:check",
         "expr": as_prometheus_receives(query.expression)}
        for index, query in enumerate(all_queries)]}]}
    rules_file = tmp_path / "dashboards.rules.yml"
    rules_file.write_text(yaml.safe_dump(rules, allow_unicode=True))
    checked = subprocess.run([promtool, "check", "rules", str(rules_file)],
                             capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT_S,
                             check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{len(all_queries)} rules found" in checked.stdout


# --------------------------------------------------------------------------- exported


@dataclass
class Worker:
    """A ``cocagne`` process serving its metrics on a port."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def metrics(self) -> str:
        """Its /metrics text ("" while it does not answer yet)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics",
                                        timeout=SCRAPE_TIMEOUT_S) as response:
                text: str = response.read().decode()
                return text
        except OSError:
            return ""

    def log_tail(self) -> str:
        """The end of its log, to explain a failure."""
        return self.log_path.read_text(errors="replace")[-3_000:]


@contextlib.contextmanager
def worker(name: str, arguments: list[str], environment: dict[str, str],
           log_path: Path) -> Iterator[Worker]:
    """Run ``cocagne ARGUMENTS`` as its own process; SIGTERM (then SIGKILL) at the end."""
    port = free_port()
    cocagne = Path(sys.executable).with_name("cocagne")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(cocagne), *arguments], stdout=log, stderr=subprocess.STDOUT,
            env={**environment, "COCAGNE_METRICS_PORT": str(port)})
    try:
        yield Worker(name, process, port, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(WORKER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(WORKER_STOP_TIMEOUT_S)


def sample_values(text: str) -> dict[str, list[float]]:
    """Sample values by exported sample name (``x_bucket``, ``x_total`` …) of a /metrics text."""
    values: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values.setdefault(sample.name, []).append(sample.value)
    return values


def wait_for_metrics(process: Worker, ready: str, deadline_s: float) -> str:
    """The worker's /metrics text once ``ready`` (a sample name) has a sample."""
    while time.monotonic() < deadline_s:
        assert process.process.poll() is None, (
            f"{process.name} exited with {process.process.returncode}:\n{process.log_tail()}")
        text = process.metrics()
        if ready in sample_values(text):
            return text
        time.sleep(POLL_INTERVAL_S)
    raise AssertionError(f"{process.name} exported no {ready} in time:\n{process.log_tail()}")


def wait_for_relay(relay: Worker, head: int, deadline_s: float) -> str:
    """The relay's /metrics text once it has published up to ``head``."""
    while time.monotonic() < deadline_s:
        text = wait_for_metrics(relay, "cocagne_relay_position", deadline_s)
        if sample_values(text)["cocagne_relay_position"] == [float(head)]:
            return text
        time.sleep(POLL_INTERVAL_S)
    raise AssertionError(f"the relay did not reach {head} in time:\n{relay.log_tail()}")


@contextlib.contextmanager
def served(app: Litestar) -> Iterator[str]:
    """The app on uvicorn in a thread; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="uvicorn-dashboards", daemon=True)
    thread.start()
    deadline_s = time.monotonic() + WORKER_START_TIMEOUT_S
    while not server.started and time.monotonic() < deadline_s:
        time.sleep(0.02)
    assert server.started, "the API did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.state.services.feed.end_streams()
        server.should_exit = True
        thread.join(WORKER_STOP_TIMEOUT_S)


@pytest.mark.kafka
@pytest.mark.slow
def test_every_metric_of_the_dashboards_is_exported_after_the_demo(tmp_path: Path) -> None:
    """API, relay and consumer export a sample of every metric a panel or variable names."""
    location = sqlite_location(tmp_path / "ledger.db")
    ledger = Ledger(location)
    try:
        summary = generate_demo(ledger, weeks=2, end=DEMO_END)
        head = int(ledger.recorder.max_notification_id() or 0)
    finally:
        ledger.close()
    app = create_app(location)
    with TansuBroker(tmp_path / "tansu.log") as broker, served(app) as api:
        environment = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
                       "COCAGNE_LOG_FORMAT": "json"}
        store = ["--db", str(location.sqlite_path)]
        token = app.state.services.tokens.create(summary.coordinator_id, label="grafana")[1]
        headers = {"Authorization": f"Bearer {token}"}
        deadline_s = time.monotonic() + WORKER_START_TIMEOUT_S
        with worker("relay", ["relay", *store], environment, tmp_path / "relay.log") as relay:
            relay_text = wait_for_relay(relay, head, deadline_s)
            with worker("consumer", ["consume", "stock", *store], environment,
                        tmp_path / "consumer.log") as consumer, \
                    httpx.Client(base_url=api, headers=headers, timeout=SSE_FRAME_TIMEOUT_S) \
                    as client, \
                    client.stream("GET", "/api/live",
                                  headers={"Last-Event-ID": str(head - REPLAYED_NOTIFICATIONS)}
                                  ) as live:
                # Keep the frame iterator alive: dropping it would close the connection.
                live_frames = frames(live)
                assert any(frame.event == "stock"
                           for frame in itertools.islice(live_frames, SSE_FRAMES_MAX))
                assert client.get("/api/stock").status_code == 200
                consumer_text = wait_for_metrics(consumer, "cocagne_consumer_lag_messages",
                                                 deadline_s)
                api_response = client.get("/metrics")
                assert api_response.status_code == 200
                api_text = api_response.text
    exported = {"api": sample_values(api_text), "relay": sample_values(relay_text),
                "consumer": sample_values(consumer_text)}
    missing = {f"{query.where}: {name}"
               for query, names in names_by_query().items() for name in names
               if name not in PROMETHEUS_OWN_METRICS
               and not any(name in samples for samples in exported.values())}
    assert not missing, "metrics named by dashboards but exported by no process:\n" + "\n".join(
        sorted(missing))
    # The gauges that describe this very moment say so: one live client, stock in grams.
    assert exported["api"]["cocagne_sse_clients"] == [1.0]
    assert sum(exported["api"]["cocagne_stock_on_hand_grams"]) > 0
    assert exported["consumer"]["cocagne_consumer_lag_messages"]
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: apt-get install -y prometheus"
    for name, text in (("relay", relay_text), ("consumer", consumer_text)):
        checked = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                                 capture_output=True, timeout=PROMTOOL_TIMEOUT_S, check=False)
        assert checked.returncode == 0, name + checked.stdout.decode() + checked.stderr.decode()
