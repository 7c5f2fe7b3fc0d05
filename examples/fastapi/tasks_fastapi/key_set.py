"""The auth service's public keys, as server/CONTRACT.md section 2 says to hold them.

PyJWT's PyJWKClient is not used: it fetches with no timeout, follows redirects, and refetches on every
unknown `kid` without limit, so random kids would make this service hammer the auth service. This
wrapper fetches once and caches, lets an unknown kid trigger a refetch at most once per cooldown (plus
one early refetch per retry period for a token issued after the last fetch: a key just rotated in),
keeps verifying with the last good set for a bounded time while the JWKS cannot be fetched, and
otherwise raises KeysUnavailable (the caller answers 503, never 401: the token may be fine).

It is synchronous and blocks while fetching: it is called only from code FastAPI runs in its thread
pool (auth.py's sync dependency), never on the event loop. One fetch at a time (a lock); threads that
waited for it re-check the new set instead of fetching again.
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Optional

import jwt

from .settings import KeySetSettings

# Far more than any real key set (one Ed25519 key is about 150 bytes), far less than a memory problem.
MAX_JWKS_BYTES = 64 * 1024


class KeysUnavailable(Exception):
    """No usable key set right now (never fetched, or past the stale bound): answer 503."""


class KeyRefused(Exception):
    """The token names no key of the set, or a revoked one: a bad token (401), never an outage."""


class _FetchFailed(Exception):
    pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is an outage, never a fresh set: keys come only from the configured URL.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def fetch_key_set(url: str, timeout_seconds: float) -> dict[str, Any]:
    """The JWKS document, or _FetchFailed for anything that is not a 200 with a key set under 64 KB."""
    try:
        with _opener.open(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=timeout_seconds) as response:
            if response.status != 200:
                raise _FetchFailed(f"JWKS answered HTTP {response.status}")
            body = response.read(MAX_JWKS_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise _FetchFailed(f"JWKS request failed: {error}") from error
    if len(body) > MAX_JWKS_BYTES:
        raise _FetchFailed(f"JWKS body over {MAX_JWKS_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError as error:
        raise _FetchFailed("JWKS answered with something that is not JSON") from error
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
        raise _FetchFailed("JWKS answered with JSON that is not a key set")
    return document


def ed25519_keys(document: dict[str, Any]) -> dict[str, Any]:
    """kid -> public key, for the Ed25519 signing keys of the set; anything else is left out."""
    keys: dict[str, Any] = {}
    for jwk in document["keys"]:
        kid = jwk.get("kid")
        usable = jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("alg", "EdDSA") == "EdDSA"
        if not usable or not isinstance(kid, str) or not kid or jwk.get("use", "sig") != "sig" or "d" in jwk:
            continue
        try:
            keys[kid] = jwt.PyJWK(jwk, algorithm="EdDSA").key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
    return keys


class RemoteKeySet:
    """`now` is the clock tokens are checked with (the database's when the revocation feed runs), so a
    token's iat can be compared with the fetch times; `monotonic` paces cooldowns and retries."""

    def __init__(
        self,
        settings: KeySetSettings,
        now: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        fetch: Callable[[str, float], dict[str, Any]] = fetch_key_set,
    ) -> None:
        self._settings = settings
        self._now = now
        self._monotonic = monotonic
        self._fetch = fetch
        self._lock = threading.Lock()
        self._keys: Optional[dict[str, Any]] = None
        self._fetched_at = -math.inf  # monotonic, of the last good fetch
        self._fetched_at_wall = -math.inf  # `now`, of the same fetch (compared with a token's iat)
        self._generation = 0
        self._retry_not_before = -math.inf
        self._last_early_reload = -math.inf

    def key_for(self, kid: str, issued_at_hint: Optional[float] = None) -> Any:
        """The public key named `kid`. `issued_at_hint` is the token's unverified iat: only a hint for
        whether a refetch may find a new key; whether the token is accepted is the signature's decision."""
        seen = self._generation
        if self._monotonic() < self._retry_not_before:
            return self._from_last_good(kid)
        if self._keys is None or self._monotonic() - self._fetched_at > self._settings.cache_max_age_seconds:
            self._reload(seen)
            seen = self._generation
        keys = self._usable_keys()
        if kid in keys:
            return keys[kid]
        if self._may_refetch_for(issued_at_hint):
            self._reload(seen, early=True)
            key = self._usable_keys().get(kid)
            if key is not None:
                return key
        raise KeyRefused("no key of the set has this kid")

    def _may_refetch_for(self, issued_at_hint: Optional[float]) -> bool:
        since_fetch = self._monotonic() - self._fetched_at
        if since_fetch >= self._settings.cooldown_seconds:
            return True
        # Inside the cooldown: only for a token issued at or after the last fetch, at most once per retry period.
        if issued_at_hint is None or self._monotonic() - self._last_early_reload < self._settings.retry_after_seconds:
            return False
        return issued_at_hint >= math.floor(self._fetched_at_wall)

    def _reload(self, seen_generation: int, early: bool = False) -> None:
        with self._lock:
            if self._generation != seen_generation:
                return  # another thread fetched while this one waited: use its set
            if self._monotonic() < self._retry_not_before:
                return
            if early:
                self._last_early_reload = self._monotonic()
            try:
                document = self._fetch(self._settings.url, self._settings.timeout_seconds)
            except _FetchFailed:
                self._retry_not_before = self._monotonic() + self._settings.retry_after_seconds
                return
            self._keys = ed25519_keys(document)
            self._fetched_at = self._monotonic()
            self._fetched_at_wall = self._now()
            self._generation += 1

    def _usable_keys(self) -> dict[str, Any]:
        # Fresh within the cache age; past it (a refetch failed), usable up to the stale bound.
        usable_for = max(self._settings.cache_max_age_seconds, self._settings.stale_max_age_seconds)
        if self._keys is None or self._monotonic() - self._fetched_at > usable_for:
            raise KeysUnavailable("signing keys unavailable")
        return self._keys

    def _from_last_good(self, kid: str) -> Any:
        key = self._usable_keys().get(kid)
        if key is None:
            raise KeyRefused("no key of the set has this kid")
        return key
