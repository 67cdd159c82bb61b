"""A command's digest, kept in its record forever, never fingerprints personal data."""

from __future__ import annotations

import hashlib
from uuid import UUID

import msgspec

from domain.command_records import command_digest
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
