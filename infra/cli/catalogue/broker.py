"""French texts of the Kafka relay and consumers (``infra/cli/broker.py``), relay help included."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "publish the event store's events to Kafka":
        "publier les événements du magasin dans Kafka",
    "Publish every stored event, in log order, to a Kafka topic keyed by stream id, from "
    "the relay's stored position (or --from). Follows the store until stopped (SIGTERM, "
    "Ctrl-C), or exits once caught up.":
        "Publier chaque événement enregistré, dans l'ordre du journal, dans un sujet Kafka "
        "clé par identifiant de flux, depuis la position enregistrée du relais (ou --from). "
        "Suit le magasin jusqu'à l'arrêt (SIGTERM, Ctrl-C), ou s'arrête une fois à jour.",
    "build a view (or raise alerts) from the Kafka topic":
        "construire une vue (ou lever des alertes) depuis le sujet Kafka",
    "Join a consumer group on the relay's topic and apply its events to a view, exactly "
    "once, committing offsets after the view's transaction. Run several processes with the "
    "same --group to share the partitions.":
        "Rejoindre un groupe de consommateurs sur le sujet du relais et en appliquer les "
        "événements à une vue, une seule fois chacun, en validant les positions après la "
        "transaction de la vue. Lancez plusieurs processus avec le même --group pour se "
        "partager les partitions.",
    "what to build": "ce qu'il faut construire",
    "consumer group (default {prefix}VIEW)": "groupe de consommateurs (par défaut {prefix}VUE)",
    "Kafka brokers, comma-separated (default: ${variable} or {default})":
        "courtiers Kafka, séparés par des virgules (par défaut : ${variable} ou {default})",
    "the relay's topic": "le sujet du relais",
    "at most this many records per poll and per view transaction; each batch is sized to "
    "take about a second (default {size})":
        "au plus ce nombre de messages par lecture et par transaction de la vue ; chaque lot "
        "est dimensionné pour durer environ une seconde (par défaut {size})",
    "SQLite file of the consumer's views (default: beside an SQLite store, *{suffix}; on "
    "PostgreSQL, tables {prefix}* of the store)":
        "fichier SQLite des vues du consommateur (par défaut : à côté d'un magasin SQLite, "
        "*{suffix} ; sur PostgreSQL, tables {prefix}* du magasin)",
    "alerts": "alertes",
    "alert lots this close to best-before (default {days})":
        "alerter pour les lots à moins de tant de jours de leur date limite (par défaut "
        "{days})",
    "alert receipts differing from what was expected by more basis points than this "
    "(default {bp}, i.e. 5 %%)":
        "alerter pour les réceptions qui s'écartent de l'attendu de plus de tant de points "
        "de base (par défaut {bp}, soit 5 %%)",
    "... or by more grams than this (default: no grams threshold)":
        "... ou de plus de tant de grammes (par défaut : pas de seuil en grammes)",
    "POST each alert as JSON here (default ${variable}; none: log lines only)":
        "envoyer chaque alerte en JSON (POST) à cette adresse (par défaut ${variable} ; "
        "sinon : lignes de journal seulement)",
    "seconds between scans for lots entering their best-before window (default "
    "{seconds:g})":
        "secondes entre deux recherches de lots approchant leur date limite (par défaut "
        "{seconds:g})",
    "dead letters": "messages mis de côté",
    "list the records this view's consumer set aside (could not decode or apply), newest "
    "first, and exit":
        "lister les messages que le consommateur de cette vue a mis de côté (illisibles ou "
        "inapplicables), les plus récents d'abord, puis s'arrêter",
    "dead letters listed (default {default}, at most {most})":
        "messages mis de côté listés (par défaut {default}, au plus {most})",
    "dead letters as JSON lines (value in hexadecimal)":
        "messages mis de côté en lignes JSON (contenu en hexadécimal)",
    "set aside": "mis de côté le",
    "topic": "sujet",
    "partition": "partition",
    "offset": "position",
    "type": "type",
    "stream": "flux",
    "version": "version",
    "bytes": "octets",
    "Records the {view} consumer set aside, newest first":
        "Messages mis de côté par le consommateur « {view} », les plus récents d'abord",
    "No record set aside by the {view} consumer.":
        "Aucun message mis de côté par le consommateur « {view} ».",
    "ignoring {variable}={text!r}: not a port number":
        "{variable}={text!r} ignoré : ce n'est pas un numéro de port",
    # The relay module's own help texts (consumers cannot import the CLI's words).
    "Kafka brokers, comma-separated (default: $KAFKA_BOOTSTRAP_SERVERS or localhost:9092)":
        "courtiers Kafka, séparés par des virgules (par défaut : $KAFKA_BOOTSTRAP_SERVERS ou "
        "localhost:9092)",
    "topic to publish to": "sujet où publier",
    "replicas of each partition when the relay creates the topic (default: "
    "$COCAGNE_KAFKA_REPLICATION_FACTOR or 1)":
        "répliques de chaque partition quand le relais crée le sujet (par défaut : "
        "$COCAGNE_KAFKA_REPLICATION_FACTOR ou 1)",
    "replicas that must hold a write before the broker acknowledges it, set on the topic the "
    "relay creates (default: $COCAGNE_KAFKA_MIN_INSYNC_REPLICAS or 1)":
        "répliques qui doivent détenir une écriture avant que le courtier ne l'acquitte, "
        "réglé sur le sujet que crée le relais (par défaut : $COCAGNE_KAFKA_MIN_INSYNC_REPLICAS "
        "ou 1)",
    "name of the stored position (one per relay)":
        "nom de la position enregistrée (une par relais)",
    "republish every event after this notification id (0: all), instead of resuming from "
    "the stored position":
        "republier chaque événement après cet identifiant de notification (0 : tous), au "
        "lieu de reprendre à la position enregistrée",
    "publish up to the current head of the log, then exit":
        "publier jusqu'à la fin actuelle du journal, puis s'arrêter",
    "events per batch (one flush and one position write per batch)":
        "événements par lot (un envoi et une écriture de position par lot)",
    "partitions of the topic when the relay creates it":
        "partitions du sujet quand le relais le crée",
    "pause between polls of an idle log": "pause entre deux lectures d'un journal inactif",
}
