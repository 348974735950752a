"""Sealed bids: a data key per challenge, wrapped by a key-encryption key (KEK) kept outside the database.

- The KEK comes from TENDER_KEK (base64 of 32 bytes) or TENDER_KEK_FILE (a file holding that text),
  read from the environment, never from the database, never in a backup (see docs/tenders-threat-model.md).
- Each challenge gets a random 256-bit data key, stored only wrapped: AES-GCM under the KEK with
  the challenge's id as associated data, so a wrapped key cannot be moved to another challenge.
- Bid content and documents are AES-GCM under the data key, with the bid's id (and the document's
  role) as associated data, so ciphertext cannot be swapped between bids.
- `open_for` is the one door to plaintext: the bidder's own members always, anyone else only after
  the stage has been opened (at its deadline).

Development and tests use a well-known default KEK; any other environment refuses it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

# Not secret, on purpose: data sealed with it is only as safe as this file. Production refuses it.
DEVELOPMENT_KEK = base64.b64encode(hashlib.sha256(b"connected-council development KEK, not secret").digest()).decode()
NONCE_BYTES = 12


class SealingError(RuntimeError):
    """The key-encryption key is missing or wrong, or sealed data was altered."""


def _configured_kek_text() -> str | None:
    config = current_app.config
    text = config.get("TENDER_KEK") or os.environ.get("TENDER_KEK")
    path = config.get("TENDER_KEK_FILE") or os.environ.get("TENDER_KEK_FILE")
    if not text and path:
        try:
            text = Path(path).read_text().strip()
        except OSError as error:
            raise SealingError(f"cannot read TENDER_KEK_FILE {path}: {error}") from error
    return text or None


def kek() -> bytes:
    text = _configured_kek_text()
    development = current_app.config.get("ENVIRONMENT") == "development" or current_app.testing
    if text is None or text == DEVELOPMENT_KEK:
        if not development:
            raise SealingError("Set TENDER_KEK (base64 of 32 random bytes) or TENDER_KEK_FILE: the development "
                               "key-encryption key is refused outside development.")
        text = DEVELOPMENT_KEK
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as error:
        raise SealingError("TENDER_KEK must be base64") from error
    if len(key) != 32:
        raise SealingError("TENDER_KEK must be 32 bytes (base64 of 32 random bytes)")
    return key


def check_configuration() -> None:
    """Called at start-up: outside development a missing or default KEK stops the app."""
    if current_app.config.get("ENVIRONMENT") == "development" or current_app.testing:
        return
    kek()


def new_wrapped_key(challenge_id: int, key_encryption_key: bytes | None = None) -> bytes:
    data_key = AESGCM.generate_key(bit_length=256)
    return wrap(data_key, challenge_id, key_encryption_key)


def wrap(data_key: bytes, challenge_id: int, key_encryption_key: bytes | None = None) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key_encryption_key or kek()).encrypt(nonce, data_key, f"challenge:{challenge_id}".encode())


def unwrap(wrapped: bytes, challenge_id: int, key_encryption_key: bytes | None = None) -> bytes:
    try:
        return AESGCM(key_encryption_key or kek()).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                                           f"challenge:{challenge_id}".encode())
    except InvalidTag as error:
        raise SealingError("the data key does not unwrap with this key-encryption key") from error


def seal(data_key: bytes, plaintext: bytes, context: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, context.encode())


def unseal(data_key: bytes, sealed: bytes, context: str) -> bytes:
    try:
        return AESGCM(data_key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode())
    except InvalidTag as error:
        raise SealingError("sealed data does not open: altered, moved or the wrong key") from error


def seal_json(data_key: bytes, value: dict, context: str) -> bytes:
    return seal(data_key, json.dumps(value, sort_keys=True, separators=(",", ":")).encode(), context)


def unseal_json(data_key: bytes, sealed: bytes, context: str) -> dict:
    return json.loads(unseal(data_key, sealed, context))


def bid_context(bid_id: int) -> str:
    return f"bid:{bid_id}"


def document_context(bid_id: int, kind: str) -> str:
    return f"bid:{bid_id}:document:{kind}"
