"""The one door to the task table, as server/src/tasks/task-store.ts: every function takes the owner's id
first and names it in the WHERE clause of its one statement, so a task that is not yours is never
read, changed or deleted, and looks exactly like one that does not exist. Under the door, every
statement runs as the owner under row-level security (database.run_as_owner). Values travel only as
parameters; the SQL text is fixed.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from .database import ConnectionPool, run_as_owner

COLUMNS = '"id", "title", "description", "completed", "dueAt", "createdAt", "updatedAt", "userId"'
# The GraphQL API's order name: a cursor from either server reads the same (server/src/tasks/task-order.ts).
ORDER = "NEWEST_FIRST"
# Task ids are UUIDs; anything much longer was never handed out (task-order.ts MAX_ID_LENGTH).
MAX_ID_LENGTH = 64
CURSOR_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


class InvalidCursor(Exception):
    pass


@dataclass(frozen=True)
class Position:
    created_at: datetime  # naive UTC, as stored
    id: str


def utc_now() -> datetime:
    """Naive UTC with millisecond precision: what a timestamp(3) column keeps and JavaScript's Date holds."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(value: Optional[datetime]) -> Optional[str]:
    """Date.prototype.toISOString's form, the GraphQL API's DateTime: 2026-12-07T05:41:55.123Z."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def encode_cursor(task: dict[str, Any]) -> str:
    # JSON.stringify's compact form and unpadded base64url, so the bytes match the GraphQL API's cursors.
    raw = json.dumps([ORDER, iso(task["createdAt"]), task["id"]], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """Checked before any SQL: a cursor is text from the client. A forged cursor is only a position in
    the caller's own rows (the owner is still in the WHERE), never a reference to another's."""
    try:
        parsed = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor() from error
    if not isinstance(parsed, list) or len(parsed) != 3:
        raise InvalidCursor()
    order, value, task_id = parsed
    if order != ORDER or not is_task_id(task_id) or not isinstance(value, str) or not CURSOR_TIME.match(value) or value.startswith("0000"):
        raise InvalidCursor()
    try:
        created_at = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError as error:
        raise InvalidCursor() from error
    return Position(created_at, task_id)


def is_task_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and "\x00" not in value


class TaskStore:
    def __init__(self, pool: ConnectionPool, max_tasks: Optional[int] = None, max_text_bytes: Optional[int] = None) -> None:
        self._pool = pool
        self._quota = (max_tasks, max_text_bytes)

    def _rows(self, owner_id: str, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        return run_as_owner(self._pool, owner_id, sql, params, self._quota)[0]

    def page(self, owner_id: str, limit: int, after: Optional[Position] = None) -> tuple[list[dict[str, Any]], Optional[str]]:
        """Newest first (createdAt desc, id desc), keyset on the last row shown; one row more than asked
        tells whether a next page exists."""
        if after is None:
            sql = f'SELECT {COLUMNS} FROM "task" WHERE "userId" = %s ORDER BY "createdAt" DESC, "id" DESC LIMIT %s'
            params: list[Any] = [owner_id, limit + 1]
        else:
            sql = (
                f'SELECT {COLUMNS} FROM "task" WHERE "userId" = %s '
                'AND ("createdAt" < %s OR ("createdAt" = %s AND "id" < %s)) '
                'ORDER BY "createdAt" DESC, "id" DESC LIMIT %s'
            )
            params = [owner_id, after.created_at, after.created_at, after.id, limit + 1]
        rows = self._rows(owner_id, sql, params)
        items = rows[:limit]
        return items, (encode_cursor(items[-1]) if len(rows) > limit else None)

    def find(self, owner_id: str, task_id: str) -> Optional[dict[str, Any]]:
        if not is_task_id(task_id):
            return None  # never handed out: the same answer as a missing task, without a query
        rows = self._rows(owner_id, f'SELECT {COLUMNS} FROM "task" WHERE "id" = %s AND "userId" = %s', [task_id, owner_id])
        return rows[0] if rows else None

    def create(self, owner_id: str, title: str, description: str, due_at: Optional[datetime]) -> dict[str, Any]:
        now = utc_now()
        rows = self._rows(
            owner_id,
            f'INSERT INTO "task" ({COLUMNS}) VALUES (%s, %s, %s, false, %s, %s, %s, %s) RETURNING {COLUMNS}',
            [str(uuid.uuid4()), title, description, due_at, now, now, owner_id],
        )
        return rows[0]

    def update(self, owner_id: str, task_id: str, changes: dict[str, Any]) -> Optional[dict[str, Any]]:
        """Only the given fields (title, description, completed, dueAt) are set; a None dueAt clears it."""
        if not is_task_id(task_id):
            return None
        assignments = ['"updatedAt" = %s']
        values: list[Any] = [utc_now()]
        for column in ("title", "description", "completed", "dueAt"):  # fixed names, never the client's keys
            if column in changes:
                assignments.append(f'"{column}" = %s')
                values.append(changes[column])
        rows = self._rows(
            owner_id,
            f'UPDATE "task" SET {", ".join(assignments)} WHERE "id" = %s AND "userId" = %s RETURNING {COLUMNS}',
            [*values, task_id, owner_id],
        )
        return rows[0] if rows else None

    def delete(self, owner_id: str, task_id: str) -> bool:
        if not is_task_id(task_id):
            return False
        sql = 'DELETE FROM "task" WHERE "id" = %s AND "userId" = %s'
        _, count = run_as_owner(self._pool, owner_id, sql, [task_id, owner_id], self._quota)
        return count == 1
