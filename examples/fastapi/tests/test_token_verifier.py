"""The verifier's refusals one by one (server/CONTRACT.md section 1), each beside a token it accepts,
on tokens signed with a test Ed25519 key served from a local JWKS."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from conftest import AUDIENCE, DROP, ISSUER, JwksServer, SigningKey, b64url, claims, sign

from tasks_fastapi.token_verifier import InvalidToken, NoRevocations, TokenIdentity, TokenVerifier, Viewer


@pytest.fixture
def verifier(settings_for: Any, jwks: JwksServer) -> TokenVerifier:
    return TokenVerifier(settings_for(API_JWKS_URL=jwks.url), NoRevocations())


def refused(verifier: TokenVerifier, token: str) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_a_token_as_the_auth_service_signs_it_is_accepted(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    assert verifier.verify(sign(signing_key)) == Viewer(user_id="user-a", session_id="session-a", role="user")


def test_alg_none_is_refused(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    refused(verifier, jwt.encode(claims(), None, algorithm="none", headers={"kid": signing_key.kid}))


def test_hs256_signed_with_the_public_key_is_refused(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    for secret in (signing_key.public_bytes, b64url(signing_key.public_bytes).encode()):
        refused(verifier, jwt.encode(claims(), secret, algorithm="HS256", headers={"kid": signing_key.kid}))


def test_a_signature_by_another_key_under_the_right_kid_is_refused(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    impostor = SigningKey(kid=signing_key.kid)
    refused(verifier, sign(impostor))
    verifier.verify(sign(signing_key))


def test_an_unknown_kid_is_refused(verifier: TokenVerifier) -> None:
    refused(verifier, sign(SigningKey()))


def test_a_token_without_kid_is_refused_even_with_a_single_key_set(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    refused(verifier, sign(signing_key, kid=DROP))


def test_expired_is_refused_past_the_tolerance_and_accepted_within_it(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    now = int(time.time())
    refused(verifier, sign(signing_key, claims(iat=now - 100, exp=now - 31)))
    verifier.verify(sign(signing_key, claims(iat=now - 100, exp=now - 20)))


def test_nbf_in_the_future_is_refused(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    now = int(time.time())
    refused(verifier, sign(signing_key, claims(nbf=now + 120)))
    verifier.verify(sign(signing_key, claims(nbf=now + 10)))


def test_iat_in_the_future_is_refused(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    now = int(time.time())
    refused(verifier, sign(signing_key, claims(iat=now + 120, exp=now + 900)))


def test_wrong_issuer_is_refused(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    refused(verifier, sign(signing_key, claims(iss="http://localhost:4001/")))
    refused(verifier, sign(signing_key, claims(iss="https://elsewhere.example")))


def test_wrong_audience_is_refused(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    refused(verifier, sign(signing_key, claims(aud="another-api")))
    refused(verifier, sign(signing_key, claims(aud=DROP)))


@pytest.mark.parametrize("claim", ["sub", "sid", "exp", "iat", "iss"])
def test_each_required_claim_missing_is_refused(verifier: TokenVerifier, signing_key: SigningKey, claim: str) -> None:
    refused(verifier, sign(signing_key, claims(**{claim: DROP})))


@pytest.mark.parametrize("claim,value", [("sub", ""), ("sub", "x" * 201), ("sid", 5), ("exp", "soon"), ("iat", True), ("role", "root"), ("role", None)])
def test_claims_of_the_wrong_shape_are_refused(verifier: TokenVerifier, signing_key: SigningKey, claim: str, value: Any) -> None:
    refused(verifier, sign(signing_key, claims(**{claim: value})))


def test_a_far_future_exp_is_bounded_by_the_maximum_age(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    now = int(time.time())
    refused(verifier, sign(signing_key, claims(iat=now - 900 - 31, exp=now + 10 * 365 * 86400)))
    verifier.verify(sign(signing_key, claims(iat=now - 900 + 5, exp=now + 10 * 365 * 86400)))


@pytest.mark.parametrize("typ", ["logout+jwt", "JOSE", 5])
def test_a_typ_that_is_not_an_access_token_is_refused(verifier: TokenVerifier, signing_key: SigningKey, typ: Any) -> None:
    refused(verifier, sign(signing_key, typ=typ))


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", "application/AT+JWT"])
def test_access_token_types_are_accepted(verifier: TokenVerifier, signing_key: SigningKey, typ: str) -> None:
    verifier.verify(sign(signing_key, typ=typ))


def test_jku_x5u_jwk_and_x5c_headers_are_never_followed(verifier: TokenVerifier, signing_key: SigningKey) -> None:
    attacker = SigningKey(kid=signing_key.kid)
    elsewhere = JwksServer()
    elsewhere.serve(attacker)
    try:
        for header in ({"jku": elsewhere.url}, {"x5u": elsewhere.url}, {"jwk": attacker.jwk()}, {"x5c": ["MIIB"]}):
            refused(verifier, sign(attacker, **header))
        assert elsewhere.requests == 0
    finally:
        elsewhere.close()


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "eyJhbGciOiJFZERTQSJ9..", "x" * 5000])
def test_malformed_tokens_are_refused(verifier: TokenVerifier, token: str) -> None:
    refused(verifier, token)


def test_shared_secret_mode_accepts_hs256_and_nothing_else(settings_for: Any, signing_key: SigningKey) -> None:
    secret = "s" * 40
    verifier = TokenVerifier(settings_for(JWT_SHARED_SECRET=secret), NoRevocations())
    assert verifier.verify(jwt.encode(claims(), secret, algorithm="HS256")).user_id == "user-a"
    refused(verifier, jwt.encode(claims(), "t" * 40, algorithm="HS256"))
    refused(verifier, sign(signing_key))
    refused(verifier, jwt.encode(claims(), None, algorithm="none"))


class Revoked(NoRevocations):
    def __init__(self, sessions: set[str] = set(), keys: set[str] = set()) -> None:
        super().__init__()
        self.sessions, self.keys = sessions, keys

    def is_revoked(self, token: TokenIdentity) -> bool:
        return token.session_id in self.sessions

    def is_key_revoked(self, kid: str) -> bool:
        return kid in self.keys


def test_a_revoked_session_or_key_is_refused(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    settings = settings_for(API_JWKS_URL=jwks.url)
    TokenVerifier(settings, Revoked()).verify(sign(signing_key))
    refused(TokenVerifier(settings, Revoked(sessions={"session-a"})), sign(signing_key))
    refused(TokenVerifier(settings, Revoked(keys={signing_key.kid})), sign(signing_key))


def test_times_are_checked_on_the_revocation_feeds_clock(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    # The database's clock is an hour ahead of this host: a token this host thinks fresh is expired there.
    settings = settings_for(API_JWKS_URL=jwks.url)
    ahead = TokenVerifier(settings, NoRevocations(now=lambda: time.time() + 3600))
    refused(ahead, sign(signing_key))


def test_issuer_and_audience_come_from_the_environment(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    settings = settings_for(API_JWKS_URL=jwks.url, JWT_ISSUER="https://auth.example", JWT_AUDIENCE="other")
    verifier = TokenVerifier(settings, NoRevocations())
    refused(verifier, sign(signing_key))
    verifier.verify(sign(signing_key, claims(iss="https://auth.example", aud="other")))
    assert (ISSUER, AUDIENCE) != (settings.issuer, settings.audience)
