"""French texts of the report exports (``infra/cli/reports.py``)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
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
    # Why an export cannot be made (``infra.exports.errors.HistoryError`` templates).
    "no lot has the code {code!r}": "aucun lot n'a le code {code!r}",
    "no member is named {name!r}": "aucun membre ne s'appelle {name!r}",
    "{what}: no member is named {name!r}": "{what} : aucun membre ne s'appelle {name!r}",
    "{count} members are named {name!r}: give the member id":
        "{count} membres s'appellent {name!r} : donnez l'identifiant du membre",
    "{what}: {count} members are named {name!r}: give the member id":
        "{what} : {count} membres s'appellent {name!r} : donnez l'identifiant du membre",
    "lot {lot} reaches more than {limit} lots": "le lot {lot} atteint plus de {limit} lots",
    "member {name} is not a funder (it is: {kind})":
        "le membre {name} n'est pas un financeur (c'est : {kind})",
    "no basket programme is named {name!r}":
        "aucun programme de paniers ne s'appelle {name!r}",
    "{count} basket programmes are named {name!r}: give the programme id":
        "{count} programmes de paniers s'appellent {name!r} : donnez l'identifiant du "
        "programme",
    "year {year} is outside {low}..{high}": "l'année {year} n'est pas entre {low} et {high}",
    "the period ends ({end}) before it starts ({start})":
        "la période finit ({end}) avant de commencer ({start})",
    "the report has no table": "le rapport n'a aucun tableau",
    "the report has no table {key!r} (it has: {keys})":
        "le rapport n'a pas de tableau {key!r} (il a : {keys})",
    "table {title!r} has {rows} rows, more than a spreadsheet's {limit}: narrow the period":
        "le tableau {title!r} a {rows} lignes, plus que les {limit} d'un tableur : réduisez "
        "la période",
}
