"""get_current_user on the whole router (server/CONTRACT.md section 5): who gets 401, 400 and 503, with
which headers, and that no route answers data, or touches the store, without a verified token."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from conftest import JwksServer, SigningKey, claims, sign
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tasks_fastapi.app import create_app
from tasks_fastapi.token_verifier import NoRevocations, RevocationsUnavailable, TokenVerifier


class UntouchedStore:
    """Any call is recorded: a refused request must not reach the data."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return ([], None) if name == "page" else None

        return record


class StaleRevocations(NoRevocations):
    def assert_current(self) -> None:
        raise RevocationsUnavailable("feed not current")


@pytest.fixture
def store() -> UntouchedStore:
    return UntouchedStore()


@pytest.fixture
def client(settings_for: Any, jwks: JwksServer, store: UntouchedStore) -> TestClient:
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), NoRevocations())
    return TestClient(create_app(verifier, store), raise_server_exceptions=False)  # type: ignore[arg-type]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def task_routes(client: TestClient) -> list[tuple[str, str]]:
    routes = [route for route in client.app.routes if isinstance(route, APIRoute) and route.path != "/health"]  # type: ignore[attr-defined]
    return [(method, route.path.replace("{task_id}", "some-id")) for route in routes for method in route.methods]


def test_a_valid_token_reads_me(client: TestClient, signing_key: SigningKey) -> None:
    response = client.get("/me", headers=bearer(sign(signing_key, claims(role="admin"))))
    assert response.status_code == 200
    assert response.json() == {"id": "user-a", "role": "admin"}


def test_every_route_without_a_token_is_401_with_a_bare_challenge(client: TestClient, store: UntouchedStore) -> None:
    routes = task_routes(client)
    assert {path for _, path in routes} == {"/me", "/tasks", "/tasks/some-id"}
    for method, path in routes:
        response = client.request(method, path, json={"title": "x"})
        assert (method, path, response.status_code) == (method, path, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    assert store.calls == []


def test_every_route_with_a_bad_token_is_401_invalid_token_and_no_data(client: TestClient, store: UntouchedStore) -> None:
    forged = sign(SigningKey())
    for method, path in task_routes(client):
        response = client.request(method, path, headers=bearer(forged), json={"title": "x"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert response.json() == {"detail": "INVALID_TOKEN"}
    assert store.calls == []


def test_alg_none_through_the_router_is_401(client: TestClient, signing_key: SigningKey) -> None:
    token = jwt.encode(claims(), None, algorithm="none", headers={"kid": signing_key.kid})
    assert client.get("/me", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Bearer  abc", "bearer\tabc", "Token abc", "Bearer ab\"c"],
)
def test_a_malformed_authorization_header_is_400_invalid_request(client: TestClient, authorization: str, store: UntouchedStore) -> None:
    response = client.get("/tasks", headers={"Authorization": authorization})
    assert response.status_code == 400
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_request"'
    assert store.calls == []


def test_two_authorization_headers_are_400(client: TestClient, signing_key: SigningKey) -> None:
    token = sign(signing_key)
    response = client.get("/me", headers=[("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")])
    assert response.status_code == 400


def test_a_token_in_the_url_is_400(client: TestClient, signing_key: SigningKey) -> None:
    token = sign(signing_key)
    assert client.get(f"/me?access_token={token}").status_code == 400
    assert client.get(f"/me?access_token={token}", headers=bearer(token)).status_code == 400


def test_keys_that_cannot_be_had_are_503_auth_unavailable_with_retry_after(settings_for: Any, signing_key: SigningKey) -> None:
    verifier = TokenVerifier(settings_for(API_JWKS_URL="http://127.0.0.1:9/api/auth/jwks"), NoRevocations())
    client = TestClient(create_app(verifier, UntouchedStore()))  # type: ignore[arg-type]
    response = client.get("/me", headers=bearer(sign(signing_key)))
    assert response.status_code == 503
    assert response.json() == {"detail": "AUTH_UNAVAILABLE"}
    assert int(response.headers["retry-after"]) > 0


def test_a_revocation_list_not_current_is_503_even_for_a_good_token(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), StaleRevocations())
    client = TestClient(create_app(verifier, UntouchedStore()))  # type: ignore[arg-type]
    response = client.get("/me", headers=bearer(sign(signing_key)))
    assert response.status_code == 503
    assert response.json() == {"detail": "AUTH_UNAVAILABLE"}
    assert "retry-after" in response.headers


def test_an_expired_token_is_401_not_500(client: TestClient, signing_key: SigningKey) -> None:
    now = int(time.time())
    response = client.get("/tasks", headers=bearer(sign(signing_key, claims(iat=now - 3600, exp=now - 1800))))
    assert response.status_code == 401
