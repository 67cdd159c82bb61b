"""French texts of the governance and decision commands (``governance.py``, ``decisions.py``)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "PROPOSAL": "PROPOSITION",
    "TITLE": "TITRE",
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
}
