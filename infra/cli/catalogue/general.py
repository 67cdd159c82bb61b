"""French texts of the parser, the errors and the main command, and of shared words.

The parser's own sentences, the one-line errors, the store options (``infra/cli/support.py``,
``errors.py``, ``main.py``, ``progress.py``), and every text more than one command says.
"""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "usage: ": "utilisation : ",
    "arguments": "arguments",
    "options": "options",
    "commands": "commandes",
    "COMMAND": "COMMANDE",
    "show this help and exit": "afficher cette aide et quitter",
    "{prog}: {message} (see {prog} --help)": "{prog} : {message} (voir {prog} --help)",
    "argument {name}: {message}": "argument {name} : {message}",
    "the following arguments are required: {names}":
        "arguments obligatoires manquants : {names}",
    "unrecognized arguments: {names}": "arguments inconnus : {names}",
    "invalid choice: {value} (choose from {choices})":
        "choix invalide : {value} (choisir parmi {choices})",
    "invalid value: {value}": "valeur invalide : {value}",
    "expected one value": "une valeur attendue",
    "expected at least one value": "au moins une valeur attendue",
    "expected at most one value": "au plus une valeur attendue",
    "expected {count} values": "{count} valeurs attendues",
    "not allowed with {name}": "incompatible avec {name}",
    "one of the arguments {names} is required": "l'un des arguments {names} est obligatoire",
    "ambiguous option: {option} could match {matches}":
        "option ambiguë : {option} peut désigner {matches}",
    "ignored explicit value {value}": "valeur ignorée : {value}",
    "refused ({code}): {message}": "refusé ({code}) : {message}",
    "configuration error: {error}": "erreur de configuration : {error}",
    "Kafka broker unreachable: {error}": "courtier Kafka injoignable : {error}",
    "PostgreSQL unreachable: {error}": "PostgreSQL injoignable : {error}",
    "PostgreSQL unreachable at {url}: {reason}": "PostgreSQL injoignable ({url}) : {reason}",
    "SQLite database error: {error}": "erreur de la base SQLite : {error}",
    "event store unavailable: {error}": "magasin d'événements indisponible : {error}",
    "permission denied: {path}": "accès refusé : {path}",
    "no such file or folder: {path}": "fichier ou dossier introuvable : {path}",
    "system error: {error}{where}": "erreur système : {error}{where}",
    "internal error ({kind}: {error}); run again with --log-level debug for the traceback":
        "erreur interne ({kind} : {error}) ; relancez avec --log-level debug pour voir la "
        "trace",
    "interrupted": "interrompu",
    "error: {error}": "erreur : {error}",
    "{text!r} is not an ISO date (2026-03-01) or date-time (2026-03-01T12:00)":
        "{text!r} n'est ni une date ISO (2026-03-01) ni une date et heure ISO "
        "(2026-03-01T12:00)",
    "{text!r} is not an ISO date (2026-03-01)": "{text!r} n'est pas une date ISO (2026-03-01)",
    "{text!r} is not a whole number from {low} to {high}":
        "{text!r} n'est pas un nombre entier de {low} à {high}",
    "{variable}={level!r} is not one of {levels}": "{variable}={level!r} n'est pas parmi {levels}",
    "FILE": "FICHIER",
    "TIME": "MOMENT",
    "DATE": "DATE",
    "LOT": "LOT",
    "ACTION": "ACTION",
    "KIND": "TYPE",
    "SITE": "SITE",
    "MEMBER": "MEMBRE",
    "SQLite file (default {path})": "fichier SQLite (par défaut {path})",
    "sqlite:///FILE or postgresql://USER@HOST:PORT/DB (default ${variable})":
        "sqlite:///FICHIER ou postgresql://UTILISATEUR@HÔTE:PORT/BASE (par défaut "
        "${variable})",
    "{path} is a folder, not an SQLite database file":
        "{path} est un dossier, pas un fichier de base SQLite",
    "no event store at {path} (a query never creates one: check --db, or create the demo "
    "with `cocagne demo --db {path}`)":
        "aucun magasin d'événements à {path} (une consultation n'en crée jamais : vérifiez "
        "--db, ou créez la démo avec `cocagne demo --db {path}`)",
    "the folder {folder} does not exist (for {path})":
        "le dossier {folder} n'existe pas (pour {path})",
    "Event-sourced coordination ledger for organic market gardens and food-aid "
    "organisations.":
        "Registre de coordination, fondé sur les événements, des jardins maraîchers bio et "
        "des structures d'aide alimentaire.",
    "language of messages, tables and formats (default: from LC_ALL, LC_MESSAGES or LANG; "
    "French unless they ask for English)":
        "langue des messages, tableaux et formats (par défaut : d'après LC_ALL, LC_MESSAGES "
        "ou LANG ; le français, sauf s'ils demandent l'anglais)",
    "debug, info, warning or error (default: ${variable}, else info for services, warning for "
    "other commands)":
        "debug, info, warning ou error (par défaut : ${variable}, sinon info pour les "
        "services, warning pour les autres commandes)",
    "JSON log lines even in a terminal": "journaux en lignes JSON, même dans un terminal",
    "JSON output": "sortie JSON",
    "outlet": "structure",
    "distributed": "distribué",
    "{percent}  {position}/{total}  {rate} events/s":
        "{percent}  {position}/{total}  {rate} événements/s",
    "none": "aucun",
    "lot": "lot",
    "kind": "type",
    "no lot has the code or id {lot!r}": "aucun lot n'a le code ou l'identifiant {lot!r}",
    "error": "erreur",
    "actions": "actions",
    "file to write (default: stdout)": "fichier à écrire (par défaut : la sortie standard)",
    "last day, included (YYYY-MM-DD)": "dernier jour, inclus (AAAA-MM-JJ)",
    "wrote {size} bytes to {path}": "{size} octets écrits dans {path}",
    "state": "état",
    'delivery':
        'livraison',
}
