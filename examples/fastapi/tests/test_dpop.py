"""DPoP (RFC 9449, issue 32): proofs checked as server/src/token-verification/dpop-proof.ts checks them, and
get_current_user's answers: a bound token only as `DPoP` with its key's fresh proof for this request; a bound
token as Bearer, an unbound one as DPoP, and every bad proof refused 401 with a DPoP challenge."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any, Optional

import jwt
import psycopg
import pytest
from conftest import JwksServer, SigningKey, claims, sign
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from tasks_fastapi.app import create_app
from tasks_fastapi.database import ConnectionPool
from tasks_fastapi.dpop_proof import (
    InvalidDpopProof,
    MemoryProofReplayStore,
    PostgresProofReplayStore,
    sha256,
    thumbprint,
    verify_proof,
)
from tasks_fastapi.token_verifier import NoRevocations, TokenVerifier

ME = "http://testserver/me"


class ProofKey:
    """A client's ES256 key, making proofs as the dpop library does (and, with `changes`, as it never would)."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        # By hand, not PyJWT's ECAlgorithm.to_jwk: Debian's PyJWT 2.6 drops a coordinate's leading zero bytes (one
        # key in about 128), which RFC 7518 6.2.1.2 forbids and from_jwk then refuses: the test failed at random.
        numbers = self.private.public_key().public_numbers()
        coordinate = lambda value: base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()  # noqa: E731
        self.jwk: dict[str, Any] = {"kty": "EC", "crv": "P-256", "x": coordinate(numbers.x), "y": coordinate(numbers.y)}
        self.jkt = thumbprint(self.jwk)

    def proof(self, method: str = "GET", url: str = ME, token: Optional[str] = None, **changes: Any) -> str:
        header: dict[str, Any] = {"typ": "dpop+jwt", "jwk": self.jwk, **changes.pop("header", {})}
        for name in changes.pop("without_header", []):
            header.pop(name)
        payload: dict[str, Any] = {"jti": uuid.uuid4().hex, "htm": method, "htu": url, "iat": int(time.time())}
        if token is not None:
            payload["ath"] = sha256(token)
        payload.update(changes)
        return jwt.encode(payload, self.private, algorithm="ES256", headers=header)


def check(proof: Optional[str], method: str = "GET", urls: tuple[str, ...] = (ME,), token: Optional[str] = None, replays: Any = None) -> str:
    return verify_proof(proof, method, urls, time.time(), replays or MemoryProofReplayStore(), access_token=token)


def test_the_thumbprint_is_rfc_7638s() -> None:
    # The same key's thumbprint by jose's calculateJwkThumbprint (what the auth service puts in cnf.jkt).
    jwk = {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
    assert thumbprint(jwk) == "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"


def test_a_correct_proof_gives_its_keys_thumbprint() -> None:
    key = ProofKey()
    assert check(key.proof(token="t"), token="t") == key.jkt


def test_htu_is_compared_without_query_and_after_normalisation() -> None:
    key = ProofKey()
    assert check(key.proof(url="HTTP://TestServer:80/me"), urls=("http://testserver/me?limit=5",)) == key.jkt


@pytest.mark.parametrize(
    "name",
    [
        "no proof",
        "another method",
        "another URL",
        "iat 300 s old",
        "iat 300 s ahead",
        "ath of another token",
        "no ath",
        "alg none",
        "HS256 keyed with the jwk",
        "a private key as jwk",
        "no typ",
        "typ jwt",
        "two proofs",
        "not a JWS",
        "signed by another key than its jwk",
        "no jti",
    ],
)
def test_a_bad_proof_is_refused(name: str) -> None:
    key, other = ProofKey(), ProofKey()
    now = int(time.time())
    header = {"typ": "dpop+jwt", "alg": "none", "jwk": key.jwk}
    payload = {"jti": "j", "htm": "GET", "htu": ME, "iat": now, "ath": sha256("t")}
    private_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.private))
    proofs = {
        "no proof": None,
        "another method": key.proof("POST", token="t"),
        "another URL": key.proof(url="http://testserver/tasks", token="t"),
        "iat 300 s old": key.proof(token="t", iat=now - 300),
        "iat 300 s ahead": key.proof(token="t", iat=now + 300),
        "ath of another token": key.proof(token="another"),
        "no ath": key.proof(),
        "alg none": jwt.encode(payload, None, algorithm="none", headers=header),
        "HS256 keyed with the jwk": jwt.encode(payload, json.dumps(key.jwk), algorithm="HS256", headers={**header, "alg": "HS256"}),
        "a private key as jwk": key.proof(token="t", header={"jwk": private_jwk}),
        "no typ": key.proof(token="t", without_header=["typ"]),
        "typ jwt": key.proof(token="t", header={"typ": "jwt"}),
        "two proofs": f"{key.proof(token='t')}, {key.proof(token='t')}",
        "not a JWS": "not-a-proof",
        "signed by another key than its jwk": key.proof(token="t", header={"jwk": other.jwk}),
        "no jti": key.proof(token="t", jti=None),
    }
    with pytest.raises(InvalidDpopProof):
        check(proofs[name], token="t")


def test_a_proof_is_good_once() -> None:
    key, replays = ProofKey(), MemoryProofReplayStore()
    proof = key.proof()
    check(proof, replays=replays)
    with pytest.raises(InvalidDpopProof, match="jti used before"):
        check(proof, replays=replays)


def test_a_key_whose_coordinate_starts_with_a_zero_byte_is_accepted() -> None:
    # One key in about 128 has such a coordinate; its JWK still carries all 32 bytes (RFC 7518 6.2.1.2).
    key = ProofKey()
    while not any(base64.urlsafe_b64decode(key.jwk[name] + "=")[0] == 0 for name in ("x", "y")):
        key = ProofKey()
    check(key.proof())


def test_a_refused_proof_does_not_spend_its_jti() -> None:
    key, replays = ProofKey(), MemoryProofReplayStore()
    with pytest.raises(InvalidDpopProof):
        check(key.proof("POST", jti="j"), replays=replays)
    assert check(key.proof(jti="j"), replays=replays) == key.jkt


def test_the_postgres_store_is_shared_by_instances(database: str) -> None:
    first, second = ConnectionPool(database), ConnectionPool(database)
    try:
        key = f"test-{uuid.uuid4().hex}"
        assert PostgresProofReplayStore(first).first_use(key, 130_000)
        assert not PostgresProofReplayStore(second).first_use(key, 130_000)
        assert not PostgresProofReplayStore(first).first_use(key, 130_000)
        with psycopg.connect(database) as connection:
            row = connection.execute('SELECT "expiresAt" > now() + interval \'2 minutes\' FROM "dpop_proof_use" WHERE "key" = %s', [key]).fetchone()
        assert row == (True,)
    finally:
        first.close()
        second.close()


class Store:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a refused request reached the store ({name})")


def client_for(settings_for: Any, jwks: JwksServer, **environ: str) -> TestClient:
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url, **environ), NoRevocations())
    return TestClient(create_app(verifier, Store()), raise_server_exceptions=False)  # type: ignore[arg-type]


@pytest.fixture
def client(settings_for: Any, jwks: JwksServer) -> TestClient:
    return client_for(settings_for, jwks)


def assert_dpop_refusal(response: Any, error: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == f'DPoP error="{error}", algs="ES256"'
    assert response.json() == {"detail": "INVALID_DPOP_PROOF" if error == "invalid_dpop_proof" else "INVALID_TOKEN"}


def test_a_bound_token_with_its_keys_proof_is_the_user(client: TestClient, signing_key: SigningKey) -> None:
    key = ProofKey()
    token = sign(signing_key, claims(cnf={"jkt": key.jkt}))
    response = client.get("/me", headers={"Authorization": f"DPoP {token}", "DPoP": key.proof(token=token)})
    assert response.status_code == 200
    assert response.json() == {"id": "user-a", "role": "user"}


def test_a_bound_token_with_another_keys_proof_is_refused(client: TestClient, signing_key: SigningKey) -> None:
    key = ProofKey()
    token = sign(signing_key, claims(cnf={"jkt": key.jkt}))
    response = client.get("/me", headers={"Authorization": f"DPoP {token}", "DPoP": ProofKey().proof(token=token)})
    assert_dpop_refusal(response, "invalid_dpop_proof")


def test_a_bound_token_without_a_proof_is_refused(client: TestClient, signing_key: SigningKey) -> None:
    token = sign(signing_key, claims(cnf={"jkt": ProofKey().jkt}))
    assert_dpop_refusal(client.get("/me", headers={"Authorization": f"DPoP {token}"}), "invalid_dpop_proof")


def test_a_bound_token_sent_as_bearer_is_refused(client: TestClient, signing_key: SigningKey) -> None:
    key = ProofKey()
    token = sign(signing_key, claims(cnf={"jkt": key.jkt}))
    assert_dpop_refusal(client.get("/me", headers={"Authorization": f"Bearer {token}"}), "invalid_token")
    # A proof beside it changes nothing: the scheme says bearer.
    assert_dpop_refusal(client.get("/me", headers={"Authorization": f"Bearer {token}", "DPoP": key.proof(token=token)}), "invalid_token")


def test_an_unbound_token_as_dpop_is_refused(client: TestClient, signing_key: SigningKey) -> None:
    key, token = ProofKey(), sign(signing_key)
    assert_dpop_refusal(client.get("/me", headers={"Authorization": f"DPoP {token}", "DPoP": key.proof(token=token)}), "invalid_token")


def test_a_malformed_cnf_makes_the_token_invalid(client: TestClient, signing_key: SigningKey) -> None:
    key = ProofKey()
    token = sign(signing_key, claims(cnf={"x5t#S256": key.jkt}))
    assert_dpop_refusal(client.get("/me", headers={"Authorization": f"DPoP {token}", "DPoP": key.proof(token=token)}), "invalid_token")


def test_an_unbound_bearer_token_works_while_dpop_is_allowed(client: TestClient, signing_key: SigningKey) -> None:
    assert client.get("/me", headers={"Authorization": f"Bearer {sign(signing_key)}"}).status_code == 200


def test_dpop_required_refuses_an_unbound_bearer_token(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    client = client_for(settings_for, jwks, API_DPOP="required")
    assert_dpop_refusal(client.get("/me", headers={"Authorization": f"Bearer {sign(signing_key)}"}), "invalid_token")
    key = ProofKey()
    token = sign(signing_key, claims(cnf={"jkt": key.jkt}))
    assert client.get("/me", headers={"Authorization": f"DPoP {token}", "DPoP": key.proof(token=token)}).status_code == 200


def test_a_proof_naming_the_public_origin_is_accepted_when_configured(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    client = client_for(settings_for, jwks, API_PUBLIC_ORIGIN="https://api.example.com")
    key = ProofKey()
    token = sign(signing_key, claims(cnf={"jkt": key.jkt}))
    proof = key.proof(url="https://api.example.com/me", token=token)
    assert client.get("/me", headers={"Authorization": f"DPoP {token}", "DPoP": proof}).status_code == 200
    other = key.proof(url="https://elsewhere.example.com/me", token=token)
    assert_dpop_refusal(client.get("/me", headers={"Authorization": f"DPoP {token}", "DPoP": other}), "invalid_dpop_proof")


def test_api_dpop_and_api_public_origin_are_checked(settings_for: Any) -> None:
    from tasks_fastapi.settings import SettingsError

    with pytest.raises(SettingsError, match="API_DPOP"):
        settings_for(API_DPOP="sometimes")
    with pytest.raises(SettingsError, match="API_PUBLIC_ORIGIN"):
        settings_for(API_PUBLIC_ORIGIN="https://api.example.com/path")
    assert settings_for(API_PUBLIC_ORIGIN="https://api.example.com/").public_origin == "https://api.example.com"
