"""Isolation against a real PostgreSQL (server/CONTRACT.md section 4): a database of its own, migrated from
prisma/migrations, users and tokens as the auth service makes them, and the routes through the app.
Each wall is also tested alone: row-level security under a statement without the owner, and the owner
in the WHERE with row-level security switched off in this test database.
The database comes from conftest.py's `database` fixture."""

from __future__ import annotations

import uuid
from typing import Any, Iterator

import psycopg
import pytest
from conftest import JwksServer, SigningKey, claims, sign
from fastapi.testclient import TestClient

from tasks_fastapi.app import create_app
from tasks_fastapi.database import ConnectionPool, run_as_owner
from tasks_fastapi.task_store import TaskStore, encode_cursor
from tasks_fastapi.token_verifier import NoRevocations, TokenVerifier


@pytest.fixture(scope="module")
def pool(database: str) -> Iterator[ConnectionPool]:
    pool = ConnectionPool(database, size=4)
    yield pool
    pool.close()


@pytest.fixture
def client(settings_for: Any, jwks: JwksServer, pool: ConnectionPool) -> TestClient:
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), NoRevocations())
    return TestClient(create_app(verifier, TaskStore(pool, max_tasks=10_000, max_text_bytes=10_000_000)), raise_server_exceptions=False)


@pytest.fixture(autouse=True)
def empty_tasks(database: str) -> None:
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute('DELETE FROM "task"')


@pytest.fixture
def as_user(signing_key: SigningKey) -> Any:
    def headers(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {sign(signing_key, claims(sub=user, sid=f'session-of-{user}'))}"}

    return headers


def create(client: TestClient, headers: dict[str, str], title: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/tasks", headers=headers, json={"title": title, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def titles(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get("/tasks", headers=headers, params={"limit": 100})
    assert response.status_code == 200
    return [task["title"] for task in response.json()["items"]]


def test_each_user_lists_exactly_their_own_tasks_newest_first(client: TestClient, as_user: Any) -> None:
    for number in range(3):
        create(client, as_user("user-a"), f"a{number}")
    for number in range(2):
        create(client, as_user("user-b"), f"b{number}")
    assert titles(client, as_user("user-a")) == ["a2", "a1", "a0"]
    assert titles(client, as_user("user-b")) == ["b1", "b0"]
    assert titles(client, as_user("user-c")) == []


def test_a_task_reads_back_with_the_graphql_field_names(client: TestClient, as_user: Any) -> None:
    task = create(client, as_user("user-a"), "  Write the report  ", description="by Friday", dueAt="2026-12-31T17:00:00+01:00")
    assert set(task) == {"id", "title", "description", "completed", "dueAt", "createdAt", "updatedAt"}
    assert (task["title"], task["description"], task["completed"], task["dueAt"]) == ("Write the report", "by Friday", False, "2026-12-31T16:00:00.000Z")
    assert task["createdAt"].endswith("Z") and task["createdAt"] == task["updatedAt"]
    assert client.get(f"/tasks/{task['id']}", headers=as_user("user-a")).json() == task


def test_update_sets_only_the_given_fields_and_null_clears(client: TestClient, as_user: Any) -> None:
    task = create(client, as_user("user-a"), "t", description="d", dueAt="2026-12-31T17:00:00Z")
    response = client.patch(f"/tasks/{task['id']}", headers=as_user("user-a"), json={"completed": True, "dueAt": None})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["title"], updated["description"], updated["completed"], updated["dueAt"]) == ("t", "d", True, None)
    assert client.patch(f"/tasks/{task['id']}", headers=as_user("user-a"), json={"title": None}).status_code == 422


def test_a_strangers_task_is_answered_exactly_as_a_missing_one(client: TestClient, as_user: Any) -> None:
    task = create(client, as_user("user-a"), "mine")
    missing = str(uuid.uuid4())
    stranger = as_user("user-b")
    for method, body in (("GET", None), ("PATCH", {"title": "taken"}), ("DELETE", None)):
        theirs = client.request(method, f"/tasks/{task['id']}", headers=stranger, json=body)
        nothing = client.request(method, f"/tasks/{missing}", headers=stranger, json=body)
        assert (theirs.status_code, theirs.json(), theirs.headers.get("content-type")) == (404, {"detail": "NOT_FOUND"}, nothing.headers.get("content-type"))
        assert (nothing.status_code, nothing.json()) == (404, {"detail": "NOT_FOUND"})
    assert client.get(f"/tasks/{task['id']}", headers=as_user("user-a")).json() == task


def test_delete_answers_204_then_404(client: TestClient, as_user: Any) -> None:
    task = create(client, as_user("user-a"), "short-lived")
    response = client.delete(f"/tasks/{task['id']}", headers=as_user("user-a"))
    assert (response.status_code, response.content) == (204, b"")
    assert client.delete(f"/tasks/{task['id']}", headers=as_user("user-a")).status_code == 404


def test_no_input_lets_a_client_choose_the_owner(client: TestClient, as_user: Any) -> None:
    assert client.post("/tasks", headers=as_user("user-a"), json={"title": "x", "userId": "user-b"}).status_code == 422
    task = create(client, as_user("user-a"), "x")
    assert client.patch(f"/tasks/{task['id']}", headers=as_user("user-a"), json={"userId": "user-b"}).status_code == 422
    assert titles(client, as_user("user-b")) == []


@pytest.mark.parametrize(
    "body",
    [{"title": ""}, {"title": "   "}, {"title": "x" * 201}, {"title": 5}, {"title": "x", "description": "d" * 10_001}, {"title": "a\x00b"}, {"title": "x", "dueAt": "tomorrow"}],
)
def test_invalid_input_is_422_and_writes_nothing(client: TestClient, as_user: Any, body: dict[str, Any]) -> None:
    assert client.post("/tasks", headers=as_user("user-a"), json=body).status_code == 422
    assert titles(client, as_user("user-a")) == []


def test_pages_follow_the_cursor_newest_first_and_end_with_null(client: TestClient, as_user: Any, database: str) -> None:
    # Same createdAt for several rows: the id breaks the tie, as in the GraphQL API's pages.
    with psycopg.connect(database, autocommit=True) as connection:
        for number in range(7):
            connection.execute(
                'INSERT INTO "task" ("id", "title", "createdAt", "updatedAt", "userId") VALUES (%s, %s, %s, %s, %s)',
                [f"id-{number}", f"t{number}", f"2026-12-0{1 + number // 3} 10:00:00", "2026-12-01 10:00:00", "user-c"],
            )
    expected = [f"t{number}" for number in (6, 5, 4, 3, 2, 1, 0)]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        response = client.get("/tasks", headers=as_user("user-c"), params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        page = response.json()
        seen += [task["title"] for task in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == expected


def test_a_cursor_only_moves_through_the_callers_own_rows(client: TestClient, as_user: Any) -> None:
    theirs = create(client, as_user("user-a"), "theirs")
    create(client, as_user("user-b"), "mine")
    row = {"id": "zzzz", "createdAt": __import__("datetime").datetime(2999, 1, 1)}
    page = client.get("/tasks", headers=as_user("user-b"), params={"cursor": encode_cursor(row)}).json()
    assert [task["title"] for task in page["items"]] == ["mine"]
    assert theirs["id"] not in str(page)


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJUSVRMRSIsImEiLCJiIl0", "WyJORVdFU1RfRklSU1QiLCIwMDAwLTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJhIl0"])
def test_a_cursor_this_api_never_handed_out_is_422(client: TestClient, as_user: Any, cursor: str) -> None:
    assert client.get("/tasks", headers=as_user("user-a"), params={"cursor": cursor}).status_code == 422


@pytest.mark.parametrize("limit", [0, 101, "x"])
def test_a_limit_outside_1_to_100_is_422(client: TestClient, as_user: Any, limit: Any) -> None:
    assert client.get("/tasks", headers=as_user("user-a"), params={"limit": limit}).status_code == 422


def test_odd_ids_are_404_never_500(client: TestClient, as_user: Any) -> None:
    for task_id in ("%00", "x" * 300, "'; DROP TABLE task; --", "%E2%80%AE"):
        assert client.get(f"/tasks/{task_id}", headers=as_user("user-a")).status_code == 404


def test_row_level_security_alone_admits_only_the_owners_rows(client: TestClient, as_user: Any, pool: ConnectionPool) -> None:
    create(client, as_user("user-a"), "a")
    create(client, as_user("user-b"), "b")
    # A statement that forgot the owner: the policy still shows user-b only user-b's row.
    rows, _ = run_as_owner(pool, "user-b", 'SELECT "title" FROM "task"', [])
    assert [row["title"] for row in rows] == ["b"]
    rows, count = run_as_owner(pool, "user-b", 'UPDATE "task" SET "title" = %s', ["overwritten"])
    assert count == 1
    assert titles(client, as_user("user-a")) == ["a"]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as_owner(pool, "user-b", 'INSERT INTO "task" ("id", "title", "updatedAt", "userId") VALUES (%s, %s, now(), %s)', ["planted", "p", "user-a"])


def test_the_owner_in_the_where_alone_keeps_users_apart(client: TestClient, as_user: Any, database: str) -> None:
    task = create(client, as_user("user-a"), "a")
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute('ALTER TABLE "task" NO FORCE ROW LEVEL SECURITY')
        connection.execute('ALTER TABLE "task" DISABLE ROW LEVEL SECURITY')
    try:
        stranger = as_user("user-b")
        assert titles(client, stranger) == []
        assert client.get(f"/tasks/{task['id']}", headers=stranger).status_code == 404
        assert client.patch(f"/tasks/{task['id']}", headers=stranger, json={"title": "taken"}).status_code == 404
        assert client.delete(f"/tasks/{task['id']}", headers=stranger).status_code == 404
        assert titles(client, as_user("user-a")) == ["a"]
    finally:
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute('ALTER TABLE "task" ENABLE ROW LEVEL SECURITY')
            connection.execute('ALTER TABLE "task" FORCE ROW LEVEL SECURITY')


def test_the_quota_refuses_growth_past_the_limit(settings_for: Any, jwks: JwksServer, pool: ConnectionPool, as_user: Any) -> None:
    verifier = TokenVerifier(settings_for(API_JWKS_URL=jwks.url), NoRevocations())
    client = TestClient(create_app(verifier, TaskStore(pool, max_tasks=2, max_text_bytes=10_000_000)))
    create(client, as_user("user-a"), "one")
    create(client, as_user("user-a"), "two")
    response = client.post("/tasks", headers=as_user("user-a"), json={"title": "three"})
    assert (response.status_code, response.json()) == (409, {"detail": "QUOTA_EXCEEDED"})
    assert titles(client, as_user("user-a")) == ["two", "one"]


def test_a_token_that_outlived_its_account_writes_nothing(client: TestClient, as_user: Any) -> None:
    response = client.post("/tasks", headers=as_user("user-gone"), json={"title": "orphan"})
    assert response.status_code == 401
