"""French texts of the audit and export commands (``infra/cli/audit.py``)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "FOLDER": "DOSSIER",
    "extend the hash chain over newly stored events":
        "prolonger la chaîne d'empreintes sur les nouveaux événements",
    "Chain every stored event not yet sealed into event_chain.":
        "Chaîner dans event_chain chaque événement enregistré pas encore scellé.",
    "seal, then sign the chain head into a checkpoint file":
        "sceller, puis signer la tête de chaîne dans un fichier de point de contrôle",
    "Seal, then write a signed checkpoint of the chain head. `cocagne checkpoint keygen "
    "--out FILE` makes a signing key.":
        "Sceller, puis écrire un point de contrôle signé de la tête de chaîne. `cocagne "
        "checkpoint keygen --out FICHIER` crée une clé de signature.",
    "recompute the hash chain and name the first event that fails":
        "recalculer la chaîne d'empreintes et nommer le premier événement en défaut",
    "Recompute the chain from the stored events; compare it with event_chain and with kept "
    "checkpoints. Exit code 0: intact; 1: tampered; 2: error.":
        "Recalculer la chaîne depuis les événements enregistrés ; la comparer à event_chain "
        "et aux points de contrôle conservés. Code de sortie 0 : intacte ; 1 : altérée ; "
        "2 : erreur.",
    "EPCIS, recall spreadsheet, registers, funder reports":
        "EPCIS, tableur de rappel, registres, rapports aux financeurs",
    "keep following the store until interrupted":
        "continuer à suivre le magasin jusqu'à interruption",
    "polling period with --follow (default {seconds})":
        "période de lecture avec --follow (par défaut {seconds})",
    "with --follow: stop after this many polls (default: never)":
        "avec --follow : s'arrêter après tant de lectures (par défaut : jamais)",
    "with --follow: write signed checkpoints into this directory":
        "avec --follow : écrire des points de contrôle signés dans ce dossier",
    "with --checkpoint-dir: seconds between checkpoints (default {seconds:.0f})":
        "avec --checkpoint-dir : secondes entre deux points de contrôle (par défaut "
        "{seconds:.0f})",
    "Ed25519 private key (default $COCAGNE_CHECKPOINT_KEY_FILE)":
        "clé privée Ed25519 (par défaut $COCAGNE_CHECKPOINT_KEY_FILE)",
    "Ed25519 private key (default $COCAGNE_CHECKPOINT_KEY_FILE or $COCAGNE_CHECKPOINT_KEY)":
        "clé privée Ed25519 (par défaut $COCAGNE_CHECKPOINT_KEY_FILE ou "
        "$COCAGNE_CHECKPOINT_KEY)",
    "directory for the file (default {path})": "dossier du fichier (par défaut {path})",
    "sign the current head without sealing new events first":
        "signer la tête actuelle sans sceller d'abord les nouveaux événements",
    "kinds": "types",
    "write a new Ed25519 signing key": "écrire une nouvelle clé de signature Ed25519",
    "private key file to create (PEM, mode 600; never overwritten)":
        "fichier de clé privée à créer (PEM, mode 600 ; jamais écrasé)",
    "a kept checkpoint file (repeatable)":
        "un fichier de point de contrôle conservé (répétable)",
    "only trust checkpoints signed by this key (PEM or base64)":
        "ne se fier qu'aux points de contrôle signés par cette clé (PEM ou base64)",
    "print the report as JSON": "afficher le rapport en JSON",
    "GS1 EPCIS 2.0 JSON-LD document": "document GS1 EPCIS 2.0 JSON-LD",
    "a lot code: the lot, its parents and descendants":
        "un code de lot : le lot, ses parents et ses descendants",
    "period start (date or ISO date-time)": "début de période (date ou date et heure ISO)",
    "period end (a date is included whole)": "fin de période (une date est incluse en entier)",
    "FSMA 204 sortable spreadsheet of one lot": "tableur triable FSMA 204 d'un lot",
    "lot code": "code du lot",
    "one step back, one step forward (EU 178/2002 art. 18)":
        "un pas en amont, un pas en aval (règlement UE 178/2002, art. 18)",
    "member id or exact name": "identifiant ou nom exact du membre",
    "first day (YYYY-MM-DD)": "premier jour (AAAA-MM-JJ)",
    "a funder's commitments and what they financed":
        "les engagements d'un financeur et ce qu'ils ont financé",
    "funder member id or exact name": "identifiant ou nom exact du financeur",
    "csv (UTF-8 with BOM, ';') or xlsx (default {format})":
        "csv (UTF-8 avec BOM, ';') ou xlsx (par défaut {format})",
    "header language (default: the command's, {language})":
        "langue des en-têtes (par défaut : celle de la commande, {language})",
    "csv (UTF-8 with BOM, ';'), xlsx or pdf (A4) (default {format})":
        "csv (UTF-8 avec BOM, ';'), xlsx ou pdf (A4) (par défaut {format})",
    "the table a CSV holds (default summary)":
        "la table que contient un CSV (par défaut summary)",
    "sealed {sealed} events; chain head: notification {head}":
        "{sealed} événements scellés ; tête de chaîne : notification {head}",
    "checkpoint {path}: {events} events up to notification {notification}, head {head}, "
    "key {key}":
        "point de contrôle {path} : {events} événements jusqu'à la notification "
        "{notification}, tête {head}, clé {key}",
    "{path} exists; a signing key is never overwritten":
        "{path} existe ; une clé de signature n'est jamais écrasée",
    "private key written to {path} (keep it secret; set COCAGNE_CHECKPOINT_KEY_FILE={path})":
        "clé privée écrite dans {path} (gardez-la secrète ; définissez "
        "COCAGNE_CHECKPOINT_KEY_FILE={path})",
    "public key (base64, give it to members): {key}":
        "clé publique (base64, à donner aux membres) : {key}",
    "key id: {key}": "identifiant de clé : {key}",
    "note: {count} events are not sealed yet (run `cocagne seal`)":
        "note : {count} événements ne sont pas encore scellés (lancez `cocagne seal`)",
    'signed checkpoint at notification {notification}':
        'point de contrôle signé à la notification {notification}',
    'no signed checkpoint yet':
        "aucun point de contrôle signé pour l'instant",
    ", {count} outside the member's scope (links only)":
        ', {count} hors du périmètre du membre (liens seulement)',
    '; written to {path}':
        ' ; écrit dans {path}',
    'history to notification {head}: {events} events{scope}; {signed}{written}':
        "historique jusqu'à la notification {head} : {events} événements{scope} ; "
        '{signed}{written}',
    'recompute the hash chain of the store or of an exported history':
        "recalculer la chaîne d'empreintes du magasin ou d'un historique exporté",
    'Recompute the chain from the stored events (or from an exported history with --file, no '
    'database needed); compare it with its links and with signed checkpoints. Exit code 0: every '
    'event read was checked and matches; 1: an event was changed, removed or inserted, or some '
    'events are not sealed; 2: error.':
        "Recalcule la chaîne à partir des événements enregistrés (ou d'un historique exporté "
        'avec --file, sans base de données) ; la compare à ses liens et aux points de contrôle '
        'signés. Code de sortie 0 : chaque événement lu a été vérifié et concorde ; 1 : un '
        'événement a été modifié, supprimé ou inséré, ou des événements ne sont pas scellés ; 2 '
        ': erreur.',
    'EXPORT':
        'EXPORT',
    'an exported history (cocagne export history) instead of a store':
        "un historique exporté (cocagne export history) au lieu d'un magasin",
    'KEY':
        'CLÉ',
    'only trust checkpoints signed by this key (PEM or base64), as published at '
    '/api/checkpoints/public-key':
        "ne faire confiance qu'aux points de contrôle signés par cette clé (PEM ou base64), "
        'telle que publiée à /api/checkpoints/public-key',
    'do not check the signed checkpoints kept in the store':
        'ne pas vérifier les points de contrôle signés conservés dans le magasin',
    'the stored events with their chain links and the latest signed checkpoint, verifiable alone '
    '(cocagne verify --file)':
        'les événements enregistrés avec leurs liens de chaîne et le dernier point de contrôle '
        'signé, vérifiables seuls (cocagne verify --file)',
    'only the history that concerns this member (id or exact name); other events are left out, '
    'their links kept':
        "seulement l'historique qui concerne ce membre (identifiant ou nom exact) ; les autres "
        'événements sont omis, leurs liens gardés',
    '{count} members are named {name}: give the member id':
        "{count} membres s'appellent {name} : donnez l'identifiant du membre",
}
