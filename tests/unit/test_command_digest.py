"""A command's digest, kept in its record forever, never fingerprints personal data."""

from __future__ import annotations

import hashlib
from datetime import date
from uuid import UUID

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from domain.command_records import command_digest
from domain.commands import OfferLot
from domain.governance_commands import EnrolHousehold

ACTOR = UUID("01a20000-0000-7000-8000-000000000001")
PROGRAMME = UUID("01a20000-0000-7000-8000-000000000002")


def enrolment(name: str, contact: str, reference: str = "H-0001") -> EnrolHousehold:
    """An enrolment command with the given personal data."""
    return EnrolHousehold(command_id="enrol-1", actor_id=ACTOR, programme_id=PROGRAMME,
                          reference=reference, name=name, contact=contact)


def test_digest_ignores_name_and_contact() -> None:
    """Two enrolments differing only by personal data have the same digest."""
    assert command_digest(enrolment("Awa Diallo", "06 00 00 00 01")) == command_digest(
        enrolment("Jean Martin", "jean@example.org"))


def test_digest_still_covers_other_fields() -> None:
    """A different pseudonymous reference changes the digest."""
    assert command_digest(enrolment("A", "", "H-0001")) != command_digest(
        enrolment("A", "", "H-0002"))


def test_a_field_added_later_leaves_the_digest_as_it_was_while_at_its_default() -> None:
    """``backdating_reason`` came after digests were first recorded: unset, the digest is
    the one an older ledger computed (a retry across the upgrade replays); set, it counts."""
    command = enrolment("A", "", "H-0001")
    fields = msgspec.structs.asdict(command)
    for name in ("name", "contact", "backdating_reason"):
        fields.pop(name)
    assert command_digest(command) == hashlib.sha256(msgspec.json.encode(fields)).hexdigest()
    reasoned = msgspec.structs.replace(command, backdating_reason="saisie tardive")
    assert command_digest(reasoned) != command_digest(command)


def slow_digest(command: msgspec.Struct) -> str:
    """The digest as first defined: the fields as a dict, less personal and added-later ones."""
    fields = msgspec.structs.asdict(command)
    for name in (*getattr(type(command), "PERSONAL_FIELDS", ()), "backdating_reason"):
        if name != "backdating_reason" or fields.get(name) == "":
            fields.pop(name, None)
    return hashlib.sha256(msgspec.json.encode(fields)).hexdigest()


@given(texts=st.lists(st.one_of(st.text(max_size=30), st.sampled_from([
    ',"backdating_reason":""', '","backdating_reason":"', '\\",\\"backdating_reason', '"',
    ',"origin":""'])), min_size=4, max_size=4), reason=st.sampled_from(["", "saisie tardive"]))
def test_the_quick_digest_is_the_digest_as_first_defined(texts: list[str], reason: str) -> None:
    """Cutting the field out of the encoded command gives the dict's digest, whatever the text
    fields hold (even the field's own text), and a set reason still counts."""
    product, variety, certificate, origin = texts
    command = OfferLot(command_id=f"offer{product}", actor_id=ACTOR, correlation_id=variety,
                       product=product or "carrot", variety=variety, quantity_g=1_000,
                       price_cents_per_kg=100, harvest_date=date(2026, 3, 1),
                       best_before=None, organic_certificate=certificate, origin=origin,
                       backdating_reason=reason)
    assert command_digest(command) == slow_digest(command)
