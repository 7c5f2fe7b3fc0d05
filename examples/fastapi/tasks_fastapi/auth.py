"""get_current_user: the router's one door for identity (server/CONTRACT.md sections 1 and 5).

An HTTPBearer security dependency, as in the seed (which documents the bearer scheme in the OpenAPI
schema); the header is read here, since a DPoP-bound token comes as `Authorization: DPoP <token>` with a
`DPoP` proof header (RFC 9449), checked in dpop_proof.py. It is a plain `def` on purpose: FastAPI runs sync
dependencies in its thread pool, so a key set fetch (blocking, up to its timeout) never stalls the
event loop. HTTPBearer is made with auto_error=False because its own refusals (403 "Not authenticated")
are not the contract's: a missing token is 401 with a bare Bearer challenge, a malformed header 400
invalid_request, a bad token 401 invalid_token with a generic body.
"""

from __future__ import annotations

import logging
import re
from typing import Optional

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .dpop_proof import ALGORITHMS, InvalidDpopProof, verify_proof
from .key_set import KeysUnavailable
from .token_verifier import InvalidToken, RevocationsUnavailable, TokenVerifier, Viewer

log = logging.getLogger("tasks_fastapi.auth")

bearer = HTTPBearer(auto_error=False, description="A token from the auth service's GET /api/auth/token")

# RFC 6750 b64token: one token, nothing after it.
TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
# How long a client should wait when keys or revocations cannot be had (the key set's retry period).
AUTH_RETRY_AFTER_SECONDS = "5"


def refusal(status: int, code: str, challenge: str) -> HTTPException:
    return HTTPException(status_code=status, detail=code, headers={"WWW-Authenticate": challenge})


def dpop_refusal(error: str) -> HTTPException:
    """RFC 9449 section 7.1: a DPoP challenge naming the error and the one proof algorithm accepted."""
    code = "INVALID_DPOP_PROOF" if error == "invalid_dpop_proof" else "INVALID_TOKEN"
    return refusal(401, code, f'DPoP error="{error}", algs="{" ".join(ALGORITHMS)}"')


def unavailable() -> HTTPException:
    return HTTPException(status_code=503, detail="AUTH_UNAVAILABLE", headers={"Retry-After": AUTH_RETRY_AFTER_SECONDS})


def get_current_user(request: Request, credentials: Optional[HTTPAuthorizationCredentials] = Security(bearer)) -> Viewer:
    headers = request.headers.getlist("authorization")
    if "access_token" in request.query_params:
        raise refusal(400, "INVALID_REQUEST", 'Bearer error="invalid_request"')
    if not headers:
        # Every route here needs a signed-in user: no token is 401 with a challenge naming no error (RFC 6750 3.1).
        raise refusal(401, "UNAUTHENTICATED", "Bearer")
    scheme, _, token = headers[0].partition(" ")
    if len(headers) > 1 or scheme.lower() not in ("bearer", "dpop") or not TOKEN.match(token):
        raise refusal(400, "INVALID_REQUEST", 'Bearer error="invalid_request"')
    verifier: TokenVerifier = request.app.state.verifier
    dpop = scheme.lower() == "dpop"
    try:
        viewer = verifier.verify(token)
    except InvalidToken as error:
        log.info("token refused: %s", error)
        raise (dpop_refusal("invalid_token") if dpop else refusal(401, "INVALID_TOKEN", 'Bearer error="invalid_token"')) from None
    except (KeysUnavailable, RevocationsUnavailable) as error:
        log.warning("answering 503: %s", error)
        raise unavailable() from None
    if not dpop:
        # A bound token is worth nothing without its key's proof: a copy sent as Bearer is a stolen one.
        if viewer.jkt is not None or request.app.state.dpop_required:
            log.info("token refused: %s", "a DPoP-bound token sent as Bearer" if viewer.jkt else "DPoP is required")
            raise dpop_refusal("invalid_token")
        return viewer
    if viewer.jkt is None:
        log.info("token refused: an unbound token under the DPoP scheme")
        raise dpop_refusal("invalid_token")
    # Several DPoP headers are joined as the GraphQL API's HTTP server joins them, and refused as several proofs.
    proof = ", ".join(request.headers.getlist("dpop")) or None
    try:
        jkt = verify_proof(
            proof,
            request.method,
            request_urls(request),
            verifier.now(),
            request.app.state.proof_replays,
            access_token=token,
        )
    except InvalidDpopProof as error:
        log.info("DPoP proof refused: %s", error)
        raise dpop_refusal("invalid_dpop_proof") from None
    if jkt != viewer.jkt:
        log.info("DPoP proof refused: %s", "its key is not the one the token is bound to")
        raise dpop_refusal("invalid_dpop_proof")
    return viewer


def request_urls(request: Request) -> list[str]:
    """The request's URL as received (Host header) and, when configured, at the public origin clients address."""
    received = str(request.url)
    public_origin: Optional[str] = request.app.state.public_origin
    return [received] if public_origin is None else [received, f"{public_origin}{request.url.path}"]
