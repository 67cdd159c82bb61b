"""French texts of ``serve`` and ``token`` (``infra/cli/server.py``)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "ADDRESS": "ADRESSE",
    "LABEL": "LIBELLÉ",
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
    "no live token {token_id}": "aucun jeton actif {token_id}",
    "revoked {token_id}": "{token_id} révoqué",
}
