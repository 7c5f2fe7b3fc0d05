"""The contract's size limits (server/CONTRACT.md section 5), refused before the body is read whole and
before anything reaches the store; and a slow key set fetch never holds up the event loop."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Iterator

import httpx
import pytest
from conftest import JwksServer, SigningKey, sign
from fastapi.testclient import TestClient
from test_auth_dependency import UntouchedStore

from tasks_fastapi.app import create_app
from tasks_fastapi.request_limits import MAX_BODY_BYTES, MAX_URL_BYTES
from tasks_fastapi.token_verifier import NoRevocations, TokenVerifier


@pytest.fixture
def store() -> UntouchedStore:
    return UntouchedStore()


@pytest.fixture
def client(settings_for: Any, jwks: JwksServer, store: UntouchedStore) -> TestClient:
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), NoRevocations())
    return TestClient(create_app(verifier, store))  # type: ignore[arg-type]


@pytest.fixture
def headers(signing_key: SigningKey) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign(signing_key)}", "Content-Type": "application/json"}


def body_of(size: int) -> bytes:
    body = json.dumps({"title": "t", "description": ""}).encode()
    return body[:-2] + b"x" * (size - len(body)) + b'"}'


def test_a_body_over_100_kb_is_413_and_reaches_nothing(client: TestClient, headers: dict[str, str], store: UntouchedStore) -> None:
    response = client.post("/tasks", headers=headers, content=body_of(MAX_BODY_BYTES + 1))
    assert (response.status_code, response.json()) == (413, {"detail": "REQUEST_ENTITY_TOO_LARGE"})
    assert store.calls == []


def test_a_streamed_body_over_100_kb_is_413_too(client: TestClient, headers: dict[str, str], store: UntouchedStore) -> None:
    def chunks() -> Iterator[bytes]:
        body = body_of(MAX_BODY_BYTES * 2)
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = client.post("/tasks", headers=headers, content=chunks())
    assert (response.status_code, response.json()) == (413, {"detail": "REQUEST_ENTITY_TOO_LARGE"})
    assert store.calls == []


def test_a_body_under_the_limit_goes_on_to_validation(client: TestClient, headers: dict[str, str]) -> None:
    # 90 KB of description: past the field's 10,000 characters (422), not past the body limit (413).
    assert client.post("/tasks", headers=headers, content=body_of(90 * 1024)).status_code == 422


def test_a_content_length_that_is_not_a_length_is_400(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/tasks", headers={**headers, "Content-Length": "ten"}, content=b"{}")
    assert (response.status_code, response.json()) == (400, {"detail": "BAD_REQUEST"})


def test_a_url_over_16_kb_is_414(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/tasks", headers=headers, params={"cursor": "x" * MAX_URL_BYTES})
    assert (response.status_code, response.json()) == (414, {"detail": "URI_TOO_LONG"})


def test_a_slow_key_set_fetch_does_not_hold_up_the_event_loop(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    jwks.delay = 1.0
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), NoRevocations())
    app = create_app(verifier, UntouchedStore())  # type: ignore[arg-type]

    async def both() -> tuple[float, int]:
        async with httpx.AsyncClient(app=app, base_url="http://test") as client:
            # Timed from before the slow request starts: a blocked loop would also hold up this sleep.
            started = time.monotonic()
            slow = asyncio.create_task(client.get("/me", headers={"Authorization": f"Bearer {sign(signing_key)}"}))
            await asyncio.sleep(0.1)
            assert (await client.get("/health")).status_code == 200
            health_seconds = time.monotonic() - started
            return health_seconds, (await slow).status_code

    health_seconds, me_status = asyncio.run(both())
    assert me_status == 200
    assert health_seconds < 0.6
