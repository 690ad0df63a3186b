"""The `NHSMESH` Authorization token: parsing, verification, single use and a time window.

    Authorization: NHSMESH <mailbox>:<nonce>:<nonce_count>:<yyyyMMddHHmm>:<hash>
    hash = HMAC-SHA256(shared_key, "<mailbox>:<nonce>:<nonce_count>:<password>:<yyyyMMddHHmm>")

Every token is good for one request: the (mailbox, nonce, nonce_count) triple is remembered
for as long as its timestamp stays inside the window, and a second use is refused. The
window (2 hours either side, as the MESH API specification says) is measured against the
real UTC time, not the simulator's messaging clock, so a client keeps working after a test
moves that clock days ahead. Everything here is pure apart from the `seen` registry.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SCHEME = "NHSMESH"
WINDOW = timedelta(hours=2)
# The key NHS England's MESH sandbox is run with (its docker-compose sets SHARED_KEY=TestKey);
# mesh-client's own default when none is given is "BackBone" (set MESH_CLIENT_SHARED_KEY).
SANDBOX_SHARED_KEY = "TestKey"
TIMESTAMP_FORMAT = "%Y%m%d%H%M"


class AuthError(Exception):
    """Why a token was refused (the MESH API answers 403 for all of them)."""


@dataclass(frozen=True, slots=True)
class Token:
    mailbox: str
    nonce: str
    nonce_count: str
    timestamp: str
    digest: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.mailbox.upper(), self.nonce, self.nonce_count)


def parse_token(header: str | None) -> Token:
    if not header or not header.strip():
        raise AuthError("Error reading from Authorization header")
    text = header.strip()
    scheme, _, rest = text.partition(" ")
    if scheme.upper() != SCHEME or not rest:
        raise AuthError("Invalid authentication scheme, expected NHSMESH")
    parts = rest.strip().split(":")
    if len(parts) != 5:
        raise AuthError(f"invalid number of token parts: {len(parts)}, expected 5")
    mailbox, nonce, nonce_count, timestamp, digest = parts
    if not mailbox or " " in mailbox:
        raise AuthError("the mailbox in the token is empty or contains a space")
    if not nonce:
        raise AuthError("the nonce in the token is empty")
    if not nonce_count.isdigit():
        raise AuthError("nonce count is not digits")
    if len(timestamp) != 12 or not timestamp.isdigit():
        raise AuthError("the token timestamp is not yyyyMMddHHmm")
    return Token(mailbox, nonce, nonce_count, timestamp, digest)


def token_time(token: Token) -> datetime:
    try:
        return datetime.strptime(token.timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise AuthError("the token timestamp is not a valid date and time") from None


def expected_digest(shared_key: str, token: Token, password: str) -> str:
    message = f"{token.mailbox}:{token.nonce}:{token.nonce_count}:{password}:{token.timestamp}"
    return hmac.new(shared_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def make_token(
    shared_key: str,
    mailbox: str,
    password: str,
    nonce: str,
    nonce_count: int = 0,
    when: datetime | None = None,
) -> str:
    """A token as a MESH client writes it (tests and the bench use this)."""
    stamp = (when or datetime.now(UTC)).strftime(TIMESTAMP_FORMAT)
    token = Token(mailbox, nonce, str(nonce_count), stamp, "")
    digest = expected_digest(shared_key, token, password)
    return f"{SCHEME} {mailbox}:{nonce}:{nonce_count}:{stamp}:{digest}"


class TokenVerifier:
    """Checks tokens for one server: the digest, the window, and that no token is used twice."""

    def __init__(
        self,
        shared_key: str,
        password_of: Callable[[str], str | None],
        window: timedelta = WINDOW,
    ) -> None:
        self.shared_key = shared_key
        self.password_of = password_of
        self.window = window
        self._seen: set[tuple[str, str, str]] = set()
        self._forget: list[tuple[datetime, tuple[str, str, str]]] = []

    def verify(self, header: str | None, mailbox: str, now: datetime | None = None) -> Token:
        """The token, if it may authorise a request for `mailbox`; AuthError otherwise."""
        token = parse_token(header)
        if token.mailbox.upper() != mailbox.upper():
            raise AuthError("Mailbox id does not match token")
        password = self.password_of(token.mailbox.upper())
        if password is None:
            raise AuthError("No mailbox matched")
        moment = now or datetime.now(UTC)
        stamped = token_time(token)
        if abs(moment - stamped) > self.window:
            raise AuthError("the token timestamp is not within 2 hours of the server time")
        wanted = expected_digest(self.shared_key, token, password)
        if not hmac.compare_digest(token.digest.lower(), wanted):
            raise AuthError("Invalid Authentication Token")
        self._prune(moment)
        if token.key in self._seen:
            raise AuthError("Error Duplicated Authentication Token")
        self._seen.add(token.key)
        heapq.heappush(self._forget, (stamped + self.window, token.key))
        return token

    def _prune(self, now: datetime) -> None:
        """Forget tokens whose timestamp has left the window: they cannot be replayed anyway."""
        while self._forget and self._forget[0][0] < now:
            _, key = heapq.heappop(self._forget)
            self._seen.discard(key)
