"""French texts of the server and the API tokens."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "serve the HTTP API and the live dashboard":
        "servir l'API HTTP et le tableau de bord en direct",
    "Serve the API, the dashboard (/dashboard), /livez, /readyz and /metrics.":
        "Servir l'API, le tableau de bord (/dashboard), /livez, /readyz et /metrics.",
    "issue, list or revoke API tokens": "émettre, lister ou révoquer des jetons d'API",
    "address to bind (default 127.0.0.1)": "adresse d'écoute (par défaut 127.0.0.1)",
    "port (default 8000)": "port (par défaut 8000)",
    "seed the demo territory if the store is empty and print a token per role first":
        "créer le territoire de démonstration si le magasin est vide et afficher d'abord un "
        "jeton par rôle",
    "issue a token for a member (shown once)":
        "émettre un jeton pour un membre (affiché une seule fois)",
    "the member's id or exact name": "identifiant ou nom exact du membre",
    "what the token is for": "à quoi sert le jeton",
    "tokens issued (never the secrets)": "jetons émis (jamais les secrets)",
    "only this member's (id or exact name)":
        "seulement ceux de ce membre (identifiant ou nom exact)",
    "revoke a token by its id": "révoquer un jeton par son identifiant",
    "the token's id, as listed": "identifiant du jeton, tel que listé",
    "cannot listen on {host}:{port}: {reason}": "impossible d'écouter sur {host}:{port} : "
                                                "{reason}",
    "serving {url} on http://{host}:{port}": "service de {url} sur http://{host}:{port}",
    "no member {member!r} in {url}": "aucun membre {member!r} dans {url}",
    "token {token_id} for {name} ({roles}):": "jeton {token_id} pour {name} ({roles}) :",
    "token {token_id} for household {reference} (household):":
        "jeton {token_id} pour le foyer {reference} (foyer) :",
    "token": "jeton",
    "member": "membre",
    "created": "créé",
    "state": "état",
    "label": "libellé",
    "live": "actif",
    "revoked {moment}": "révoqué le {moment}",
    "no token": "aucun jeton",
    "seeding the demo territory into {url} …":
        "création du territoire de démonstration dans {url} …",
    "Cocagne ledger: {url}/espace  (dashboard: {url}/dashboard, API reference: "
    "{url}/api/schema)":
        "Registre Cocagne : {url}/espace  (tableau de bord : {url}/dashboard, référence de "
        "l'API : {url}/api/schema)",
    "Demo tokens (Authorization: Bearer …); open a role's link to sign in as it:":
        "Jetons de démonstration (Authorization: Bearer …) ; ouvrez le lien d'un rôle pour "
        "vous connecter en son nom :",
    "Signed checkpoints of the hash chain: {url}/api/checkpoints (public key: "
    "{url}/api/checkpoints/public-key; history: {url}/api/history/export)":
        "Points de contrôle signés de la chaîne d'empreintes : {url}/api/checkpoints (clé "
        "publique : {url}/api/checkpoints/public-key ; historique : "
        "{url}/api/history/export)",
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
    "what a proposal's rule would have given over past weeks":
        "ce que la règle d'une proposition aurait donné les semaines passées",
    'Replay past weeks under a proposed allocation key, price grid or basket terms, beside what '
    'happened; writes nothing.':
        'Rejoue les semaines passées sous une clé de répartition, une grille de prix ou des '
        "conditions de panier proposées, à côté de ce qui s'est passé ; n'écrit rien.",
    'weeks replayed (default: as decided, else 8)':
        'semaines rejouées (par défaut : comme décidé, sinon 8)',
    "replay the weeks before this day's week (default: the proposal's opening day)":
        "rejouer les semaines avant la semaine de ce jour (par défaut : le jour d'ouverture de "
        'la proposition)',
    'every rule ever in force: the proposal, tally and dates that set it and how many acts '
    'applied it':
        'toutes les règles qui ont été en vigueur : la proposition, le décompte et les dates qui '
        "l'ont fixée et combien d'actes l'ont appliquée",
    'voters':
        'votants',
    'participation':
        'participation',
    "no live token {token_id}": "aucun jeton actif {token_id}",
    "revoked {token_id}": "{token_id} révoqué",
}
