"""The one policy table: which role may call which route, on whose data.

Every route handler of the API has a name, and that name has exactly one entry here (a test
walks the app's routes and fails on any route without one). An entry lists the roles that
may call the route and, for each, the *scope* of data it reaches:

- ``ALL``: every record (an auditor reads everything; a coordinator runs the cooperative).
- ``OWN``: the caller's own records only. For a command this means the caller acts as
  itself: the actor is always the token's member, never a field of the body, and the ledger
  refuses acts on another member's lots, sites, rounds or delivery stops (a producer offers
  and recalls only its own lots; a platform handles only the stock at its sites; an outlet
  signs only for its own stop of a delivery). For a read it means the answer is filtered to
  the caller: a producer sees its own lots, a household only its own account.

A member holding several roles gets the widest scope any of them gives. Nothing is allowed
by default: a route missing from the table refuses every caller. The auditor role appears
in no entry that writes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.base import Role


class Scope(enum.StrEnum):
    """Whose data a role reaches through a route."""

    ALL = "all"
    OWN = "own"


@dataclass(frozen=True)
class Access:
    """Who may call one route."""

    roles: Mapping[Role, Scope] = field(default_factory=dict)
    writes: bool = False
    """True when the route changes the ledger (a command)."""
    public: bool = False
    """Health, metrics, the API description, the dashboard's static files and the checkpoint
    public key: no token."""
    note: str = ""


# One- and two-letter names keep the table readable; O is an outlet, never zero.
P, PL, O, F, H, V, A, C = (  # noqa: E741 - see above.
    Role.PRODUCER, Role.PLATFORM, Role.OUTLET, Role.FUNDER, Role.HOUSEHOLD, Role.VOTER,
    Role.AUDITOR, Role.COORDINATOR)
EVERY_ROLE = tuple(Role)
MEMBERS_OF_THE_SUPPLY_CHAIN = (C, PL, O, F, A, P)


def command(*roles: Role, note: str = "") -> Access:
    """A command: each role acts as itself on its own data."""
    assert A not in roles, "an auditor reads everything and changes nothing"
    return Access(roles=dict.fromkeys(roles, Scope.OWN), writes=True, note=note)


def read(all_roles: tuple[Role, ...] = (), own_roles: tuple[Role, ...] = (),
         note: str = "") -> Access:
    """A query: some roles read every record, others only their own."""
    roles = dict.fromkeys(own_roles, Scope.OWN)
    roles.update(dict.fromkeys(all_roles, Scope.ALL))
    return Access(roles=roles, note=note)


PUBLIC = Access(public=True)

POLICY: dict[str, Access] = {
    # ------------------------------------------------------------ public
    "livez": PUBLIC,
    "readyz": PUBLIC,
    "metrics": PUBLIC,
    "api_schema": PUBLIC,
    "dashboard_index": PUBLIC,
    "dashboard_redirect": PUBLIC,
    "dashboard_assets": PUBLIC,
    # ------------------------------------------------------------ session
    "whoami": read(all_roles=EVERY_ROLE, note="the caller's own id and roles"),
    "open_session": read(all_roles=EVERY_ROLE,
                         note="sets the dashboard cookie; writes nothing to the ledger"),
    "close_session": read(all_roles=EVERY_ROLE, note="clears the dashboard cookie"),
    # ------------------------------------------------------------ work pages (infra/api/pages)
    "pages_home": PUBLIC,
    "pages_worker": PUBLIC,
    "pages_manifest": PUBLIC,
    "pages_sign_in": PUBLIC,
    "pages_sign_out": PUBLIC,
    "page_recall_sheet": read(all_roles=(C, PL, A), own_roles=(P,),
                              note="leads to export_trace, which checks the lot"),
    "page_producer": read(own_roles=(P,), note="its own lots, offers, recalls and money"),
    "page_platform": read(own_roles=(PL,), note="offers, its sites' stock, rounds, deliveries"),
    "page_outlet": read(own_roles=(O,), note="its needs, stops, holdings and baskets"),
    "page_governance": read(all_roles=(V, C, A),
                            note="proposals, tallies and rules are open to members"),
    "page_coordination": read(all_roles=(C,), note="members, sites, the sum of balances"),
    "page_funder": read(own_roles=(F,), note="its own budgets and what they financed"),
    "page_household": read(own_roles=(H,), note="its own baskets and share paid only"),
    "page_audit": read(all_roles=(A, C), note="everything, read-only"),
    "page_verification": read(all_roles=(A, C), note="recomputes the hash chain"),
    # ------------------------------------------------------------ members and sites
    "register_member": command(C),
    "grant_role": command(C),
    "revoke_role": command(C),
    "suspend_member": command(C),
    "register_site": command(C),
    "list_members": read(all_roles=(C, PL, O, F, A, P), own_roles=(H, V),
                         note="a household sees only its own record"),
    "list_sites": read(all_roles=MEMBERS_OF_THE_SUPPLY_CHAIN),
    # ------------------------------------------------------------ lots
    "offer_lot": command(P, note="offered in the producer's own name"),
    "accept_offer": command(PL, note="for a site the platform operates"),
    "decline_offer": command(PL),
    "receive_lot": command(PL, note="at a site the platform operates"),
    "split_lot": command(PL, note="only lots at the platform's own sites"),
    "merge_lots": command(PL, note="only lots at the platform's own sites"),
    "transform_lots": command(PL, note="only lots at the platform's own sites"),
    "reserve_lot": command(PL, note="only lots at the platform's own sites"),
    "release_reservation": command(PL, note="only lots at the platform's own sites"),
    "record_loss": command(PL, O, note="a platform at its sites; an outlet of what it holds"),
    "record_distribution": command(O, note="only what the outlet itself holds"),
    "recall_lot": command(C, PL, P, note="a producer recalls only its own lots"),
    "receive_donation": command(PL, note="a bulk donation at a site the platform operates"),
    "sort_donation": command(PL, note="only donations at the platform's own sites"),
    "hold_lot": command(PL, C, note="a platform holds only lots at its own sites"),
    "release_hold": command(PL, C, note="a platform releases only lots at its own sites"),
    # ------------------------------------------------------------ allocation rounds
    "open_round": command(PL, note="at a site the platform operates"),
    "declare_need": command(O, note="the outlet's own need"),
    "compute_round": command(PL, note="the platform's own round"),
    "adjust_round": command(PL, note="the platform's own round"),
    "confirm_round": command(PL, note="the platform's own round"),
    # ------------------------------------------------------------ deliveries
    "plan_delivery": command(PL, note="from a site the platform operates"),
    "dispatch_delivery": command(PL, note="the platform's own delivery"),
    "cancel_delivery": command(PL, note="the platform's own delivery"),
    "receive_delivery": command(O, note="an outlet signs only for its own stop"),
    # ------------------------------------------------------------ stock and traceability
    "get_stock": read(all_roles=(C, PL, O, F, A), own_roles=(P,),
                      note="a producer sees only its own lots"),
    "get_lot": read(all_roles=(C, PL, O, F, A), own_roles=(P,),
                    note="a producer sees only its own lots"),
    "live_events": read(all_roles=(C, PL, O, F, A), own_roles=(P,),
                        note="the dashboard's live feed; a producer gets its own lots only"),
    "trace_lot": read(all_roles=(C, PL, O, A), own_roles=(P,),
                      note="a producer traces only its own lots"),
    "recall_impact": read(all_roles=(C, PL, O, A), own_roles=(P,),
                          note="a producer sees the impact of its own lots only"),
    "stream_history": read(all_roles=(C, A), note="raw events of any stream"),
    # ------------------------------------------------------------ printouts and lot pages
    "pick_list": read(all_roles=(C, A), own_roles=(PL,),
                      note="a platform prints the pick lists of its own deliveries"),
    "pick_list_html": read(all_roles=(C, A), own_roles=(PL,),
                           note="a platform prints the pick lists of its own deliveries"),
    "pick_list_pdf": read(all_roles=(C, A), own_roles=(PL,),
                          note="a platform prints the pick lists of its own deliveries"),
    "lot_label_html": read(all_roles=(C, PL, A), own_roles=(P,),
                           note="a producer prints labels of its own lots only"),
    "lot_label_pdf": read(all_roles=(C, PL, A), own_roles=(P,),
                          note="a producer prints labels of its own lots only"),
    "site_labels_html": read(all_roles=(C, A), own_roles=(PL,),
                             note="a platform prints the labels of its own sites' stock"),
    "site_labels_pdf": read(all_roles=(C, A), own_roles=(PL,),
                            note="a platform prints the labels of its own sites' stock"),
    "lot_page": read(all_roles=(C, PL, O, F, A), own_roles=(P,),
                     note="what a label's QR code leads to: the lot's trace, for members "
                          "signed in on their phone; a producer sees its own lots"),
    "lot_page_gs1": read(all_roles=(C, PL, O, F, A), own_roles=(P,),
                         note="the same page at the lot's GS1 Digital Link address"),
    # ------------------------------------------------------------ exports
    "export_epcis": read(all_roles=(C, PL, A), own_roles=(P,),
                         note="platforms answer recalls; a producer exports its own lots only"),
    "export_trace": read(all_roles=(C, PL, A), own_roles=(P,),
                         note="platforms answer recalls; a producer exports its own lots only"),
    "export_register": read(all_roles=(C, A), own_roles=(PL, O, F, H, V, P),
                            note="each member exports only its own register"),
    "export_funder_report": read(all_roles=(C, A), own_roles=(F,),
                                 note="a funder exports only its own report"),
    "export_casf_register": read(all_roles=(C, A), own_roles=(PL, O),
                                 note="an organisation exports only its own register"),
    "export_donation_attestation": read(all_roles=(C, A), own_roles=(PL, P, O, F),
                                        note="a donor gets its own attestations; a platform "
                                             "those of the donations it received"),
    "export_activity": read(all_roles=(C, A, F), own_roles=(P, O),
                            note="a garden or collection point: its own programmes only"),
    # ------------------------------------------------------------ audit
    "export_history": read(all_roles=(C, A), own_roles=(P, PL, O, F, H, V),
                           note="stored events with their links, verifiable alone; a member "
                                "exports the history that concerns it"),
    "list_checkpoints": read(all_roles=EVERY_ROLE,
                             note="signed chain heads: every member may keep them"),
    "checkpoint_public_key": PUBLIC,
    # ------------------------------------------------------------ balances
    "list_balances": read(all_roles=(C, A), own_roles=(PL, O, F, H, P),
                          note="each member sees only its own accounts: a household only "
                               "its own account"),
    # ------------------------------------------------------------ governance
    "constitute_colleges": command(C),
    "seat_member": command(C),
    "unseat_member": command(C),
    "submit_proposal": command(V, C, note="a voter on the roll, in its own name; the "
                                         "coordinator for the cooperative's secretariat"),
    "cast_vote": command(V, note="a voter casts only its own vote"),
    "close_proposal": command(V, C),
    "list_proposals": read(all_roles=EVERY_ROLE, note="governance is open to every member"),
    "get_proposal": read(all_roles=EVERY_ROLE,
                         note="with its per-college tally; ballots stay private but one's own"),
    "rules_in_force": read(all_roles=EVERY_ROLE, note="with the deciding proposals"),
    "simulate_proposal": read(all_roles=EVERY_ROLE,
                              note="any member sees what a rule would have done: figures per "
                                   "outlet, producer, funder and programme, never a household"),
    "simulation_fragment": read(all_roles=EVERY_ROLE, note="the same, as the page's section"),
    "rule_history": read(all_roles=EVERY_ROLE,
                         note="every rule ever in force, its decision and acts counted"),
    "decision_acts": read(all_roles=EVERY_ROLE, note="the acts that applied a decision"),
    "act_provenance": read(all_roles=EVERY_ROLE,
                           note="the decision an act applied; no household is named"),
    # ------------------------------------------------------------ funding
    "commit_budget": command(F, note="a funder commits only its own money"),
    "open_account": command(C),
    "transfer_funds": command(C),
    "post_transfer": command(C),
    "void_transfer": command(C),
    # ------------------------------------------------------------ solidarity baskets
    "open_basket_programme": command(C),
    "enrol_household": command(O, note="the outlet refers the household"),
    "erase_household": command(C, O, note="an outlet erases only households it referred"),
    "prepare_basket": command(O, note="from lots the collection point itself holds"),
    "collect_basket": command(O, note="at the outlet's own collection point"),
    "cancel_basket": command(O, note="at the outlet's own collection point"),
    "preference_counts": read(all_roles=(C, PL, A), own_roles=(O,),
                              note="counts only; an outlet sees its own households' counts"),
    "household_preferences": read(all_roles=(C, A), own_roles=(H, O),
                                  note="the household itself or the outlet that referred it"),
    "state_basket_preferences": command(H, O, note="the household itself (signed in as its "
                                                   "own household) or the outlet that "
                                                   "referred it"),
    # ------------------------------------------------------------ donations, labels, workshops
    "record_donation": command(PL, note="a lot the platform received at its own site"),
    "cancel_donation": command(PL, note="a donation the platform itself recorded"),
    "declare_quality_label": command(P, PL, note="a producer on its own lots; a platform on "
                                                 "the lots it holds"),
    "withdraw_quality_label": command(P, PL, note="as declare_quality_label"),
    "record_workshop": command(O, P, note="a workshop the outlet or garden itself held, for "
                                          "a programme it serves"),
    "cancel_workshop": command(O, P, note="a workshop the member itself recorded"),
}


def access_for(route_name: str) -> Access | None:
    """The policy entry of a route, or None (then every caller is refused)."""
    return POLICY.get(route_name)
