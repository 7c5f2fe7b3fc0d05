"""The key set wrapper (server/CONTRACT.md section 2): cache, cooldown for unknown kids, the early
refetch for a key just rotated in, bounded stale keys, and 503 when no usable key set can be had."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from conftest import JwksServer, SigningKey

from tasks_fastapi.key_set import MAX_JWKS_BYTES, KeyRefused, KeysUnavailable, RemoteKeySet


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def key_set(settings_for: Any, jwks: JwksServer, clock: Clock, **environ: str) -> RemoteKeySet:
    settings = settings_for(API_JWKS_URL=jwks.url, **environ).key_set
    return RemoteKeySet(settings, monotonic=clock)


def test_keys_are_fetched_once_and_cached(settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey) -> None:
    keys = key_set(settings_for, jwks, clock)
    for _ in range(5):
        assert keys.key_for(signing_key.kid) is not None
    assert jwks.requests == 1
    clock.seconds += 601  # past API_JWKS_CACHE_MAX_AGE_MS
    keys.key_for(signing_key.kid)
    assert jwks.requests == 2


def test_unknown_kids_refetch_at_most_once_per_cooldown(settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey) -> None:
    keys = key_set(settings_for, jwks, clock)
    keys.key_for(signing_key.kid)
    for number in range(20):
        with pytest.raises(KeyRefused):
            keys.key_for(f"random-{number}")  # no iat hint: never an early refetch
    assert jwks.requests == 1
    clock.seconds += 31
    with pytest.raises(KeyRefused):
        keys.key_for("random-after-cooldown")
    assert jwks.requests == 2


def test_a_key_rotated_in_is_found_at_once_but_only_once_per_retry_period(
    settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey
) -> None:
    keys = key_set(settings_for, jwks, clock)
    keys.key_for(signing_key.kid)
    rotated = SigningKey()
    jwks.serve(signing_key, rotated)
    assert keys.key_for(rotated.kid, issued_at_hint=time.time()) is not None
    assert jwks.requests == 2
    with pytest.raises(KeyRefused):
        keys.key_for("forged", issued_at_hint=time.time() + 1)
    assert jwks.requests == 2  # within the retry period: no further fetch
    with pytest.raises(KeyRefused):
        keys.key_for("older", issued_at_hint=time.time() - 3600)
    assert jwks.requests == 2


def test_an_unreachable_jwks_at_start_is_an_outage_not_a_bad_token(settings_for: Any, clock: Clock) -> None:
    settings = settings_for(API_JWKS_URL="http://127.0.0.1:9/api/auth/jwks").key_set
    with pytest.raises(KeysUnavailable):
        RemoteKeySet(settings, monotonic=clock).key_for("any")


def test_stale_keys_serve_until_the_bound_then_503(settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey) -> None:
    keys = key_set(settings_for, jwks, clock)
    keys.key_for(signing_key.kid)
    jwks.status = 500
    clock.seconds += 601
    assert keys.key_for(signing_key.kid) is not None  # refetch failed: the last good set, within the bound
    fetches = jwks.requests
    assert keys.key_for(signing_key.kid) is not None
    assert jwks.requests == fetches  # after a failure, no request pays a fetch until the retry period ends
    clock.seconds += 3600
    with pytest.raises(KeysUnavailable):
        keys.key_for(signing_key.kid)


@pytest.mark.parametrize(
    "broken",
    [
        {"status": 302, "headers": {"Location": "http://127.0.0.1:9/"}},
        {"status": 404},
        {"raw": b"<html>not json</html>"},
        {"raw": b'{"keys": "nope"}'},
        {"raw": b"[1, 2]"},
        {"raw": b'{"keys": []' + b" " * MAX_JWKS_BYTES + b"}"},
    ],
)
def test_a_broken_answer_is_an_outage_never_a_fresh_set(settings_for: Any, jwks: JwksServer, clock: Clock, broken: dict[str, Any]) -> None:
    for name, value in broken.items():
        setattr(jwks, name, value)
    with pytest.raises(KeysUnavailable):
        key_set(settings_for, jwks, clock).key_for("any")


def test_a_broken_answer_after_a_good_one_keeps_the_good_keys(settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey) -> None:
    keys = key_set(settings_for, jwks, clock)
    keys.key_for(signing_key.kid)
    jwks.raw = b'{"keys": []' + b" " * MAX_JWKS_BYTES + b"}"
    clock.seconds += 601
    assert keys.key_for(signing_key.kid) is not None


def test_keys_that_are_not_ed25519_signing_keys_are_left_out(settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey) -> None:
    jwk = signing_key.jwk()
    jwks.document = {"keys": [{**jwk, "alg": "HS256"}, {**jwk, "kid": "enc", "use": "enc"}, {"kty": "oct", "k": "c2VjcmV0", "kid": "oct"}]}
    keys = key_set(settings_for, jwks, clock)
    for kid in (signing_key.kid, "enc", "oct"):
        with pytest.raises(KeyRefused):
            keys.key_for(kid)


def test_concurrent_first_requests_share_one_fetch(settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey) -> None:
    jwks.delay = 0.2
    keys = key_set(settings_for, jwks, clock)
    results: list[Any] = []

    def lookup() -> None:
        results.append(keys.key_for(signing_key.kid))

    threads = [threading.Thread(target=lookup) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 10 and all(key is not None for key in results)
    assert jwks.requests == 1


def test_a_flood_of_random_kids_from_many_threads_costs_at_most_one_refetch(
    settings_for: Any, jwks: JwksServer, clock: Clock, signing_key: SigningKey
) -> None:
    keys = key_set(settings_for, jwks, clock)
    keys.key_for(signing_key.kid)
    clock.seconds += 31  # the cooldown is over: one refetch is allowed, not one per thread
    jwks.delay = 0.2

    refused: list[int] = []

    def flood(number: int) -> None:
        try:
            keys.key_for(f"random-{number}", issued_at_hint=time.time())
        except KeyRefused:
            refused.append(number)

    threads = [threading.Thread(target=flood, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(refused) == list(range(20))
    assert jwks.requests == 2
