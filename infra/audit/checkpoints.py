"""Signed checkpoints of the chain head: small JSON files that members keep.

A checkpoint states "up to notification N the chain has K links and its head is H", signed
with the cooperative's Ed25519 key. Checkpoints are written as files (``cocagne checkpoint``)
and kept in the store's ``chain_checkpoints`` table, where the API server signs one on a
schedule (``infra.audit.schedule``), lists them (``/api/checkpoints``) and puts the latest in
every history export. Whoever keeps one can later check that the history they
are shown still reproduces H, even if whoever runs the database rewrote both the events
and the ``event_chain`` table, or cut the history short.

The signing key comes from configuration: ``COCAGNE_CHECKPOINT_KEY_FILE`` (a PEM PKCS#8
private key, as ``cocagne checkpoint keygen`` writes) or ``COCAGNE_CHECKPOINT_KEY`` (the
same PEM text, for secret stores that hand out values rather than files). The signature
covers the checkpoint's canonical JSON (sorted keys, no spaces) without its ``signature``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infra.audit.chain import (
    ALGORITHM,
    CHECKPOINTS_LISTED_MAX,
    ChainError,
    ChainStore,
    CheckpointArchive,
)

KEY_FILE_VARIABLE = "COCAGNE_CHECKPOINT_KEY_FILE"
KEY_VARIABLE = "COCAGNE_CHECKPOINT_KEY"
CHECKPOINT_TYPE = "cocagne-ledger/chain-checkpoint"
CHECKPOINT_FORMAT_VERSION = 1
CHECKPOINT_FILE_BYTES_MAX = 64 * 1024
"""A checkpoint is a few hundred bytes; anything much larger is not one of ours."""


class CheckpointError(Exception):
    """A checkpoint cannot be made, read or trusted."""


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    """The signed statement about the chain head."""

    type: str = CHECKPOINT_TYPE
    format_version: int = CHECKPOINT_FORMAT_VERSION
    algorithm: str = ALGORITHM
    store: str
    """Where the chain was read (the database URL without password): for people, not trust."""
    notification_id: int
    """The last notification id the checkpoint covers."""
    sequence: int
    """How many events the chain holds up to that notification."""
    head: str
    """The link over that event, in hex."""
    sealed_at: str
    created_at: str
    key_id: str
    """First 16 hex digits of SHA-256 of the raw public key: a short name to compare."""
    public_key: str
    """The raw Ed25519 public key, base64."""
    signature: str = ""


def generate_key_file(path: Path) -> Ed25519PublicKey:
    """Write a new private key (PEM, readable by its owner only); refuse to overwrite."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key.public_key()


def load_private_key(key_file: Path | None = None,
                     environ: dict[str, str] | None = None) -> Ed25519PrivateKey:
    """The signing key: ``key_file`` if given, else from the environment."""
    env = os.environ if environ is None else environ
    if key_file is None and env.get(KEY_FILE_VARIABLE):
        key_file = Path(env[KEY_FILE_VARIABLE])
    if key_file is not None:
        try:
            pem = key_file.read_bytes()
        except OSError as error:
            raise CheckpointError(f"cannot read the checkpoint key {key_file}: {error}") from error
    elif env.get(KEY_VARIABLE):
        pem = env[KEY_VARIABLE].encode()
    else:
        raise CheckpointError(f"no checkpoint key: set {KEY_FILE_VARIABLE} (or {KEY_VARIABLE}), "
                              "or pass --key-file; make one with `cocagne checkpoint keygen`")
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError as error:
        raise CheckpointError(f"the checkpoint key is not a PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError("the checkpoint key is not an Ed25519 key")
    return key


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()[:16]


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file, or from a file holding the raw key in base64."""
    data = path.read_bytes()
    try:
        if data.lstrip().startswith(b"-----BEGIN PUBLIC"):
            key = serialization.load_pem_public_key(data)
        elif data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip(), validate=True))
    except ValueError as error:
        raise CheckpointError(f"{path} holds no Ed25519 public key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} holds no Ed25519 public key")
    return key


def _signed_bytes(checkpoint: Checkpoint) -> bytes:
    fields: dict[str, Any] = msgspec.to_builtins(checkpoint)
    fields.pop("signature", None)
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode()


def make_checkpoint(store: ChainStore, key: Ed25519PrivateKey) -> Checkpoint:
    """Sign the current chain head (seal first: only sealed events are covered)."""
    head = store.head()
    if head is None:
        raise ChainError("nothing is sealed yet: run `cocagne seal` first")
    public = key.public_key()
    unsigned = Checkpoint(
        store=store.source, notification_id=head.notification_id,
        sequence=head.sequence, head=head.link.hex(), sealed_at=head.sealed_at,
        created_at=datetime.now(tz=UTC).isoformat(), key_id=key_id(public),
        public_key=base64.b64encode(raw_public_key(public)).decode())
    signature = key.sign(_signed_bytes(unsigned))
    return msgspec.structs.replace(unsigned, signature=base64.b64encode(signature).decode())


def checkpoint_file_name(checkpoint: Checkpoint) -> str:
    """``checkpoint-000000001234.json``: sorts by position."""
    return f"checkpoint-{checkpoint.notification_id:012d}.json"


def write_checkpoint(checkpoint: Checkpoint, directory: Path) -> Path:
    """Write ``checkpoint`` into ``directory`` (created if needed); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / checkpoint_file_name(checkpoint)
    path.write_bytes(encode_checkpoint(checkpoint))
    return path


def encode_checkpoint(checkpoint: Checkpoint) -> bytes:
    """The JSON document of a checkpoint, as files, the API and exports carry it."""
    return msgspec.json.format(msgspec.json.encode(checkpoint), indent=2) + b"\n"


def read_checkpoint(path: Path, trusted_key: Ed25519PublicKey | None = None) -> Checkpoint:
    """Read and check a checkpoint file: its shape, its signature, and its signer if pinned."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error}") from error
    return decode_checkpoint(data, trusted_key, name=str(path))


def decode_checkpoint(data: bytes, trusted_key: Ed25519PublicKey | None = None,
                      name: str = "the checkpoint") -> Checkpoint:
    """Check a checkpoint document: its shape, its signature, and its signer if pinned."""
    if len(data) > CHECKPOINT_FILE_BYTES_MAX:
        raise CheckpointError(f"{name} is {len(data)} bytes: not a checkpoint")
    try:
        checkpoint = msgspec.json.decode(data, type=Checkpoint)
    except msgspec.DecodeError as error:
        raise CheckpointError(f"{name} is not a checkpoint: {error}") from error
    return check_signature(checkpoint, trusted_key, name)


def check_signature(checkpoint: Checkpoint, trusted_key: Ed25519PublicKey | None = None,
                    name: str = "the checkpoint") -> Checkpoint:
    """The checkpoint, if its signature holds (and is by ``trusted_key`` when given)."""
    if checkpoint.type != CHECKPOINT_TYPE or checkpoint.algorithm != ALGORITHM:
        raise CheckpointError(f"{name} is a {checkpoint.type} using {checkpoint.algorithm}, "
                              f"not a {CHECKPOINT_TYPE} using {ALGORITHM}")
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        public.verify(base64.b64decode(checkpoint.signature), _signed_bytes(checkpoint))
    except (ValueError, InvalidSignature) as error:
        raise CheckpointError(f"{name}: the signature does not match its content: the "
                              "checkpoint was altered or not signed by its stated key") from error
    if key_id(public) != checkpoint.key_id:
        raise CheckpointError(f"{name}: key id {checkpoint.key_id} does not name its key")
    if trusted_key is not None and raw_public_key(trusted_key) != raw_public_key(public):
        raise CheckpointError(f"{name} was signed by key {checkpoint.key_id}, not by the "
                              f"trusted key {key_id(trusted_key)}")
    return checkpoint


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """The public key as a PEM ``PUBLIC KEY`` block (what ``--public-key`` reads)."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def keep_checkpoint(archive: CheckpointArchive, checkpoint: Checkpoint) -> bool:
    """Store a signed checkpoint in the database (False if one at that position is kept)."""
    return archive.save_checkpoint(checkpoint.notification_id, checkpoint.sequence,
                                   checkpoint.head, checkpoint.key_id, checkpoint.created_at,
                                   encode_checkpoint(checkpoint))


def kept_checkpoints(archive: CheckpointArchive, limit: int = CHECKPOINTS_LISTED_MAX,
                     at_or_before: int | None = None) -> list[Checkpoint]:
    """Checkpoints kept in the database, latest first, each signature checked."""
    return [decode_checkpoint(document, name="a kept checkpoint")
            for document in archive.read_checkpoints(limit, at_or_before)]


def latest_checkpoint(archive: CheckpointArchive,
                      at_or_before: int | None = None) -> Checkpoint | None:
    """The latest kept checkpoint (at or before a notification id), if any."""
    found = kept_checkpoints(archive, 1, at_or_before)
    return found[0] if found else None
