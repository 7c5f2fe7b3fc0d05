"""Builds the FastAPI app; __main__.py listens. Tests build it with their own settings, verifier and
store (or the real ones on a test database) and call it through httpx without opening a port."""

from __future__ import annotations

import logging
import uuid
from typing import Callable, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .database import ConnectionPool, DatabaseBusy, OwnerNotFound, QuotaExceeded
from .dpop_proof import MemoryProofReplayStore, PostgresProofReplayStore, ProofReplayStore
from .request_limits import RequestLimits
from .revocation_feed import RevocationFeed
from .settings import Settings
from .task_routes import router
from .task_store import TaskStore
from .token_verifier import TokenVerifier

log = logging.getLogger("tasks_fastapi")


def create_app(
    verifier: TokenVerifier,
    task_store: TaskStore,
    on_shutdown: Optional[list[Callable[[], None]]] = None,
    proof_replays: Optional[ProofReplayStore] = None,
) -> FastAPI:
    """`proof_replays`: where DPoP proofs' jti are claimed; one process's memory unless given (tests only: the
    production app passes the PostgreSQL table every instance shares)."""
    app = FastAPI(title="Tasks (FastAPI resource server)", on_shutdown=on_shutdown or [])
    app.state.verifier = verifier
    app.state.task_store = task_store
    app.state.proof_replays = proof_replays or MemoryProofReplayStore()
    app.state.dpop_required = verifier.settings.dpop_required
    app.state.public_origin = verifier.settings.public_origin
    app.include_router(router)
    app.add_middleware(RequestLimits)

    # Liveness only, as the auth service's /health: no token, no database.
    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.exception_handler(DatabaseBusy)
    def database_busy(request: Request, error: DatabaseBusy) -> JSONResponse:
        log.warning("answering 503 SERVICE_BUSY: %s", error)
        return JSONResponse({"detail": "SERVICE_BUSY"}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(QuotaExceeded)
    def quota_exceeded(request: Request, error: QuotaExceeded) -> JSONResponse:
        return JSONResponse({"detail": "QUOTA_EXCEEDED"}, status_code=409)

    @app.exception_handler(OwnerNotFound)
    def owner_not_found(request: Request, error: OwnerNotFound) -> JSONResponse:
        # A token that outlived its account: as the GraphQL API, the caller is no one.
        return JSONResponse({"detail": "INVALID_TOKEN"}, status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @app.exception_handler(Exception)
    def masked(request: Request, error: Exception) -> JSONResponse:
        # No stack, no SQL, no library text for the client: an id the log holds the real error under.
        error_id = uuid.uuid4().hex
        log.error("internal error %s", error_id, exc_info=error)
        return JSONResponse({"detail": "INTERNAL_SERVER_ERROR", "errorId": error_id}, status_code=500)

    return app


def create_production_app(settings: Settings, revocations: RevocationFeed) -> FastAPI:
    """The app on the real database and key set, as __main__.py runs it."""
    pool = ConnectionPool(
        settings.database_url, wait_seconds=settings.pool_wait_seconds, statement_timeout_ms=settings.statement_timeout_ms
    )
    store = TaskStore(pool, settings.tasks_max_per_user, settings.task_text_bytes_max_per_user)
    verifier = TokenVerifier(settings, revocations)
    return create_app(verifier, store, on_shutdown=[revocations.close, pool.close], proof_replays=PostgresProofReplayStore(pool))
