"""Signed checkpoints on a schedule, by the process that holds the key (the API server).

Every ``CHECKPOINT_POLL_S`` the signer looks at the chain head; it signs a checkpoint of it
and keeps it in the store's ``chain_checkpoints`` table when the head moved since the last
kept checkpoint and either ``CHECKPOINT_EVERY_EVENTS`` events were sealed since, or
``CHECKPOINT_EVERY_S`` passed (and once at start). A quiet store gets no new checkpoint: the
last one still covers it. Several servers signing the same head keep one checkpoint (the
table's key is the notification id).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.audit.chain import ChainError, DatabaseChainStore
from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import (
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    Checkpoint,
    keep_checkpoint,
    latest_checkpoint,
    load_private_key,
    make_checkpoint,
)
from infra.logs import get_logger
from infra.store import StoreLocation

CHECKPOINT_EVERY_S = 600.0
"""Ten minutes: a member who keeps the latest checkpoint has all but the last minutes signed."""
CHECKPOINT_EVERY_EVENTS = 1_000
"""Or sooner, after a thousand events (a busy delivery day): a few signatures an hour."""
CHECKPOINT_POLL_S = 5.0
"""How often the signer reads the chain head: one indexed read, cheap."""
STOP_WAIT_S = 10.0
"""How long stopping waits for a signing in progress (one read and one insert)."""

log = get_logger("cocagne.audit.checkpoints")


def configured_key(environ: dict[str, str] | None = None) -> Ed25519PrivateKey | None:
    """The signing key named by the environment, or None when none is configured."""
    env = dict(os.environ) if environ is None else environ
    if not env.get(KEY_FILE_VARIABLE) and not env.get(KEY_VARIABLE):
        return None
    return load_private_key(environ=env)


class CheckpointSigner:
    """Decides when to sign, signs, keeps (one chain store connection of its own)."""

    def __init__(self, location: StoreLocation, key: Ed25519PrivateKey, *,
                 every_s: float = CHECKPOINT_EVERY_S,
                 every_events: int = CHECKPOINT_EVERY_EVENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.location = location
        self.key = key
        self.every_s = every_s
        self.every_events = every_events
        self._clock = clock
        self._store: DatabaseChainStore | None = None
        self._signed_sequence: int | None = None
        self._signed_at: float | None = None

    def _chain(self) -> DatabaseChainStore:
        if self._store is None:
            self._store = open_chain_store(self.location)
        return self._store

    def tick(self) -> Checkpoint | None:
        """Sign and keep a checkpoint if one is due; the checkpoint, or None."""
        store = self._chain()
        head = store.head()
        if head is None:
            return None
        if self._signed_sequence is None:
            latest = latest_checkpoint(store)
            self._signed_sequence = latest.sequence if latest else 0
        if head.sequence <= self._signed_sequence:
            return None
        now = self._clock()
        due_by_time = self._signed_at is None or now - self._signed_at >= self.every_s
        due_by_events = head.sequence - self._signed_sequence >= self.every_events
        if not (due_by_time or due_by_events):
            return None
        checkpoint = make_checkpoint(store, self.key)
        keep_checkpoint(store, checkpoint)
        self._signed_sequence, self._signed_at = checkpoint.sequence, now
        log.info("checkpoint signed", notification_id=checkpoint.notification_id,
                 sequence=checkpoint.sequence, key_id=checkpoint.key_id)
        return checkpoint

    def close(self) -> None:
        """Release the connection."""
        if self._store is not None:
            self._store.close()
            self._store = None


class CheckpointThread:
    """Runs a ``CheckpointSigner`` every ``poll_s`` in a background thread until stopped."""

    def __init__(self, signer: CheckpointSigner, poll_s: float = CHECKPOINT_POLL_S) -> None:
        self.signer = signer
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start signing in the background."""
        self._thread = threading.Thread(target=self._run, name="checkpoint-signer",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # A service loop: one bounded tick per period until stop() is called.
        while not self._stop.is_set():
            try:
                self.signer.tick()
            except (ChainError, OSError) as error:
                log.warning("checkpoint not signed", error=str(error))
            except Exception as error:  # A failing database must not kill the server.
                log.exception("checkpoint signer failed", error=repr(error))
                self.signer.close()  # Reconnect on the next tick.
            self._stop.wait(self.poll_s)

    def stop(self) -> None:
        """Stop and release the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_WAIT_S)
        self.signer.close()
