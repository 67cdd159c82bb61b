"""French texts of the view commands (``infra/cli/views.py``): rebuild, stock, trace, recall."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "PRODUCT": "PRODUIT",
    "DAYS": "JOURS",
    "SIZE": "TAILLE",
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
    "site {site!r} matches {count} sites ({found}): give the id of one":
        "{count} sites correspondent à {site!r} ({found}) : donnez l'identifiant de l'un "
        "d'eux",
    "no site is named or has the id {site!r} (known sites: {known})":
        "aucun site ne porte le nom ou l'identifiant {site!r} (sites connus : {known})",
    "stock as of {moment} ({basis})": "stock au {moment}, heure de Paris ({basis})",
    "as of {moment} ({basis})": "au {moment}, heure de Paris ({basis})",
    "EXPIRING": "À ÉCOULER",
    "RECALLED": "RAPPELÉ",
    "site": "site",
    "product": "produit",
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
    "note": "note",
    "movements": "mouvements",
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
