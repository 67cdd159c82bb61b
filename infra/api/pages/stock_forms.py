"""The platform's forms that move its stock: split, reserve, release a reservation, merge,
transform, record a loss (a section of « Entrepôt »).

The lots offered are those the act may take: only what is available (never a held,
recalled, unsorted or date-blocked lot) for what passes food on; what is reserved for a
release; anything on hand, held lots included, for a loss (a held lot may be destroyed).
"""



from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.html import Field, Form, Option, section
from infra.api.pages.page import OPTIONS_MAX, Page


def _option(line: Any, grams: int) -> Option:
    variety = f" {line.variety}" if line.variety else ""
    return Option(line.lot_id, f"{line.code} — {line.product}{variety}, {french.kg(grams)}",
                  {"kg": french.kg_number(grams)})


def gestures_section(page: Page, lines: Sequence[Any]) -> Markup:
    """Split, reserve, release, merge, transform, record a loss."""
    available = [_option(line, line.available_g) for line in lines
                 if line.available_g > 0][:OPTIONS_MAX]
    reserved = [_option(line, line.reserved_g) for line in lines
                if line.reserved_g > 0][:OPTIONS_MAX]
    on_hand = [_option(line, line.on_hand_g - line.reserved_g) for line in lines
               if line.on_hand_g > line.reserved_g][:OPTIONS_MAX]
    outlets = [Option(str(member_id), name)
               for member_id, name in page.directory.members_of_kind("outlet")]
    return section("gestes", "Diviser, regrouper, transformer, réserver", page.forms(
        Form("split_lot", "Diviser un lot", [
            Field("lot_id", "Lot", kind="uuid", options=available),
            Field("parts_g", "Parts (kg, séparées par ;)", kind="kg_list",
                  help="Par exemple 10 ; 12,5 — elles doivent faire tout le disponible"),
        ], submit="Diviser"),
        Form("reserve_lot", "Réserver pour une structure", [
            Field("lot_id", "Lot", kind="uuid", options=available),
            Field("outlet_id", "Structure", kind="uuid", options=outlets),
            Field("quantity_g", "Quantité (kg)", kind="kg"),
        ], submit="Réserver"),
        Form("release_reservation", "Libérer une réservation", [
            Field("lot_id", "Lot", kind="uuid", options=reserved),
            Field("outlet_id", "Structure", kind="uuid", options=outlets),
            Field("quantity_g", "Quantité (kg)", kind="kg"),
            Field("reason", "Motif"),
        ], submit="Libérer"),
        _merge_form(available),
        _transform_form(available),
        Form("record_loss", "Déclarer une perte", [
            Field("lot_id", "Lot", kind="uuid", options=on_hand),
            Field("quantity_g", "Quantité perdue (kg)", kind="kg"),
            Field("reason", "Motif"),
        ], submit="Déclarer la perte", dated=True,
            intro="Un lot bloqué peut être détruit : déclarez-le ici."),
    ), intro="Seuls les lots disponibles sont proposés : ni bloqués, ni rappelés, ni en vrac "
             "à trier, ni interdits par leur date.")


def _merge_form(available: list[Option]) -> Form:
    return Form("merge_lots", "Regrouper deux lots", [
        Field("lot_id", "Premier lot", kind="uuid", options=available,
              list_name="parents", item={}),
        Field("quantity_g", "Quantité du premier (kg)", kind="kg", list_name="parents",
              item={}),
        Field("lot_id", "Second lot", kind="uuid", options=available,
              list_name="parents", item={}),
        Field("quantity_g", "Quantité du second (kg)", kind="kg", list_name="parents",
              item={}),
    ], submit="Regrouper")


def _transform_form(available: list[Option]) -> Form:
    return Form("transform_lots", "Transformer un lot", [
        Field("lot_id", "Lot utilisé", kind="uuid", options=available,
              list_name="inputs", item={}),
        Field("quantity_g", "Quantité utilisée (kg)", kind="kg", list_name="inputs",
              item={}),
        Field("product", "Produit obtenu", list_name="outputs", item={}),
        Field("quantity_g", "Quantité obtenue (kg)", kind="kg", list_name="outputs",
              item={}),
        Field("loss_g", "Perte (kg)", kind="kg", help="Utilisé = obtenu + perte"),
    ], submit="Transformer")
