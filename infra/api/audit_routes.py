"""Audit routes: signed checkpoints, the public key that checks them, the history export.

- ``/api/checkpoints``: the signed checkpoints kept in the store, latest first (the server
  signs one on a schedule when it holds the key: ``infra.audit.schedule``);
- ``/api/checkpoints/public-key``: the cooperative's Ed25519 public key, PEM, public: a
  member fetches it once, keeps it, and passes it to ``cocagne verify --public-key``;
- ``/api/history/export``: the stored events with their chain links and the latest signed
  checkpoint, as JSON Lines (``infra.audit.history_file``), which ``cocagne verify --file``
  checks with no database and no server. The auditor and the coordinator export the whole
  history (or one member's with ``member``); every other member exports the history that
  concerns it.

The export is written to a temporary file first (a consistent prefix of the history, up to
the chain head read at the start), then streamed from it: memory stays flat however long the
history, and the file, already unlinked, disappears when the answer ends.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import QueryParameter
from litestar.response import Stream

from infra.api.download_names import content_disposition
from infra.api.errors import COMMON_ERRORS, ApiError, error_spec
from infra.api.export_routes import caller_of, own_scope
from infra.api.queries import services_of
from infra.audit.chain import CHECKPOINTS_LISTED_MAX, ChainError
from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import Checkpoint, kept_checkpoints, key_id, public_key_pem
from infra.audit.history_file import HistoryFileError, NothingSealed, write_history
from infra.audit.schedule import CHECKPOINT_EVERY_EVENTS, CHECKPOINT_EVERY_S

HISTORY_MEDIA_TYPE = "application/x-ndjson"
PEM_MEDIA_TYPE = "application/x-pem-file"
PUBLIC_KEY_PATH = "/api/checkpoints/public-key"
CHECKPOINTS_PAGE_DEFAULT = 100
STREAM_CHUNK_BYTES = 1_048_576
"""Bytes sent per chunk of an export: large enough for few round trips, small in memory."""
SPOOL_IN_MEMORY_BYTES = 8 * 1_048_576
"""An export up to 8 MiB (the demo's is about 6) stays in memory; a larger one goes to disk."""
PARIS = ZoneInfo("Europe/Paris")
SERVICE_KEY = "checkpoint_key"
"""Where ``create_app`` leaves the signing key (or None) in ``Services.extras``."""


class CheckpointSchedule(msgspec.Struct, frozen=True, kw_only=True):
    """When this server signs."""

    every_s: float
    every_events: int


class CheckpointList(msgspec.Struct, frozen=True, kw_only=True):
    """Kept checkpoints and where their key is published."""

    key_id: str | None
    """The key this server signs with (None: it signs none)."""
    public_key_url: str
    schedule: CheckpointSchedule | None
    checkpoints: list[Checkpoint]


def signing_key(request: Request[Any, Any, Any]) -> Ed25519PrivateKey | None:
    """The server's checkpoint key, if it holds one."""
    key: Ed25519PrivateKey | None = services_of(request).extras.get(SERVICE_KEY)
    return key


@get("/api/checkpoints", name="list_checkpoints", tags=["audit"], sync_to_thread=True,
     responses=COMMON_ERRORS,
     summary="Signed checkpoints of the hash chain, latest first")
def list_checkpoints(request: Request[Any, Any, Any],
                     limit: Annotated[int, QueryParameter(
                         ge=1, le=CHECKPOINTS_LISTED_MAX,
                         description="How many, latest first",
                         examples=[Example(value=10)])] = CHECKPOINTS_PAGE_DEFAULT,
                     ) -> CheckpointList:
    """Each checkpoint states how many events the chain held up to a notification and its
    head link, signed with the cooperative's key: keep one, and ``cocagne verify
    --from-checkpoint`` later proves whether the history shown still reproduces it."""
    key = signing_key(request)
    try:
        store = open_chain_store(services_of(request).location)
    except ChainError as error:
        raise ApiError(404, "not_found", str(error)) from error
    try:
        checkpoints = kept_checkpoints(store, limit)
    finally:
        store.close()
    return CheckpointList(
        key_id=key_id(key.public_key()) if key else None, public_key_url=PUBLIC_KEY_PATH,
        schedule=CheckpointSchedule(every_s=CHECKPOINT_EVERY_S,
                                    every_events=CHECKPOINT_EVERY_EVENTS) if key else None,
        checkpoints=checkpoints)


@get(PUBLIC_KEY_PATH, name="checkpoint_public_key", tags=["audit"], sync_to_thread=False,
     media_type=PEM_MEDIA_TYPE,
     responses={404: error_spec("This server holds no checkpoint key (code not_found)")},
     summary="The public key that checks the signed checkpoints (PEM)")
def checkpoint_public_key(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The cooperative's Ed25519 public key: fetch it once, keep it, and give it to
    ``cocagne verify --public-key``. Its id is in the ``X-Key-Id`` header."""
    key = signing_key(request)
    if key is None:
        raise ApiError(404, "not_found", "this server signs no checkpoints: no key is "
                                         "configured (COCAGNE_CHECKPOINT_KEY_FILE)")
    public = key.public_key()
    return Response(public_key_pem(public), media_type=PEM_MEDIA_TYPE,
                    headers={"X-Key-Id": key_id(public), "Cache-Control": "public, max-age=3600"})


@get("/api/history/export", name="export_history", tags=["audit", "exports"],
     sync_to_thread=True, media_type=HISTORY_MEDIA_TYPE,
     responses={**COMMON_ERRORS,
                404: error_spec("Nothing sealed yet (code not_found)"),
                409: error_spec("The store's events and chain disagree (code chain_broken)")},
     summary="The stored events with their chain links and the latest signed checkpoint")
def export_history(request: Request[Any, Any, Any],
                   member: Annotated[UUID | None, QueryParameter(
                       required=False,
                       description="Only the history that concerns this member (the "
                                   "auditor and coordinator may choose; any other member "
                                   "always gets its own)",
                       examples=[Example(value="0192f0c4-6f13-7a0e-b2c4-5d6e7f809a12")])
                   ] = None,
                   ) -> Stream:
    """JSON Lines: a header (scope, chain head, latest signed checkpoint), then one line per
    event with its stored bytes and its link. ``cocagne verify --file EXPORT --public-key
    KEY`` checks it alone. In a member's export, events that do not concern the member are
    lines with their link only."""
    if own_scope(request):
        caller = caller_of(request).member_id
        if member is not None and member != caller:
            raise ApiError(403, "forbidden", f"the history of member {member} is not the "
                                             "caller's own")
        member = caller
    try:
        store = open_chain_store(services_of(request).location)
    except ChainError as error:
        raise ApiError(404, "not_found", str(error)) from error
    # Outlives this function: _chunks closes it once sent (the errors below, at once).
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - see above.
        max_size=SPOOL_IN_MEMORY_BYTES)
    try:
        summary = write_history(store, spool, member)
    except NothingSealed as error:
        spool.close()
        raise ApiError(404, "not_found", str(error)) from error
    except HistoryFileError as error:
        spool.close()
        raise ApiError(409, "chain_broken", str(error)) from error
    finally:
        store.close()
    spool.seek(0)
    day = datetime.now(tz=PARIS).date().isoformat()
    stem = f"historique-{member}-{day}" if member else f"historique-{day}"
    return Stream(_chunks(spool), media_type=HISTORY_MEDIA_TYPE,
                  headers={"Content-Disposition": content_disposition(stem, "jsonl"),
                           "X-History-Head": str(summary.head_notification_id),
                           "X-History-Events": str(summary.events)})


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The spooled export, a chunk at a time (bounded by the file's size)."""
    try:
        while chunk := spool.read(STREAM_CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


AUDIT_ROUTES = [list_checkpoints, checkpoint_public_key, export_history]
