"""The one place that verifies a bearer token (server/CONTRACT.md section 1), with PyJWT.

The algorithm is pinned to the key source (EdDSA with the key set, HS256 only in shared-secret mode);
PyJWT checks the signature, `iss` and `aud`; the times (exp, nbf, iat and the maximum age) are checked
here against `now`, with the contract's tolerance, because PyJWT reads only the host's clock and the
contract compares times on the database's clock (revocation_feed.py). `kid` is required with a key set
and is only a lookup key into it; jku, x5u, jwk and x5c headers are never read.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

import jwt

from .key_set import KeyRefused, RemoteKeySet
from .settings import Settings

# The contract's tables (server/CONTRACT.md): required claims and the access-token `typ` values, lower-cased.
REQUIRED_CLAIMS = ("sub", "sid", "exp", "iat")
ACCESS_TOKEN_TYPES = frozenset({"", "jwt", "at+jwt", "application/at+jwt"})
ROLES = ("user", "admin")
MAX_ID_LENGTH = 200


class InvalidToken(Exception):
    """Answer 401 invalid_token. The message is for server logs only, never for the client."""


class RevocationsUnavailable(Exception):
    """The revocation list cannot be confirmed current: answer 503, not 401 and not 200."""


@dataclass(frozen=True)
class Viewer:
    user_id: str
    session_id: str
    role: str
    # The RFC 7638 thumbprint of the key the token is bound to (cnf.jkt, DPoP), or None for a bearer token.
    jkt: Optional[str] = None


@dataclass(frozen=True)
class TokenIdentity:
    """What revocation events name."""

    session_id: str
    user_id: str
    role: str
    issued_at: float
    key_id: Optional[str]


class Revocations(Protocol):
    def assert_current(self) -> None: ...
    def is_revoked(self, token: TokenIdentity) -> bool: ...
    def is_key_revoked(self, kid: str) -> bool: ...
    @property
    def settings(self) -> Settings:
        return self._settings

    def now(self) -> float: ...


class NoRevocations:
    """For tests of the verifier alone: nothing is revoked, and the clock is the host's (or a given one)."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.now = now

    def assert_current(self) -> None:
        return None

    def is_revoked(self, token: TokenIdentity) -> bool:
        return False

    def is_key_revoked(self, kid: str) -> bool:
        return False


class TokenVerifier:
    def __init__(self, settings: Settings, revocations: Revocations, key_set: Optional[RemoteKeySet] = None) -> None:
        self._settings = settings
        self._revocations = revocations
        if settings.shared_secret is not None:
            # One secret and no key set: no kid to require or revoke. Changing the secret on both services
            # is this mode's key revocation.
            self._algorithms = ["HS256"]
            self._key_set = None
        else:
            assert settings.key_set is not None
            self._algorithms = ["EdDSA"]
            self._key_set = key_set or RemoteKeySet(settings.key_set, now=revocations.now)

    @property
    def settings(self) -> Settings:
        return self._settings

    def now(self) -> float:
        """Epoch seconds on the clock tokens are checked against (the database's): DPoP proofs' iat too."""
        return self._revocations.now()

    def verify(self, token: str) -> Viewer:
        """Raises InvalidToken (401), key_set.KeysUnavailable or RevocationsUnavailable (both 503).

        Blocking (it may fetch the key set): call it from a worker thread, never on the event loop."""
        # Before anything else: an instance that cannot vouch for its revocation list accepts nothing.
        self._revocations.assert_current()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(f"malformed token: {error}") from error
        if header.get("alg") not in self._algorithms:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not allowed")
        # Explicit typing (RFC 8725 3.11): a token that declares another kind is never an access token.
        typ = header.get("typ", "")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken(f"typ {typ!r} is not an access token")
        kid = header.get("kid")
        key = self._signing_key(token, kid)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                # Times are checked below, on the contract's clock; PyJWT would use the host's.
                options={"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        issued_at = self._check_times(payload)
        viewer = viewer_from(payload)
        identity = TokenIdentity(viewer.session_id, viewer.user_id, viewer.role, issued_at, kid if self._key_set else None)
        if self._revocations.is_revoked(identity):
            raise InvalidToken("revoked (session, user, role or key)")
        return viewer

    def _signing_key(self, token: str, kid: Any) -> Any:
        if self._key_set is None:
            return self._settings.shared_secret.encode()  # type: ignore[union-attr]
        # Without a kid, "the only key of the set" would be taken, a revoked one included.
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no key (kid)")
        if self._revocations.is_key_revoked(kid):
            raise InvalidToken("the token's key is revoked")
        try:
            return self._key_set.key_for(kid, unverified_issued_at(token))
        except KeyRefused as error:
            raise InvalidToken(str(error)) from error

    def _check_times(self, payload: dict[str, Any]) -> float:
        now = self._revocations.now()
        tolerance = self._settings.clock_tolerance_seconds
        exp, iat, nbf = payload.get("exp"), payload.get("iat"), payload.get("nbf")
        if not is_number(exp) or not is_number(iat) or (nbf is not None and not is_number(nbf)):
            raise InvalidToken("exp, iat and nbf must be numbers")
        if now >= exp + tolerance:
            raise InvalidToken("expired")
        if nbf is not None and now < nbf - tolerance:
            raise InvalidToken("not yet valid (nbf)")
        if iat > now + tolerance:
            raise InvalidToken("issued in the future (iat)")
        # A token whose exp is far away (signed with a leaked key) is still bounded by its age.
        if now - iat > self._settings.max_token_age_seconds + tolerance:
            raise InvalidToken("older than the maximum token age")
        return float(iat)


def viewer_from(payload: dict[str, Any]) -> Viewer:
    sub, sid, role = payload.get("sub"), payload.get("sid"), payload.get("role")
    if not is_id(sub):
        raise InvalidToken("sub is not a user id")
    # Every token names its session, so ending the session can end the token.
    if not is_id(sid):
        raise InvalidToken("sid is not a session id")
    if "role" in payload and role not in ROLES:
        raise InvalidToken("unknown role")
    jkt = None
    if "cnf" in payload:
        cnf = payload["cnf"]
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        if not isinstance(jkt, str) or not jkt:
            raise InvalidToken("cnf names no key thumbprint (jkt)")
    return Viewer(user_id=sub, session_id=sid, role=role or "user", jkt=jkt)


def is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def unverified_issued_at(token: str) -> Optional[float]:
    """Only a hint for whether a refetch may find a just-rotated key; never trusted for anything else."""
    try:
        segment = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        iat = payload.get("iat") if isinstance(payload, dict) else None
        return float(iat) if is_number(iat) else None
    except (IndexError, ValueError):
        return None
