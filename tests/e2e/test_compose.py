"""docker-compose.yml is valid and starts what DESIGN.md names, wired as the services expect.

No Docker engine runs here, so nothing is started: the file is validated offline by Compose
itself (``docker compose config`` when the plugin exists, else Debian's ``docker-compose``
1.29, which checks the file against the Compose schema without an engine), then its
normalised form is read to check the wiring. A machine with neither fails these tests rather
than skipping them: ``make test`` installs Debian's ``docker-compose``.

Compose reads variables from the environment and from an ``.env`` file: every run here gets
an empty environment file and none of the variables the compose file reads, so a developer's
own ``.env`` never changes the answer. The three-broker cluster is the same file read with
``infra/kafka/cluster.env`` and the profile ``cluster``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from consumers.relay import add_arguments, new_topic, settings_from_arguments

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPOSITORY_ROOT / "docker-compose.yml"
CLUSTER_ENV_FILE = REPOSITORY_ROOT / "infra" / "kafka" / "cluster.env"
ENV_EXAMPLE = REPOSITORY_ROOT / ".env.example"
EMPTY_ENV_FILE = REPOSITORY_ROOT / "tests" / "fixtures" / "compose-empty.env"
GRAFANA = REPOSITORY_ROOT / "infra" / "grafana"
COMPOSE_TIMEOUT_S = 60
DATABASE_URL = "postgresql://postgres@postgres:5432/cocagne"
"""No password in the URL: the ledger reads it from the secret file."""
SECRETS_MOUNT = "/run/secrets"
BROKERS = ("kafka", "kafka-2", "kafka-3")
CLUSTER_VOTERS = "1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"
LEDGER_SERVICES = {
    "api": ["cocagne", "serve"],
    "relay": ["cocagne", "relay"],
    "consumer-stock": ["cocagne", "consume", "stock"],
    "consumer-trace": ["cocagne", "consume", "trace"],
    "consumer-balances": ["cocagne", "consume", "balances"],
    "consumer-alerts": ["cocagne", "consume", "alerts"],
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


def interpolated_variables() -> set[str]:
    """The variables docker-compose.yml reads (``${NAME}`` or ``${NAME:-default}``)."""
    return set(re.findall(r"\$\{(\w+)", COMPOSE_FILE.read_text()))


def compose_config(compose_file: Path, *extra: str, env_file: Path | None = None,
                   profiles: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``compose [--env-file F] [--profile P] -f FILE config [extra]`` from the repository
    root, with none of the file's variables (nor Compose's own) taken from this process."""
    options = ["--env-file", str(env_file or EMPTY_ENV_FILE)]
    for profile in profiles:
        options += ["--profile", profile]
    environment = {name: value for name, value in os.environ.items()
                   if name not in interpolated_variables() and not name.startswith("COMPOSE_")}
    return subprocess.run([*compose_command(), *options, "-f", str(compose_file), "config",
                           *extra], cwd=REPOSITORY_ROOT, env=environment, capture_output=True,
                          text=True, timeout=COMPOSE_TIMEOUT_S, check=False)


@cache
def normalised() -> dict[str, Any]:
    """The compose file as Compose itself resolves it (anchors merged, defaults filled)."""
    result = compose_config(COMPOSE_FILE, profiles=("cluster",))
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = yaml.safe_load(result.stdout)
    return loaded


@cache
def normalised_cluster() -> dict[str, Any]:
    """The compose file as resolved with ``infra/kafka/cluster.env``."""
    result = compose_config(COMPOSE_FILE, env_file=CLUSTER_ENV_FILE, profiles=("cluster",))
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = yaml.safe_load(result.stdout)
    return loaded


def env_file_values(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an environment file (comments and blanks skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


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
    """PostgreSQL, Kafka, the API, the relay, four consumers, Prometheus and Grafana (events
    are sealed as written: no sealer runs beside them);
    two more brokers only with the profile "cluster"."""
    services = normalised()["services"]
    by_default = {name for name, service in services.items() if not service.get("profiles")}
    assert by_default == {"postgres", "kafka", *LEDGER_SERVICES, "prometheus", "grafana"}
    assert {name: service["profiles"] for name, service in services.items()
            if service.get("profiles")} == {"kafka-2": ["cluster"], "kafka-3": ["cluster"]}


def test_the_cluster_file_validates_too() -> None:
    """Compose accepts the file read with the cluster's environment file and profile."""
    result = compose_config(COMPOSE_FILE, "--quiet", env_file=CLUSTER_ENV_FILE,
                            profiles=("cluster",))
    assert result.returncode == 0, result.stderr


def test_ledger_services_share_the_image_the_database_and_the_broker() -> None:
    """Every ledger process runs the built image, on PostgreSQL and Kafka, once both are up."""
    services = normalised()["services"]
    for name, command in LEDGER_SERVICES.items():
        service = services[name]
        assert service["command"][:len(command)] == command, name
        assert service["image"] == "cocagne-ledger:latest"
        assert Path(service["build"]["context"]) == REPOSITORY_ROOT
        assert service["environment"]["COCAGNE_DATABASE_URL"] == DATABASE_URL
        assert service["environment"]["COCAGNE_DATABASE_PASSWORD_FILE"] == (
            f"{SECRETS_MOUNT}/postgres_password")
        # The API alone signs checkpoints of the hash chain.
        assert secret_names(service) == (["postgres_password", "checkpoint_key"]
                                         if name == "api" else ["postgres_password"])
        assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert service["environment"]["COCAGNE_KAFKA_REPLICATION_FACTOR"] == "1"
        assert service["environment"]["COCAGNE_KAFKA_MIN_INSYNC_REPLICAS"] == "1"
        assert service["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                         "kafka": {"condition": "service_healthy"}}
    assert (REPOSITORY_ROOT / "Dockerfile").is_file()


def test_consumers_can_be_scaled() -> None:
    """No consumer pins a container name or a host port, which ``--scale`` would refuse."""
    services = normalised()["services"]
    for name in CONSUMERS:
        assert "container_name" not in services[name], name
        assert "ports" not in services[name], name


def secret_names(service: dict[str, Any]) -> list[str]:
    """Secrets a service mounts: 1.29 prints ``{source: NAME}``, the plugin mappings too."""
    return [secret["source"] if isinstance(secret, dict) else secret
            for secret in service.get("secrets", [])]


def test_postgres_matches_the_database_url() -> None:
    """The PostgreSQL 16 service has the user and database the URL names, and reads its
    password from the same secret file as the ledger's processes."""
    postgres = normalised()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert postgres["environment"] == {
        "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD_FILE": f"{SECRETS_MOUNT}/postgres_password",
        "POSTGRES_DB": "cocagne"}
    assert secret_names(postgres) == ["postgres_password"]


def test_no_secret_is_written_in_the_compose_file() -> None:
    """Passwords come from git-ignored secret files: none in any service's environment, none
    in a URL, and the secret files are neither committed nor sent to the image build."""
    config = normalised()
    for name, service in config["services"].items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|_KEY\b", key):
                assert key.endswith("_FILE"), f"{name}: {key} holds a secret in clear"
                assert str(value).startswith(f"{SECRETS_MOUNT}/"), f"{name}: {key}={value}"
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", str(value)), f"{name}: {key}"
    sources = {name: Path(secret["file"]) for name, secret in config["secrets"].items()}
    assert set(sources) == {"postgres_password", "grafana_admin_password", "checkpoint_key"}
    for name, source in sources.items():
        assert source == REPOSITORY_ROOT / "secrets" / name
        ignored = subprocess.run(["git", "check-ignore", "--quiet", str(source)],
                                 cwd=REPOSITORY_ROOT, check=False, timeout=COMPOSE_TIMEOUT_S)
        assert ignored.returncode == 0, f"{source} is not git-ignored"
    assert "secrets" in (REPOSITORY_ROOT / ".dockerignore").read_text().split()


def test_env_example_documents_every_variable_with_its_default() -> None:
    """Each variable the compose file reads is in .env.example, with the file's own default."""
    text = COMPOSE_FILE.read_text()
    defaults = dict(re.findall(r"\$\{(\w+):-([^}]*)\}", text))
    documented = env_file_values(ENV_EXAMPLE)
    assert interpolated_variables() <= set(documented)
    for name, default in defaults.items():
        assert documented[name] == default, name


def test_the_secrets_script_makes_readable_secret_files(tmp_path: Path) -> None:
    """``scripts/compose-secrets`` writes one random password per secret, once, in a folder
    only its owner opens, readable by the containers' own users."""
    directory = tmp_path / "secrets"
    script = REPOSITORY_ROOT / "scripts" / "compose-secrets"
    environment = {**os.environ, "COCAGNE_SECRETS_DIR": str(directory)}
    made = subprocess.run(["bash", str(script)], env=environment, capture_output=True,
                          text=True, timeout=COMPOSE_TIMEOUT_S, check=True)
    files = {path.name: path for path in directory.iterdir()}
    assert set(files) == set(normalised()["secrets"])
    passwords = {name: path.read_text() for name, path in files.items()}
    key = passwords.pop("checkpoint_key")
    assert key.startswith("-----BEGIN PRIVATE KEY-----")
    assert all(len(password) >= 32 and "\n" not in password for password in passwords.values())
    assert len(set(passwords.values())) == len(passwords)
    assert directory.stat().st_mode & 0o777 == 0o700
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in files.values())
    again = subprocess.run(["bash", str(script)], env=environment, capture_output=True,
                           text=True, timeout=COMPOSE_TIMEOUT_S, check=True)
    assert {name: path.read_text() for name, path in files.items()} == {
        **passwords, "checkpoint_key": key}
    assert made.stdout.count("created") == again.stdout.count("kept") == len(files)


def test_kafka_runs_in_kraft_mode_on_a_single_node() -> None:
    """By default Apache Kafka is one node, its own controller (no ZooKeeper), advertising
    kafka:9092, with one replica of everything; healthy when it sees itself."""
    kafka = normalised()["services"]["kafka"]
    environment = kafka["environment"]
    assert kafka["image"].startswith("apache/kafka:")
    assert environment["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert environment["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in environment["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert not any("ZOOKEEPER" in key for key in environment)
    for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_DEFAULT_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"):
        assert int(environment[key]) == 1, key
    assert kafka["healthcheck"]["test"][-1].endswith("-ge 1 ]")


def test_the_cluster_profile_runs_three_kraft_nodes() -> None:
    """With cluster.env: three nodes, each broker and controller of one quorum, one cluster
    id, their own volume and host port, replication factor 3 and min.insync.replicas 2."""
    assert env_file_values(CLUSTER_ENV_FILE)["COMPOSE_PROFILES"] == "cluster"
    assert env_file_values(CLUSTER_ENV_FILE)["COMPOSE_PROJECT_NAME"] != "cocagne"
    services = normalised_cluster()["services"]
    nodes = {name: services[name]["environment"] for name in BROKERS}
    assert {int(environment["KAFKA_NODE_ID"]) for environment in nodes.values()} == {1, 2, 3}
    assert len({environment["CLUSTER_ID"] for environment in nodes.values()}) == 1
    for name, environment in nodes.items():
        assert environment["KAFKA_PROCESS_ROLES"] == "broker,controller", name
        assert environment["KAFKA_CONTROLLER_QUORUM_VOTERS"] == CLUSTER_VOTERS, name
        assert f"{environment['KAFKA_NODE_ID']}@{name}:9093" in CLUSTER_VOTERS.split(","), name
        assert f"PLAINTEXT://{name}:9092" in environment[
            "KAFKA_ADVERTISED_LISTENERS"].split(","), name
        for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                    "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                    "KAFKA_DEFAULT_REPLICATION_FACTOR"):
            assert int(environment[key]) == 3, (name, key)
        for key in ("KAFKA_MIN_INSYNC_REPLICAS", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"):
            assert int(environment[key]) == 2, (name, key)
        assert environment["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false", name
        assert services[name]["healthcheck"]["test"][-1].endswith("-ge 3 ]"), name
    assert len({volume_sources(services[name])[0] for name in BROKERS}) == 3
    host_ports = [str(port["published"]) if isinstance(port, dict) else port.split(":")[0]
                  for name in BROKERS for port in services[name]["ports"]]
    assert len(set(host_ports)) == 3


def test_relay_and_consumers_use_the_whole_cluster() -> None:
    """With cluster.env every ledger process knows the three brokers and waits for node 1 to
    see them; the relay, given that environment, asks for RF 3 and min.insync.replicas 2."""
    services = normalised_cluster()["services"]
    for name in LEDGER_SERVICES:
        environment = services[name]["environment"]
        assert environment["KAFKA_BOOTSTRAP_SERVERS"].split(",") == [
            f"{broker}:9092" for broker in BROKERS], name
        assert services[name]["depends_on"]["kafka"] == {"condition": "service_healthy"}
    parser = argparse.ArgumentParser()
    add_arguments(parser, services["relay"]["environment"])
    settings = settings_from_arguments(parser.parse_args([]))
    topic = new_topic(settings.topic, settings.partitions,
                      replication_factor=settings.replication_factor,
                      min_insync_replicas=settings.min_insync_replicas)
    assert settings.bootstrap_servers == "kafka:9092,kafka-2:9092,kafka-3:9092"
    assert (topic.replication_factor, topic.topic_configs) == (3, {"min.insync.replicas": "2"})


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
    assert scraped == set(LEDGER_SERVICES)


def test_grafana_is_provisioned_with_prometheus_and_the_dashboards() -> None:
    """Grafana starts with the Prometheus service as its default data source and loads the
    dashboards folder from the path its provider names; admin from the environment, password
    from the secret file, the home page on an existing dashboard."""
    grafana = normalised()["services"]["grafana"]
    provisioning = GRAFANA / "provisioning"
    assert str(provisioning) in volume_sources(grafana)
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert [(source["type"], source["url"]) for source in datasources["datasources"]] == [
        ("prometheus", "http://prometheus:9090")]
    [provider] = yaml.safe_load(
        (provisioning / "dashboards" / "cocagne.yml").read_text())["providers"]
    mounts = {volume.split(":")[0]: volume.split(":")[1]
              for volume in grafana["volumes"] if isinstance(volume, str)} or {
        volume["source"]: volume["target"] for volume in grafana["volumes"]}
    assert mounts[str(GRAFANA / "dashboards")] == provider["options"]["path"]
    environment = grafana["environment"]
    home = environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith(provider["options"]["path"] + "/")
    assert (GRAFANA / "dashboards" / Path(home).name).is_file()
    assert environment["GF_SECURITY_ADMIN_USER"] == "admin"
    assert environment["GF_SECURITY_ADMIN_PASSWORD__FILE"] == (
        f"{SECRETS_MOUNT}/grafana_admin_password")
    assert "GF_SECURITY_ADMIN_PASSWORD" not in environment
    assert secret_names(grafana) == ["grafana_admin_password"]
