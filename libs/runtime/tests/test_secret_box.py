"""SecretBox seals and opens values; other keys and tampering are refused; nothing leaks in repr."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from riverflow.runtime.secret_box import SecretBox, SecretBoxError


def test_round_trip_and_ciphertext_hides_the_value() -> None:
    box = SecretBox(SecretStr("a-long-enough-key"))
    token = box.seal({"api_key": "sk-very-secret"})
    assert b"sk-very-secret" not in token
    assert box.open(token) == {"api_key": "sk-very-secret"}


def test_another_key_cannot_open_and_tampering_is_detected() -> None:
    token = SecretBox(SecretStr("key-number-one")).seal("x")
    with pytest.raises(SecretBoxError):
        SecretBox(SecretStr("key-number-two")).open(token)
    with pytest.raises(SecretBoxError):
        SecretBox(SecretStr("key-number-one")).open(token[:-4] + b"AAAA")


def test_short_keys_are_refused_and_repr_hides_the_key() -> None:
    with pytest.raises(ValueError):
        SecretBox(SecretStr("short"))
    assert "hidden-passphrase" not in repr(SecretBox(SecretStr("hidden-passphrase")))
