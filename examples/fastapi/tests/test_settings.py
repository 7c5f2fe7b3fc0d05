"""settings.py reads the GraphQL API's names and defaults (server/src/env.ts, config.ts), lists every
problem at once, and in development finds the embedded database `pnpm dev` runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks_fastapi import settings as settings_module
from tasks_fastapi.settings import SettingsError, read_settings


def test_the_defaults_are_the_graphql_apis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "dev-secrets.json"
    secrets.write_text(json.dumps({"postgresPassword": "pw"}))
    monkeypatch.setattr(settings_module, "DEVELOPMENT_SECRETS", secrets)
    settings = read_settings({})
    assert (settings.port, settings.issuer, settings.audience) == (4200, "http://localhost:4001", "tasks-api")
    assert settings.key_set is not None and settings.key_set.url == "http://localhost:4001/api/auth/jwks"
    assert (settings.key_set.cooldown_seconds, settings.key_set.cache_max_age_seconds, settings.key_set.stale_max_age_seconds) == (30, 600, 3600)
    assert (settings.clock_tolerance_seconds, settings.max_token_age_seconds, settings.revocation_max_staleness_seconds) == (30, 900, 30)
    assert settings.database_url == "postgresql://postgres:pw@127.0.0.1:54329/tasks"


def test_the_auth_service_is_found_where_its_settings_put_it() -> None:
    settings = read_settings({"AUTH_PORT": "4301", "DATABASE_URL": "postgresql://x", "FASTAPI_PORT": "4303", "JWT_EXPIRATION": "1h"})
    assert settings.key_set is not None and settings.key_set.url == "http://localhost:4301/api/auth/jwks"
    assert (settings.issuer, settings.port, settings.max_token_age_seconds) == ("http://localhost:4301", 4303, 3600)


def test_the_shared_secret_mode_has_no_key_set() -> None:
    settings = read_settings({"JWT_SHARED_SECRET": "s" * 32, "DATABASE_URL": "postgresql://x"})
    assert (settings.key_set, settings.shared_secret) == (None, "s" * 32)


def test_every_problem_is_listed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module, "DEVELOPMENT_SECRETS", tmp_path / "missing.json")
    with pytest.raises(SettingsError) as error:
        read_settings({"JWT_SHARED_SECRET": "short", "FASTAPI_PORT": "port", "JWT_EXPIRATION": "forever"})
    message = str(error.value)
    for name in ("JWT_SHARED_SECRET", "FASTAPI_PORT", "JWT_EXPIRATION", "DATABASE_URL"):
        assert name in message


def test_production_needs_an_explicit_database() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        read_settings({"NODE_ENV": "production", "AUTH_BASE_URL": "https://auth.example"})


def test_production_refuses_http_for_the_issuer_and_the_keys() -> None:
    with pytest.raises(SettingsError, match="API_JWKS_URL: must be an https"):
        read_settings({"NODE_ENV": "production", "DATABASE_URL": "postgresql://x", "JWT_ISSUER": "https://auth.example", "API_JWKS_URL": "http://auth.example/jwks"})
    allowed = {"NODE_ENV": "production", "DATABASE_URL": "postgresql://x", "AUTH_BASE_URL": "http://auth.internal", "ALLOW_INSECURE_HTTP": "true"}
    assert read_settings(allowed).issuer == "http://auth.internal"
