"""French templates of the refusals the domain and the service layer name by reason.

One sentence per reason, filled with the facts its raise sites give (``refusals.fact_text``
turns grams into kilograms, cents into euros, role and field codes into French words, and
member or site ids into names). ``refusals.REASON_MESSAGES`` merges these with the first
templates it kept; ``tests/unit/test_refusal_reasons.py`` fails on any raise site in
``domain/`` or ``infra/ledger/`` without a reason, and on any reason without a template
here that the facts of every raise site can fill.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

DOMAIN_REASONS: dict[str, str] = {
    # ---------------------------------------------------------------- values of a command
    "quantity_range": "Quantité refusée ({field}) : {quantity_g} ; elle doit être entre "
                      "{minimum_g} et {maximum_g}.",
    "text_missing": "À remplir : {field}.",
    "product_too_long": "Nom de produit trop long : {maximum} caractères au plus.",
    "stock_rules_name_too_long": "Nom trop long : {product_maximum} caractères au plus pour "
                                 "un produit, {category_maximum} pour une catégorie.",
    "backdating_window_range": "Fenêtre de saisie tardive refusée : {days} jours ; elle doit "
                               "être de 0 à {maximum} jours.",
    "future_tolerance_negative": "La tolérance sur les heures futures ne peut pas être "
                                 "négative.",
    "text_length": "Texte trop long ({field}) : {length} caractères pour {maximum} au plus.",
    "lot_code_format": "Le code de lot « {code_text} » doit faire 1 à {maximum} caractères, "
                       "sans espace.",
    "price_range": "Prix refusé : {price_cents} par kg ; il doit être entre 0 et "
                   "{maximum_cents} par kg.",
    "week_format": "La semaine « {week_text} » n’est pas une semaine ISO comme 2026-W07.",
    "reference_format": "La référence « {reference} » doit faire 1 à 64 lettres, chiffres, "
                        "points ou tirets : un pseudonyme, jamais un nom.",
    "reason_missing": "Dites pourquoi : le motif est obligatoire ({act}).",
    "signer_missing": "Indiquez le nom de la personne qui signe la réception.",
    "time_zone_missing": "Les heures d’ouverture et de fin du vote doivent porter leur fuseau "
                         "horaire.",
    "households_negative": "Le nombre de foyers servis ne peut pas être négatif ({households}).",
    "sealed_size": "Les données personnelles scellées font {size} octets : il en faut 1 à "
                   "{maximum}.",
    "line_not_positive": "Chaque ligne doit peser plus de 0 kg (une ligne indique "
                         "{quantity_g}).",
    "lot_listed_twice": "Un même lot figure deux fois : regroupez ses quantités en une ligne.",
    # ---------------------------------------------------------------- lots
    "split_parts_count": "Division du lot {lot} refusée : {count} part(s) ; il en faut 2 à "
                         "{maximum}.",
    "input_lots_count": "{act} refusé(e) : {count} lot(s) ; il en faut 1 à {maximum}.",
    "inputs_at_several_sites": "{act} refusé(e) : tous les lots doivent être sur le même site.",
    "merge_needs_two": "Un regroupement prend au moins deux lots ({count} indiqué).",
    "merge_mixes_products": "Un regroupement ne mélange qu’un produit ({products}) : "
                            "utilisez une transformation pour en combiner plusieurs.",
    "output_lots_count": "Une transformation donne 1 à {maximum} lots ({count} indiqués).",
    "transformation_balance": "Transformation refusée : obtenu {outputs_g} + perte {loss_g} = "
                              "{total_g}, mais {inputs_g} ont été utilisés.",
    "recall_too_wide": "Le rappel du lot {lot} atteint plus de {maximum} lots : vérifiez "
                       "l’historique avec la coordination.",
    "dispatch_beyond_stock": "Expédition refusée : la livraison prend {quantity_g} du lot "
                             "{lot}, au-delà de ses réservations ({reserved_g}) et des "
                             "{available_g} disponibles.",
    "lot_code_taken": "Le code de lot {lot} est déjà pris par un autre lot.",
    # ---------------------------------------------------------------- rounds and deliveries
    "round_needs_closed": "Les besoins de la répartition de la {week} ne changent plus : elle "
                          "est à l’état « {status} ».",
    "need_negative": "Un besoin ne peut pas être négatif ({quantity_g}, {households} foyers).",
    "round_needs_full": "Une répartition prend au plus {maximum} besoins.",
    "round_already_confirmed": "La répartition de la {week} est déjà confirmée.",
    "round_without_needs": "La répartition de la {week} n’a aucun besoin déclaré à répartir.",
    "round_not_computed": "La répartition de la {week} est à l’état « {status} » : calculez-la "
                          "d’abord.",
    "round_of_another_platform": "La répartition de la {week} appartient à une autre "
                                 "plateforme.",
    "stops_count": "Une livraison a 1 à {maximum} arrêts ({count} indiqués).",
    "outlet_stop_twice": "Une structure ne figure qu’une fois parmi les arrêts d’une "
                         "livraison.",
    "stop_lines_count": "L’arrêt de {outlet_id} a {count} ligne(s) : il en faut 1 à {maximum}.",
    "not_a_stop": "{outlet_id} n’est pas un arrêt de la livraison du {delivery_date}.",
    "delivery_not_planned": "{act} impossible : la livraison du {delivery_date} est à l’état "
                            "« {status} » (seule une livraison planifiée le permet).",
    "delivery_not_dispatched": "La livraison du {delivery_date} est à l’état « {status} » : "
                               "elle doit être expédiée avant d’être signée.",
    "stop_already_received": "{outlet_id} a déjà signé la réception de la livraison du "
                             "{delivery_date}.",
    "stop_already_settled": "L’arrêt de {outlet_id} est déjà réglé.",
    "delivery_of_another_platform": "La livraison du {delivery_date} appartient à une autre "
                                    "plateforme.",
    "receipt_lot_not_on_stop": "La réception cite {count} lot(s) qui ne sont pas sur votre "
                               "arrêt.",
    # ---------------------------------------------------------------- members and roles
    "member_suspended": "{member} est suspendu·e : aucun acte n’est possible.",
    "role_for_command": "{member} ne peut pas {command} : il faut le rôle {roles} (rôles "
                        "détenus : {held}).",
    "role_for_act": "Cet acte demande le rôle {roles} ; vous agissez comme {role}.",
    "role_missing": "{member} n’a pas le rôle {role} (rôles détenus : {roles}).",
    "member_not_in_role": "{member} n’a pas le rôle {role} que la demande lui donne.",
    "role_already_held": "{member} a déjà le rôle {role}.",
    "role_not_held": "{member} n’a pas le rôle {role}.",
    "already_suspended": "{member} est déjà suspendu·e.",
    "household_gone": "Les données du foyer {reference} ont été effacées : ce lien ne sert "
                      "plus.",
    "cooperative_exists": "La coopérative est déjà fondée.",
    "stream_missing": "{what} introuvable dans le registre.",
    "text_control_character": "Caractère invisible {character} refusé ({field}) : retirez-le "
                              "puis renvoyez.",
    # ---------------------------------------------------------------- governance
    "college_weighted_twice": "Chaque collège n’a qu’un poids.",
    "college_weight_range": "Le collège des {college} pèse {weight_bp} : chaque collège pèse "
                            "entre {minimum_bp} et {maximum_bp}.",
    "college_weights_sum": "Les poids des collèges font {total_bp} au lieu de {expected_bp}.",
    "colleges_exist": "Les collèges sont déjà constitués.",
    "unknown_college": "Le collège des {college} n’existe pas dans cette coopérative.",
    "already_seated": "{member_id} siège déjà au collège des {college}.",
    "roll_full": "La liste des collèges est complète : {maximum} membres au plus.",
    "not_seated": "{member_id} ne siège dans aucun collège.",
    "roll_empty": "Personne ne siège dans un collège : personne ne pourrait voter.",
    "vote_too_long": "Un vote dure {maximum} jours au plus ({days} demandés).",
    "quorum_range": "Quorum refusé : {quorum_bp} ; il doit être entre 0 et {maximum_bp}.",
    "threshold_range": "Seuil refusé : {threshold_bp} ; il doit être entre 0 et {maximum_bp} "
                       "(l’adoption demande strictement plus).",
    "one_off_with_effective_date": "Une admission ou un engagement prend effet à l’adoption : "
                                   "ne donnez pas de date d’effet ({effective_date}).",
    "effective_too_early": "La date d’effet ({effective_date}) doit venir après le jour de fin "
                           "du vote ({closing_date}).",
    "votes_full": "« {title} » a déjà reçu {maximum} votes.",
    "proposal_already_closed": "« {title} » est déjà close ({status}).",
    "no_submission": "Ces événements ne contiennent aucune proposition soumise.",
    "minimum_share_range": "Minimum par structure refusé : {minimum_share_bp} ; il doit être "
                           "entre 0 et {maximum_bp}.",
    "rule_book_full": "Le registre des règles est plein ({maximum} décisions au plus).",
    "price_grid_size": "Une grille de prix cite {maximum} produits au plus ({count} indiqués).",
    "price_grid_products": "Une grille de prix cite chaque produit une fois, aucun vide.",
    "outlet_share_range": "Part des structures refusée : {outlet_share_bp} ; elle doit être "
                          "entre 0 et {maximum_bp}.",
    "price_grid_funders_unneeded": "Quand les structures paient 100 %, la grille ne nomme "
                                   "aucun financeur.",
    "funders_count": "{field} : {count} financeur(s) ; il en faut 1 à {maximum}.",
    "funder_twice": "{field} : un financeur figure deux fois.",
    "funder_share_range": "{field} : la part de {funder_id} est de {share_bp} ; chaque part "
                          "est de plus de 0 % et au plus {maximum_bp}.",
    "funder_shares_sum": "{field} : les parts des financeurs font {total_bp} au lieu de "
                         "{expected_bp}.",
    # ---------------------------------------------------------------- baskets
    "basket_price_range": "Prix du panier refusé : {price_cents} ; il doit être de plus de "
                          "0 € et au plus {maximum_cents}.",
    "household_cap_range": "Part des foyers refusée : {cap_bp} ; elle est au plus de "
                           "{maximum_bp}.",
    "household_share_range": "Part du foyer refusée : {share_bp} ; elle doit être entre 0 et "
                             "{maximum_bp}.",
    "collection_points_count": "Un programme a 1 à {maximum} points de retrait ({count} "
                               "indiqués).",
    "collection_point_twice": "Un point de retrait figure deux fois.",
    "not_a_collection_point": "{outlet_id} n’est pas un point de retrait du programme "
                              "{programme}.",
    "household_erased": "{act} impossible : les données du foyer {reference} ont été "
                        "effacées.",
    "household_of_other_programme": "Le foyer {reference} n’est pas inscrit au programme "
                                    "{programme}.",
    "funder_payments_off_terms": "Les parts des financeurs ne suivent pas les conditions du "
                                 "programme.",
    "household_transfer_mismatch": "La part du foyer ({household_cents}) et son virement ne "
                                   "concordent pas.",
    "basket_not_prepared": "{act} impossible : le panier de la {week} est à l’état "
                           "« {status} ».",
    "basket_lines_count": "Un panier compte 1 à {maximum} lignes ({count} indiquées).",
    "basket_of_another_point": "Le panier de la {week} est remis par un autre point de "
                               "retrait.",
    "erase_not_referrer": "Seule la structure qui a inscrit le foyer {reference}, ou la "
                          "coordination, peut l’effacer.",
    # ---------------------------------------------------------------- money
    "transfer_to_itself": "Un virement va d’un compte à un autre, pas du {kind} de {owner_id} "
                          "vers lui-même.",
    "transfer_accounts_mismatch": "Ce virement ne relie pas ces deux comptes.",
    "transfer_not_pending": "Ce virement de {amount_cents} est « {status} » : seul un virement "
                            "en attente peut être payé ou annulé.",
    "post_beyond_reserved": "Paiement de {posted_cents} refusé : le virement a réservé "
                            "{amount_cents} (payez au plus autant, ou annulez-le).",
    "shares_sum": "Les parts font {total_bp} au lieu de {expected_bp}.",
    "scale_out_of_range": "Proportion impossible : {numerator} sur {denominator}.",
    "scale_total_mismatch": "Les montants font {total} au lieu de {denominator}.",
    "programme_fund_scope": "Seul le fonds d’un programme nomme son programme ({kind}).",
    "account_history_broken": "L’historique de ce compte ne tombe pas juste : prévenez la "
                              "coordination.",
    "account_exists": "Le compte {kind} de {owner_id} existe déjà.",
    "transfer_settled_by_its_act": "Ce virement paie un(e) {kind} : il est payé ou annulé par "
                                   "les actes de ce(tte) {kind}.",
    # ---------------------------------------------------------------- donations, labels, workshops
    "donation_worth_less_than_a_cent": "Don de {quantity_g} de {product} : à {price_cents} "
                                       "par kg il vaut moins d’un centime, déclarez sa valeur.",
    "donated_after_recording": "Un don reçu le {donated_date} ne peut pas être enregistré le "
                               "{act_date}, avant d’avoir été reçu.",
    "donation_already_cancelled": "Ce don est déjà annulé.",
    "donation_of_another_platform": "Seule la plateforme qui a enregistré ce don peut "
                                    "l’annuler.",
    "donation_exists": "Le lot {lot} est déjà enregistré comme un don.",
    "donor_mismatch": "Le lot {lot} vient de {source_id} : {donor} ne peut pas en être le "
                      "donateur.",
    "label_already_withdrawn": "Le label {label} de ce lot est déjà retiré.",
    "label_not_own_lot": "Le lot {lot} n’est ni produit ni détenu par vous.",
    "label_exists": "Le lot {lot} porte déjà le label {label}.",
    "attendance_range": "Participants : {count} ; il en faut 1 à {maximum}.",
    "workshop_in_future": "Un atelier tenu le {held_date} ne peut pas être enregistré le "
                          "{act_date}, avant d’avoir eu lieu.",
    "workshop_of_another_member": "Seul le membre qui a enregistré cet atelier peut "
                                  "l’annuler.",
    "workshop_already_cancelled": "Cet atelier est déjà annulé.",
    "workshop_not_in_programme": "{member} n’est ni le jardin ni un point de retrait du "
                                 "programme {programme}.",
    # ---------------------------------------------------------------- the command path
    "batch_size": "Un lot de commandes en compte 1 à {maximum} ({count} envoyées).",
    "transaction_too_large": "Une transaction écrit au plus {maximum} événements ; ces {count} "
                             "commandes en écriraient {events} : envoyez-les en plusieurs lots.",
    "gave_up_after_conflicts": "D’autres personnes modifiaient les mêmes données : abandon "
                               "après {attempts} essais, réessayez.",
    "unknown_command": "Cette commande n’existe pas.",
    "command_id_reused": "Cette clé d’acte a déjà servi pour un autre acte ({command}) : "
                         "renvoyez avec une nouvelle clé.",
}
