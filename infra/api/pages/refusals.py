"""The refusals in French, with their numbers: one catalogue keyed by error code and reason.

A refused command answers ``{code, message, reason, facts}``: ``code`` is stable, ``reason``
(when the raise site names one) is finer, and ``facts`` carries the numbers the English
message quotes, in base units (grams, cents, basis points). A client that asks for French
(``Accept-Language: fr``, as the work pages do) gets ``message`` from this catalogue:
the template of its reason, filled with the facts in French formats (``12,5 kg``,
``12,30 €``, ``07/12/2026 14:30``), else the sentence of its code followed by the English
detail when the raise site gave no facts yet.

Facts are base units and codes: grams (``*_g``), cents (``*_cents``), basis points
(``*_bp``), days (``*_date``), moments (``*_at``), ISO weeks (``week``); states, roles,
kinds, fields, acts and commands as the ledger's codes (French words in ``words``); members,
sites and households as ids (``*_id``), which the caller's ``names`` turns into names.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from infra.api.pages import french
from infra.api.pages.refusal_texts import DOMAIN_REASONS
from infra.api.pages.words import KIND_WORDS, LABEL_WORDS, ROLE_WORDS, roles_text, term

Names = Callable[[str], str]
"""A member's, site's or household's name from its id (the pages' directory)."""

STATUS_WORDS = {
    "offered": "proposé", "accepted": "accepté", "declined": "refusé", "received": "reçu",
    "open": "ouvert", "computed": "calculé", "confirmed": "confirmé", "planned": "planifié",
    "dispatched": "expédié", "completed": "livré", "cancelled": "annulé",
    "prepared": "préparé", "collected": "récupéré", "adopted": "adoptée",
    "rejected": "rejetée", "yes": "pour", "no": "contre", "abstain": "abstention",
    "posted": "payé", "pending": "en attente", "voided": "annulé",
}

CODE_MESSAGES: dict[str, str] = {
    "invalid_request": "La demande est incomplète ou mal formée",
    "unauthenticated": "Vous n’êtes pas connecté : ouvrez votre lien de connexion",
    "role_not_allowed": "Votre rôle ne permet pas cet acte",
    "forbidden": "Cet acte porte sur des données qui ne sont pas les vôtres",
    "suspended": "Votre adhésion est suspendue : vous ne pouvez pas agir",
    "actor_mismatch": "Personne n’agit au nom d’un autre membre",
    "not_found": "Ce que l’acte désigne n’existe pas",
    "invalid": "Les valeurs saisies ne conviennent pas",
    "quantity_mismatch": "Les quantités ne tombent pas juste",
    "invalid_state": "Cet acte n’est pas possible dans l’état actuel",
    "insufficient_stock": "Stock insuffisant",
    "already_exists": "Cela existe déjà",
    "command_id_reused": "Cet acte a déjà été envoyé avec d’autres valeurs",
    "conflict": "D’autres personnes modifiaient les mêmes données : réessayez",
    "recalled": "Ce lot est rappelé",
    "not_on_roll": "Vous ne siégez dans aucun collège",
    "voting_closed": "Le vote est clos",
    "voting_not_open": "Le vote n’est pas encore ouvert",
    "voting_still_open": "Le vote est encore ouvert",
    "budget_exceeded": "Le budget ne suffit pas",
    "no_reference_price": "Aucun prix de référence pour ce produit : déclarez la valeur du don",
    "too_large": "La demande est trop volumineuse",
    "unavailable": "Le service est momentanément indisponible : réessayez",
    "internal": "Le serveur n’a pas pu répondre",
    "moment_outside_calendar": "Cette date et cette heure sortent du calendrier",
    "occurred_at_in_future": "L’acte est daté dans le futur",
    "occurred_at_before_founding": "L’acte est daté d’avant la fondation de la coopérative",
    "occurred_at_backdated_too_far": "L’acte est daté trop loin dans le passé",
    "occurred_at_before_latest_act": "L’acte est daté d’avant le dernier acte de ce qu’il "
                                     "concerne",
    "backdating_reason_required": "Dater un acte aussi loin dans le passé demande une raison",
    "harvest_after_offer": "La récolte est datée après la proposition du lot",
    "harvest_after_reception": "La récolte est datée après la réception du lot",
    "harvest_too_old": "La récolte est datée de plus d’un an avant la proposition",
    "best_before_before_harvest": "La date limite précède la récolte",
    "best_before_too_far": "La date limite est trop éloignée de la récolte",
    "lot_held": "Ce lot est bloqué",
    "bulk_not_sorted": "Ce don en vrac n’est pas trié",
    "use_by_date_passed": "La date limite de consommation (DLC) est dépassée",
    "best_before_grace_exceeded": "La DDM est dépassée au-delà de la tolérance",
    "remaining_life_too_short": "La DLC est trop proche pour expédier",
    "temperature_required": "La température doit être mesurée à la réception",
    "temperature_out_of_range": "Température hors plage",
}

REASON_MESSAGES: dict[str, str] = {
    **DOMAIN_REASONS,
    "accept_more_than_offered": "Acceptation de {accepted_g} refusée : le lot {lot} n’offre "
                                "que {offered_g}.",
    "receive_at_other_site": "Le lot {lot} a été accepté pour un autre site.",
    "lot_status": "Impossible : le lot {lot} est {status}, il devrait être {expected}.",
    "lot_not_received": "Impossible : le lot {lot} n’a pas été reçu (il est {status}).",
    "lot_recalled": "Impossible : le lot {lot} est rappelé.",
    "not_available": "{quantity_g} refusés : le lot {lot} n’a que {available_g} disponibles "
                     "({on_hand_g} en stock, {reserved_g} réservés).",
    "split_sum": "Division refusée : les parts font {parts_g} mais le lot {lot} a "
                 "{available_g} disponibles.",
    "release_more_than_reserved": "Libération de {quantity_g} refusée : le lot {lot} n’a que "
                                  "{reserved_g} réservés pour cette structure.",
    "dispatch_more_than_stock": "Expédition de {quantity_g} refusée : le lot {lot} a "
                                "{reserved_g} réservés pour cette structure et {available_g} "
                                "disponibles.",
    "not_in_transit": "Le lot {lot} n’est pas en route vers votre structure.",
    "receive_more_than_dispatched": "Réception de {received_g} refusée : seuls "
                                    "{dispatched_g} du lot {lot} ont été expédiés.",
    "loss_more_than_held": "Perte de {quantity_g} refusée : vous ne détenez que {held_g} du "
                           "lot {lot}.",
    "loss_more_than_available": "Perte de {quantity_g} refusée : le lot {lot} n’a que "
                                "{available_g} disponibles (libérez d’abord les réservations).",
    "distribute_more_than_held": "Distribution de {quantity_g} refusée : vous ne détenez que "
                                 "{held_g} du lot {lot}.",
    "already_recalled": "Le lot {lot} est déjà rappelé.",
    "budget_exceeded": "Dépense de {amount_cents} refusée : il reste {available_cents} "
                       "({committed_cents} engagés, {spent_cents} dépensés, {reserved_cents} "
                       "réservés).",
    "propose_not_on_roll": "Vous ne siégez dans aucun collège : vous ne pouvez pas proposer.",
    "proposal_closed": "Vote refusé : la proposition « {title} » est close.",
    "vote_after_closing": "Vote refusé : la proposition « {title} » a fermé le {closes_at}.",
    "vote_before_opening": "Vote refusé : la proposition « {title} » ouvre le {opens_at}.",
    "vote_not_on_roll": "Vote refusé : vous ne figuriez sur aucune liste de collège à "
                        "l’ouverture de « {title} ».",
    "best_before_before_harvest": "La date « à consommer de préférence avant » "
                                  "({best_before}) précède la récolte ({harvest_date}).",
    "best_before_too_far": "La date « à consommer de préférence avant » ({best_before}) est "
                           "trop loin après la récolte : au plus tard le {latest_date}.",
    "harvest_after_offer": "La récolte ({harvest_date}) est datée après la proposition du "
                           "lot ({offer_date}).",
    "harvest_after_reception": "La récolte ({harvest_date}) est datée après la réception du "
                               "lot ({reception_date}).",
    "harvest_too_old": "La récolte ({harvest_date}) date de plus d’un an avant la "
                       "proposition : au plus tôt le {oldest_date}.",
    "occurred_at_in_future": "L’acte est daté du {occurred_at}, dans le futur : il est "
                             "{now_at} (tolérance de {tolerance_minutes} minutes).",
    "occurred_at_before_founding": "L’acte est daté du {occurred_at}, avant la fondation de "
                                   "la coopérative ({founded_at}).",
    "occurred_at_backdated_too_far": "L’acte est daté du {occurred_at} : on ne peut pas "
                                     "remonter avant le {earliest_at} ({window_days} jours) ; "
                                     "seul le secrétariat le peut, en donnant une raison.",
    "occurred_at_before_latest_act": "L’acte est daté du {occurred_at}, avant le dernier "
                                     "acte déjà enregistré ({what} {name}, le {latest_at}) : "
                                     "les actes d’un lot, d’une livraison, d’un panier ou "
                                     "d’un virement se suivent dans le temps ; datez-le du "
                                     "{latest_at} ou après.",
    "backdating_reason_required": "L’acte est daté du {occurred_at}, plus de {window_days} "
                                  "jours en arrière : donnez la raison de cette saisie "
                                  "tardive.",
    "moment_outside_calendar": "La date {moment} sort du calendrier une fois ramenée en "
                               "temps universel.",
    "amount_out_of_range": "Montant refusé : {amount_cents} ; il doit être d’au moins "
                           "0,01 € et d’au plus {maximum_cents}.",
    "closes_before_opening": "La fin du vote ({closes_at}) doit venir après son ouverture "
                             "({opens_at}).",
    "recall_not_own_lot": "Un producteur ne rappelle que ses propres lots.",
    "lot_not_held": "Le lot {lot} n’est pas détenu par votre structure.",
    "reference_taken": "La référence {reference} est déjà inscrite au programme {programme}.",
    "basket_exists": "Le foyer {reference} a déjà un panier pour la {week}.",
    "site_not_operated": "Le site {site} n’est pas exploité par votre structure.",
    "lot_of_another_platform": "Le lot {lot} est géré par une autre plateforme.",
    "lot_not_at_site": "Le lot {lot} n’est pas sur le site de départ de la livraison.",
    "same_vote": "Vous avez déjà voté {choice} sur « {title} ».",
    "close_before_closing": "La proposition « {title} » ferme le {closes_at} : pas avant.",
    "preferences_not_own": "Un foyer ne dit que ses propres souhaits, pas ceux du foyer "
                           "{reference}.",
    "preferences_not_referrer": "Seuls le foyer {reference} et la structure qui l’a orienté "
                                "peuvent dire ce que son panier doit contenir.",
    "wanted_and_avoided": "Un produit ne peut pas être à la fois voulu et à éviter : "
                          "{products}.",
    "same_preferences": "Ces souhaits sont déjà enregistrés pour cette saison.",
    "season_format": "La saison « {season_text} » doit s’écrire comme 2026-spring (spring, "
                     "summer, autumn ou winter).",
    "products_listed_too_many": "Un foyer cite au plus {maximum} produits ({count} indiqués).",
    "product_name_length": "Un nom de produit fait 1 à {maximum} caractères.",
    "season_plan_full": "Le plan de saison compte déjà {maximum} foyers, le maximum.",
    "replay_weeks_out_of_range": "Une simulation rejoue 1 à {weeks_max} semaines "
                                 "({weeks} demandées).",
    "rule_not_simulated": "Seules une clé de répartition, une grille de prix ou les conditions "
                          "d’un programme de paniers se simulent.",
    "no_reference_price": "Don de {quantity_g} de {product} refusé : aucune valeur déclarée "
                          "et aucun prix de référence pour {product} au {donated_date}.",
    "donation_more_than_on_hand": "Don de {quantity_g} refusé : le lot {lot} n’a que "
                                  "{on_hand_g} en stock (enregistrez le don à sa réception).",
    "lot_held": "Impossible : le lot {lot} est bloqué depuis le {held_at} ({hold_reason}).",
    "bulk_not_sorted": "Le lot {lot} est un don en vrac non trié : triez-le d’abord.",
    "use_by_date_passed": "Refusé : la DLC du lot {lot} ({best_before}) est dépassée (nous "
                          "sommes le {on_date}).",
    "remaining_life_too_short": "Expédition refusée : le lot {lot} (DLC {best_before}) n’a "
                                "plus que {remaining_hours} h de vie, moins que les "
                                "{minimum_hours} h exigées.",
    "best_before_grace_exceeded": "Refusé : la DDM du lot {lot} ({best_before}) est dépassée "
                                  "de {past_days} jours, au-delà de la tolérance de "
                                  "{grace_days} jours.",
    "temperature_required": "Réception refusée : le lot {lot} se reçoit avec sa température "
                            "mesurée (plage {temperature_min_dc} à {temperature_max_dc}).",
    "temperature_out_of_range": "Réception refusée : le lot {lot} est à {temperature_dc}, hors "
                                "plage {temperature_min_dc} à {temperature_max_dc} : "
                                "refusez-le ou acceptez-le en le bloquant.",
    "sort_not_bulk": "Le lot {lot} n’est pas un don en vrac à trier : divisez-le ou "
                     "transformez-le.",
    "sorted_lots_count": "Le tri du lot {lot} donne 1 à {maximum} lots de produits ({count} "
                         "indiqués).",
    "sort_balance": "Tri refusé : produits {outputs_g} + déchets {waste_g} = {total_g}, mais "
                    "le lot en vrac {lot} pèse {available_g}.",
    "lot_already_held": "Le lot {lot} est déjà bloqué depuis le {held_at} ({hold_reason}).",
    "lot_not_on_hold": "Le lot {lot} n’est pas bloqué : rien à lever.",
    "stock_rules_products_count": "Les règles de stock citent au plus {maximum} produits "
                                  "({count} indiqués).",
    "stock_rules_categories_count": "Les règles de stock citent au plus {maximum} catégories "
                                    "({count} indiquées).",
    "stock_rules_products_twice": "Les règles de stock citent chaque produit une seule fois, "
                                  "sans nom vide.",
    "stock_rules_categories_twice": "Les règles de stock citent chaque catégorie une seule "
                                    "fois, sans nom vide.",
    "stock_rules_unknown_category": "Le produit {product} est rangé dans la catégorie "
                                    "{category}, que les règles ne décrivent pas.",
    "gtin_invalid": "Produit {product} : « {gtin} » n’est pas un GTIN-8, -12, -13 ou -14 à "
                    "clé de contrôle valide.",
    "temperature_bound_alone": "La catégorie {category} ne fixe qu’une borne de température : "
                               "fixez les deux ou aucune.",
    "temperature_range_invalid": "Catégorie {category} : la plage {temperature_min_dc} à "
                                 "{temperature_max_dc} doit être ordonnée et comprise entre "
                                 "{lowest_dc} et {highest_dc}.",
    "remaining_hours_range": "La durée de vie minimale à l’expédition doit être de 0 à "
                             "{maximum} heures ({hours} indiquées).",
    "shelf_life_days_range": "Durée de conservation refusée ({subject}) : {days} jours ; elle "
                             "doit être de 0 à {maximum} jours.",
    "ddm_grace_days_range": "Tolérance après la DDM refusée ({subject}) : {days} jours ; elle "
                            "doit être de 0 à {maximum} jours.",
    "pick_more_than_stock": "Prélèvement de {quantity_g} refusé : le lot {lot} n’a plus que "
                            "{available_g} disponibles sur cette liste.",
}


def fact_text(name: str, value: int | str, names: Names | None = None) -> str:
    """One fact in French: grams as kg, cents as euros, basis points as %, days, moments,
    weeks, codes as French words, ids as names (see the module docstring)."""
    if not isinstance(value, str):
        if name.endswith("_dc"):  # Tenths of a degree Celsius.
            sign = "-" if value < 0 else ""
            return f"{sign}{abs(value) // 10},{abs(value) % 10}\u00a0°C"
        if name.endswith("_g"):
            return french.kg(value)
        if name.endswith("_cents"):
            return french.euros(value)
        if name.endswith("_bp"):
            return french.percent(value)
        return french.count(value)
    if name.endswith("_date") or name == "best_before":
        try:
            return french.day(value)
        except ValueError:
            return value
    if name == "week":
        return french.iso_week_fr(value)
    if name.endswith("_at"):
        try:
            return french.moment(datetime.fromisoformat(value))
        except ValueError:
            return value
    return _word(name, value, names)


def _word(name: str, value: str, names: Names | None) -> str:
    if name in {"status", "expected", "choice"}:
        return STATUS_WORDS.get(value, value)
    if name == "role":
        return ROLE_WORDS.get(value, value)
    if name in {"roles", "held"}:
        return roles_text(value) if name == "roles" else ", ".join(
            ROLE_WORDS.get(code, code) for code in value.split()) or "aucun"
    if name in {"field", "what", "act", "command"}:
        return term(value)
    if name == "label":
        return LABEL_WORDS.get(value, value)
    if name in {"kind", "college"}:
        return KIND_WORDS.get(value, value.replace("_", " "))
    if name.endswith("_id"):
        return names(value) if names is not None else value
    return value


_AGREE = re.compile(r"(\d[\d\u202f\u00a0]*)([ \u00a0\u202f])(\w+)\(s\)")
"""A count followed by a noun whose plural a template could not know: ``{count} lot(s)``."""


def _agree(match: re.Match[str]) -> str:
    """``1 lot``, ``3 lots`` for a template's ``{count} lot(s)`` once the count is known."""
    number = int(re.sub(r"\D", "", match.group(1)))
    return f"{match.group(1)}{match.group(2)}{match.group(3)}{'s' if number >= 2 else ''}"


def french_message(code: str, message: str, reason: str = "",
                   facts: Mapping[str, int | str] | None = None,
                   fields: list[tuple[str, str]] | None = None,
                   names: Names | None = None) -> str:
    """The refusal said in French (see the module docstring)."""
    template = REASON_MESSAGES.get(reason)
    if template is not None:
        values = {name: fact_text(name, value, names) for name, value in (facts or {}).items()}
        try:
            said = template.format(**values)
        except (KeyError, IndexError):
            pass  # A raise site quoting fewer facts than its template: say it generally.
        else:
            said = _AGREE.sub(_agree, said)
            return said[:1].upper() + said[1:]
    sentence = CODE_MESSAGES.get(code, "Acte refusé")
    if fields:
        said = " ; ".join(_field_said(field, detail) for field, detail in fields if field)
        return f"{sentence} : {said}." if said else f"{sentence}."
    return f"{sentence} — détail : {message}" if message else f"{sentence}."


FIELD_WORDS = {"quantity_g": "quantité", "price_cents_per_kg": "prix au kg",
               "amount_cents": "montant", "accepted_g": "quantité acceptée",
               "measured_g": "poids mesuré", "received_g": "quantité reçue",
               "parts_g": "parts", "loss_g": "perte", "share_bp": "part",
               "temperature_dc": "température", "attendance_count": "nombre de participants",
               "households_served": "foyers servis", "quorum_bp": "quorum",
               "threshold_bp": "seuil", "name": "nom", "reference": "référence",
               "signer": "signataire", "city": "ville", "week": "semaine"}
BOUND_WORDS = {"<=": "au plus", ">=": "au moins", "<": "moins de", ">": "plus de"}
_BOUND = re.compile(r"Expected `(\w+)`( of length)? (<=|>=|<|>) (\d+)")


def _field_said(field: str, detail: str) -> str:
    """A body's field refused by its schema, in French with its limit in its unit:
    ``quantité — au plus 50 000 kg``, ``produit — 80 caractères au plus``."""
    missing = re.search(r"missing required field `(\w+)`", detail)
    name = missing.group(1) if missing else re.sub(r"\[\d+\]", "", field).rsplit(".", 1)[-1]
    words = FIELD_WORDS.get(name) or term(name)
    if missing:
        return f"{words} — à remplir"
    bound = _BOUND.search(detail)
    if bound is None:
        return f"{words} — valeur mal formée"
    limit, operator = int(bound.group(4)), bound.group(3)
    if bound.group(2):
        return (f"{words} — {limit} caractères au plus" if operator.startswith("<") else
                f"{words} — au moins {french.plural(limit, 'caractère')}")
    value = (f"{french.euros(limit)}/kg" if name.endswith("_per_kg") else
             fact_text(name, limit))
    return f"{words} — {BOUND_WORDS[operator]} {value}"


def wants_french(accept_language: str) -> bool:
    """Whether a request's ``Accept-Language`` puts French first."""
    first = accept_language.split(",", maxsplit=1)[0].strip().lower()
    return first.startswith("fr")
