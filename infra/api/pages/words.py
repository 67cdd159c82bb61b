"""The ledger's codes in French: roles, kinds, commands, and the terms refusals name.

Pages and refusals show the ledger's stable codes (``outlet``, ``record_distribution``,
``measured quantity``) in the cooperative's French words. A code without a word here is
shown with its underscores as spaces, never hidden.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

ROLE_WORDS = {"producer": "producteur", "platform": "plateforme", "outlet": "structure",
              "funder": "financeur", "household": "foyer", "voter": "membre d’un collège",
              "auditor": "contrôle", "coordinator": "coordination"}

KIND_WORDS = {"producer": "producteur", "platform": "plateforme", "outlet": "structure",
              "funder": "financeur", "household": "foyer", "network": "réseau",
              "funder_budget": "budget de livraison", "programme_fund": "fonds du programme",
              "set_allocation_key": "Clé de répartition", "set_price_grid": "Grille de prix",
              "set_basket_terms": "Conditions des paniers", "admit_member": "Admission",
              "set_reference_prices": "Prix de référence des dons",
              "set_stock_rules": "Règles de stock",
              "set_backdating_window": "Délai de saisie tardive",
              "set_replay_weeks": "Semaines rejouées par « Et si… »",
              "commit_budget": "Engagement budgétaire", "producers": "producteurs",
              "outlets": "structures", "households": "foyers", "funders": "financeurs",
              "employees": "salariés", "allocation_key": "Clé de répartition",
              "price_grid": "Grille de prix", "basket_terms": "Conditions des paniers",
              "delivery": "livraison", "basket": "panier", "decision": "décision",
              "commitment": "engagement", "adjustment": "ajustement",
              "proportional_to_needs": "au prorata des besoins",
              "proportional_to_households": "au prorata des foyers servis",
              "food_aid": "aide alimentaire", "canteen": "restauration collective",
              "warehouse": "entrepôt", "garden": "jardin", "hub": "plateforme logistique"}

LABEL_WORDS = {"label_rouge": "Label Rouge", "aop": "AOP", "igp": "IGP", "stg": "STG",
               "hve": "HVE (haute valeur environnementale)"}

COMMAND_WORDS = {
    "found_cooperative": "fonder la coopérative", "register_member": "inscrire un membre",
    "grant_role": "donner un rôle", "revoke_role": "retirer un rôle",
    "suspend_member": "suspendre un membre", "register_site": "enregistrer un site",
    "offer_lot": "proposer un lot", "accept_offer": "accepter une offre",
    "decline_offer": "refuser une offre", "receive_lot": "recevoir un lot",
    "split_lot": "diviser un lot", "merge_lots": "regrouper des lots",
    "transform_lots": "transformer des lots", "reserve_lot": "réserver un lot",
    "release_reservation": "libérer une réservation", "record_loss": "déclarer une perte",
    "record_distribution": "enregistrer une distribution", "recall_lot": "rappeler un lot",
    "open_round": "ouvrir une répartition", "declare_need": "déclarer un besoin",
    "compute_round": "calculer une répartition", "adjust_round": "ajuster une répartition",
    "confirm_round": "confirmer une répartition", "plan_delivery": "planifier une livraison",
    "dispatch_delivery": "expédier une livraison", "cancel_delivery": "annuler une livraison",
    "receive_delivery": "signer une livraison",
    "constitute_colleges": "constituer les collèges", "seat_member": "faire siéger un membre",
    "unseat_member": "retirer un membre de son collège",
    "submit_proposal": "soumettre une proposition", "cast_vote": "voter",
    "close_proposal": "clore un vote", "commit_budget": "engager un budget",
    "open_account": "ouvrir un compte", "transfer_funds": "virer entre deux comptes",
    "post_transfer": "payer un virement en attente",
    "void_transfer": "annuler un virement en attente",
    "open_basket_programme": "ouvrir un programme de paniers",
    "enrol_household": "inscrire un foyer", "erase_household": "effacer un foyer",
    "prepare_basket": "préparer un panier", "collect_basket": "remettre un panier",
    "cancel_basket": "annuler un panier", "record_donation": "enregistrer un don",
    "cancel_donation": "annuler un don", "declare_quality_label": "déclarer un label",
    "withdraw_quality_label": "retirer un label", "record_workshop": "enregistrer un atelier",
    "cancel_workshop": "annuler un atelier",
}

TERMS = {
    # Quantities and texts checked by the domain (``field``).
    "offered quantity": "quantité proposée", "accepted quantity": "quantité acceptée",
    "measured quantity": "poids mesuré", "received quantity": "quantité reçue",
    "released quantity": "quantité libérée", "dispatched quantity": "quantité expédiée",
    "distributed quantity": "quantité distribuée", "lost quantity": "quantité perdue",
    "split part": "part de la division", "output quantity": "quantité obtenue",
    "reserve quantity": "quantité réservée", "transform quantity": "quantité utilisée",
    "merge quantity": "quantité regroupée", "product": "produit", "variety": "variété",
    "origin": "origine", "organic certificate": "certificat bio", "reason": "motif",
    "member name": "nom du membre", "site name": "nom du site",
    "programme name": "nom du programme", "proposal title": "titre de la proposition",
    "household name": "nom du foyer", "household contact": "contact du foyer",
    "memo": "libellé du virement", "basket terms": "conditions des paniers",
    "price grid": "grille de prix", "budget commitment": "engagement budgétaire",
    "transfer amount": "montant du virement", "amount": "montant",
    "donated quantity": "quantité donnée", "nature": "nature du don", "note": "note",
    "certificate": "certificat", "title": "titre", "donor": "donateur",
    "donation quantity": "poids du don en vrac", "sorted quantity": "quantité triée",
    "waste": "déchets", "description": "description",
    # Streams a command names (``what``).
    "member": "membre", "lot": "lot", "site": "site", "allocation round": "répartition",
    "cooperative": "coopérative", "back-dating reason": "raison de la saisie tardive",
    "delivery": "livraison", "proposal": "proposition", "colleges": "collèges",
    "household": "foyer", "basket programme": "programme de paniers", "basket": "panier",
    "transfer": "virement", "account": "compte", "outlet": "structure",
    "operator": "exploitant", "owner": "titulaire", "funder": "financeur",
    "producer": "producteur", "collection point": "point de retrait",
    "donation of lot": "don", "donation": "don du lot",
    "label of lot": "label", "workshop": "atelier",
    "record": "élément", "coordinator": "coordinateur",
    # Acts a refusal names (``act``): nouns, so that no elision is needed.
    "merge": "regroupement", "transform": "transformation", "split": "division",
    "dispatch": "expédition", "deliver": "livraison", "reserve": "réservation",
    "receive": "réception", "accept the offer of": "acceptation",
    "decline the offer of": "refus de l’offre", "erase": "effacement",
    "prepare a basket for": "préparation d’un panier",
    "state the preferences of": "souhaits de panier", "collect": "remise",
    "cancel": "annulation", "adjust_round": "ajustement de la répartition",
    "cancel_delivery": "annulation de la livraison",
    "unseat_member": "retrait d’un membre de son collège",
    "sort": "tri", "distribute": "distribution", "hold": "blocage",
}


def term(code: str) -> str:
    """A term of the ledger in French (its code with spaces when it has no word yet)."""
    return TERMS.get(code) or COMMAND_WORDS.get(code) or code.replace("_", " ")


def roles_text(codes: str) -> str:
    """Space-separated role codes as French words: ``plateforme ou structure``."""
    words = [ROLE_WORDS.get(code, code) for code in codes.split()]
    return " ou ".join(words) if words else "aucun"
