"""Ed25519-signed checkpoints of the audit log, as C2SP signed notes.

A checkpoint commits the log to a size and Merkle root: body ``<origin>\\n<size>\\n<base64
root>\\n`` (C2SP tlog-checkpoint), then a blank line and one signature line ``— <origin>
<base64(key id || signature)>`` (C2SP signed-note, key id = first four bytes of
SHA-256(origin || 0x0A || 0x01 || public key)). The private key lives in a file outside the
database: whoever can rewrite the database, hash chain included, still cannot sign a tree
head for the rewritten history, which is what makes the log tamper-evident rather than merely
chained. The oversight office keeps the public key and can verify with it alone.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scomm.domain.errors import InvalidInput

ORIGIN = "scomm.example/audit"
DASH = "\u2014"


def key_id(origin: str, public: Ed25519PublicKey) -> bytes:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(origin.encode() + b"\n\x01" + raw).digest()[:4]


def body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign(key: Ed25519PrivateKey, size: int, root: bytes, origin: str = ORIGIN) -> str:
    text = body(origin, size, root)
    sig = key.sign(text.encode())
    stamp = base64.b64encode(key_id(origin, key.public_key()) + sig).decode()
    return f"{text}\n{DASH} {origin} {stamp}\n"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    signed: bool


def open_note(note: str, public: Ed25519PublicKey | None) -> Checkpoint:
    """Parse a checkpoint note; with a key, also check that it signed this body.

    Raises ``InvalidInput`` naming what is wrong: the body's shape, a missing signature line,
    or a signature that does not verify (a forged or edited checkpoint)."""
    text, sep, sigs = note.partition("\n\n")
    lines = text.split("\n")
    if not sep or len(lines) < 3:
        raise InvalidInput("checkpoint", "not a signed note: body and signature lines expected")
    origin, size_text, root_text = lines[:3]
    try:
        size, root = int(size_text), base64.b64decode(root_text, validate=True)
    except ValueError:
        raise InvalidInput("checkpoint", "size or root hash unreadable") from None
    if public is None:
        return Checkpoint(origin, size, root, signed=False)
    want = key_id(origin, public)
    for line in sigs.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != origin:
            continue
        blob = base64.b64decode(parts[2])
        if blob[:4] != want:
            continue
        try:
            public.verify(blob[4:], (text + "\n").encode())
        except InvalidSignature:
            raise InvalidInput("checkpoint", f"signature at size {size} does not verify"
                               ) from None
        return Checkpoint(origin, size, root, signed=True)
    raise InvalidInput("checkpoint", f"no signature by this key on the checkpoint at {size}")


def generate(path: Path) -> Ed25519PublicKey:
    """Write a new private key (PEM, owner-only) and its public key beside it (``.pub``)."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public_path(path).write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key.public_key()


def public_path(private: Path) -> Path:
    return private.with_name(private.name + ".pub")


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise InvalidInput(str(path), f"not a readable Ed25519 private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(str(path), "not an Ed25519 private key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidInput(str(path), f"not a readable Ed25519 public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(str(path), "not an Ed25519 public key")
    return key
