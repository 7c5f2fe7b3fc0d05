"""Revocation (server/CONTRACT.md section 3) against the real PostgreSQL: events written to the table
reach the verifier through LISTEN within 1 s, events written before it started are read on connect,
and a feed that cannot confirm it is current answers 503 instead of a 200 it cannot vouch for."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import psycopg
import pytest
from conftest import JwksServer, SigningKey, claims, sign
from fastapi.testclient import TestClient

from tasks_fastapi.app import create_app
from tasks_fastapi.revocation_feed import RevocationFeed, parse_event
from tasks_fastapi.task_store import TaskStore
from tasks_fastapi.database import ConnectionPool
from tasks_fastapi.token_verifier import InvalidToken, RevocationsUnavailable, TokenVerifier


def revoke(database: str, kind: str, subject: str, role: Any = None) -> None:
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute('INSERT INTO "revocation_event" ("kind", "subject", "role") VALUES (%s, %s, %s)', [kind, subject, role])


def feed_for(url: str, staleness: float = 2.0) -> RevocationFeed:
    return RevocationFeed(url, max_staleness_seconds=staleness, horizon_seconds=930, clock_tolerance_seconds=30)


@pytest.fixture
def feed(database: str) -> Iterator[RevocationFeed]:
    feed = feed_for(database)
    yield feed
    feed.close()


@pytest.fixture
def verifier(settings_for: Any, jwks: JwksServer, feed: RevocationFeed) -> TokenVerifier:
    return TokenVerifier(settings_for(API_JWKS_URL=jwks.url), feed)


def refused_within(seconds: float, check: Callable[[], Any]) -> float:
    """Seconds until `check` raises InvalidToken; fails past `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            check()
        except InvalidToken:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"still accepted after {seconds} s")


def test_an_ended_session_is_refused_within_1_s_and_others_are_untouched(
    verifier: TokenVerifier, signing_key: SigningKey, database: str
) -> None:
    ended = sign(signing_key, claims(sid="session-ending"))
    other = sign(signing_key, claims(sid="session-staying"))
    verifier.verify(ended)
    revoke(database, "session-revoked", "session-ending")
    refused_within(1.0, lambda: verifier.verify(ended))
    assert verifier.verify(other).session_id == "session-staying"


def test_a_users_tokens_before_the_event_are_refused_and_later_ones_accepted(
    verifier: TokenVerifier, signing_key: SigningKey, database: str
) -> None:
    earlier = sign(signing_key, claims(sub="user-banned", iat=int(time.time()) - 5))
    verifier.verify(earlier)
    revoke(database, "tokens-revoked", "user-banned")
    refused_within(1.0, lambda: verifier.verify(earlier))
    verifier.verify(sign(signing_key, claims(sub="user-banned", iat=int(time.time()) + 2)))
    verifier.verify(sign(signing_key, claims(sub="user-other")))


def test_a_role_taken_away_ends_the_tokens_that_claim_it(verifier: TokenVerifier, signing_key: SigningKey, database: str) -> None:
    admin = sign(signing_key, claims(sub="user-demoted", role="admin"))
    user = sign(signing_key, claims(sub="user-demoted", role="user"))
    verifier.verify(admin)
    revoke(database, "claims-changed", "user-demoted", "user")
    refused_within(1.0, lambda: verifier.verify(admin))
    verifier.verify(user)


def test_a_revoked_key_is_refused_whenever_its_tokens_were_issued(verifier: TokenVerifier, signing_key: SigningKey, database: str) -> None:
    token = sign(signing_key)
    verifier.verify(token)
    revoke(database, "key-revoked", signing_key.kid)
    refused_within(1.0, lambda: verifier.verify(token))
    refused_within(0.1, lambda: verifier.verify(sign(signing_key, claims(sid="fresh"))))


def test_events_written_before_start_are_read_on_connect(settings_for: Any, jwks: JwksServer, signing_key: SigningKey, database: str) -> None:
    revoke(database, "session-revoked", "session-ended-earlier")
    feed = feed_for(database)
    try:
        verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), feed)
        with pytest.raises(InvalidToken):
            verifier.verify(sign(signing_key, claims(sid="session-ended-earlier")))
        verifier.verify(sign(signing_key, claims(sid="session-live")))
    finally:
        feed.close()


def test_a_feed_that_cannot_connect_answers_503(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    feed = feed_for("postgresql://root@127.0.0.1:9/none")
    try:
        verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), feed)
        with pytest.raises(RevocationsUnavailable):
            verifier.verify(sign(signing_key))
        client = TestClient(create_app(verifier, TaskStore(ConnectionPool("postgresql://root@127.0.0.1:9/none"))))
        response = client.get("/me", headers={"Authorization": f"Bearer {sign(signing_key)}"})
        assert (response.status_code, response.json()) == (503, {"detail": "AUTH_UNAVAILABLE"})
        assert "retry-after" in response.headers
    finally:
        feed.close()


def test_a_feed_whose_connection_is_lost_turns_stale_then_current_again(
    verifier: TokenVerifier, feed: RevocationFeed, signing_key: SigningKey, database: str
) -> None:
    token = sign(signing_key)
    verifier.verify(token)
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tasks-fastapi-revocation-feed' AND datname = current_database()")
    # Reconnects at once and re-reads the table: a revocation written meanwhile still takes effect.
    revoke(database, "session-revoked", "session-a")
    refused_within(2.0, lambda: verifier.verify(token))


def test_foreign_payloads_are_ignored() -> None:
    assert parse_event("not json") is None
    assert parse_event({"kind": "session-revoked", "subject": 5, "occurredAt": 1}) is None
    assert parse_event({"kind": "claims-changed", "subject": "u", "role": "root", "occurredAt": 1}) is None
    assert parse_event('{"kind": "session-revoked", "subject": "s", "occurredAt": 1}') == {"kind": "session-revoked", "subject": "s", "occurredAt": 1.0}
