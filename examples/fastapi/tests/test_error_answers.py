"""What the client sees when the database or the code fails (server/CONTRACT.md section 5): 503
SERVICE_BUSY with Retry-After when no connection can be had in time, and a masked 500 that carries no
library or SQL text."""

from __future__ import annotations

from typing import Any

from conftest import JwksServer, SigningKey, sign
from fastapi.testclient import TestClient

from tasks_fastapi.app import create_app
from tasks_fastapi.database import ConnectionPool
from tasks_fastapi.task_store import TaskStore
from tasks_fastapi.token_verifier import NoRevocations, TokenVerifier


def client_on(settings_for: Any, jwks: JwksServer, store: Any) -> TestClient:
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), NoRevocations())
    return TestClient(create_app(verifier, store), raise_server_exceptions=False)


def test_no_free_connection_in_time_is_503_service_busy(settings_for: Any, jwks: JwksServer, signing_key: SigningKey, database: str) -> None:
    pool = ConnectionPool(database, size=1, wait_seconds=0.1)
    client = client_on(settings_for, jwks, TaskStore(pool))
    headers = {"Authorization": f"Bearer {sign(signing_key)}"}
    assert client.get("/tasks", headers=headers).status_code == 200
    with pool.connection():
        response = client.get("/tasks", headers=headers)
    assert (response.status_code, response.json()) == (503, {"detail": "SERVICE_BUSY"})
    assert int(response.headers["retry-after"]) > 0
    assert client.get("/tasks", headers=headers).status_code == 200
    pool.close()


def test_an_unreachable_database_is_503_service_busy(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    client = client_on(settings_for, jwks, TaskStore(ConnectionPool("postgresql://root@127.0.0.1:9/none")))
    response = client.get("/tasks", headers={"Authorization": f"Bearer {sign(signing_key)}"})
    assert (response.status_code, response.json()) == (503, {"detail": "SERVICE_BUSY"})


class BrokenStore:
    def page(self, *args: Any) -> Any:
        raise RuntimeError('relation "task_secret" does not exist at SELECT "userId" FROM')


def test_an_internal_error_is_masked_with_an_id(settings_for: Any, jwks: JwksServer, signing_key: SigningKey) -> None:
    response = client_on(settings_for, jwks, BrokenStore()).get("/tasks", headers={"Authorization": f"Bearer {sign(signing_key)}"})
    assert response.status_code == 500
    body = response.json()
    assert body["detail"] == "INTERNAL_SERVER_ERROR" and len(body["errorId"]) == 32
    assert "task_secret" not in response.text and "SELECT" not in response.text
