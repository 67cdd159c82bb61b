"""Quality labels of lots: what funders count beside organic food.

Funders such as "Mieux manger pour tous" follow the share of organic food and of food under
an official quality label (the EGalim list: Label Rouge, AOP/AOC, IGP, STG, HVE). A lot's
organic certificate comes with its offer; a quality label is declared on the lot by its
producer or by the platform that holds it (``LotLabel.Declared``, one stream per lot and
label, so a label is declared once), and withdrawn with a reason if it was wrong.

A lot made from other lots carries a label when every lot it was made from carries it, as
for the organic certificate (``labels_of_derived``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import ClassVar
from uuid import UUID

from domain.base import Aggregate, Context, Created, Event
from domain.errors import InvalidState
from domain.ids import name_id
from domain.input_bounds import check_text


class QualityLabel(enum.StrEnum):
    """Official quality labels (signes officiels de qualité) and HVE."""

    LABEL_ROUGE = "label_rouge"
    AOP = "aop"
    """Appellation d'origine protégée (or contrôlée)."""
    IGP = "igp"
    STG = "stg"
    HVE = "hve"
    """Haute valeur environnementale (level 3)."""


def lot_label_id(lot_id: UUID, label: QualityLabel) -> UUID:
    """The stream of one label on one lot."""
    return name_id("lot-label", f"{lot_id}:{label}")


class LotLabel(Aggregate):
    """A quality label declared on a lot."""

    lot_id: UUID
    label: QualityLabel
    withdrawn: bool

    class Declared(Created, frozen=True, kw_only=True):
        """The lot carries a quality label, with the certificate that proves it."""

        TOPIC: ClassVar[str] = "lot_label.declared"
        lot_id: UUID
        label: QualityLabel
        certificate: str

        def apply(self, declared: LotLabel) -> None:
            declared.lot_id = self.lot_id
            declared.label = self.label
            declared.withdrawn = False

    class Withdrawn(Event, frozen=True, kw_only=True):
        """The label was declared wrongly: the lot does not carry it."""

        TOPIC: ClassVar[str] = "lot_label.withdrawn"
        reason: str

        def apply(self, declared: LotLabel) -> None:
            declared.withdrawn = True

    @classmethod
    def declare(cls, context: Context, *, lot_id: UUID, label: QualityLabel,
                certificate: str) -> LotLabel:
        """Declare a label on a lot (callers check who may)."""
        return cls._create(cls.Declared, lot_label_id(lot_id, label), context=context,
                           lot_id=lot_id, label=label,
                           certificate=check_text("certificate", certificate))

    def withdraw(self, context: Context, reason: str) -> None:
        """Withdraw a label declared wrongly."""
        if self.withdrawn:
            raise InvalidState(f"label {self.label} of lot {self.lot_id} is already withdrawn",
                               reason="label_already_withdrawn", label=str(self.label))
        self._trigger(self.Withdrawn, context=context, reason=check_text("reason", reason))


LotLabel.Declared.AGGREGATE = LotLabel


def labels_of_derived(parents: Iterable[frozenset[QualityLabel]]) -> frozenset[QualityLabel]:
    """The labels a lot made from parents carries: those every parent carries."""
    result: frozenset[QualityLabel] | None = None
    for labels in parents:
        result = labels if result is None else result & labels
    return result or frozenset()
