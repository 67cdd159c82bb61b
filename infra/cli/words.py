"""What the ``cocagne`` command says, in French by default or in English.

The language is chosen once per run by ``use_language``: ``--lang fr|en`` when given, else
the first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set (POSIX's order): English
when it names an English locale (``en_GB.UTF-8``), French otherwise (``fr_FR.UTF-8``, but
also ``C.UTF-8`` or an unset locale: the cooperative's operators read French). Numbers,
money and dates follow that locale's conventions through ``infra.formats`` (Babel).

Messages are written in English in the code, as ``t("no lot has the code {lot}", lot=...)``,
and ``FRENCH`` below gives each its French text (gettext's convention without the ``.mo``
build step: the English text is the message id). ``tests/unit/test_cli_words.py`` checks
that every ``t("...")`` in ``infra/cli`` has its French entry with the same placeholders.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Literal

from infra import formats

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
DEFAULT_LANGUAGE: Language = "fr"
FLAGS = ("--log-json", "-h", "--help")
"""Global options that take no value (the others, ``--lang`` and ``--log-level``, take one)."""
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
"""Where the language comes from when ``--lang`` is not given, first set wins (POSIX)."""
DEFAULT_LOCALES: dict[Language, str] = {"fr": formats.FRENCH, "en": formats.ENGLISH}


class _Choice:
    """The language and formatting locale of this run."""

    language: Language = DEFAULT_LANGUAGE
    locale: str = formats.FRENCH


_chosen = _Choice()


def environment_locale(environ: Mapping[str, str] | None = None) -> str:
    """The POSIX locale name the environment asks for (``""`` when none is set)."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return value
    return ""


def language_of(locale_name: str) -> Language:
    """English for an English locale name, French for anything else."""
    return "en" if locale_name.lower().startswith("en") else DEFAULT_LANGUAGE


def requested_language(argv: Sequence[str]) -> Language | None:
    """The language a ``--lang fr|en`` (or ``--lang=en``) before the subcommand asks for.

    The parser is built in the run's language, so this reads ``argv`` before it: the global
    options up to the first word that is not one (a ``--lang`` after the subcommand is that
    subcommand's own, e.g. the exports' header language).
    """
    index = 0
    # Each step consumes one or two words: argv's length bounds the loop.
    while index < len(argv) and argv[index].startswith("-"):
        argument = argv[index]
        value = argument.partition("=")[2] if "=" in argument else (
            argv[index + 1] if index + 1 < len(argv) else "")
        if argument.split("=")[0] == "--lang" and value in LANGUAGES:
            return "en" if value == "en" else "fr"
        index += 1 if "=" in argument or argument in FLAGS else 2
    return None


def use_language(language: Language | None = None,
                 environ: Mapping[str, str] | None = None) -> Language:
    """Choose this run's language (``language``, else the environment's) and its locale."""
    posix_name = environment_locale(environ)
    chosen = language or language_of(posix_name)
    locale = DEFAULT_LOCALES[chosen]
    if posix_name.lower().startswith(chosen) and "_" in posix_name:
        # The environment's region refines the formats (en_US writes 12/7/26).
        locale = formats.locale_for(posix_name, fallback=locale)
    _chosen.language = chosen
    _chosen.locale = locale
    return chosen


def language() -> Language:
    """The language of this run."""
    return _chosen.language


def locale() -> str:
    """The Babel locale of this run's figures (``fr_FR``, ``en_GB``…)."""
    return _chosen.locale


def t(text: str, /, **fields: object) -> str:
    """``text`` in this run's language, its ``{placeholders}`` filled from ``fields``
    (``text`` is a ``str.format`` template: a literal brace is written twice)."""
    template = FRENCH.get(text, text) if _chosen.language == "fr" else text
    return template.format(**fields)


def translate(text: str) -> str:
    """A text written elsewhere in English (not a template: braces are left alone), in this
    run's language when the catalogue has it."""
    return FRENCH.get(text, text) if _chosen.language == "fr" else text


def term(value: object) -> str:
    """A word of the ledger's vocabulary (a channel, a process, an account kind, a college,
    a movement…) as people say it: ``food_aid`` → ``aide alimentaire`` / ``food aid``.
    A value the vocabulary does not know is shown as it is."""
    text = str(value)
    if _chosen.language == "fr":
        return TERMS.get(text, text)
    return ENGLISH_TERMS.get(text, text.replace("_", " ") if text in TERMS else text)


# --------------------------------------------------------------------------- formats


def grams(quantity_g: int) -> str:
    """``13 701 g``."""
    return formats.grams(quantity_g, _chosen.locale)


def kilograms(quantity_g: int) -> str:
    """``1 234,5 kg``."""
    return formats.kilograms(quantity_g, _chosen.locale)


def euros(cents: int) -> str:
    """``63 046,57 €``."""
    return formats.euros(cents, _chosen.locale)


def percent(basis_points: int) -> str:
    """``12,5 %``."""
    return formats.percent(basis_points, _chosen.locale)


def number(value: int) -> str:
    """``12 345``."""
    return formats.number(value, _chosen.locale)


def rate(per_second: float) -> str:
    """``25 746`` (a rate rounded to a whole number)."""
    return formats.rate(per_second, _chosen.locale)


def seconds(value_s: float) -> str:
    """``1,25 s``."""
    return formats.seconds(value_s, _chosen.locale)


def fraction(value: float) -> str:
    """``42 %`` from 0.42."""
    return formats.fraction(value, _chosen.locale)


def day(value: date | datetime | str | None) -> str:
    """``07/12/2026``."""
    return formats.day(value, _chosen.locale)


def moment(value: datetime | str | None) -> str:
    """``07/12/2026 14:30`` in Paris time."""
    return formats.moment(value, _chosen.locale)


# ------------------------------------------------------------------------ catalogue

FRENCH: dict[str, str] = {
    # ----------------------------------------------------------------- parser, errors
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
    # ---------------------------------------------------------------------- store
    "FILE": "FICHIER",
    "FOLDER": "DOSSIER",
    "TIME": "MOMENT",
    "DATE": "DATE",
    "LOT": "LOT",
    "PROPOSAL": "PROPOSITION",
    "ACTION": "ACTION",
    "KIND": "TYPE",
    "SITE": "SITE",
    "PRODUCT": "PRODUIT",
    "DAYS": "JOURS",
    "SIZE": "TAILLE",
    "WEEKS": "SEMAINES",
    "SEED": "GRAINE",
    "TITLE": "TITRE",
    "ADDRESS": "ADRESSE",
    "MEMBER": "MEMBRE",
    "LABEL": "LIBELLÉ",
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
    # ----------------------------------------------------------------------- main
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
    # ----------------------------------------------------------------------- demo
    "generate the seeded demo territory and print a summary":
        "générer le territoire de démonstration (graine fixe) et en afficher le bilan",
    "Generate a realistic, seeded scenario: one food-bank warehouse, six market gardens, "
    "twelve outlets, three funders, twelve weeks of offers, receptions, splits, allocation "
    "rounds, deliveries, losses, distributions and one recall.":
        "Générer un scénario réaliste et reproductible : un entrepôt de banque alimentaire, "
        "six jardins maraîchers, douze structures, trois financeurs, douze semaines d'offres, "
        "de réceptions, de divisions, de tours de répartition, de livraisons, de pertes, de "
        "distributions et un rappel.",
    "weeks of history (default 12)": "semaines d'historique (par défaut 12)",
    "random seed (default 7)": "graine aléatoire (par défaut 7)",
    "multiply actors: N platforms, each with its gardens and outlets":
        "multiplier les acteurs : N plateformes, chacune avec ses jardins et ses structures",
    "delete the SQLite file first (refused for PostgreSQL)":
        "supprimer d'abord le fichier SQLite (refusé pour PostgreSQL)",
    "--fresh only deletes SQLite files; drop the PostgreSQL database yourself":
        "--fresh ne supprime que des fichiers SQLite ; supprimez vous-même la base "
        "PostgreSQL",
    "the store {url} already holds events: use --fresh or another --db":
        "le magasin {url} contient déjà des événements : utilisez --fresh ou un autre --db",
    "writing the demo territory into {url} …":
        "écriture du territoire de démonstration dans {url} …",
    "week {week}/{weeks}: {events} events": "semaine {week}/{weeks} : {events} événements",
    "events written: {events} by {commands} commands ({stored} stored with the command "
    "records; {elapsed}, {rate} events/s)":
        "événements écrits : {events} par {commands} commandes ({stored} enregistrés avec "
        "les traces des commandes ; {elapsed}, {rate} événements/s)",
    "lots offered: {lots} ({detail})": "lots proposés : {lots} ({detail})",
    "received: {quantity} ({detail})": "reçu : {quantity} ({detail})",
    "distributed: {quantity} ({detail})": "distribué : {quantity} ({detail})",
    "baskets: {prepared} prepared, {collected} collected, {cancelled} not collected, for "
    "{households} households":
        "paniers : {prepared} préparés, {collected} retirés, {cancelled} non retirés, pour "
        "{households} foyers",
    "recalled: {codes}": "rappelé : {codes}",
    "donations in kind: {donations}; workshops: {workshops}":
        "dons en nature : {donations} ; ateliers : {workshops}",
    "distributed per outlet:": "distribué par structure :",
    "{name}: {value}": "{name} : {value}",
    "outlet": "structure",
    "distributed": "distribué",
    # ---------------------------------------------------------------------- views
    "drop a view and rebuild it from the event store":
        "effacer une vue et la reconstruire depuis le magasin d'événements",
    "Drop a view's tables and replay the event store into it from the first event, showing "
    "progress and events per second on stderr.":
        "Effacer les tables d'une vue et y rejouer le magasin d'événements depuis le premier, "
        "avec la progression et les événements par seconde sur stderr.",
    "stock per site, product and lot": "stock par site, produit et lot",
    "Stock on hand, reserved and available per site, product and lot, with expiring-soon "
    "and recalled flags; totals per site and product.":
        "Stock présent, réservé et disponible par site, produit et lot, avec les lots "
        "bientôt périmés et rappelés signalés ; totaux par site et produit.",
    "where a lot came from and where it went": "d'où vient un lot et où il est allé",
    "Backward trace (origins: producers, fields, harvest dates, certificates, sites) and "
    "forward trace (every lot made from it, every outlet and channel reached, every loss), "
    "through any depth.":
        "Traçabilité amont (origines : producteurs, parcelles, dates de récolte, certificats, "
        "sites) et aval (chaque lot qui en est issu, chaque structure et canal atteints, "
        "chaque perte), à toute profondeur.",
    "what a recall of a lot reaches": "ce qu'atteint le rappel d'un lot",
    "Every lot derived from a lot, every current holder (sites and outlets) with "
    "quantities, stock in transit, and every outlet already served.":
        "Chaque lot issu d'un lot, chaque détenteur actuel (sites et structures) avec les "
        "quantités, le stock en transit, et chaque structure déjà servie.",
    "the view to rebuild (default: all)": "la vue à reconstruire (par défaut : toutes)",
    "notifications per batch (default {size})": "notifications par lot de traitement (par "
                                                "défaut {size})",
    "a site id or name": "identifiant ou nom d'un site",
    "a product name, e.g. carotte": "nom d'un produit, par exemple carotte",
    "stock at a past moment (ISO date or date-time)":
        "stock à un moment passé (date ou date et heure ISO)",
    "read --as-of as recording time rather than business time":
        "lire --as-of comme moment d'enregistrement plutôt que moment des faits",
    "flag lots this close to best-before (default {days})":
        "signaler les lots à moins de tant de jours de leur date limite (par défaut {days})",
    "also list what outlets hold (delivered, not yet distributed)":
        "lister aussi ce que détiennent les structures (livré, pas encore distribué)",
    "a lot code or lot id": "code ou identifiant d'un lot",
    "origins only": "origines seulement",
    "destinations only": "destinations seulement",
    "the trace as it stood at a past moment": "la traçabilité telle qu'à un moment passé",
    "also list every movement of the lot": "lister aussi chaque mouvement du lot",
    "recorded time": "moment d'enregistrement",
    "business time": "moment des faits",
    "{view}: {applied} events applied ({head} in the log) in {elapsed}: {rate} events/s "
    "({positions} log positions/s)":
        "{view} : {applied} événements appliqués ({head} dans le journal) en {elapsed} : "
        "{rate} événements/s ({positions} positions du journal/s)",
    "{percent}  {position}/{total}  {rate} events/s":
        "{percent}  {position}/{total}  {rate} événements/s",
    "site {site!r} matches {count} sites ({found})":
        "le site {site!r} désigne {count} sites ({found})",
    "none": "aucun",
    "stock as of {moment} ({basis})": "stock au {moment}, heure de Paris ({basis})",
    "as of {moment} ({basis})": "au {moment}, heure de Paris ({basis})",
    "EXPIRING": "À ÉCOULER",
    "RECALLED": "RAPPELÉ",
    "site": "site",
    "product": "produit",
    "lot": "lot",
    "best before": "date limite",
    "on hand": "présent",
    "reserved": "réservé",
    "available": "disponible",
    "flags": "signaux",
    "no stock": "aucun stock",
    "lots": "lots",
    "expiring": "à écouler",
    "recalled": "rappelé",
    "totals per site and product": "totaux par site et produit",
    "held": "détenu",
    "held by outlets (delivered, not yet distributed)":
        "détenu par les structures (livré, pas encore distribué)",
    "nothing held": "rien de détenu",
    "depth": "profondeur",
    "made by": "obtenu par",
    "quantity": "quantité",
    "producer": "producteur",
    "harvest": "récolte",
    "certificate": "certificat",
    "parent": "parent",
    "child": "enfant",
    "process": "opération",
    "when": "quand",
    "links (parent → child)": "liens (parent → enfant)",
    "channel": "canal",
    "holder": "détenteur",
    "kind": "type",
    "note": "note",
    "movements": "mouvements",
    "no lot has the code or id {lot!r}": "aucun lot n'a le code ou l'identifiant {lot!r}",
    "trace refused: {error}": "traçabilité refusée : {error}",
    "lot {lot} did not exist at {moment}": "le lot {lot} n'existait pas le {moment}",
    "BACKWARD: the lot and its ancestors": "AMONT : le lot et ses ascendants",
    "sites (received or made there)": "sites (reçu ou fabriqué sur place)",
    "FORWARD: the lot and every lot made from it":
        "AVAL : le lot et chaque lot qui en est issu",
    "outlets reached (received)": "structures atteintes (reçu)",
    "lost": "perdu",
    "lost in transit": "perdu en transit",
    "RECALL of {lot}: every lot concerned": "RAPPEL de {lot} : chaque lot concerné",
    "held at sites now": "détenu sur les sites maintenant",
    "held by outlets now": "détenu par les structures maintenant",
    "in transit to outlets": "en transit vers les structures",
    "outlets already served (received)": "structures déjà servies (reçu)",
    "already distributed": "déjà distribué",
    "what a recall of a lot reaches, and the money at stake":
        "ce qu'atteint le rappel d'un lot, et l'argent en jeu",
    "Every lot derived from a lot, every current holder (sites and outlets) with "
    "quantities, stock in transit, every outlet already served, and the money at stake: the "
    "transfers paying for those lots (deliveries and baskets), pending or posted, with the "
    "recalled lots' part, in euros.":
        "Chaque lot issu d'un lot, chaque détenteur actuel (sites et structures) avec les "
        "quantités, le stock en transit, chaque structure déjà servie, et l'argent en jeu : "
        "les virements qui paient ces lots (livraisons et paniers), réservés ou versés, avec "
        "la part des lots rappelés, en euros.",
    "MONEY AT STAKE: transfers paying for the recalled lots (deliveries and baskets)":
        "ARGENT EN JEU : virements qui paient les lots rappelés (livraisons et paniers)",
    "payer": "payeur",
    "who": "qui",
    "for": "pour",
    "amount": "montant",
    "paid": "versé",
    "at stake": "en jeu",
    "transfer": "virement",
    "(household, pseudonymous)": "(foyer, pseudonyme)",
    "reserved (pending): {pending}, of which at stake {at_stake}":
        "réservé (en attente) : {pending}, dont en jeu {at_stake}",
    "paid: {posted}, of which at stake {at_stake}": "versé : {posted}, dont en jeu {at_stake}",
    "{payers}: at stake {pending} reserved, {posted} paid ({transfers} transfers)":
        "{payers} : en jeu {pending} réservés, {posted} versés ({transfers} virements)",
    "{deliveries} deliveries and {baskets} baskets concerned":
        "{deliveries} livraisons et {baskets} paniers concernés",
    # ----------------------------------------------------------------- governance
    "put a proposal to the colleges' vote": "soumettre une proposition au vote des collèges",
    "vote yes, no or abstain on a proposal (changeable until closing)":
        "voter pour, contre ou s'abstenir sur une proposition (modifiable jusqu'à la clôture)",
    "tally a proposal at or after its closing time":
        "dépouiller une proposition à sa clôture ou après",
    "a proposal's tally, recounted from its events":
        "le dépouillement d'une proposition, recompté depuis ses événements",
    "Show a proposal's per-college tally (provisional while open) and check that recounting "
    "its stored events gives the recorded outcome.":
        "Afficher le dépouillement par collège d'une proposition (provisoire tant que le "
        "vote est ouvert) et vérifier que le recomptage de ses événements donne le résultat "
        "enregistré.",
    "the rules in force on a day and the decisions that set them":
        "les règles en vigueur un jour donné et les décisions qui les ont fixées",
    "Every standing rule (allocation key, price grid, basket terms) in force on a day, with "
    "the adopted proposal that set it.":
        "Chaque règle permanente (clé de répartition, grille de prix, conditions des paniers) "
        "en vigueur un jour donné, avec la proposition adoptée qui l'a fixée.",
    "every account's balance in euros, and their sum (zero)":
        "le solde de chaque compte en euros, et leur somme (nulle)",
    "Accounts of producers, outlets, funders' budgets, programme funds and households, with "
    "pending and posted amounts. Read from the balances view (brought up to date first), or "
    "folded from the events (--fold).":
        "Comptes des producteurs, des structures, des budgets des financeurs, des fonds de "
        "programme et des foyers, avec les montants en attente et passés. Lus dans la vue "
        "des soldes (mise à jour d'abord), ou recalculés depuis les événements (--fold).",
    "acting member id": "identifiant du membre qui agit",
    "client-chosen id (default: a new one)":
        "identifiant choisi par le client (par défaut : un nouveau)",
    "business time of the act (default: now)": "moment des faits (par défaut : maintenant)",
    "the proposal's title": "titre de la proposition",
    'JSON with a "kind", e.g. {{"kind": "set_allocation_key", "key": '
    '"proportional_to_households"}}':
        'JSON avec un "kind", par exemple {{"kind": "set_allocation_key", "key": '
        '"proportional_to_households"}}',
    "when the vote closes": "clôture du vote",
    "default: the business time of the submission":
        "par défaut : le moment des faits de la soumission",
    "weighted participation needed, in basis points (default 0)":
        "participation pondérée requise, en points de base (par défaut 0)",
    "adopted when the weighted yes share is above this (default 5000: a majority)":
        "adoptée quand la part pondérée des pour dépasse ce seuil (par défaut 5000 : la "
        "majorité)",
    "first day a standing rule applies (default: after closing)":
        "premier jour d'application d'une règle permanente (par défaut : après la clôture)",
    "the proposal's id": "identifiant de la proposition",
    "yes, no or abstain": "yes (pour), no (contre) ou abstain (abstention)",
    "the day (default: today, UTC)": "le jour (par défaut : aujourd'hui, UTC)",
    "only accounts of this kind (e.g. funder_budget)":
        "seulement les comptes de ce type (par exemple funder_budget)",
    "balances at a past business time (from the view)":
        "soldes à un moment des faits passé (depuis la vue)",
    "fold account events instead of reading the view":
        "recalculer depuis les événements des comptes au lieu de lire la vue",
    "payload: {error}": "contenu : {error}",
    " (replayed: already done)": " (rejoué : déjà fait)",
    "quorum not met: participation {participation} is below {quorum}":
        "quorum non atteint : participation de {participation}, sous les {quorum}",
    "adopted: weighted yes {yes} is above {threshold}":
        "adoptée : {yes} de pour pondérés, au-dessus de {threshold}",
    "nobody voted yes or no": "personne n'a voté pour ou contre",
    "threshold not reached: weighted yes {yes} is not above {threshold}":
        "seuil non atteint : {yes} de pour pondérés, pas au-dessus de {threshold}",
    "college": "collège",
    "weight": "poids",
    "members": "membres",
    "yes": "pour",
    "no": "contre",
    "abstain": "abstention",
    "one member, one vote: {yes} yes, {no} no, {abstain} abstain of {members} on the roll":
        "un membre, une voix : {yes} pour, {no} contre, {abstain} abstentions sur {members} "
        "inscrits",
    "participation {participation} (quorum {quorum}); weighted yes {yes} (threshold: above "
    "{threshold})":
        "participation {participation} (quorum {quorum}) ; pour pondérés {yes} (seuil : "
        "au-dessus de {threshold})",
    "no proposal {proposal} in {store}": "aucune proposition {proposal} dans {store}",
    "(provisional: the vote is still open)": "(provisoire : le vote est encore ouvert)",
    "recount from the events: identical": "recomptage depuis les événements : identique",
    "recount from the events DIFFERS from the recorded outcome":
        "le recomptage depuis les événements DIFFÈRE du résultat enregistré",
    "rules in force on {day}:": "règles en vigueur le {day} :",
    "none voted: allocation proportional to needs, no price grid (deliveries post no "
    "payment), basket terms as each programme opened":
        "aucune votée : répartition au prorata des besoins, pas de grille de prix (les "
        "livraisons ne donnent lieu à aucun paiement), conditions des paniers fixées à "
        "l'ouverture de chaque programme",
    " (programme {programme})": " (programme {programme})",
    "since {day}, decided by proposal {decision} ({title})":
        "depuis le {day}, décidée par la proposition {decision} ({title})",
    "owner": "titulaire",
    "scope": "portée",
    "pending debits": "débits en attente",
    "pending credits": "crédits en attente",
    "balance": "solde",
    "no account": "aucun compte",
    "sum of all {count} balances: {total} (always zero)":
        "somme des {count} soldes : {total} (toujours nulle)",
    # --------------------------------------------------------------------- broker
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
    "records per poll and per view transaction (default {size})":
        "messages par lecture et par transaction de la vue (par défaut {size})",
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
    "error": "erreur",
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
    # ---------------------------------------------------------------------- audit
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
    "actions": "actions",
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
    "file to write (default: stdout)": "fichier à écrire (par défaut : la sortie standard)",
    "FSMA 204 sortable spreadsheet of one lot": "tableur triable FSMA 204 d'un lot",
    "lot code": "code du lot",
    "one step back, one step forward (EU 178/2002 art. 18)":
        "un pas en amont, un pas en aval (règlement UE 178/2002, art. 18)",
    "member id or exact name": "identifiant ou nom exact du membre",
    "first day (YYYY-MM-DD)": "premier jour (AAAA-MM-JJ)",
    "last day, included (YYYY-MM-DD)": "dernier jour, inclus (AAAA-MM-JJ)",
    "a funder's commitments and what they financed":
        "les engagements d'un financeur et ce qu'ils ont financé",
    "funder member id or exact name": "identifiant ou nom exact du financeur",
    "csv (UTF-8 with BOM, ';') or xlsx (default {format})":
        "csv (UTF-8 avec BOM, ';') ou xlsx (par défaut {format})",
    "header language (default: the command's, {language})":
        "langue des en-têtes (par défaut : celle de la commande, {language})",
    "wrote {size} bytes to {path}": "{size} octets écrits dans {path}",
    "csv (UTF-8 with BOM, ';'), xlsx or pdf (A4) (default {format})":
        "csv (UTF-8 avec BOM, ';'), xlsx ou pdf (A4) (par défaut {format})",
    "the table a CSV holds (default summary)":
        "la table que contient un CSV (par défaut summary)",
    # Report exports (``infra.cli.reports``).
    "YEAR": "ANNÉE",
    "PROGRAMME": "PROGRAMME",
    "csv (UTF-8 with BOM, ';', one table), xlsx or pdf (A4) (default {format})":
        "csv (UTF-8 avec BOM, ';', une table), xlsx ou pdf (A4) (par défaut {format})",
    "language of headers and text (default: the command's, {language})":
        "langue des en-têtes et du texte (par défaut : celle de la commande, {language})",
    "the table a CSV holds (default {table})":
        "la table que contient un CSV (par défaut {table})",
    "traceability register of an organisation (CASF art. L266-2)":
        "registre de traçabilité d'une structure (CASF, art. L266-2)",
    "Every step of the food an organisation handled in a period (reception, transformation, "
    "storage, distribution), with quantities, values and the event each line rests on.":
        "Chaque étape des denrées qu'une structure a traitées sur une période (réception, "
        "transformation, stockage, distribution), avec les quantités, les valeurs et "
        "l'événement sur lequel repose chaque ligne.",
    "the organisation: member id or name": "la structure : identifiant ou nom du membre",
    "a donor's yearly attestation of donations in kind":
        "l'attestation annuelle des dons en nature d'un donateur",
    "What a donor gave in a year, to which organisation, when, how much and worth what "
    "(declared value or reference price), with the events.":
        "Ce qu'un donateur a donné dans l'année, à quelle structure, quand, combien et pour "
        "quelle valeur (valeur déclarée ou prix de référence), avec les événements.",
    "donor: member id or exact name": "donateur : identifiant ou nom exact du membre",
    "calendar year": "année civile",
    "only the donations to this organisation (id or name)":
        "seulement les dons à cette structure (identifiant ou nom)",
    "a basket programme's activity for a year (or the network's)":
        "l'activité d'un programme de paniers sur une année (ou celle du réseau)",
    "Baskets distributed, households served (a count), kg per channel and garden, workshops "
    "held, per programme and month.":
        "Paniers distribués, foyers servis (un décompte), kg par canal et par jardin, ateliers "
        "tenus, par programme et par mois.",
    "a programme id or exact name (default: every programme)":
        "identifiant ou nom exact d'un programme (par défaut : tous les programmes)",
    "first day (YYYY-MM-DD, Europe/Paris)": "premier jour (AAAA-MM-JJ, heure de Paris)",
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
    # --------------------------------------------------------------------- server
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
    # ------------------------------------------------------- stock states, printouts
    'where to write (default {stem}.pdf, or .html)':
        'où écrire (par défaut {stem}.pdf, ou .html)',
    'a printable page rather than a PDF':
        "une page imprimable plutôt qu'un PDF",
    'give --site or --lot':
        'donnez --site ou --lot',
    'delivery':
        'livraison',
    'Generate a realistic, seeded scenario up to the current week: one food-bank warehouse, six '
    'market gardens, a dairy farm, a partner shop, twelve outlets, three funders; weeks of '
    'offers, receptions (cold chain included), splits, merges, soups, allocation rounds, '
    'deliveries, losses and distributions; then a sorted bulk donation, a refused warm delivery, '
    'a recall, a held lot and a delivery still on the road.':
        "Générer un scénario réaliste et reproductible jusqu'à la semaine en cours : un entrepôt "
        'de banque alimentaire, six jardins maraîchers, une ferme laitière, un magasin '
        "partenaire, douze structures, trois financeurs ; des semaines d'offres, de réceptions "
        "(chaîne du froid comprise), de divisions, de fusions, de soupes, de tours d'allocation, "
        'de livraisons, de pertes et de distributions ; puis un don en vrac trié, une livraison '
        'refusée car trop chaude, un rappel, un lot bloqué et une livraison encore en route.',
    "the demo's last day (it ends at 18:00 in Paris that day; default: now); the same --seed and "
    '--end give the same lot codes':
        'le dernier jour de la démo (elle finit ce jour-là à 18 h, heure de Paris ; par défaut : '
        'maintenant) ; même --seed et même --end donnent les mêmes codes de lots',
    'weeks from {start} to {end}':
        'semaines du {start} au {end}',
    'cleared out past their date: {quantity}':
        'retiré du stock, date dépassée : {quantity}',
    'held: {codes}':
        'bloqué : {codes}',
    'refused at reception (too warm): {codes}':
        'refusé à la réception (trop chaud) : {codes}',
    'bulk donations sorted: {codes}':
        'dons en vrac triés : {codes}',
    'lots merged: {count}':
        'lots fusionnés : {count}',
    'deliveries on the road: {count}':
        'livraisons en route : {count}',
    "a planned delivery's pick list (PDF or HTML)":
        "la liste de préparation d'une livraison planifiée (PDF ou HTML)",
    'Per stop, the lots to pick first expired first out, with quantities; held, recalled and '
    'expired lots set apart with what could replace them.':
        'Par arrêt, les lots à prélever, premier périmé premier sorti, avec les quantités ; les '
        'lots bloqués, rappelés ou périmés mis à part, avec ce qui pourrait les remplacer.',
    'lot labels, eight per A4 sheet (PDF or HTML)':
        'étiquettes de lots, huit par feuille A4 (PDF ou HTML)',
    'Product, lot code, date and its kind, producer, organic certificate and a QR code leading '
    "to the lot's trace page.":
        'Produit, code du lot, date et sa nature, producteur, certificat bio et un QR code '
        'menant à la page de traçabilité du lot.',
    'DELIVERY_ID':
        'ID_LIVRAISON',
    'every lot in stock at this site (id or name)':
        'chaque lot en stock sur ce site (id ou nom)',
    'a lot code or id (repeatable)':
        'un code ou un id de lot (répétable)',
    'the server the QR codes lead to (default {url})':
        'le serveur auquel mènent les QR codes (par défaut {url})',
    '{file}: {size} bytes':
        '{file} : {size} octets',
    '{file}: {size} characters':
        '{file} : {size} caractères',
    'site {site!r} matches {count} sites':
        'le site {site!r} correspond à {count} sites',
    'stock per site, product and lot, with its states':
        'stock par site, produit et lot, avec ses états',
    'Stock per site, product and lot: on hand, reserved, available, on the road (per delivery: '
    'from where, to whom, since when), on hold, recalled, expired and expiring soon, measured on '
    'the as-of day (today in Paris when live); totals per site and product; with --outlets, what '
    'each outlet holds at that moment.':
        'Stock par site, produit et lot : présent, réservé, disponible, en route (par livraison '
        ": d'où, vers qui, depuis quand), bloqué, rappelé, périmé et à écouler, mesurés au jour "
        "demandé (aujourd'hui à Paris en direct) ; totaux par site et produit ; avec --outlets, "
        'ce que détient chaque structure à ce moment.',
    'stock at a past moment (ISO date-time, or a date: the end of that day in Paris)':
        'le stock à un moment passé (date-heure ISO, ou une date : la fin de ce jour-là à Paris)',
    'JSON output: lines, totals, in_transit and outlet_holdings':
        'sortie JSON : lines, totals, in_transit et outlet_holdings',
    'ON HOLD ({reason})':
        'BLOQUÉ ({reason})',
    'BULK TO SORT':
        'VRAC À TRIER',
    'not to be distributed (date)':
        'à ne plus distribuer (date)',
    'from':
        'depuis',
    'to':
        'vers',
    'left on':
        'parti le',
    'on the road':
        'en route',
    'date':
        'date',
    'states':
        'états',
    'on hold':
        'bloqué',
    'expired':
        'périmé',
    '{kind} PASSED':
        '{kind} DÉPASSÉE',
    '{kind} passed {days} days ago':
        '{kind} dépassée de {days} j',
    'ON HOLD':
        'BLOQUÉ',
    'past its date':
        'date dépassée',
}

TERMS: dict[str, str] = {
    # Programmes of the demo summary.
    "supply chain": "filière des banques alimentaires",
    # How a lot was made (trace view) and how food reached people (``Channel``).
    "harvest": "récolte",
    "split": "division",
    "merge": "fusion",
    "transform": "transformation",
    "sort": "tri",
    "food_aid": "aide alimentaire",
    "basket": "panier",
    "canteen": "restauration collective",
    # Movements of a lot (trace view).
    "offered": "proposé",
    "accepted": "accepté",
    "declined": "décliné",
    "received": "reçu",
    "refused": "refusé",
    "donated": "donné",
    "sorted": "trié",
    "held": "bloqué",
    "hold_released": "débloqué",
    "derived": "issu d'un autre lot",
    "merged": "fusionné",
    "transformed": "transformé",
    "reserved": "réservé",
    "released": "libéré",
    "dispatched": "expédié",
    "delivered": "livré",
    "lost": "perdu",
    "distributed": "distribué",
    "recalled": "rappelé",
    # Accounts (``AccountKind``), colleges (``College``), proposals and rules.
    "funder": "financeur",
    "funder_budget": "budget de financeur",
    "programme_fund": "fonds de programme",
    "producer": "producteur",
    "outlet": "structure",
    "household": "foyer",
    "producers": "producteurs",
    "outlets": "structures",
    "households": "foyers",
    "funders": "financeurs",
    "employees": "salariés",
    "open": "ouverte",
    "adopted": "adoptée",
    "rejected": "rejetée",
    "allocation_key": "clé de répartition",
    "basket_terms": "conditions des paniers",
    "price_grid": "grille de prix",
    # Roles (``Role``) of the demo's sign-in links.
    "coordinator": "coordination",
    "platform": "plateforme",
    "auditor": "auditeur",
    "voter": "votant",
    # Who pays what a recall puts at stake, and the transfers' states.
    "delivery": "livraison",
    "transfer_pending": "réservé",
    "transfer_posted": "versé",
    "transfer_voided": "annulé",
    # Governance commands run from the command line.
    "submit_proposal": "proposition soumise",
    "cast_vote": "vote enregistré",
    "close_proposal": "proposition close",
}

ENGLISH_TERMS: dict[str, str] = {
    "transfer_pending": "pending",
    "transfer_posted": "posted",
    "transfer_voided": "voided",
    "submit_proposal": "proposal submitted",
    "cast_vote": "vote cast",
    "close_proposal": "proposal closed",
    "derived": "derived from another lot",
}
