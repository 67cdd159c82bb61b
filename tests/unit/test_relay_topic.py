"""How the relay creates its topic: partitions, replication factor and min.insync.replicas,
from its options or the environment (1 and 1 for the single broker, 3 and 2 for the cluster
profile of docker-compose.yml), and a producer that keeps acks=all with idempotence.

No broker here: these pin the request the relay sends;
``tests/integration/kafka/test_relay.py`` sends it to a real one and checks the producer's
acks and idempotence.
"""

from __future__ import annotations

import argparse

import pytest

from consumers.relay import (
    DEFAULT_MIN_INSYNC_REPLICAS,
    DEFAULT_REPLICATION_FACTOR,
    MIN_INSYNC_REPLICAS_VARIABLE,
    REPLICATION_FACTOR_VARIABLE,
    RelaySettings,
    add_arguments,
    new_topic,
    settings_from_arguments,
)


def relay_settings(argv: list[str], environ: dict[str, str]) -> RelaySettings:
    """The settings ``cocagne relay ARGV`` would run with in ``environ``."""
    parser = argparse.ArgumentParser()
    add_arguments(parser, environ)
    return settings_from_arguments(parser.parse_args(argv))


def test_single_broker_defaults_are_one_replica_one_in_sync() -> None:
    """With nothing set, the topic is asked for with one replica and min.insync.replicas 1."""
    settings = relay_settings([], {})
    assert (settings.replication_factor, settings.min_insync_replicas) == (
        DEFAULT_REPLICATION_FACTOR, DEFAULT_MIN_INSYNC_REPLICAS) == (1, 1)
    topic = new_topic("cocagne.events", settings.partitions)
    assert (topic.name, topic.num_partitions, topic.replication_factor) == (
        "cocagne.events", 6, 1)
    assert topic.topic_configs == {"min.insync.replicas": "1"}


def test_cluster_environment_asks_for_three_replicas_two_in_sync() -> None:
    """The cluster profile's variables give RF 3 and min.insync.replicas 2 on the topic."""
    settings = relay_settings([], {REPLICATION_FACTOR_VARIABLE: "3",
                                   MIN_INSYNC_REPLICAS_VARIABLE: "2",
                                   "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092,kafka-2:9092"})
    assert settings.bootstrap_servers == "kafka:9092,kafka-2:9092"
    topic = new_topic(settings.topic, settings.partitions,
                      replication_factor=settings.replication_factor,
                      min_insync_replicas=settings.min_insync_replicas)
    assert topic.replication_factor == 3
    assert topic.topic_configs == {"min.insync.replicas": "2"}


def test_options_win_over_the_environment() -> None:
    """``--replication-factor`` and ``--min-insync-replicas`` override the variables."""
    settings = relay_settings(["--replication-factor", "5", "--min-insync-replicas", "3"],
                              {REPLICATION_FACTOR_VARIABLE: "3",
                               MIN_INSYNC_REPLICAS_VARIABLE: "2"})
    assert (settings.replication_factor, settings.min_insync_replicas) == (5, 3)


@pytest.mark.parametrize(("replication_factor", "min_insync_replicas"),
                         [(0, 1), (8, 1), (3, 0), (3, 4), (1, 2)])
def test_settings_no_broker_could_honour_are_refused(replication_factor: int,
                                                     min_insync_replicas: int) -> None:
    """No replica, more than seven, or more in-sync replicas than replicas: refused at once."""
    with pytest.raises(ValueError, match="replica"):
        RelaySettings(bootstrap_servers="kafka:9092", replication_factor=replication_factor,
                      min_insync_replicas=min_insync_replicas)
    with pytest.raises(ValueError, match="replica"):
        new_topic("t", 1, replication_factor=replication_factor,
                  min_insync_replicas=min_insync_replicas)


def test_a_bad_variable_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A non-number in the environment stops with argparse's one-line error, no traceback."""
    with pytest.raises(SystemExit) as stopped:
        relay_settings([], {REPLICATION_FACTOR_VARIABLE: "three"})
    assert stopped.value.code == 2
    assert "'three' is not a number of replicas" in capsys.readouterr().err
