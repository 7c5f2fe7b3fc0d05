"""The one place that checks a DPoP proof (RFC 9449 section 4.3), as server/src/token-verification/dpop-proof.ts
does for the GraphQL API: exactly one compact JWS of `typ` `dpop+jwt` and `alg` `ES256`, signed by the public
P-256 key in its header, for this request's method and URL, with an `iat` within 60 s of the database's clock,
the access token's hash as `ath`, and a `jti` claimed in the replay store every instance shares.

PyJWT (Debian's python3-jwt 2.6) verifies the signature with the header's key (ECAlgorithm.from_jwk); the RFC
7638 thumbprint is hashlib over the canonical JSON of the key's required members.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from typing import Any, Callable, Optional, Protocol, Sequence
from urllib.parse import urlsplit

import jwt
import psycopg
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

from .database import ConnectionPool, DatabaseBusy

ALGORITHMS = ("ES256",)
PROOF_WINDOW_SECONDS = 60
# Past this, the proof's iat alone refuses it, so its jti need not be kept.
JTI_KEPT_MS = (2 * PROOF_WINDOW_SECONDS + 10) * 1000
MAX_PROOF_LENGTH = 4096
MAX_JTI_LENGTH = 256
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")
DEFAULT_PORTS = {"http": 80, "https": 443}
PRUNE_EVERY_SECONDS = 60.0

CLAIM = (
    'INSERT INTO "dpop_proof_use" ("key", "expiresAt") VALUES (%s, clock_timestamp() + %s * interval \'1 millisecond\') '
    'ON CONFLICT ("key") DO NOTHING'
)
PRUNE = 'DELETE FROM "dpop_proof_use" WHERE "expiresAt" < clock_timestamp()'

log = logging.getLogger("tasks_fastapi.dpop")


class InvalidDpopProof(Exception):
    """Answer 401 `DPoP error="invalid_dpop_proof"`. The message is for server logs only."""


class ProofReplayStore(Protocol):
    def first_use(self, key: str, keep_ms: int) -> bool:
        """True for the first request to claim `key` within `keep_ms`; False for every later one."""
        ...


class PostgresProofReplayStore:
    """The table the GraphQL API claims in too (`dpop_proof_use`, prisma/migrations): one INSERT on its primary
    key, committed before the request is answered, so no instance of either service accepts a proof twice."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._pruned_at = time.monotonic()

    def first_use(self, key: str, keep_ms: int) -> bool:
        try:
            with self._pool.connection() as connection:
                cursor = connection.execute(CLAIM, [key, keep_ms])
                claimed = cursor.rowcount == 1
                if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                    self._pruned_at = time.monotonic()
                    connection.execute(PRUNE)
        except psycopg.OperationalError as error:
            raise DatabaseBusy(str(error)) from error
        return claimed


class MemoryProofReplayStore:
    """One process only: for tests of the checks alone, never for a service with more than one instance."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, key: str, keep_ms: int) -> bool:
        now = self._monotonic()
        with self._lock:
            self._until = {seen: until for seen, until in self._until.items() if until > now}
            if key in self._until:
                return False
            self._until[key] = now + keep_ms / 1000
            return True


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sha256(text: str) -> str:
    """base64url(SHA-256(text)): a token's `ath`, and the replay store's key."""
    return b64url(hashlib.sha256(text.encode()).digest())


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC key: the required members, sorted, no whitespace."""
    canonical = json.dumps({name: jwk[name] for name in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def _target(url: str) -> Optional[tuple[str, str, int, str]]:
    """Scheme, host, port and path after RFC 3986 normalisation (case, default port); query and fragment dropped."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not scheme or not host or port is None:
        return None
    return scheme, host, port, parts.path or "/"


def same_target(htu: str, request_url: str) -> bool:
    claimed = _target(htu)
    return claimed is not None and claimed == _target(request_url)


def public_key(jwk: Any) -> EllipticCurvePublicKey:
    if not isinstance(jwk, dict):
        raise InvalidDpopProof("the proof has no jwk")
    if any(name in jwk for name in PRIVATE_MEMBERS):
        raise InvalidDpopProof("the proof's jwk is not a public key")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or not isinstance(jwk.get("x"), str) or not isinstance(jwk.get("y"), str):
        raise InvalidDpopProof("the proof's jwk is not a P-256 key")
    try:
        key = jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(jwk))
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise InvalidDpopProof(f"the proof's jwk is unusable: {error}") from error
    if not isinstance(key, EllipticCurvePublicKey):
        raise InvalidDpopProof("the proof's jwk is not a public key")
    return key


def verify_proof(
    proof: Optional[str],
    method: str,
    urls: Sequence[str],
    now: float,
    replays: ProofReplayStore,
    access_token: Optional[str] = None,
) -> str:
    """The proof's key thumbprint (what a bound token's cnf.jkt must be), or InvalidDpopProof.

    `urls`: the request's URL as received and, behind a proxy that changes scheme or host, as configured;
    `now`: epoch seconds on the database's clock. Blocking (the replay store): call it from a worker thread."""
    if not proof:
        raise InvalidDpopProof("no DPoP proof")
    # Repeated headers arrive joined by ", "; a compact JWS never holds a comma.
    if "," in proof:
        raise InvalidDpopProof("more than one DPoP proof")
    if len(proof) > MAX_PROOF_LENGTH:
        raise InvalidDpopProof("DPoP proof too long")
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.PyJWTError as error:
        raise InvalidDpopProof(f"not a JWS: {error}") from error
    if header.get("typ") != "dpop+jwt":
        raise InvalidDpopProof(f"typ {header.get('typ')!r} is not dpop+jwt")
    if header.get("alg") not in ALGORITHMS:
        raise InvalidDpopProof(f"algorithm {header.get('alg')!r} is not allowed")
    jwk = header.get("jwk")
    key = public_key(jwk)
    try:
        claims = jwt.decode(
            proof,
            key,
            algorithms=list(ALGORITHMS),
            # iat is checked below against the window; a proof has no exp, nbf or aud.
            options={"require": ["jti", "htm", "htu", "iat"], "verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        raise InvalidDpopProof(f"proof refused: {error}") from error
    jti, htm, htu, iat, ath = (claims.get(name) for name in ("jti", "htm", "htu", "iat", "ath"))
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise InvalidDpopProof("bad jti")
    if htm != method:
        raise InvalidDpopProof("htm is not the request's method")
    if not isinstance(htu, str) or not any(same_target(htu, url) for url in urls):
        raise InvalidDpopProof("htu is not the request's URL")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool) or abs(now - iat) > PROOF_WINDOW_SECONDS:
        raise InvalidDpopProof("iat outside the window")
    if access_token is not None and ath != sha256(access_token):
        raise InvalidDpopProof("ath is not the token's hash")
    jkt = thumbprint(jwk)  # type: ignore[arg-type]
    # Last: only a proof that passed everything else spends its jti, so a forged one cannot burn a real one's.
    if not replays.first_use(sha256(f"{jkt}\n{jti}"), JTI_KEPT_MS):
        raise InvalidDpopProof("jti used before")
    return jkt
