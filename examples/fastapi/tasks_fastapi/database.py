"""A small bounded pool of psycopg connections, and the owner transaction every task statement runs in.

Debian ships psycopg 3.1 without its pool package in the brief's list, and a FastAPI route here runs in
a worker thread, so a queue of connections behind a semaphore is enough. Sessions are in UTC: the
task table's times are `timestamp(3) without time zone` holding UTC (Prisma's convention), and only
naive UTC datetimes ever travel as parameters, so no session time zone can shift them.
"""

from __future__ import annotations

import queue
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

import psycopg
from psycopg.rows import dict_row

APPLICATION_NAME = "tasks-fastapi"

# server/src/tasks/owner-transaction.ts: the role and settings for this transaction only (is_local = true),
# so row-level security admits the owner's rows and nothing else, and the usage trigger knows the quota.
AS_OWNER = (
    "SELECT set_config('role', 'tasks_api_owner_scoped', true), set_config('app.user_id', %s, true), "
    "set_config('app.tasks_max', %s, true), set_config('app.task_text_bytes_max', %s, true)"
)

QUOTA_EXCEEDED_SQLSTATE = "TQ001"


class DatabaseBusy(Exception):
    """No free connection in time, a statement over its timeout, or the database unreachable: 503."""


class OwnerNotFound(Exception):
    """The owner no longer exists (a token outlived its account)."""


class QuotaExceeded(Exception):
    """The usage trigger refused the write; nothing was written."""


class ConnectionPool:
    def __init__(self, url: str, size: int = 10, wait_seconds: float = 2.0, statement_timeout_ms: int = 2000) -> None:
        self._url = url
        self._wait_seconds = wait_seconds
        self._statement_timeout_ms = statement_timeout_ms
        self._slots = threading.BoundedSemaphore(size)
        self._idle: "queue.LifoQueue[psycopg.Connection[Any]]" = queue.LifoQueue()

    def _connect(self) -> "psycopg.Connection[Any]":
        return psycopg.connect(
            self._url,
            autocommit=True,  # transactions are explicit (conn.transaction()), one per statement
            row_factory=dict_row,
            connect_timeout=5,
            application_name=APPLICATION_NAME,
            options=f"-c statement_timeout={self._statement_timeout_ms} -c TimeZone=UTC",
        )

    @contextmanager
    def connection(self) -> Iterator["psycopg.Connection[Any]"]:
        if not self._slots.acquire(timeout=self._wait_seconds):
            raise DatabaseBusy("no free database connection")
        connection: Optional[psycopg.Connection[Any]] = None
        try:
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                try:
                    connection = self._connect()
                except psycopg.OperationalError as error:
                    raise DatabaseBusy(f"cannot connect: {error}") from error
            yield connection
        finally:
            if connection is not None:
                # A connection left mid-transaction or broken is dropped, never handed to the next request.
                if connection.closed or connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    connection.close()
                else:
                    self._idle.put(connection)
            self._slots.release()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def run_as_owner(
    pool: ConnectionPool,
    owner_id: str,
    sql: str,
    params: Sequence[Any],
    quota: tuple[Optional[int], Optional[int]] = (None, None),
) -> tuple[list[dict[str, Any]], int]:
    """(rows, rowcount) of one statement in a transaction of its own, as the owner under row-level security. The statement
    must also name the owner in its WHERE: this is the second wall, not the only one."""
    max_tasks, max_text_bytes = quota
    try:
        with pool.connection() as connection, connection.transaction():
            connection.execute(AS_OWNER, [owner_id, str(max_tasks or ""), str(max_text_bytes or "")])
            cursor = connection.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
            count = cursor.rowcount
        return rows, count
    except psycopg.errors.ForeignKeyViolation as error:
        raise OwnerNotFound() from error
    except psycopg.errors.QueryCanceled as error:
        raise DatabaseBusy("statement timeout") from error
    except psycopg.Error as error:
        if error.sqlstate == QUOTA_EXCEEDED_SQLSTATE:
            raise QuotaExceeded() from error
        if isinstance(error, psycopg.OperationalError):
            raise DatabaseBusy(str(error)) from error
        raise
