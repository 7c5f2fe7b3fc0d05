"""The one place that reads the environment, with the names and defaults of server/src/env.ts and
config.ts, so one set of variables configures both resource servers. Everything else receives a
Settings; tests build their own without touching os.environ. Stops with every problem listed."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

# The repository's data folder: `pnpm dev` keeps the embedded PostgreSQL's password there.
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEVELOPMENT_SECRETS = PROJECT_ROOT / ".data" / "dev-secrets.json"

# server/src/env.ts DURATION: a number and a unit (s, m, h, d).
DURATION = re.compile(r"^(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)$", re.IGNORECASE)
# HS256 needs 256 bits (config.ts MIN_SECRET_LENGTH).
MIN_SECRET_LENGTH = 32


class SettingsError(Exception):
    pass


@dataclass(frozen=True)
class KeySetSettings:
    url: str
    timeout_seconds: float
    cooldown_seconds: float
    cache_max_age_seconds: float
    stale_max_age_seconds: float
    # After a failed fetch, answer from the last good keys (or 503) this long before trying again
    # (server/src/token-verification/token-verifier.ts KEYS_RETRY_AFTER_MS).
    retry_after_seconds: float = 5.0


@dataclass(frozen=True)
class Settings:
    issuer: str
    audience: str
    # Exactly one of the two: the auth service's key set (EdDSA) or the opt-in shared secret (HS256).
    key_set: Optional[KeySetSettings]
    shared_secret: Optional[str]
    clock_tolerance_seconds: int
    max_token_age_seconds: int
    revocation_max_staleness_seconds: float
    database_url: str
    host: str
    port: int
    statement_timeout_ms: int
    pool_wait_seconds: float
    tasks_max_per_user: int
    task_text_bytes_max_per_user: int
    # API_DPOP=required: only DPoP-bound tokens (RFC 9449); allowed: unbound bearer tokens still work.
    dpop_required: bool = False
    # API_PUBLIC_ORIGIN: the origin clients address (behind TLS termination), also accepted in a proof's htu.
    public_origin: Optional[str] = None


def duration_seconds(text: str) -> int:
    match = DURATION.match(text.strip())
    if not match:
        raise SettingsError(f"not a duration: {text}")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)[0].lower()]


def read_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    problems: list[str] = []

    def text(name: str) -> Optional[str]:
        value = environ.get(name, "").strip()
        return value or None

    def integer(name: str, default: int, low: int, high: Optional[int] = None) -> int:
        raw = text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            problems.append(f"{name}: a whole number")
            return default
        if value < low or (high is not None and value > high):
            problems.append(f"{name}: from {low}" + (f" to {high}" if high is not None else ""))
        return value

    production = text("NODE_ENV") == "production"
    auth_base_url = text("AUTH_BASE_URL") or f"http://localhost:{integer('AUTH_PORT', 4001, 0, 65535)}"
    expiration = text("JWT_EXPIRATION") or "15m"
    try:
        max_age = duration_seconds(expiration)
    except SettingsError:
        problems.append("JWT_EXPIRATION: a duration such as 15m, 900s or 1h")
        max_age = 900

    shared_secret = text("JWT_SHARED_SECRET")
    if shared_secret is not None and len(shared_secret) < MIN_SECRET_LENGTH:
        problems.append(f"JWT_SHARED_SECRET: at least {MIN_SECRET_LENGTH} characters (HS256 needs 256 bits)")
    key_set = None
    if shared_secret is None:
        key_set = KeySetSettings(
            url=text("API_JWKS_URL") or f"{auth_base_url}/api/auth/jwks",
            timeout_seconds=integer("API_JWKS_TIMEOUT_MS", 5_000, 100, 60_000) / 1000,
            cooldown_seconds=integer("API_JWKS_COOLDOWN_MS", 30_000, 0, 600_000) / 1000,
            cache_max_age_seconds=integer("API_JWKS_CACHE_MAX_AGE_MS", 600_000, 1_000) / 1000,
            stale_max_age_seconds=integer("API_JWKS_STALE_MAX_AGE_MS", 3_600_000, 0) / 1000,
        )

    database_url = text("DATABASE_URL")
    if database_url is None:
        database_url = None if production else development_database_url(integer("EMBEDDED_POSTGRES_PORT", 54329, 0, 65535))
        if database_url is None:
            problems.append("DATABASE_URL: required (in development, start `pnpm dev` first: its embedded database is used)")

    if production:
        if not text("JWT_ISSUER") and not text("AUTH_BASE_URL"):
            problems.append("JWT_ISSUER (or AUTH_BASE_URL): required in production")
        if not shared_secret and not text("API_JWKS_URL") and not text("AUTH_BASE_URL"):
            problems.append("a key source is required in production: API_JWKS_URL or JWT_SHARED_SECRET")
        # Tokens and keys travel through these URLs: https, unless a private network is declared.
        if text("ALLOW_INSECURE_HTTP") != "true":
            # AUTH_BASE_URL only while it is where the keys come from (config.ts does the same).
            checked = ["JWT_ISSUER", "API_JWKS_URL"] + ([] if shared_secret or text("API_JWKS_URL") else ["AUTH_BASE_URL"])
            for name in checked:
                value = text(name)
                if value is not None and not value.startswith("https://"):
                    problems.append(f"{name}: must be an https:// URL in production (or set ALLOW_INSECURE_HTTP=true)")

    dpop = text("API_DPOP") or "allowed"
    if dpop not in ("allowed", "required"):
        problems.append("API_DPOP: allowed or required")
    public_origin = text("API_PUBLIC_ORIGIN")
    if public_origin is not None:
        try:
            parsed = urlsplit(public_origin)
            if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path not in ("", "/"):
                raise ValueError(public_origin)
            public_origin = f"{parsed.scheme}://{parsed.netloc}"
        except ValueError:
            problems.append("API_PUBLIC_ORIGIN: an origin such as https://api.example.com")
            public_origin = None

    settings = Settings(
        issuer=text("JWT_ISSUER") or auth_base_url,
        audience=text("JWT_AUDIENCE") or "tasks-api",
        key_set=key_set,
        shared_secret=shared_secret,
        clock_tolerance_seconds=integer("JWT_CLOCK_TOLERANCE_SECONDS", 30, 0, 300),
        max_token_age_seconds=max_age,
        revocation_max_staleness_seconds=integer("API_REVOCATION_MAX_STALENESS_MS", 30_000, 500, 600_000) / 1000,
        database_url=database_url or "",
        host=text("HOST") or "127.0.0.1",
        port=integer("FASTAPI_PORT", 4200, 0, 65535),
        statement_timeout_ms=integer("DB_STATEMENT_TIMEOUT_MS", 2_000, 100, 600_000),
        pool_wait_seconds=integer("DB_POOL_WAIT_MS", 2_000, 100, 60_000) / 1000,
        tasks_max_per_user=integer("TASKS_MAX_PER_USER", 10_000, 1),
        task_text_bytes_max_per_user=integer("TASKS_MAX_TEXT_BYTES_PER_USER", 10 * 1024 * 1024, 1_000),
        dpop_required=dpop == "required",
        public_origin=public_origin,
    )
    if problems:
        raise SettingsError("Invalid environment:\n" + "\n".join(f"  - {problem}" for problem in problems))
    return settings


def development_database_url(port: int) -> Optional[str]:
    """The embedded PostgreSQL `pnpm dev` runs (server/src/db/database.server.ts), when its password exists."""
    try:
        password = json.loads(DEVELOPMENT_SECRETS.read_text())["postgresPassword"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return f"postgresql://postgres:{password}@127.0.0.1:{port}/tasks"
