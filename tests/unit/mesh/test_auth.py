"""The NHSMESH token: the digest, single use, the 2-hour window, and what each refusal says."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from mesh_client import AuthTokenGenerator

from harness.simulator.mesh.auth import AuthError, TokenVerifier, make_token, parse_token

KEY = "TestKey"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PASSWORDS = {"X26ABC1": "password", "X26ABC2": "password"}


def verifier() -> TokenVerifier:
    return TokenVerifier(KEY, PASSWORDS.get)


def test_the_digest_is_hmac_sha256_of_the_documented_string() -> None:
    token = make_token(KEY, "X26ABC1", "password", "nonce-1", 3, NOW)
    digest = hmac.new(
        KEY.encode(), b"X26ABC1:nonce-1:3:password:202612011200", hashlib.sha256
    ).hexdigest()
    assert token == f"NHSMESH X26ABC1:nonce-1:3:202612011200:{digest}"
    assert verifier().verify(token, "X26ABC1", NOW).nonce_count == "3"


def test_mesh_clients_own_tokens_verify() -> None:
    """NHS England's mesh-client signs with the same rule (its generator, unchanged)."""
    generator = AuthTokenGenerator(KEY.encode(), "X26ABC1", "password")
    check = verifier()
    for _ in range(3):  # one nonce, an increasing count: each token is new
        check.verify(generator(), "X26ABC1")


def test_a_token_is_good_for_one_request_only() -> None:
    check = verifier()
    token = make_token(KEY, "X26ABC1", "password", "once", 0, NOW)
    check.verify(token, "X26ABC1", NOW)
    with pytest.raises(AuthError, match="Duplicated"):
        check.verify(token, "X26ABC1", NOW + timedelta(seconds=1))
    # the same nonce with the next count is a new token
    check.verify(make_token(KEY, "X26ABC1", "password", "once", 1, NOW), "X26ABC1", NOW)


@pytest.mark.parametrize("age", [timedelta(hours=2, minutes=1), -timedelta(hours=2, minutes=1)])
def test_a_timestamp_outside_two_hours_is_refused(age: timedelta) -> None:
    token = make_token(KEY, "X26ABC1", "password", "old", 0, NOW - age)
    with pytest.raises(AuthError, match="within 2 hours"):
        verifier().verify(token, "X26ABC1", NOW)


def test_a_timestamp_inside_the_window_is_accepted() -> None:
    token = make_token(KEY, "X26ABC1", "password", "recent", 0, NOW - timedelta(minutes=119))
    verifier().verify(token, "X26ABC1", NOW)


def test_tokens_are_forgotten_once_they_cannot_be_replayed() -> None:
    check = verifier()
    check.verify(make_token(KEY, "X26ABC1", "password", "a", 0, NOW), "X26ABC1", NOW)
    later = NOW + timedelta(hours=3)
    check.verify(make_token(KEY, "X26ABC1", "password", "b", 0, later), "X26ABC1", later)
    assert check._seen == {("X26ABC1", "b", "0")}


@pytest.mark.parametrize(
    ("token", "mailbox", "words"),
    [
        (None, "X26ABC1", "Error reading"),
        ("Basic abc", "X26ABC1", "scheme"),
        ("NHSMESH X26ABC1:n:0:202612011200", "X26ABC1", "number of token parts"),
        ("NHSMESH X26ABC1:n:x:202612011200:ab", "X26ABC1", "nonce count"),
        ("NHSMESH X26ABC1:n:0:20261201:ab", "X26ABC1", "yyyyMMddHHmm"),
        ("NHSMESH X26ABC1:n:0:202613011200:ab", "X26ABC1", "valid date"),
        (make_token(KEY, "X26ABC1", "password", "n", 0, NOW), "X26ABC2", "does not match"),
        (make_token(KEY, "NOBODY", "password", "n", 0, NOW), "NOBODY", "No mailbox"),
        (make_token(KEY, "X26ABC1", "wrong", "n", 0, NOW), "X26ABC1", "Invalid Authentication"),
        (make_token("OtherKey", "X26ABC1", "password", "n", 0, NOW), "X26ABC1", "Invalid"),
    ],
)
def test_refusals_say_why(token: str | None, mailbox: str, words: str) -> None:
    with pytest.raises(AuthError, match=words):
        verifier().verify(token, mailbox, NOW)


def test_the_mailbox_in_the_token_is_compared_without_case() -> None:
    token = make_token(KEY, "x26abc1", "password", "lower", 0, NOW)
    assert parse_token(token).mailbox == "x26abc1"
    # the digest covers the mailbox as the client wrote it; the password is the mailbox's
    verifier().verify(token, "X26ABC1", NOW)
