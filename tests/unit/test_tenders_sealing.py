"""Sealing without an app: keys wrap and unwrap only with their KEK and challenge; ciphertext opens
only for the bid (and document) it was sealed for."""
from __future__ import annotations

import secrets

import pytest

from app.tenders import sealing


def test_a_data_key_unwraps_only_with_its_kek_and_its_challenge():
    kek, other = secrets.token_bytes(32), secrets.token_bytes(32)
    wrapped = sealing.new_wrapped_key(7, kek)
    key = sealing.unwrap(wrapped, 7, kek)
    assert len(key) == 32 and key not in wrapped
    with pytest.raises(sealing.SealingError):
        sealing.unwrap(wrapped, 7, other)
    with pytest.raises(sealing.SealingError):
        sealing.unwrap(wrapped, 8, kek)


def test_sealed_content_opens_only_for_its_bid_and_is_never_the_same_twice():
    key = secrets.token_bytes(32)
    one = sealing.seal_json(key, {"answers": {"1": "marker"}}, sealing.bid_context(1))
    two = sealing.seal_json(key, {"answers": {"1": "marker"}}, sealing.bid_context(1))
    assert one != two and b"marker" not in one
    assert sealing.unseal_json(key, one, sealing.bid_context(1)) == {"answers": {"1": "marker"}}
    with pytest.raises(sealing.SealingError):
        sealing.unseal(key, one, sealing.bid_context(2))
    tampered = one[:-1] + bytes([one[-1] ^ 1])
    with pytest.raises(sealing.SealingError):
        sealing.unseal(key, tampered, sealing.bid_context(1))
    with pytest.raises(sealing.SealingError):
        sealing.unseal(key, sealing.seal(key, b"x", sealing.document_context(1, "5:file")),
                       sealing.document_context(1, "5:meta"))
