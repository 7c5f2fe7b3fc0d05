"""Fixtures: a test Ed25519 key served from a local JWKS (no auth service needed), tokens signed with it
the way the auth service signs them, and settings built as read_settings builds them."""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks_fastapi.settings import read_settings  # noqa: E402

ISSUER = "http://localhost:4001"
AUDIENCE = "tasks-api"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class SigningKey:
    def __init__(self, kid: Optional[str] = None) -> None:
        self.kid = kid or uuid.uuid4().hex
        self.private = Ed25519PrivateKey.generate()
        self.public_bytes = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def jwk(self) -> dict[str, Any]:
        # The shape Better Auth's JWT plugin serves at /api/auth/jwks.
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(self.public_bytes), "alg": "EdDSA", "kid": self.kid}


class JwksServer:
    """A local HTTP server: serves `document` (or `status`, or `raw`) and counts the requests it gets."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.status = 200
        self.raw: Optional[bytes] = None
        self.headers: dict[str, str] = {}
        self.requests = 0
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests += 1
                time.sleep(server.delay)
                body = server.raw if server.raw is not None else json.dumps(server.document).encode()
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/api/auth/jwks"
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def serve(self, *keys: SigningKey) -> None:
        self.document = {"keys": [key.jwk() for key in keys]}

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture
def jwks(signing_key: SigningKey) -> Iterator[JwksServer]:
    server = JwksServer()
    server.serve(signing_key)
    yield server
    server.close()


@pytest.fixture
def settings_for() -> Callable[..., Any]:
    """Settings from an environment, through the parser the service uses (never hand-built)."""

    def build(**environ: str) -> Any:
        base = {"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, "DATABASE_URL": "postgresql://unused@127.0.0.1:1/none"}
        return read_settings({**base, **environ})

    return build


def claims(**overrides: Any) -> dict[str, Any]:
    """What the auth service puts in an access token (server/CONTRACT.md): sub, sid, role, iss, aud, iat, exp."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "user-a",
        "sid": "session-a",
        "role": "user",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 900,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not DROP}


DROP = object()


def sign(key: SigningKey, payload: Optional[dict[str, Any]] = None, **header: Any) -> str:
    headers = {"kid": key.kid, **header}
    if headers.get("kid") is DROP:
        del headers["kid"]
    return jwt.encode(payload if payload is not None else claims(), key.private, algorithm="EdDSA", headers=headers)


SERVER_URL = os.environ.get("FASTAPI_TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/postgres")
MIGRATIONS = Path(__file__).resolve().parents[3] / "prisma" / "migrations"
USERS = ("user-a", "user-b", "user-c")


def database_url(name: str) -> str:
    return psycopg.conninfo.make_conninfo(SERVER_URL, dbname=name)


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    """A database of its own on FASTAPI_TEST_DATABASE_URL's server (default: the machine's PostgreSQL as
    root), migrated from prisma/migrations, with three users; dropped at the end."""
    name = f"fastapi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            for migration in sorted(path for path in MIGRATIONS.iterdir() if path.is_dir()):
                # One script per migration, as prisma.config.ts runs them (no parameters: the simple protocol).
                connection.execute((migration / "migration.sql").read_text())  # type: ignore[arg-type]
            for user in USERS:
                connection.execute(
                    'INSERT INTO "user" ("id", "name", "email", "updatedAt") VALUES (%s, %s, %s, now())', [user, user, f"{user}@example.com"]
                )
        yield url
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
