"""The contract's limits on a request's size (server/CONTRACT.md section 5), before anything reads it: a URL
over 16 KB is 414 URI_TOO_LONG, a Content-Length that is not one length is 400 BAD_REQUEST, a body over
100 KB is 413 REQUEST_ENTITY_TOO_LARGE, whether it declares its length or streams in chunks. A plain ASGI
middleware, so an oversized body is refused as it arrives, not after it has been buffered whole: reading
past the limit raises BodyTooLarge inside the app: an HTTPException, so FastAPI's body parsing lets it
through (it turns other errors into 400) and its handler answers 413."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from fastapi import HTTPException
from starlette.responses import JSONResponse

MAX_BODY_BYTES = 100 * 1024
MAX_URL_BYTES = 16 * 1024

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413, detail="REQUEST_ENTITY_TOO_LARGE")


class RequestLimits:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted_receive, send)

    @staticmethod
    def _refusal(scope: Scope) -> Any:
        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            return JSONResponse({"detail": "URI_TOO_LONG"}, status_code=414)
        lengths = [value for name, value in scope["headers"] if name == b"content-length"]
        if lengths:
            if len(lengths) > 1 or not lengths[0].strip().isdigit():
                return JSONResponse({"detail": "BAD_REQUEST"}, status_code=400)
            if int(lengths[0]) > MAX_BODY_BYTES:
                return too_large()
        return None


def too_large() -> JSONResponse:
    return JSONResponse({"detail": "REQUEST_ENTITY_TOO_LARGE"}, status_code=413)
