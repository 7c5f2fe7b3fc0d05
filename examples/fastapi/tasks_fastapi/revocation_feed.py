"""What ended, and whether this instance can vouch for it (server/CONTRACT.md section 3), as
server/src/token-verification/revocation-*.ts do it: one PostgreSQL connection LISTENs on the channel,
then reads the table (so nothing committed in between is missed), and answers a heartbeat that also
reads the database's clock. The list lives in memory and is asked on every request. Past the staleness
bound without a heartbeat answered, every request with a token is answered 503, never a 200 this
instance can no longer vouch for. A lost connection reconnects with backoff and re-reads the table.

The connection lives in a daemon thread of its own: psycopg's notifications arrive while a query runs,
so the thread waits on the socket (or the heartbeat period) and then runs the clock query, which both
delivers pending notifications and proves the connection alive.
"""

from __future__ import annotations

import json
import logging
import math
import select
import threading
import time
from typing import Any, Callable, Optional

import psycopg

from .token_verifier import RevocationsUnavailable, TokenIdentity

CHANNEL = "revocation_events"
APPLICATION_NAME = "tasks-fastapi-revocation-feed"
READ_LIVE_EVENTS = (
    'SELECT "revocation_event_payload"(e) AS "event" FROM "revocation_event" e '
    "WHERE e.\"kind\" = 'key-revoked' OR e.\"occurredAt\" > now() - make_interval(secs => %s::double precision / 1000)"
)
READ_CLOCK = "SELECT extract(epoch FROM clock_timestamp())::float8 * 1000"
MAX_BACKOFF_SECONDS = 5.0
ROLE_RANK = {"user": 0, "admin": 1}

log = logging.getLogger("tasks_fastapi.revocations")


def parse_event(raw: Any) -> Optional[dict[str, Any]]:
    """One event of the payload shape (JSON text from NOTIFY, or the object psycopg parsed); None if foreign."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    kind, subject, occurred_at = value.get("kind"), value.get("subject"), value.get("occurredAt")
    if not isinstance(subject, str) or not isinstance(occurred_at, (int, float)) or isinstance(occurred_at, bool):
        return None
    if kind in ("session-revoked", "tokens-revoked", "key-revoked"):
        return {"kind": kind, "subject": subject, "occurredAt": float(occurred_at)}
    if kind == "claims-changed" and value.get("role") in ROLE_RANK:
        return {"kind": kind, "subject": subject, "role": value["role"], "occurredAt": float(occurred_at)}
    return None


class RevocationList:
    """The events in force, by what each kind names; times in ms of the database's clock."""

    def __init__(self, horizon_ms: float, clock_tolerance_ms: float) -> None:
        self._horizon_ms = horizon_ms
        self._clock_tolerance_ms = clock_tolerance_ms
        self.sessions: dict[str, float] = {}
        self.keys: set[str] = set()
        self.user_tokens_up_to: dict[str, float] = {}
        self.user_roles: dict[str, tuple[str, float]] = {}

    def add(self, event: dict[str, Any]) -> None:
        kind, subject, at = event["kind"], event["subject"], event["occurredAt"]
        if kind == "session-revoked":
            self.sessions[subject] = at
        elif kind == "key-revoked":
            self.keys.add(subject)
        elif kind == "tokens-revoked":
            if self.user_tokens_up_to.get(subject, -math.inf) < at:
                self.user_tokens_up_to[subject] = at
        elif kind == "claims-changed":
            if self.user_roles.get(subject, ("", -math.inf))[1] < at:
                self.user_roles[subject] = (event["role"], at)

    def prune(self, now_ms: float) -> None:
        horizon = now_ms - self._horizon_ms
        # Copies: request threads read these while the feed's thread prunes.
        self.sessions = {sid: at for sid, at in self.sessions.items() if at >= horizon}
        self.user_tokens_up_to = {sub: at for sub, at in self.user_tokens_up_to.items() if at >= horizon}
        self.user_roles = {sub: entry for sub, entry in self.user_roles.items() if entry[1] >= horizon}

    def is_revoked(self, token: TokenIdentity) -> bool:
        if token.session_id in self.sessions:
            return True
        if token.key_id is not None and token.key_id in self.keys:
            return True
        issued_at_ms = token.issued_at * 1000
        # iat has whole seconds: a token from the same second as the event counts as issued before it.
        up_to = self.user_tokens_up_to.get(token.user_id)
        if up_to is not None and issued_at_ms <= up_to:
            return True
        # A role change ends only tokens that claim more than the user now has.
        role = self.user_roles.get(token.user_id)
        return (
            role is not None
            and ROLE_RANK.get(token.role, 0) > ROLE_RANK.get(role[0], 0)
            and issued_at_ms <= role[1] + self._clock_tolerance_ms
        )


class RevocationFeed:
    def __init__(
        self,
        database_url: str,
        max_staleness_seconds: float,
        horizon_seconds: float,
        clock_tolerance_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = database_url
        self._max_staleness = max_staleness_seconds
        self._heartbeat = max(0.05, min(5.0, max_staleness_seconds / 3))
        self._horizon_ms = horizon_seconds * 1000
        self._monotonic = monotonic
        self.list = RevocationList(self._horizon_ms, clock_tolerance_seconds * 1000)
        self._confirmed_at = -math.inf
        self._clock: Optional[tuple[float, float]] = None  # (database ms, monotonic s) of the last reading
        self._first_attempt = threading.Event()
        self._closed = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._start_lock = threading.Lock()
        self._reported_stale = False

    # The verifier's side (token_verifier.Revocations).

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=APPLICATION_NAME, daemon=True)
                self._thread.start()

    def assert_current(self) -> None:
        self.start()
        if not self._stale():
            return
        # Never current yet (starting up): wait for the first connection attempt instead of refusing.
        if not math.isfinite(self._confirmed_at):
            self._first_attempt.wait(timeout=10)
            if not self._stale():
                return
        if not self._reported_stale:
            self._reported_stale = True
            log.warning("revocation feed not confirmed for over %s s: answering 503 until it is back", self._max_staleness)
        raise RevocationsUnavailable("revocation feed is not current")

    def is_revoked(self, token: TokenIdentity) -> bool:
        return self.list.is_revoked(token)

    def is_key_revoked(self, kid: str) -> bool:
        return kid in self.list.keys

    def now(self) -> float:
        """The database's clock in epoch seconds, advanced by the monotonic clock; the host's before the first read."""
        if self._clock is None:
            return time.time()
        database_ms, local = self._clock
        return database_ms / 1000 + (self._monotonic() - local)

    def close(self) -> None:
        self._closed.set()

    # The connection's side.

    def _stale(self) -> bool:
        return self._monotonic() - self._confirmed_at > self._max_staleness

    def _confirmed(self) -> None:
        self._confirmed_at = self._monotonic()
        if self._reported_stale:
            log.warning("revocation feed is current again")
        self._reported_stale = False
        if self._clock is not None:
            self.list.prune(self._clock[0])

    def _read_clock(self, connection: "psycopg.Connection[Any]") -> None:
        sent = self._monotonic()
        row = connection.execute(READ_CLOCK).fetchone()
        assert row is not None
        self._clock = (float(row[0]), (sent + self._monotonic()) / 2)

    def _on_notify(self, notify: psycopg.Notify) -> None:
        if notify.channel == CHANNEL:
            event = parse_event(notify.payload)
            if event is not None:
                self.list.add(event)

    def _run(self) -> None:
        failures = 0
        while not self._closed.is_set():
            connection = None
            try:
                connection = psycopg.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=5,
                    application_name=APPLICATION_NAME,
                    # A silently dead peer shows up within seconds, not the kernel's two hours.
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=2,
                    options=f"-c statement_timeout={max(1000, int(self._heartbeat * 1000))}",
                )
                connection.add_notify_handler(self._on_notify)
                # LISTEN before reading, so nothing committed in between is missed (applying twice is harmless).
                connection.execute(f"LISTEN {CHANNEL}")
                for (raw,) in connection.execute(READ_LIVE_EVENTS, [self._horizon_ms]).fetchall():
                    event = parse_event(raw)
                    if event is not None:
                        self.list.add(event)
                self._read_clock(connection)
                failures = 0
                self._confirmed()
                self._first_attempt.set()
                while not self._closed.is_set():
                    # Wakes on a notification (or the heartbeat); the query delivers it and proves the connection alive.
                    select.select([connection.fileno()], [], [], self._heartbeat)
                    self._read_clock(connection)
                    self._confirmed()
            except Exception as error:  # noqa: BLE001 - any failure means: reconnect
                if failures == 0:
                    log.warning("revocation feed connection lost (%s); reconnecting", error)
                failures += 1
                self._first_attempt.set()
            finally:
                if connection is not None:
                    connection.close()
            # The first retry at once, then 0.1 s doubling up to 5 s.
            delay = 0 if failures <= 1 else min(MAX_BACKOFF_SECONDS, 0.1 * 2 ** min(failures - 2, 6))
            self._closed.wait(delay)
