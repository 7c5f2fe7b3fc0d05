"""get_current_user: the router's one door for identity (server/CONTRACT.md sections 1 and 5).

An HTTPBearer security dependency, as in the seed. It is a plain `def` on purpose: FastAPI runs sync
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


def unavailable() -> HTTPException:
    return HTTPException(status_code=503, detail="AUTH_UNAVAILABLE", headers={"Retry-After": AUTH_RETRY_AFTER_SECONDS})


def get_current_user(request: Request, credentials: Optional[HTTPAuthorizationCredentials] = Security(bearer)) -> Viewer:
    headers = request.headers.getlist("authorization")
    if "access_token" in request.query_params:
        raise refusal(400, "INVALID_REQUEST", 'Bearer error="invalid_request"')
    if not headers:
        # Every route here needs a signed-in user: no token is 401 with a challenge naming no error (RFC 6750 3.1).
        raise refusal(401, "UNAUTHENTICATED", "Bearer")
    if len(headers) > 1 or credentials is None or credentials.scheme.lower() != "bearer" or not TOKEN.match(credentials.credentials):
        raise refusal(400, "INVALID_REQUEST", 'Bearer error="invalid_request"')
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return verifier.verify(credentials.credentials)
    except InvalidToken as error:
        log.info("token refused: %s", error)
        raise refusal(401, "INVALID_TOKEN", 'Bearer error="invalid_token"') from None
    except (KeysUnavailable, RevocationsUnavailable) as error:
        log.warning("answering 503: %s", error)
        raise unavailable() from None
