"""Refusals: one exception type per reason, each with a message that says what and why."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused; nothing was written.

    ``code`` is stable (the API answers with it); the message is for people. A raise site
    may also name its ``reason`` (a stable key, finer than the code) and the ``facts`` its
    message quotes (quantities in grams, amounts in cents, codes, states), so that a screen
    can say the same thing in French with the same numbers (``infra/api/pages/refusals.py``).
    """

    code = "refused"

    def __init__(self, message: str, *, reason: str = "", **facts: int | str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.facts: dict[str, int | str] = facts


class NotFound(DomainError):
    """The command names a member, site, lot, round or delivery that does not exist."""

    code = "not_found"


class RoleRequired(DomainError):
    """The actor does not hold the role the act requires, or acts on another's data."""

    code = "forbidden"


class InvalidCommand(DomainError):
    """The command's values are malformed or inconsistent with each other."""

    code = "invalid"


class InvalidState(DomainError):
    """The stream is not in a state that allows the act (e.g. receiving a declined lot)."""

    code = "invalid_state"


class InsufficientStock(DomainError):
    """The act would make stock or a reservation negative, or reserve beyond what is there."""

    code = "insufficient_stock"


class QuantityMismatch(DomainError):
    """Quantities that must add up do not (split parts, transformation outputs)."""

    code = "quantity_mismatch"


class AlreadyExists(DomainError):
    """A unique name (lot code, cooperative) is already taken."""

    code = "already_exists"


class CommandIdReused(DomainError):
    """A command id was sent again with a different command."""

    code = "command_id_reused"


class ConcurrencyConflict(DomainError):
    """Other writers kept changing the same streams; the command was retried and gave up."""

    code = "conflict"


class Recalled(DomainError):
    """The lot is recalled: it may not be reserved, dispatched, split or distributed."""

    code = "recalled"


# ---------------------------------------------------------------------------------------------
# Business time and lot dates (domain.business_time): each refusal names the dates.


class MomentOutsideCalendar(DomainError):
    """A date-time has no UTC moment within years 1 to 9999 (year 1 at +01:00)."""

    code = "moment_outside_calendar"


class BusinessTimeInFuture(DomainError):
    """The act is dated later than now plus the future tolerance."""

    code = "occurred_at_in_future"


class BusinessTimeBeforeFounding(DomainError):
    """The act is dated before the cooperative was founded."""

    code = "occurred_at_before_founding"


class BackdatedTooFar(DomainError):
    """The act is dated before the back-dating window, by someone who may not go further."""

    code = "occurred_at_backdated_too_far"


class BackdatingReasonRequired(DomainError):
    """A coordinator dated an act before the back-dating window without saying why."""

    code = "backdating_reason_required"


class BusinessTimeBeforeLatestAct(DomainError):
    """The act is dated before the latest act of a stream whose acts follow each other (a
    lot dispatched before it was received, a delivery received before it left)."""

    code = "occurred_at_before_latest_act"


class HarvestAfterOffer(DomainError):
    """A lot's harvest date is after the day it is offered."""

    code = "harvest_after_offer"


class HarvestAfterReception(DomainError):
    """A lot's harvest date is after the day it is received."""

    code = "harvest_after_reception"


class HarvestTooOld(DomainError):
    """A lot's harvest date is further before its offer than any stored produce keeps."""

    code = "harvest_too_old"


class BestBeforeBeforeHarvest(DomainError):
    """A lot's best-before date is before its harvest."""

    code = "best_before_before_harvest"


class BestBeforeTooFar(DomainError):
    """A lot's best-before date is implausibly far after its harvest."""

    code = "best_before_too_far"


class LotHeld(DomainError):
    """The lot is held (blocked pending an analysis, a cold-chain check…): it may not be
    reserved, dispatched, split, merged, transformed, sorted or distributed."""

    code = "lot_held"


class UseByDatePassed(DomainError):
    """The lot's use-by date (DLC) has passed: it may not be reserved, dispatched or
    distributed."""

    code = "use_by_date_passed"


class BestBeforeGraceExceeded(DomainError):
    """The lot's best-before date (DDM) passed longer ago than the grace period in force."""

    code = "best_before_grace_exceeded"


class RemainingLifeTooShort(DomainError):
    """A lot with a use-by date (DLC) would leave with less life than the minimum in force."""

    code = "remaining_life_too_short"


class TemperatureRequired(DomainError):
    """A chilled or frozen product was received without its measured temperature."""

    code = "temperature_required"


class TemperatureOutOfRange(DomainError):
    """A reception measured a temperature outside the product's range and did not say
    whether to refuse the lot or accept it under hold."""

    code = "temperature_out_of_range"


class BulkNotSorted(DomainError):
    """An unsorted bulk donation must be sorted into product lots before anything else."""

    code = "bulk_not_sorted"
