"""A household's personal data: what must never sit in clear inside an event.

The ledger identifies an enrolled household by a random id and by the pseudonymous reference
its referring organisation gave it. Its name and contact are sealed (encrypted under a key
of that household alone, kept outside the event store) before the enrolment event is
recorded; the event carries only the sealed bytes. Erasing the household destroys its key:
the sealed bytes stay in the history, which still loads and verifies, but nobody can read
them again. Sealing and key storage live in ``infra.personal_data_store``.
"""

from __future__ import annotations

import msgspec

from domain.errors import InvalidCommand

NAME_LENGTH_MAX = 200
CONTACT_LENGTH_MAX = 300  # An address and a phone number.
SEALED_LENGTH_MAX = 4_096
"""Sealed bytes in an enrolment event: name and contact plus nonce and tag fit easily."""


class PersonalData(msgspec.Struct, frozen=True, kw_only=True):
    """What identifies a household to the people who serve it."""

    name: str
    contact: str = ""


def check_personal_data(data: PersonalData) -> PersonalData:
    """Trim and bound the fields; a name is required."""
    name = data.name.strip()
    contact = data.contact.strip()
    if not name or len(name) > NAME_LENGTH_MAX:
        raise InvalidCommand(f"a household's name is 1 to {NAME_LENGTH_MAX} characters",
                             reason="text_length", field="household name", length=len(name),
                             maximum=NAME_LENGTH_MAX)
    if len(contact) > CONTACT_LENGTH_MAX:
        raise InvalidCommand(f"a household's contact is at most {CONTACT_LENGTH_MAX} "
                             "characters", reason="text_length", field="household contact",
                             length=len(contact), maximum=CONTACT_LENGTH_MAX)
    return PersonalData(name=name, contact=contact)


def check_sealed(sealed: bytes) -> None:
    """Refuse empty or oversized sealed data (it is never plaintext: see the module doc)."""
    if not 0 < len(sealed) <= SEALED_LENGTH_MAX:
        raise InvalidCommand(f"sealed personal data must be 1 to {SEALED_LENGTH_MAX} bytes",
                             reason="sealed_size", size=len(sealed), maximum=SEALED_LENGTH_MAX)
