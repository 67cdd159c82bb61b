"""docker-compose.yml is valid and starts what DESIGN.md names, wired as the services expect.

No Docker engine runs here, so nothing is started: the file is validated offline by Compose
itself (``docker compose config`` when the plugin exists, else Debian's ``docker-compose``
1.29, which checks the file against the Compose schema without an engine), then its
normalised form is read to check the wiring. A machine with neither fails these tests rather
than skipping them: ``.ci/run`` installs Debian's ``docker-compose``.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPOSITORY_ROOT / "docker-compose.yml"
COMPOSE_TIMEOUT_S = 60
DATABASE_URL = "postgresql://postgres:cocagne@postgres:5432/cocagne"
LEDGER_SERVICES = {
    "api": ["cocagne", "serve"],
    "relay": ["cocagne", "relay"],
    "consumer-stock": ["cocagne", "consume", "stock"],
    "consumer-trace": ["cocagne", "consume", "trace"],
    "consumer-balances": ["cocagne", "consume", "balances"],
    "consumer-alerts": ["cocagne", "consume", "alerts"],
    "sealer": ["cocagne", "seal", "--follow"],
}
CONSUMERS = ("consumer-stock", "consumer-trace", "consumer-balances", "consumer-alerts")


@cache
def compose_command() -> tuple[str, ...]:
    """The Compose CLI available offline: the docker plugin, else Debian's docker-compose."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True,
                               timeout=COMPOSE_TIMEOUT_S, check=False)
        if probe.returncode == 0:
            return (docker, "compose")
    standalone = shutil.which("docker-compose")
    if standalone is not None:
        return (standalone,)
    pytest.fail("no Compose CLI: install Debian's docker-compose (apt-get install -y "
                "docker-compose) or the docker compose plugin")


def compose_config(compose_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``compose -f FILE config [extra]``, run from the repository root."""
    return subprocess.run([*compose_command(), "-f", str(compose_file), "config", *extra],
                          cwd=REPOSITORY_ROOT, capture_output=True, text=True,
                          timeout=COMPOSE_TIMEOUT_S, check=False)


@cache
def normalised() -> dict[str, Any]:
    """The compose file as Compose itself resolves it (anchors merged, defaults filled)."""
    result = compose_config(COMPOSE_FILE)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = yaml.safe_load(result.stdout)
    return loaded


def volume_sources(service: dict[str, Any]) -> list[str]:
    """Sources of a service's volumes: docker-compose 1.29 prints "source:target[:mode]",
    the docker compose plugin prints mappings."""
    return [volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0]
            for volume in service.get("volumes", [])]


def test_compose_file_passes_compose_validation() -> None:
    """Compose accepts the file (schema, references, interpolation) with no engine running."""
    result = compose_config(COMPOSE_FILE, "--quiet")
    assert result.returncode == 0, result.stderr


def test_compose_validation_rejects_a_broken_file(tmp_path: Path) -> None:
    """The validation used above does catch mistakes: a misspelt option fails it."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace("    command: [\"cocagne\", \"relay\"]",
                                                        "    comand: [\"cocagne\", \"relay\"]"))
    assert broken.read_text() != COMPOSE_FILE.read_text()
    result = compose_config(broken, "--quiet")
    assert result.returncode != 0
    assert "comand" in result.stderr


def test_compose_starts_every_service_of_the_design() -> None:
    """PostgreSQL, Kafka, the API, the relay, three consumers, the sealer, Prometheus, Grafana."""
    assert set(normalised()["services"]) == {
        "postgres", "kafka", *LEDGER_SERVICES, "prometheus", "grafana"}


def test_ledger_services_share_the_image_the_database_and_the_broker() -> None:
    """Every ledger process runs the built image, on PostgreSQL and Kafka, once both are up."""
    services = normalised()["services"]
    for name, command in LEDGER_SERVICES.items():
        service = services[name]
        assert service["command"][:len(command)] == command, name
        assert service["image"] == "cocagne-ledger:latest"
        assert Path(service["build"]["context"]) == REPOSITORY_ROOT
        assert service["environment"]["COCAGNE_DATABASE_URL"] == DATABASE_URL
        assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert service["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                         "kafka": {"condition": "service_healthy"}}
    assert (REPOSITORY_ROOT / "Dockerfile").is_file()


def test_consumers_can_be_scaled() -> None:
    """No consumer pins a container name or a host port, which ``--scale`` would refuse."""
    services = normalised()["services"]
    for name in CONSUMERS:
        assert "container_name" not in services[name], name
        assert "ports" not in services[name], name


def test_postgres_matches_the_database_url() -> None:
    """The PostgreSQL 16 service has the user, password and database the URL names."""
    postgres = normalised()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert postgres["environment"] == {"POSTGRES_USER": "postgres",
                                       "POSTGRES_PASSWORD": "cocagne", "POSTGRES_DB": "cocagne"}


def test_kafka_runs_in_kraft_mode_on_a_single_node() -> None:
    """Apache Kafka is its own controller (no ZooKeeper) and advertises kafka:9092."""
    kafka = normalised()["services"]["kafka"]
    environment = kafka["environment"]
    assert kafka["image"].startswith("apache/kafka:")
    assert environment["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert environment["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in environment["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert not any("ZOOKEEPER" in key for key in environment)
    assert int(environment["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 1


def test_prometheus_scrapes_the_api_and_every_worker() -> None:
    """Prometheus's configuration names the API and each worker service by DNS."""
    prometheus = normalised()["services"]["prometheus"]
    config_path = REPOSITORY_ROOT / "infra" / "prometheus" / "prometheus.yml"
    assert str(config_path) in volume_sources(prometheus)
    config = yaml.safe_load(config_path.read_text())
    scraped = {name
               for job in config["scrape_configs"]
               for discovery in job.get("dns_sd_configs", [])
               for name in discovery["names"]}
    # The sealer serves no metrics: its progress shows in `cocagne verify` and checkpoints.
    assert scraped == set(LEDGER_SERVICES) - {"sealer"}


def test_grafana_is_provisioned_with_prometheus() -> None:
    """Grafana starts with the Prometheus service as its default data source."""
    grafana = normalised()["services"]["grafana"]
    provisioning = REPOSITORY_ROOT / "infra" / "grafana" / "provisioning"
    assert str(provisioning) in volume_sources(grafana)
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert [(source["type"], source["url"]) for source in datasources["datasources"]] == [
        ("prometheus", "http://prometheus:9090")]
