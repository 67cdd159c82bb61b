"""French texts of ``cocagne demo`` (``infra/cli/demo.py``) and its summary."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "WEEKS": "SEMAINES",
    "SEED": "GRAINE",
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
}
