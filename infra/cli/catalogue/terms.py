"""The ledger's vocabulary for ``term``: its French words, and the few English exceptions.

Channels, movements, accounts, colleges, roles…: ``TERMS`` in French; ``ENGLISH_TERMS`` where
English is not the code with its underscores replaced.
"""

from __future__ import annotations

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
    # Parties an export names (``infra.exports.donations``).
    "donor": "donateur",
    "organisation": "organisation bénéficiaire",
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
